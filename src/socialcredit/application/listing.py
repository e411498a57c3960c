"""List entries and the verifier's yes/no."""

from __future__ import annotations

import json
from datetime import date

from socialcredit.application.base import (
    Base,
    Recorded,
    normalise_subject,
    version_on,
)
from socialcredit.core import lists as lists_core
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import (
    check_text,
)
from socialcredit.core.lists import EntryState
from socialcredit.core.sanctions import Decision, Registry, Standing, decide
from socialcredit.core.scoring import score


class Listing(Base):
    def list_propose(
        self,
        subject: str,
        list_id: str,
        *,
        authority: str,
        evidence_ref: str | None,
        occurred: date,
        fields: dict[str, str],
    ) -> Recorded:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            kind = self._subject_kind(conn, sid)
            d = self._list_def(conn, list_id)
            event = lists_core.propose(
                d,
                subject=sid,
                subject_kind=kind,
                authority=authority,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
                fields=fields,
            )
            key = event.dedup_key() or ""
            existing = self.store.find_dedup(conn, [key])
            if key in existing:
                return Recorded(existing[key], False)
            event = self._sealed(conn, event)
            (done,) = self.store.append(conn, [event])
            self._access(conn, "list.propose", sid, {"entry": done.id, "list": list_id})
        return Recorded(done.id, True)

    def list_transition(
        self, entry: int, step: str, *, authority: str, evidence_ref: str | None, occurred: date
    ) -> list[int]:
        """notify or remedy an entry; a remedy appends the removal in the same transaction."""
        with self.store.transaction() as conn:
            self._ready(conn)
            d, state = self._entry(conn, entry)
            args = {
                "authority": authority,
                "evidence": evidence_ref,
                "occurred": occurred,
                "today": self._today(),
                "recorded": self._now(),
            }
            if step == "notify":
                new = [lists_core.notify(d, state, **args)]  # type: ignore[arg-type]
            elif step == "remedy":
                new = lists_core.remedy(d, state, **args)  # type: ignore[arg-type]
            else:
                raise BadInput(f"unknown list step {step!r}")
            done = self.store.append(conn, new)
            self._access(conn, f"list.{step}", state.subject, {"entry": entry})
        return [e.id for e in done]

    def list_consent(self, entry: int, subject: str, consent: bool, occurred: date) -> int:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            d, state = self._entry(conn, entry)
            if state.subject != sid:  # as for an unknown entry: no existence oracle
                raise NotFound(f"unknown list entry {entry}", field="entry")
            ev = lists_core.set_consent(
                d,
                state,
                subject=sid,
                consent=consent,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self.store.append(conn, [ev])
            self._access(conn, "list.consent", sid, {"entry": entry, "consent": consent})
        return done.id

    def list_entries(self, subject: str) -> list[EntryState]:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            states = self._view(conn, sid, self._today()).entries
            self._access(conn, "lists.read", sid)
        return sorted(states.values(), key=lambda s: s.entry)

    def registry(self) -> Registry:
        with self.store.transaction() as conn:
            self._ready(conn)
            return self._registry(conn)

    def check(
        self,
        subject: str,
        service: str,
        *,
        verifier: str,
        purpose: str | None,
        as_of: date | None = None,
    ) -> Decision:
        """A verifier's yes/no question, answered and recorded in one transaction.

        The verifier gets the decision and reason codes only. An ID that is valid but not
        registered has nothing recorded against it, so the answer is allow.
        """
        text = check_text(purpose, "purpose")
        if text is None:
            raise BadInput("a check needs a stated purpose (--purpose)", field="purpose")
        sid, kind = normalise_subject(subject)
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            registry = self._registry(conn)
            registry.authorise(verifier, service)
            row = self.store.get_subject(conn, sid)
            view = self._view(conn, sid, day) if row is not None else None
            events = view.events if view is not None else []
            standings: dict[str, Standing] = {}
            for scheme in registry.schemes_needed(service):
                versions = self.store.rulebook_versions(conn, scheme)
                if versions and row is not None:
                    book = version_on(versions, day)
                    if book.subjects in ("any", row.kind):
                        r = score(book, sid, [e for e in events if e.scheme == scheme], day)
                        standings[scheme] = Standing(r.score, r.grade)
            states = lists_core.fold(events, registry.lists)
            decision = decide(
                registry,
                sid,
                row.kind if row is not None else kind,
                service,
                day,
                states.values(),
                standings,
            )
            self.store.record_access(
                conn,
                [
                    {
                        "at": self._now(),
                        "actor": verifier,
                        "role": "verifier",
                        "action": "decision",
                        "subject": sid,
                        "purpose": text,
                        "detail": json.dumps(
                            {
                                "service": service,
                                "as_of": day.isoformat(),
                                "decision": decision.decision,
                                "reasons": [r.code for r in decision.reasons],
                            },
                            sort_keys=True,
                        ),
                    }
                ],
            )
        return decision

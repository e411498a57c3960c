"""List entries, the public boards and the verifier's yes/no."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.application.base import (
    Actor,
    Part,
    Recorded,
    normalise_subject,
)
from socialcredit.application.group_commit import Pending, committer_for
from socialcredit.application.repairs import catalogue_severity
from socialcredit.application.views import DecisionView
from socialcredit.core import lists as lists_core
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.ledger import (
    check_text,
)
from socialcredit.core.lists import EntryState
from socialcredit.core.sanctions import Decision, Registry
from socialcredit.core.standing import as_utc, refuse_other_kind
from socialcredit.core.standing import decision as standing_decision


class Lists(Part):
    """Entries on the published lists, their boards, and the checks that read them."""

    def propose(
        self,
        actor: Actor,
        subject: str,
        list_id: str,
        *,
        authority: str,
        evidence_ref: str | None,
        occurred: date,
        fields: dict[str, str],
        severity: str | None = None,
        conduct: str | None = None,
    ) -> Recorded:
        """Open an entry; ``conduct`` (a catalogue code the list cites) gives its severity."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            kind = self._subject_kind(conn, sid)
            d = self._list_def(conn, list_id)
            # the catalogue in force on the day of the conduct, not the latest published
            cited = catalogue_severity(self, conn, conduct, occurred) if conduct else None
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
                severity=severity,
                conduct=conduct,
                conduct_severity=cited,
            )
            self.store.lock_appends(conn)  # as in record(): no race to a constraint
            key = self._dedup(conn, event) or ""
            existing = self.store.find_dedup(conn, [key])
            if key in existing:
                first = self.store.get_event(conn, existing[key])
                if first is not None:  # the same facts sized otherwise: refused
                    lists_core.same_proposal(first, event)
                return Recorded(existing[key], False)
            (done,) = self._append(conn, [replace(event, data={**event.data, "dedup": key})], actor)
            self._access(conn, actor, "list.propose", sid, {"entry": done.id, "list": list_id})
        return Recorded(done.id, True)

    def transition(
        self,
        actor: Actor,
        entry: int,
        step: str,
        *,
        authority: str,
        evidence_ref: str | None,
        occurred: date,
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
            done = self._append(conn, new, actor)
            self._access(conn, actor, f"list.{step}", state.subject, {"entry": entry})
        return [e.id for e in done]

    def consent(self, actor: Actor, entry: int, subject: str, consent: bool, occurred: date) -> int:
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
            (done,) = self._append(conn, [ev], actor)
            self._access(conn, actor, "list.consent", sid, {"entry": entry, "consent": consent})
        return done.id

    def board(self, actor: Actor, list_id: str, as_of: date | None = None) -> list[dict[str, Any]]:
        """A red list's public honour board: consenting subjects only, minimum fields.

        Each subject's entries come from their standing, so a withdrawn consent, an
        annulment or an ended entry takes the subject off the board at once. Showing a
        name is a read of personal data: one access record per subject shown.
        """
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            d = self._list_def(conn, list_id)
            if d.kind != "red" or not d.public_board:
                raise NotFound(f"list {list_id!r} has no public board", field="list")
            listed = {
                e.subject
                for e in self.store.events_of_types(conn, (lists_core.PROPOSED,))
                if e.data.get("list") == list_id
            }
            rows: list[dict[str, Any]] = []
            for sid in sorted(listed):
                standing = self._standing(conn, sid, day, schemes=())
                shown = lists_core.public_board(standing.lists.values(), d, day)
                if not shown:
                    continue
                row = self.store.get_subject(conn, sid)
                if row is None:
                    continue
                name = sealing.open_sealed(self.store.get_key(conn, sid), sid, row.name)
                for st in shown:
                    until = st.until()
                    rows.append(
                        {
                            "entry": st.entry,
                            "name": name,
                            "kind": str(row.kind),
                            "since": st.effective_from.isoformat() if st.effective_from else None,
                            "until": until.isoformat() if until else None,
                            "citation": st.fields.get("citation"),
                        }
                    )
                self._access(
                    conn,
                    actor,
                    "board.read",
                    sid,
                    {"list": list_id, "entries": [st.entry for st in shown]},
                    purpose="public honour board (consented)",
                )
        return rows

    def entries(self, actor: Actor, subject: str) -> list[EntryState]:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            states = self._standing(conn, sid, self._today()).lists
            self._access(conn, actor, "lists.read", sid)
        return sorted(states.values(), key=lambda s: s.entry)

    def registry(self) -> Registry:
        with self.store.transaction() as conn:
            self._ready(conn)
            return self._registry(conn)

    def check(
        self,
        actor: Actor,
        subject: str,
        service: str,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> DecisionView:
        """A verifier's yes/no question, answered from the subject's standing and recorded.

        The verifier gets the decision and reason codes only; the access record keeps the
        items each reason rests on (its basis), so that if one is voided later the verifier
        is told again. With ``known_at`` the answer is replayed as the system would have
        given it then, and recorded as a read, not as a new decision. An ID that is valid
        but not registered has nothing recorded against it, so the answer is allow.
        ``actor`` is the verifier (its principal is the verifier id the service must be
        authorised for) and states the purpose, which a check requires.

        The answer is computed (``check_prepare``) and its access record written by the
        group committer (``group_commit.py``), with the checks of other threads that
        arrive within the same few milliseconds; it returns only after that commit. The
        answer is the ``DecisionView`` every edge shows (``check_prepare``'s pending
        result is the core's ``Decision``, for the API's own wait on the committer).
        """
        pending = self.check_prepare(actor, subject, service, as_of=as_of, known_at=known_at)
        decision: Decision = committer_for(self.store).submit(pending).result()
        return DecisionView.of(decision)

    def check_prepare(
        self,
        actor: Actor,
        subject: str,
        service: str,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Pending:
        """Compute a check from a read-only snapshot; nothing is written yet.

        The result carries its access record and the subject's last ledger id in the
        snapshot, so the committer can tell whether the ledger moved for this subject
        before the record is written (and then computes it again, inside the write).
        Bad input and refusals raise here, so they leave no record.
        """
        text = check_text(actor.purpose, "purpose")
        if text is None:
            raise BadInput("a check needs a stated purpose (--purpose)", field="purpose")
        sid, kind = normalise_subject(subject)
        # A replay is asked as of its own day unless told otherwise.
        day = as_of or (as_utc(known_at).date() if known_at is not None else self._today())
        if known_at is not None and as_utc(known_at) > self.settings.clock():
            raise BadInput(
                f"--as-known-on {known_at.isoformat()} is in the future", field="known_at"
            )

        def compute(conn: Connection) -> tuple[Decision, list[dict[str, Any]]]:
            self._ready(conn)
            state = self.store.subject_state(conn, sid)
            decision, row = self._check_in(
                conn, sid, kind, service, actor, text, day, known_at, state
            )
            snapshot[0] = state[1]
            return decision, [row]

        snapshot = [0]  # the subject's last ledger id in the snapshot the answer came from
        with self.store.read() as conn:
            decision, rows = compute(conn)
        return Pending(decision, rows, sid, snapshot[0], compute)

    def _check_in(
        self,
        conn: Connection,
        sid: str,
        kind: str,
        service: str,
        actor: Actor,
        text: str,
        day: date,
        known_at: datetime | None,
        state: tuple[str | None, int, bool] | None = None,
    ) -> tuple[Decision, dict[str, Any]]:
        """The decision and its access record, from what ``conn`` sees."""
        docs = self.store.documents_stamp(conn)
        registry = self._registry(conn, docs)
        registry.authorise(actor.principal, service)
        if known_at is not None:  # refused as today's check is (core.standing)
            refuse_other_kind(self._published(conn), registry, service, sid, kind, day)
        needed = sorted(registry.schemes_needed(service))
        standing = self._standing(conn, sid, day, known_at, needed, docs=docs, state=state)
        published = self._published(conn, known_at, docs)
        if known_at is not None:
            registry = published.registry
        decision = standing_decision(standing, registry, service, kind, published)
        detail = {
            "service": service,
            "as_of": day.isoformat(),
            "decision": decision.decision,
            "reasons": [r.code for r in decision.reasons],
            "basis": {r.code: list(r.items) for r in decision.reasons},
        }
        if known_at is not None:
            detail["known_at"] = known_at.isoformat()
        row = {
            "at": self._now(),
            "actor": actor.principal,
            "role": actor.role,
            "action": "decision" if known_at is None else "decision.replay",
            "subject": sid,
            "purpose": text,
            "detail": json.dumps(detail, sort_keys=True),
        }
        return decision, row

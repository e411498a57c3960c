"""Disputes, time (tick), retention and erasure, subject access."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.application import chaining
from socialcredit.application.base import TickResult, normalise_subject
from socialcredit.application.erasure import Erasure
from socialcredit.application.group_commit import Pending
from socialcredit.application.notices import NOTICE, notice_json, notify_voided
from socialcredit.application.repairs import changes_body, severities
from socialcredit.core import disputes as disputes_core
from socialcredit.core import lists as lists_core
from socialcredit.core.disputes import DisputeState
from socialcredit.core.errors import BadInput, NotAllowed, NotFound
from socialcredit.core.ledger import (
    REVERSAL,
    SCORE,
    Event,
    Submission,
    prepare_score_event,
)
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.rulebook import in_force, version_for
from socialcredit.core.standing import Standing, as_utc
from socialcredit.wire import dispute_json, entry_json, event_json, report_json


class DueProcess(Erasure):
    def dispute_open(
        self,
        item: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> int:
        """The subject challenges an event or a list entry; the authority is told at once."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            target = self.store.get_event(conn, item)
            if target is None or target.subject != sid:
                # One message for "no such item" and "someone else's": nothing leaks.
                raise NotFound(f"unknown item {item} for subject {sid}", field="item")
            if target.type == SCORE:
                kind, authority = "event", target.authority
            elif target.type == lists_core.PROPOSED:
                kind, authority = "entry", target.authority
            else:
                raise BadInput(
                    f"item {item} is a {target.type} entry; only score events and list entries "
                    "can be disputed",
                    field="item",
                )
            view = self._standing(conn, sid, self._today())
            opened = disputes_core.open_dispute(
                subject=sid,
                item=target,
                item_kind=kind,
                item_authority=authority,
                item_date=target.occurred,
                existing=list(view.disputes.values()),
                statement=statement,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self._append(conn, [opened])
            self._append(
                conn, [disputes_core.notice(replace(opened, id=done.id), recorded=self._now())]
            )
            self._access(conn, "dispute.open", sid, {"dispute": done.id, "item": item})
        return done.id

    def dispute_add_info(
        self,
        dispute: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> int:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._dispute(conn, dispute)
            self._own_dispute(state, sid)
            ev = disputes_core.add_info(
                state,
                subject=sid,
                statement=statement,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self._append(conn, [ev])
            self._access(conn, "dispute.add-info", sid, {"dispute": dispute})
        return done.id

    def _consequence(
        self,
        conn: Connection,
        state: DisputeState,
        view: Standing,
        *,
        authority: str,
        reason: str,
        occurred: date,
        amend_rule: str | None = None,
    ) -> list[Event]:
        """What voiding an item writes: a reversal (plus a corrected event) or an annulment."""
        item = next(e for e in view.entries if e.id == state.item)
        if state.item_kind == "entry":
            entry = view.lists[state.item]
            if amend_rule is not None:
                raise BadInput("a list entry is upheld or annulled, not amended", field="outcome")
            stored = self.store.get_event(conn, state.item)
            if stored is not None and any(
                e.type == lists_core.ANNULLED and e.data.get("entry") == state.item
                for e in view.entries
            ):
                return []
            return [
                lists_core.annul(
                    replace(entry, annulled=None, voided=False),
                    authority=authority,
                    reason=reason,
                    occurred=occurred,
                    today=occurred,
                    recorded=self._now(),
                )
            ]
        if any(e.type == REVERSAL and e.reverses == item.id for e in view.entries):
            return []
        out = [
            Event(
                id=0,
                type=REVERSAL,
                subject=item.subject,
                authority=authority,
                occurred=occurred,
                recorded=self._now(),
                scheme=item.scheme,
                version=item.version,
                rule=item.rule,
                reverses=item.id,
                reason=reason,
            )
        ]
        if amend_rule is not None:
            assert item.scheme is not None
            out.append(
                prepare_score_event(
                    self._versions(conn, item.scheme),
                    Submission(
                        item.subject,
                        self._subject_kind(conn, item.subject),
                        item.scheme,
                        amend_rule,
                        item.authority,
                        item.evidence_ref,
                        item.occurred,
                        None,
                        item.evidence_sha256,
                    ),
                    today=self._today(),
                    recorded=self._now(),
                )
            )
        return out

    def _reviewer(self, conn: Connection, reviewer: str) -> None:
        if self.store.authority_kind(conn, reviewer) != "review-board":
            raise NotAllowed(f"{reviewer!r} is not a registered reviewer", field="reviewer")

    def dispute_decide(
        self,
        dispute: int,
        *,
        reviewer: str,
        outcome: str,
        reason: str | None,
        occurred: date,
        excuse: str | None = None,
        amend_rule: str | None = None,
    ) -> list[int]:
        with self.store.transaction() as conn:
            self._ready(conn)
            self._reviewer(conn, reviewer)
            state, view = self._dispute(conn, dispute)
            item = next(e for e in view.entries if e.id == state.item)
            excuses: tuple[str, ...] = ()
            if item.type == SCORE and item.scheme:
                book = in_force(self._versions(conn, item.scheme), item.occurred)
                rule = book.rule(item.rule or "") if book else None
                excuses = rule.excusing if rule else ()
            if outcome == disputes_core.AMENDED and not amend_rule:
                raise BadInput("an amendment names the corrected rule (--rule)", field="rule")
            decision = disputes_core.decide(
                state,
                reviewer=reviewer,
                outcome=outcome,
                reason=reason,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
                excuse=excuse,
                allowed_excuses=excuses,
            )
            new = [decision]
            if outcome in (disputes_core.ANNULLED, disputes_core.AMENDED):
                new += self._consequence(
                    conn,
                    state,
                    view,
                    authority=reviewer,
                    reason=f"dispute {dispute} {outcome}: {decision.reason}",
                    occurred=occurred,
                    amend_rule=amend_rule if outcome == disputes_core.AMENDED else None,
                )
            done = self._append(conn, new)
            if outcome in (disputes_core.ANNULLED, disputes_core.AMENDED):
                notify_voided(
                    self,
                    conn,
                    state.subject,
                    {state.item: f"dispute {dispute} decided {outcome}: {decision.reason}"},
                    occurred,
                )
            self._access(
                conn, "dispute.decide", state.subject, {"dispute": dispute, "outcome": outcome}
            )
        return [e.id for e in done]

    def dispute_appeal(
        self, dispute: int, *, subject: str, statement: str | None, occurred: date
    ) -> int:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._dispute(conn, dispute)
            self._own_dispute(state, sid)
            ev = disputes_core.appeal(
                state,
                subject=sid,
                statement=statement,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self._append(conn, [ev])
            self._access(conn, "dispute.appeal", sid, {"dispute": dispute})
        return done.id

    @staticmethod
    def _own_dispute(state: DisputeState, sid: str) -> None:
        """Another subject's dispute answers exactly as an unknown one: no existence oracle."""
        if state.subject != sid:
            raise NotFound(f"unknown dispute {state.dispute}", field="dispute")

    def dispute_show(self, dispute: int) -> DisputeState:
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._dispute(conn, dispute)
            self._access(conn, "dispute.read", state.subject, {"dispute": dispute})
        return state

    def open_disputes(self) -> list[DisputeState]:
        """The review queue: undecided disputes, earliest deadline first."""
        today = self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            raw = self.store.events_of_types(conn, disputes_core.DISPUTE_EVENTS)
            events: list[Event] = []
            for sid in sorted({e.subject for e in raw}):
                events += [
                    e for e in self._events(conn, sid) if e.type in disputes_core.DISPUTE_EVENTS
                ]
            states = [s for s in disputes_core.fold(events).values() if s.is_open(today)]
            self._access(conn, "disputes.queue", None, {"count": len(states)})
            shown: dict[str, list[int]] = {}
            for st in states:
                shown.setdefault(st.subject, []).append(st.dispute)
            chaining.access_each(
                self, conn, "disputes.queue", {s: {"disputes": d} for s, d in shown.items()}
            )
        return sorted(states, key=lambda s: (s.deadline() or today, s.dispute))

    def tick(self, as_of: date) -> TickResult:
        """Write down what time has already decided: lapsed disputes, then erasures.

        Idempotent: a second run on the same date finds nothing left to write.
        """
        if as_of > self._today():
            raise BadInput(
                f"tick cannot materialise the future ({as_of.isoformat()})", field="as-of"
            )
        lapsed = erased = 0
        with self.store.transaction() as conn:
            self._ready(conn)
            events = self.store.events_of_types(conn, disputes_core.DISPUTE_EVENTS)
            for state in disputes_core.due_lapses(disputes_core.fold(events).values(), as_of):
                view = self._standing(conn, state.subject, as_of)
                lapse = disputes_core.lapse(state, recorded=self._now())
                new = [
                    lapse,
                    *self._consequence(
                        conn,
                        state,
                        view,
                        authority="system:deadline",
                        reason=str(lapse.reason),
                        occurred=lapse.occurred,
                    ),
                ]
                self._append(conn, new)
                notify_voided(
                    self, conn, state.subject, {state.item: str(lapse.reason)}, lapse.occurred
                )
                self._access(conn, "dispute.lapse", state.subject, {"dispute": state.dispute})
                lapsed += 1
            erased = self._erase_due(conn, as_of)
        shred = self._shred_after(erased)
        if shred is None:
            return TickResult(lapsed, erased)
        return TickResult(lapsed, erased, shred.done, shred.detail)

    def access(
        self,
        subject: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        export: str = "json",
    ) -> dict[str, Any]:
        """The complete record of one subject in one response, and the read is recorded.

        It is recorded as an export (``access.export`` with its ``format``): what is
        handed out -- a JSON body, an HTML file -- leaves the store's control, and a
        later erasure cannot reach it.

        Entries past their retention period are no longer shown (they are counted), and
        an erased subject's personal fields read "[erased]". ``known_at`` replays the
        record as the system knew it then. Returned once its access record is durable.
        """
        record: dict[str, Any] = self._recorded(
            self.access_prepare(subject, as_of, known_at, export)
        )
        return record

    def access_prepare(
        self,
        subject: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        export: str = "json",
    ) -> Pending:
        """``access`` computed from a read-only snapshot, its access record not yet written."""
        sid, _ = normalise_subject(subject)
        # A replay is asked as of its own day unless told otherwise.
        day = as_of or (as_utc(known_at).date() if known_at is not None else self._today())
        if known_at is not None and as_utc(known_at) > self.settings.clock():
            raise BadInput(
                f"--as-known-on {known_at.isoformat()} is in the future", field="known_at"
            )
        # A read-only snapshot (the standing cached per subject and day); the access
        # record goes through the group committer and the answer waits for its commit.
        with self.store.read() as conn:
            self._ready(conn)
            row = self.store.get_subject(conn, sid)
            if row is None:
                raise NotFound(f"subject {sid} is not registered", field="subject")
            key = self.store.get_key(conn, sid)
            view = self._standing(conn, sid, day, known_at, kind=str(row.kind))
            registry = self._registry(conn)
            hidden = 0
            shown = []
            retired = self._retired(conn, view, day)
            for e in view.entries:
                if e.id in retired:
                    hidden += 1
                    continue
                shown.append(e)
            entries = list(view.entries)
            published = self._published(conn, known_at)
            severity = severities(self, conn, view)
            moment = known_at if known_at is not None else self._clock()
            ahead = {
                scheme: changes_body(view, entries, published, scheme, severity, moment)
                for scheme in view.reports
            }
            records = self.store.access_for(conn, sid)
            if known_at is not None:
                limit = as_utc(known_at)
                records = [r for r in records if as_utc(datetime.fromisoformat(r["at"])) <= limit]
            detail = {"as_of": day.isoformat(), "format": export}
            if known_at is not None:
                detail["known_at"] = known_at.isoformat()
            access_row = self._access_row("access.export", sid, detail)
        name = sealing.open_sealed(key, sid, row.name)
        out: dict[str, Any] = {
            "subject": sid,
            "kind": row.kind,
            "name": name,
            "as_of": day.isoformat(),
            "known_at": known_at.isoformat() if known_at is not None else None,
            "events": [event_json(e) | {"disputed": view.disputed.get(e.id)} for e in shown],
            "retired_events": hidden,
            "voided": [
                {
                    "item": v.item,
                    "kind": v.item_kind,
                    "cause": v.cause,
                    "by": v.by,
                    "since": v.since.isoformat(),
                    "reason": v.reason,
                }
                for v in sorted(view.voided.values(), key=lambda v: v.item)
            ],
            "list_entries": [
                entry_json(s, day)
                | {
                    "disputed": view.disputed.get(s.entry),
                    "remedy": registry.lists[s.list].remedy if s.list in registry.lists else None,
                    "remedy_evidence": list(registry.lists[s.list].remedy_evidence)
                    if s.list in registry.lists
                    else [],
                }
                for s in sorted(view.lists.values(), key=lambda x: x.entry)
            ],
            "reports": [report_json(r) | ahead[r.scheme] for r in view.reports.values()],
            "decisions": [
                {"at": r["at"], "verifier": r["actor"], "purpose": r["purpose"]}
                | json.loads(r["detail"])
                for r in records
                if r["action"] == "decision"
            ],
            "notices": [notice_json(e) for e in view.entries if e.type == NOTICE],
            "disputes": [dispute_json(d, view.moment) for d in view.disputes.values()],
            "access_records": [
                {k: r[k] for k in ("id", "at", "actor", "role", "action", "purpose")}
                | {"detail": json.loads(r["detail"])}
                for r in records
            ],
        }
        return Pending(out, [access_row])

    def _retired(self, conn: Connection, view: Standing, day: date) -> set[int]:
        """Score events whose effect ended longer ago than their scheme's retention."""
        out = set()
        retentions: dict[str, Duration | None] = {}
        for e in view.entries:
            if e.type != SCORE or not e.scheme:
                continue
            if e.scheme not in retentions:
                retentions[e.scheme] = version_for(self._versions(conn, e.scheme), day).retention
            retention = retentions[e.scheme]
            end = view.voided[e.id].since if e.id in view.voided else e.ends
            if end is not None and retention is not None and add_duration(end, retention) <= day:
                out.add(e.id)
        return out

"""Disputes: opened by the subject, decided by a review board, appealed, lapsed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

from sqlalchemy.engine import Connection

from socialcredit.application import chaining
from socialcredit.application.base import Actor, Part, normalise_subject
from socialcredit.application.notices import notify_voided
from socialcredit.application.own import own_item, same_subject, subject_named
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
from socialcredit.core.rulebook import in_force
from socialcredit.core.standing import Standing


class Disputes(Part):
    """Due process over one item (a score event or a list entry) of a subject's record."""

    def open(
        self,
        actor: Actor,
        item: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> int:
        """The subject challenges an event or a list entry; the authority is told at once."""
        sid = subject_named(actor, subject)  # an erased subject's own pseudonym too
        with self.store.transaction() as conn:
            self._ready(conn)
            target = own_item(self, conn, sid, item)
            sid = target.subject  # as its items name it: an erased subject's pseudonym
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
            (done,) = self._append(conn, [opened], actor)
            self._append(
                conn,
                [disputes_core.notice(replace(opened, id=done.id), recorded=self._now())],
                actor,
            )
            self._access(conn, actor, "dispute.open", sid, {"dispute": done.id, "item": item})
        return done.id

    def add_info(
        self,
        actor: Actor,
        dispute: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> int:
        return self._subject_step(
            actor,
            dispute,
            subject,
            "dispute.add-info",
            lambda state, sid: disputes_core.add_info(
                state,
                subject=sid,
                statement=statement,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            ),
        )

    def _reviewer(self, conn: Connection, reviewer: str) -> None:
        if self.store.authority_kind(conn, reviewer) != "review-board":
            raise NotAllowed(f"{reviewer!r} is not a registered reviewer", field="reviewer")

    def decide(
        self,
        actor: Actor,
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
                new += consequence(
                    self,
                    conn,
                    state,
                    view,
                    authority=reviewer,
                    reason=f"dispute {dispute} {outcome}: {decision.reason}",
                    occurred=occurred,
                    amend_rule=amend_rule if outcome == disputes_core.AMENDED else None,
                )
            done = self._append(conn, new, actor)
            if outcome in (disputes_core.ANNULLED, disputes_core.AMENDED):
                notify_voided(
                    self,
                    conn,
                    actor,
                    state.subject,
                    {state.item: f"dispute {dispute} decided {outcome}: {decision.reason}"},
                    occurred,
                )
            self._access(
                conn,
                actor,
                "dispute.decide",
                state.subject,
                {"dispute": dispute, "outcome": outcome},
            )
        return [e.id for e in done]

    def appeal(
        self, actor: Actor, dispute: int, *, subject: str, statement: str | None, occurred: date
    ) -> int:
        return self._subject_step(
            actor,
            dispute,
            subject,
            "dispute.appeal",
            lambda state, sid: disputes_core.appeal(
                state,
                subject=sid,
                statement=statement,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            ),
        )

    def _subject_step(
        self,
        actor: Actor,
        dispute: int,
        subject: str,
        action: str,
        step: Callable[[DisputeState, str], Event],
    ) -> int:
        """One step the subject takes on its own dispute (more information, an appeal):
        the same look-up, ownership rule, chaining and access record for each."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._dispute(conn, dispute)
            sid = self._own_dispute(conn, state, sid)
            (done,) = self._append(conn, [step(state, sid)], actor)
            self._access(conn, actor, action, sid, {"dispute": dispute})
        return done.id

    def _own_dispute(self, conn: Connection, state: DisputeState, sid: str) -> str:
        """Another subject's dispute answers exactly as an unknown one: no existence oracle.

        The subject as its dispute names it (an erased subject's pseudonym, though the
        API names it by ID: compared as stored, or its own dispute was "unknown" to it).
        """
        if not same_subject(self, conn, state.subject, sid):
            raise NotFound(f"unknown dispute {state.dispute}", field="dispute")
        return state.subject

    def show(self, actor: Actor, dispute: int) -> DisputeState:
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._dispute(conn, dispute)
            self._access(conn, actor, "dispute.read", state.subject, {"dispute": dispute})
        return state

    def queue(self, actor: Actor) -> list[DisputeState]:
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
            self._access(conn, actor, "disputes.queue", None, {"count": len(states)})
            shown: dict[str, list[int]] = {}
            for st in states:
                shown.setdefault(st.subject, []).append(st.dispute)
            chaining.access_each(
                self, conn, actor, "disputes.queue", {s: {"disputes": d} for s, d in shown.items()}
            )
        return sorted(states, key=lambda s: (s.deadline() or today, s.dispute))


def consequence(
    app: Part,
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
        stored = app.store.get_event(conn, state.item)
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
                recorded=app._now(),
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
            recorded=app._now(),
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
                app._versions(conn, item.scheme),
                Submission(
                    item.subject,
                    app._subject_kind(conn, item.subject),
                    item.scheme,
                    amend_rule,
                    item.authority,
                    item.evidence_ref,
                    item.occurred,
                    None,
                    item.evidence_sha256,
                ),
                today=app._today(),
                recorded=app._now(),
            )
        )
    return out

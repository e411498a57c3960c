"""Credit repair use cases: apply, decide, show (``core/repair.py`` holds the rules).

Severity comes from the item's list definition (``severity``, default ``general``)
for list entries; for score events from the rule's catalogue entry where the rulebook
names one (``severity`` on the rule), else ``general`` until the conduct catalogue is
published. A granted repair, or one left undecided past its deadline, ends the item
early from that day in the one derivation (``core/standing.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from socialcredit.application.base import Base, normalise_subject
from socialcredit.core import lists as lists_core
from socialcredit.core import repair as repair_core
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import SCORE, Event
from socialcredit.core.repair import RepairState
from socialcredit.core.rulebook import in_force
from socialcredit.core.standing import Standing


@dataclass(frozen=True)
class RepairApplied:
    repair: int
    item: int
    severity: str
    decide_by: date


class Repairs(Base):
    def _item_terms(
        self, conn: Connection, target: Event, standing: Standing
    ) -> tuple[str, date, str, int, tuple[str, ...]]:
        """(item kind, start of its effect, severity, decide-by business days, deciders)."""
        if target.id in standing.voided:
            raise Conflict(f"item {target.id} was voided: there is nothing to repair")
        if target.type == SCORE:
            if target.points >= 0:
                raise BadInput(
                    f"item {target.id} is not negative: only a penalty can be repaired",
                    field="item",
                )
            assert target.scheme is not None
            book = in_force(self._versions(conn, target.scheme), target.occurred)
            rule = book.rule(target.rule or "") if book else None
            severity = str(getattr(rule, "severity", None) or repair_core.GENERAL)
            deciders = (target.authority, *(rule.authorities if rule else ()))
            return (
                "event",
                target.occurred,
                severity,
                repair_core.DEFAULT_DECIDE_BUSINESS_DAYS,
                (deciders),
            )
        if target.type == lists_core.PROPOSED:
            state = standing.lists[target.id]
            d = self._list_def(conn, state.list)
            if d.kind != "black":
                raise BadInput(f"entry {target.id} is on a red list: nothing to repair")
            if state.effective_from is None:
                raise Conflict(f"entry {target.id} has not taken effect: nothing to repair yet")
            return (
                "entry",
                state.effective_from,
                d.severity,
                d.repair_business_days,
                (target.authority, *d.authority_ids),
            )
        raise BadInput(
            f"item {target.id} is a {target.type} entry; only score events and list entries "
            "can be repaired",
            field="item",
        )

    def repair_apply(
        self,
        item: int,
        *,
        subject: str,
        statement: str | None,
        evidence_ref: str | None,
        occurred: date,
    ) -> RepairApplied:
        """The subject applies to end a negative item early; the authority must decide."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            target = self.store.get_event(conn, item)
            if target is None or target.subject != sid:
                raise NotFound(f"unknown item {item} for subject {sid}", field="item")
            standing = self._standing(conn, sid, self._today())
            kind, start, severity, days, _ = self._item_terms(conn, target, standing)
            event = repair_core.apply(
                subject=sid,
                item=target,
                item_kind=kind,
                item_start=start,
                severity=severity,
                existing=list(standing.repairs.values()),
                statement=statement,
                evidence=evidence_ref,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
                decide_business_days=days,
            )
            (done,) = self.store.append(conn, [self._sealed(conn, event)])
            self._access(conn, "repair.apply", sid, {"repair": done.id, "item": item})
            state = repair_core.fold([done])[done.id]
        return RepairApplied(done.id, item, severity, state.decide_by)

    def _repair(self, conn: Connection, repair: int) -> tuple[RepairState, Standing]:
        first = self.store.get_event(conn, repair)
        if first is None or first.type != repair_core.APPLIED:
            raise NotFound(f"unknown repair {repair}", field="repair")
        standing = self._standing(conn, first.subject, self._today())
        return standing.repairs[repair], standing

    def repair_decide(
        self,
        repair: int,
        *,
        authority: str,
        outcome: str,
        reason: str | None,
        occurred: date,
    ) -> int:
        with self.store.transaction() as conn:
            self._ready(conn)
            state, standing = self._repair(conn, repair)
            target = self.store.get_event(conn, state.item)
            assert target is not None
            *_, deciders = self._item_terms(conn, target, standing)
            event = repair_core.decide(
                state,
                authority=authority,
                allowed=deciders,
                outcome=outcome,
                reason=reason,
                occurred=occurred,
                today=self._today(),
                recorded=self._now(),
            )
            (done,) = self.store.append(conn, [event])
            self._access(
                conn, "repair.decide", state.subject, {"repair": repair, "outcome": outcome}
            )
        return done.id

    def repair_show(self, repair: int, subject: str | None = None) -> tuple[RepairState, date]:
        """The repair and the day its status is judged on (today).

        With ``subject``, someone else's repair is answered exactly like an unknown one.
        """
        with self.store.transaction() as conn:
            self._ready(conn)
            state, _ = self._repair(conn, repair)
            if subject is not None and normalise_subject(subject)[0] != state.subject:
                raise NotFound(f"unknown repair {repair}", field="repair")
            self._access(conn, "repair.read", state.subject, {"repair": repair})
        return state, self._today()

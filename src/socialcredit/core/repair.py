"""Credit repair: a subject's application to end a negative item early, by severity.

Anchor: NDRC Order No. 58 (in force 2023-05-01) and its 2025 revision draft. Information
on *minor* dishonesty is published at most 3 months; *general*, at least 3 months and
at most 1 year; *serious*, at least 1 year and at most 3 years. Once the minimum has
run, the conduct is corrected, the obligations are fulfilled and a credit commitment
is made, the subject may apply for repair. The deciding authority has a deadline; an
application it leaves undecided past that deadline is granted for the subject (the
same rule as an unanswered dispute: the authority's silence never costs the subject).

A granted repair *ends the item early*, from the day it was granted: the item counted
before it (unlike a correction or an annulled dispute, which void the item from the
start). A refused repair says why and from when the subject may apply again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from socialcredit.core.disputes import add_business_days, effective_day
from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.ledger import Event, check_text
from socialcredit.core.periods import Duration, add_duration

APPLIED = "repair.applied"
DECIDED = "repair.decided"
REPAIR_EVENTS = (APPLIED, DECIDED)

GRANTED = "granted"
REFUSED = "refused"
OUTCOMES = (GRANTED, REFUSED)

MINOR, GENERAL, SERIOUS = "minor", "general", "serious"
SEVERITIES = (MINOR, GENERAL, SERIOUS)

# (minimum before repair may be applied for, maximum publication) by severity.
PERIODS: Mapping[str, tuple[Duration, Duration]] = {
    MINOR: (Duration(), Duration(months=3)),
    GENERAL: (Duration(months=3), Duration(months=12)),
    SERIOUS: (Duration(months=12), Duration(months=36)),
}
DEFAULT_DECIDE_BUSINESS_DAYS = 5
AGAIN_AFTER = timedelta(days=30)


def minimum_before_repair(severity: str) -> Duration:
    if severity not in PERIODS:
        raise BadInput(f"unknown severity {severity!r} (one of {', '.join(SEVERITIES)})")
    return PERIODS[severity][0]


@dataclass(frozen=True)
class RepairState:
    repair: int
    subject: str
    item: int
    item_kind: str  # "event" | "entry"
    authority: str  # who decides: the item's issuing authority
    severity: str
    applied: date  # when it took effect: the recorded day (deadlines run from it)
    stated: date  # the date the application states
    statement: str
    evidence: str | None
    decide_by: date  # exclusive: on this day an undecided application is granted
    decided: date | None = None
    outcome: str | None = None
    decider: str | None = None
    reason: str | None = None
    again_from: date | None = None
    events: tuple[int, ...] = ()

    def status(self, as_of: date) -> str:
        """not-yet / pending / granted / refused / granted-by-deadline."""
        if as_of < self.applied:
            return "not-yet"
        if self.decided is not None and self.decided <= as_of:
            return str(self.outcome)
        return "granted-by-deadline" if as_of >= self.decide_by else "pending"

    def granted_on(self, as_of: date) -> date | None:
        """The day from which the item's effect ends, if the repair is granted by ``as_of``."""
        status = self.status(as_of)
        if status == GRANTED:
            return self.decided
        if status == "granted-by-deadline":
            return self.decide_by
        return None


def fold(events: Iterable[Event]) -> dict[int, RepairState]:
    """Repair states from their ledger entries; a step takes effect when recorded."""
    states: dict[int, RepairState] = {}
    for e in sorted(events, key=lambda x: x.id):
        if e.type == APPLIED:
            day = effective_day(e)
            days = int(e.data.get("decide_business_days", DEFAULT_DECIDE_BUSINESS_DAYS))
            states[e.id] = RepairState(
                repair=e.id,
                subject=e.subject,
                item=int(e.data["item"]),
                item_kind=str(e.data.get("item_kind", "event")),
                authority=str(e.data.get("item_authority", "")),
                severity=str(e.data.get("severity", GENERAL)),
                applied=day,
                stated=e.occurred,
                statement=str(e.data.get("statement", "")),
                evidence=e.evidence_ref,
                decide_by=add_business_days(day, days),
                events=(e.id,),
            )
        elif e.type == DECIDED:
            s = states.get(int(e.data.get("repair", 0)))
            if s is None or s.decided is not None:
                continue
            day = effective_day(e)
            outcome = str(e.data.get("outcome"))
            states[s.repair] = replace(
                s,
                decided=day,
                outcome=outcome,
                decider=e.authority,
                reason=e.reason,
                again_from=day + AGAIN_AFTER if outcome == REFUSED else None,
                events=(*s.events, e.id),
            )
    return states


def ended_items(states: Iterable[RepairState], as_of: date) -> dict[int, tuple[date, int]]:
    """Items whose effect a granted repair ends: item -> (from, repair)."""
    out: dict[int, tuple[date, int]] = {}
    for s in states:
        when = s.granted_on(as_of)
        if when is not None and (s.item not in out or when < out[s.item][0]):
            out[s.item] = (when, s.repair)
    return out


def apply(
    *,
    subject: str,
    item: Event,
    item_kind: str,
    item_start: date,
    severity: str,
    existing: Sequence[RepairState],
    statement: str | None,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
    decide_business_days: int = DEFAULT_DECIDE_BUSINESS_DAYS,
) -> Event:
    """Validate an application for repair and return its ledger entry.

    ``item_start`` is when the item's effect began (an event's date, a list entry's
    effective day): the minimum period runs from it.
    """
    if item.subject != subject:
        raise BadInput(f"unknown item {item.id} for subject {subject}", field="item")
    text = check_text(statement, "statement", required=True)
    ref = check_text(evidence, "evidence")
    if ref is None:
        raise BadInput(
            "a repair application needs evidence that the conduct is corrected and the "
            "obligations fulfilled (--evidence)",
            field="evidence",
        )
    if occurred > today:
        raise BadInput(f"occurred date {occurred.isoformat()} is in the future", field="occurred")
    earliest = add_duration(item_start, minimum_before_repair(severity))
    if occurred < earliest:
        raise Conflict(
            f"item {item.id} is {severity}: repair may be applied for from "
            f"{earliest.isoformat()} (the minimum period runs from {item_start.isoformat()})"
        )
    for s in existing:
        if s.item != item.id:
            continue
        status = s.status(today)
        if status in ("pending", GRANTED, "granted-by-deadline"):
            raise Conflict(f"item {item.id} already has repair {s.repair} ({status})")
        if status == REFUSED and s.again_from is not None and occurred < s.again_from:
            raise Conflict(
                f"repair {s.repair} was refused on {s.decided}: apply again from "
                f"{s.again_from.isoformat()}"
            )
    data: dict[str, Any] = {
        "item": item.id,
        "item_kind": item_kind,
        "item_authority": item.authority,
        "severity": severity,
        "statement": text,
        "commitment": True,
        "decide_business_days": decide_business_days,
    }
    return Event(
        id=0,
        type=APPLIED,
        subject=subject,
        authority=f"subject:{subject}",
        occurred=occurred,
        recorded=recorded,
        evidence_ref=ref,
        data=data,
    )


def decide(
    s: RepairState,
    *,
    authority: str,
    allowed: Iterable[str],
    outcome: str,
    reason: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """The authority's decision: granted or refused, with a reason, once, by a deadline."""
    if outcome not in OUTCOMES:
        raise BadInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    text = check_text(reason, "reason", required=True)
    if authority not in set(allowed):
        raise NotAllowed(
            f"{authority!r} may not decide repair {s.repair} (the item's authority decides)",
            field="authority",
        )
    if occurred > today:
        raise BadInput(f"occurred date {occurred.isoformat()} is in the future", field="occurred")
    if s.decided is not None:
        raise Conflict(f"repair {s.repair} was already decided ({s.outcome} on {s.decided})")
    if max(occurred, today) >= s.decide_by:
        raise Conflict(
            f"repair {s.repair} was not decided by its deadline {s.decide_by.isoformat()}: "
            "it is granted for the subject"
        )
    if occurred < s.stated:
        raise BadInput("a decision cannot predate the application", field="occurred")
    return Event(
        id=0,
        type=DECIDED,
        subject=s.subject,
        authority=authority,
        occurred=occurred,
        recorded=recorded,
        reason=text,
        data={"repair": s.repair, "outcome": outcome},
    )

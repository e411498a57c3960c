"""Dispute state: the deadlines and rulings folded from a dispute's own ledger entries.

Split from ``disputes.py`` (which keeps the steps that write those entries and
re-exports all of this), so that neither module passes about 400 lines. Deadlines are
computed from the entries themselves, so an unanswered dispute binds on its deadline day
whether or not anyone ran ``tick``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from socialcredit.core.ledger import Event

OPENED = "dispute.opened"
NOTIFIED = "dispute.notified"
INFO = "dispute.info"
DECIDED = "dispute.decided"
APPEALED = "dispute.appealed"
LAPSED = "dispute.lapsed"
DISPUTE_EVENTS = (OPENED, NOTIFIED, INFO, DECIDED, APPEALED, LAPSED)

UPHELD = "upheld"
ANNULLED = "annulled"
AMENDED = "amended"
OUTCOMES = (UPHELD, ANNULLED, AMENDED)

NOTIFY_BUSINESS_DAYS = 5
DECIDE_DAYS = 30
EXTENDED_DAYS = 45


def add_business_days(d: date, n: int) -> date:
    """Monday to Friday count; the deadline for telling the authority."""
    out = d
    while n > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


@dataclass(frozen=True)
class Ruling:
    """One decision of a dispute: the first reviewer's or the appeal board's.

    Each keeps its own reviewer, outcome, reason and date, so an appeal never hides the
    decision it overturned or confirmed.
    """

    stage: str  # "first" | "appeal"
    reviewer: str | None
    outcome: str | None
    reason: str | None
    decided: date


@dataclass(frozen=True)
class DisputeState:
    dispute: int
    subject: str
    item: int
    item_kind: str  # "event" | "entry"
    authority: str  # the issuing authority of the disputed item
    opened: date
    statement: str
    evidence: str | None
    notified: date | None = None
    info: tuple[date, ...] = ()
    decided: date | None = None
    outcome: str | None = None
    reviewer: str | None = None
    reason: str | None = None
    appealed: date | None = None
    appeal_decided: date | None = None
    appeal_outcome: str | None = None
    appeal_reviewer: str | None = None
    appeal_reason: str | None = None
    lapsed: date | None = None
    events: tuple[int, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rulings(self) -> tuple[Ruling, ...]:
        """The decisions taken, first decision before appeal, each with its own reason."""
        out = []
        if self.decided is not None:
            out.append(Ruling("first", self.reviewer, self.outcome, self.reason, self.decided))
        if self.appeal_decided is not None:
            out.append(
                Ruling(
                    "appeal",
                    self.appeal_reviewer,
                    self.appeal_outcome,
                    self.appeal_reason,
                    self.appeal_decided,
                )
            )
        return tuple(out)

    @property
    def notify_by(self) -> date:
        return add_business_days(self.opened, NOTIFY_BUSINESS_DAYS)

    @property
    def extended(self) -> bool:
        return any(d < self.opened + timedelta(days=DECIDE_DAYS) for d in self.info)

    @property
    def first_deadline(self) -> date:
        """Decide by this day (exclusive end: on it the item is annulled)."""
        return self.opened + timedelta(days=EXTENDED_DAYS if self.extended else DECIDE_DAYS)

    @property
    def appeal_deadline(self) -> date | None:
        return self.appealed + timedelta(days=DECIDE_DAYS) if self.appealed else None

    def deadline(self) -> date | None:
        """The deadline currently running, if a decision is awaited."""
        if self.appealed is not None and self.appeal_decided is None:
            return self.appeal_deadline
        if self.decided is None:
            return self.first_deadline
        return None

    def status(self, as_of: date) -> str:
        """open / upheld / annulled / amended / appealed / lapsed / not-yet."""
        if as_of < self.opened:
            return "not-yet"
        if self.lapsed is not None and self.lapsed <= as_of:
            return "lapsed"
        if self.appealed is not None and self.appealed <= as_of:
            if self.appeal_decided is not None and self.appeal_decided <= as_of:
                return str(self.appeal_outcome)
            assert self.appeal_deadline is not None
            return "lapsed" if as_of >= self.appeal_deadline else "appealed"
        if self.decided is not None and self.decided <= as_of:
            return str(self.outcome)
        return "lapsed" if as_of >= self.first_deadline else "open"

    def voids_item(self, as_of: date) -> bool:
        """True once the item no longer counts: annulled, amended or lapsed (for the subject)."""
        return self.status(as_of) in (ANNULLED, AMENDED, "lapsed")

    def is_open(self, as_of: date) -> bool:
        return self.status(as_of) in ("open", "appealed")

    def lapse_date(self) -> date | None:
        """When an undecided dispute resolves for the subject, if it does."""
        if self.appealed is not None and self.appeal_decided is None:
            return self.appeal_deadline
        if self.decided is None:
            return self.first_deadline
        return None


def effective_day(e: Event) -> date:
    """A dispute step takes effect when it was recorded, never earlier than it claims.

    Deadlines bind on recorded dates: a reviewer cannot backdate a decision to before a
    deadline that has passed, and nobody can backdate an opening or new information to
    move a deadline.
    """
    try:
        recorded = date.fromisoformat(e.recorded[:10]) if e.recorded else e.occurred
    except ValueError:
        recorded = e.occurred
    return max(e.occurred, recorded)


def fold(events: Iterable[Event]) -> dict[int, DisputeState]:
    states: dict[int, DisputeState] = {}
    for e in sorted(events, key=lambda x: x.id):
        e = replace(e, occurred=effective_day(e)) if e.type in DISPUTE_EVENTS else e
        if e.type == OPENED:
            states[e.id] = DisputeState(
                dispute=e.id,
                subject=e.subject,
                item=int(e.data["item"]),
                item_kind=str(e.data.get("item_kind", "event")),
                authority=str(e.data.get("item_authority", "")),
                opened=e.occurred,
                statement=str(e.data.get("statement", "")),
                evidence=e.evidence_ref,
                events=(e.id,),
            )
            continue
        if e.type not in DISPUTE_EVENTS:
            continue
        s = states.get(int(e.data.get("dispute", 0)))
        if s is None:
            continue
        ch: dict[str, Any] = {"events": (*s.events, e.id)}
        if e.type == NOTIFIED:
            ch["notified"] = e.occurred
        elif e.type == INFO:
            ch["info"] = (*s.info, e.occurred)
        elif e.type == DECIDED and s.appealed is None:
            ch.update(
                decided=e.occurred,
                outcome=e.data.get("outcome"),
                reviewer=e.authority,
                reason=e.reason,
            )
        elif e.type == DECIDED:
            ch.update(
                appeal_decided=e.occurred,
                appeal_outcome=e.data.get("outcome"),
                appeal_reviewer=e.authority,
                appeal_reason=e.reason,
            )
        elif e.type == APPEALED:
            ch["appealed"] = e.occurred
        elif e.type == LAPSED:
            ch["lapsed"] = e.occurred
        states[s.dispute] = DisputeState(**{**s.__dict__, **ch})
    return states


def due_lapses(states: Iterable[DisputeState], as_of: date) -> list[DisputeState]:
    """Disputes whose deadline has passed on ``as_of`` and whose lapse is not yet written."""
    out = []
    for s in states:
        when = s.lapse_date()
        if s.lapsed is None and when is not None and when <= as_of:
            out.append(s)
    return out


def voided_items(states: Iterable[DisputeState], as_of: date) -> dict[int, tuple[date, int]]:
    """Items that no longer count on ``as_of`` because of a dispute: item -> (since, dispute).

    This is what makes an unanswered dispute bind without any job running: every view
    applies it, and ``tick`` merely writes the same consequence into the ledger.
    """
    out: dict[int, tuple[date, int]] = {}
    for s in states:
        if not s.voids_item(as_of):
            continue
        if s.lapsed is not None:
            since = s.lapsed
        elif s.appeal_decided is not None:
            since = s.appeal_decided
        elif s.decided is not None and s.appealed is None:
            since = s.decided
        else:
            since = s.lapse_date() or as_of
        out[s.item] = (since, s.dispute)
    return out

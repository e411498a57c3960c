"""Disputes: a subject's challenge to an event or list entry, with deadlines that bind.

The reporting shows people who could not get off a list because nobody answered. Here a
dispute has deadlines computed from its own events, and if the reviewer does not decide
in time the item is annulled for the subject -- computed from ``as_of``, so it holds on
the deadline day whether or not anyone ran ``tick``; ``tick`` only writes it down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.ledger import Event, check_text

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


def _ev(
    kind: str,
    subject: str,
    actor: str,
    occurred: date,
    recorded: str,
    data: Mapping[str, Any],
    evidence: str | None = None,
    reason: str | None = None,
) -> Event:
    return Event(
        id=0,
        type=kind,
        subject=subject,
        authority=actor,
        occurred=occurred,
        recorded=recorded,
        evidence_ref=evidence,
        reason=reason,
        data=dict(data),
    )


def _not_future(occurred: date, today: date) -> None:
    if occurred > today:
        raise BadInput(f"occurred date {occurred.isoformat()} is in the future", field="occurred")


def open_dispute(
    *,
    subject: str,
    item: Event,
    item_kind: str,
    item_authority: str,
    item_date: date,
    existing: Sequence[DisputeState],
    statement: str | None,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """Open a dispute; the caller records ``notice`` in the same transaction.

    Recording the notice at once meets the five-business-day rule by construction; the
    rule's deadline is still computed and shown so a reviewer can see it was met.
    """
    if item.subject != subject:
        # Same words as for an unknown item: a subject learns nothing about others' records.
        raise BadInput(f"unknown item {item.id} for subject {subject}", field="item")
    text = check_text(statement, "statement", required=True)
    _not_future(occurred, today)
    if occurred < item_date:
        raise BadInput("a dispute cannot predate the item it disputes", field="occurred")
    for d in existing:
        if d.item == item.id and (d.is_open(today) or d.voids_item(today)):
            raise Conflict(
                f"item {item.id} is already disputed or voided (dispute {d.dispute} is "
                f"{d.status(today)})"
            )
    data = {
        "item": item.id,
        "item_kind": item_kind,
        "item_authority": item_authority,
        "statement": text,
    }
    return _ev(
        OPENED,
        subject,
        f"subject:{subject}",
        occurred,
        recorded,
        data,
        check_text(evidence, "evidence"),
    )


def notice(opened: Event, *, recorded: str) -> Event:
    """The issuing authority is told of the dispute, recorded with the opening."""
    return _ev(
        NOTIFIED,
        opened.subject,
        str(opened.data["item_authority"]),
        opened.occurred,
        recorded,
        {"dispute": opened.id, "item": opened.data["item"]},
    )


def add_info(
    s: DisputeState,
    *,
    subject: str,
    statement: str | None,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """New information from the subject; within the first 30 days it extends the deadline to 45."""
    if subject != s.subject:
        raise NotAllowed("only the disputing subject can add information", field="subject")
    _not_future(occurred, today)
    # A step takes effect when recorded (see effective_day), so a stated date before the
    # dispute is only refused when it is also before the recording of the dispute.
    if max(occurred, today) < s.opened:
        raise BadInput("information cannot predate the dispute", field="occurred")
    if not s.is_open(max(occurred, today)):
        raise Conflict(
            f"dispute {s.dispute} is {s.status(max(occurred, today))}; it takes no more information"
        )
    text = check_text(statement, "statement", required=True)
    return _ev(
        INFO,
        s.subject,
        f"subject:{subject}",
        occurred,
        recorded,
        {"dispute": s.dispute, "statement": text},
        check_text(evidence, "evidence"),
    )


def decide(
    s: DisputeState,
    *,
    reviewer: str,
    outcome: str,
    reason: str | None,
    occurred: date,
    today: date,
    recorded: str,
    excuse: str | None = None,
    allowed_excuses: Sequence[str] = (),
) -> Event:
    """A reviewer's decision, only while the dispute is open and before its deadline."""
    if outcome not in OUTCOMES:
        raise BadInput(
            f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}", field="outcome"
        )
    text = check_text(reason, "reason", required=True)
    _not_future(occurred, today)
    if max(occurred, today) < s.opened:
        raise BadInput("a decision cannot predate the dispute", field="occurred")
    status = s.status(max(occurred, today))
    if status == "lapsed":
        raise Conflict(
            f"dispute {s.dispute}: the deadline {s.deadline()} has passed; the item was "
            "annulled for the subject automatically"
        )
    if status not in ("open", "appealed"):
        raise Conflict(f"dispute {s.dispute} was already decided ({status})")
    if status == "appealed" and reviewer == s.reviewer:
        raise NotAllowed("an appeal must be decided by a second reviewer", field="reviewer")
    data: dict[str, Any] = {"dispute": s.dispute, "outcome": outcome}
    if excuse is not None:
        if excuse not in allowed_excuses:
            raise BadInput(
                f"{excuse!r} is not an excusing circumstance of this rule (allowed: "
                f"{', '.join(allowed_excuses) or 'none'})",
                field="excuse",
            )
        if outcome != ANNULLED:
            raise BadInput("accepting an excusing circumstance annuls the event", field="outcome")
        data["excuse"] = excuse
        text = f"excused: {excuse}: {text}"
    return _ev(DECIDED, s.subject, reviewer, occurred, recorded, data, reason=text)


def appeal(
    s: DisputeState,
    *,
    subject: str,
    statement: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """One appeal, after an upheld decision, to a second reviewer."""
    if subject != s.subject:
        raise NotAllowed("only the disputing subject can appeal", field="subject")
    _not_future(occurred, today)
    if s.appealed is not None:
        raise Conflict(f"dispute {s.dispute} was already appealed once")
    if s.status(occurred) != UPHELD:
        raise Conflict(
            f"only an upheld dispute can be appealed (dispute {s.dispute} is {s.status(occurred)})"
        )
    text = check_text(statement, "statement", required=True)
    return _ev(
        APPEALED,
        s.subject,
        f"subject:{subject}",
        occurred,
        recorded,
        {"dispute": s.dispute, "statement": text},
    )


def due_lapses(states: Iterable[DisputeState], as_of: date) -> list[DisputeState]:
    """Disputes whose deadline has passed on ``as_of`` and whose lapse is not yet written."""
    out = []
    for s in states:
        when = s.lapse_date()
        if s.lapsed is None and when is not None and when <= as_of:
            out.append(s)
    return out


def lapse(s: DisputeState, *, recorded: str) -> Event:
    when = s.lapse_date()
    assert when is not None
    return _ev(
        LAPSED,
        s.subject,
        "system:deadline",
        when,
        recorded,
        {"dispute": s.dispute},
        reason=f"no decision by the deadline {when.isoformat()}: annulled for the subject",
    )


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

"""Disputes: a subject's challenge to an event or list entry, with deadlines that bind.

The reporting shows people who could not get off a list because nobody answered. Here a
dispute has deadlines computed from its own events, and if the reviewer does not decide
in time the item is annulled for the subject -- computed from ``as_of``, so it holds on
the deadline day whether or not anyone ran ``tick``; ``tick`` only writes it down.

This module holds the steps that write a dispute's entries; the state they fold into
(``DisputeState``, ``fold``, the deadlines) is in ``dispute_state.py`` and re-exported
here, so callers import both from one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from socialcredit.core.dispute_state import (
    AMENDED,
    ANNULLED,
    APPEALED,
    DECIDE_DAYS,
    DECIDED,
    DISPUTE_EVENTS,
    EXTENDED_DAYS,
    INFO,
    LAPSED,
    NOTIFIED,
    NOTIFY_BUSINESS_DAYS,
    OPENED,
    OUTCOMES,
    UPHELD,
    DisputeState,
    Ruling,
    add_business_days,
    due_lapses,
    effective_day,
    fold,
    voided_items,
)
from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.ledger import Event, check_text

__all__ = [
    "AMENDED",
    "ANNULLED",
    "APPEALED",
    "DECIDED",
    "DECIDE_DAYS",
    "DISPUTE_EVENTS",
    "EXTENDED_DAYS",
    "INFO",
    "LAPSED",
    "NOTIFIED",
    "NOTIFY_BUSINESS_DAYS",
    "OPENED",
    "OUTCOMES",
    "UPHELD",
    "DisputeState",
    "Ruling",
    "add_business_days",
    "add_info",
    "appeal",
    "decide",
    "due_lapses",
    "effective_day",
    "fold",
    "lapse",
    "notice",
    "open_dispute",
    "voided_items",
]


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

"""What changes when: the future dates on which a subject's standing moves by itself,
and what a remedy or a granted repair would change now.

A resident should not have to work out from expiry dates when their grade comes back.
From the one derivation (``core/standing.py``): every future day on which a counted
item ends (or a list entry reaches its maximum end), with the score and grade from that
day on, assuming nothing more is recorded; and, for each negative item still counting,
the score and grade if it ended today (a granted repair or, for a list entry, a remedy)
and the earliest day a repair may be applied for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from socialcredit.core import repair as repair_core
from socialcredit.core.ledger import Event
from socialcredit.core.periods import add_duration
from socialcredit.core.standing import Published, Standing, derive


@dataclass(frozen=True)
class Change:
    """From ``on``, ``items`` stop counting; the scheme's score and grade then."""

    on: date
    items: tuple[int, ...]
    scheme: str
    score: int
    grade: str


@dataclass(frozen=True)
class WhatIf:
    """If ``item`` ended today (remedy or granted repair): the scheme's score and grade."""

    item: int
    kind: str  # "event" | "entry"
    action: str  # "repair" | "remedy or repair"
    scheme: str | None
    score: int | None
    grade: str | None
    repair_from: date | None  # the earliest day a repair may be applied for


def _future_ends(standing: Standing, scheme: str) -> dict[date, list[int]]:
    out: dict[date, list[int]] = {}
    report = standing.reports.get(scheme)
    if report is None:
        return out
    for ln in report.lines:
        if ln.ends is not None and ln.ends > standing.as_of:
            out.setdefault(ln.ends, []).append(ln.event)
    for c in report.caps:
        if c.ends is not None and c.ends > standing.as_of:
            out.setdefault(c.ends, []).append(c.event)
    return out


def changes(
    standing: Standing,
    entries: Sequence[Event],
    published: Published,
    scheme: str,
    known_at: datetime | None = None,
    limit: int = 20,
) -> list[Change]:
    """Each future day a counted item of ``scheme`` ends, with the score and grade after."""
    out: list[Change] = []
    for day, items in sorted(_future_ends(standing, scheme).items())[:limit]:
        later = derive(standing.subject, standing.kind, entries, published, day, known_at, [scheme])
        r = later.reports.get(scheme)
        if r is not None:
            out.append(Change(day, tuple(sorted(set(items))), scheme, r.score, r.grade))
    return out


def list_changes(standing: Standing) -> list[tuple[date, int, str]]:
    """(day, entry, list) for every list entry in effect that ends on a known day."""
    out = []
    for st in standing.lists.values():
        if st.in_effect(standing.as_of) and st.until() is not None:
            until = st.until()
            assert until is not None
            out.append((until, st.entry, st.list))
    return sorted(out)


def what_ifs(
    standing: Standing,
    entries: Sequence[Event],
    published: Published,
    severities: Mapping[int, str],
    known_at: datetime | None = None,
) -> list[WhatIf]:
    """For each negative item counting now, the standing if it ended today."""
    out: list[WhatIf] = []
    for scheme, report in sorted(standing.reports.items()):
        for ln in report.lines:
            if ln.points >= 0 and ln.cap is None:
                continue
            after = _ended_today(standing, entries, published, ln.event, scheme, known_at)
            out.append(
                WhatIf(
                    ln.event,
                    "event",
                    "repair",
                    scheme,
                    after[0],
                    after[1],
                    _repair_from(ln.occurred, severities.get(ln.event)),
                )
            )
    for st in standing.lists.values():
        if not st.in_effect(standing.as_of) or st.effective_from is None:
            continue
        out.append(
            WhatIf(
                st.entry,
                "entry",
                "remedy or repair",
                None,
                None,
                None,
                _repair_from(st.effective_from, severities.get(st.entry)),
            )
        )
    return out


def _repair_from(start: date, severity: str | None) -> date | None:
    if severity is None:
        return None
    return add_duration(start, repair_core.minimum_before_repair(severity))


def _ended_today(
    standing: Standing,
    entries: Sequence[Event],
    published: Published,
    item: int,
    scheme: str,
    known_at: datetime | None,
) -> tuple[int | None, str | None]:
    """Re-derive with the item ended from ``as_of`` (a hypothetical granted repair)."""
    hypothetical = [
        *entries,
        Event(
            id=10**15,
            type=repair_core.APPLIED,
            subject=standing.subject,
            authority="what-if",
            occurred=standing.as_of,
            recorded="",
            data={"item": item, "item_kind": "event", "decide_business_days": 0},
        ),
        Event(
            id=10**15 + 1,
            type=repair_core.DECIDED,
            subject=standing.subject,
            authority="what-if",
            occurred=standing.as_of,
            recorded="",
            data={"repair": 10**15, "outcome": repair_core.GRANTED},
        ),
    ]
    r = derive(
        standing.subject,
        standing.kind,
        hypothetical,
        published,
        standing.as_of,
        known_at,
        [scheme],
    ).reports.get(scheme)
    return (r.score, r.grade) if r is not None else (None, None)

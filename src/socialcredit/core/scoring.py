"""Scores, grades, caps and perks, each with the lines that produced it.

Pure functions of (rulebook, the subject's events, as_of). Nothing is stored: a report
is recomputed from the ledger whenever asked, so it can always be explained and can
never drift from the entries it is built from. The batch engines compute the same thing
for whole populations from SQL generated from the same rulebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from socialcredit.core.ledger import REVERSAL, SCORE, Event
from socialcredit.core.periods import add_duration
from socialcredit.core.rulebook import Factor, Rulebook


@dataclass(frozen=True)
class Line:
    """One event counted in a score, with everything needed to check or dispute it."""

    event: int
    rule: str
    points: int
    occurred: date
    ends: date | None
    authority: str
    evidence: str | None
    cap: str | None = None
    disputed: int | None = None


@dataclass(frozen=True)
class Excluded:
    """An event of the subject's that does not count on ``as_of``, and why not."""

    event: int
    rule: str
    why: str


@dataclass(frozen=True)
class CapInForce:
    grade: str
    event: int
    rule: str
    ends: date | None


@dataclass(frozen=True)
class FactorResult:
    code: str
    title: str
    value: int | None
    bin_from: int | None
    points: int
    records: int


@dataclass(frozen=True)
class ScoreReport:
    subject: str
    scheme: str
    version: str
    as_of: date
    kind: str
    base: int
    raw: int
    score: int
    grade: str
    uncapped_grade: str
    capped: bool
    caps: tuple[CapInForce, ...]
    perks: tuple[str, ...]
    lines: tuple[Line, ...]
    excluded: tuple[Excluded, ...]
    factors: tuple[FactorResult, ...] = ()


def reversed_ids(events: Sequence[Event]) -> dict[int, Event]:
    """Map target id -> reversing event, whatever dates they bear.

    A correction voids its target from the start: a record that was wrong was wrong on
    every day, so the reversal's own date does not matter (DESIGN principle 2).
    """
    out: dict[int, Event] = {}
    for e in events:
        if e.type == REVERSAL and e.reverses is not None:
            out.setdefault(e.reverses, e)
    return out


def _why_reversed(rev: Event) -> str:
    return f"corrected by entry {rev.id}" + (f": {rev.reason}" if rev.reason else "")


def is_in_force(e: Event, as_of: date) -> bool:
    """An effect runs from its occurrence day up to, not including, its end day."""
    return e.occurred <= as_of and (e.ends is None or as_of < e.ends)


def partition(
    events: Sequence[Event],
    as_of: date,
    voided: Mapping[int, str] | None = None,
    ended: Mapping[int, tuple[date, str]] | None = None,
) -> tuple[list[Event], list[Excluded]]:
    """Split a subject's score events into those counting on ``as_of`` and the rest.

    ``voided`` maps items voided otherwise than by a reversal among ``events`` (a
    dispute's outcome) to the reason; they never count either. ``ended`` maps items
    ended early (a granted repair) to the day and the reason: they count before it.
    """
    rev = reversed_ids(events)
    counted: list[Event] = []
    excluded: list[Excluded] = []
    for e in sorted(events, key=lambda x: x.id):
        if e.type != SCORE:
            continue
        rule = e.rule or ""
        if voided and e.id in voided:
            excluded.append(Excluded(e.id, rule, voided[e.id]))
        elif e.id in rev:
            excluded.append(Excluded(e.id, rule, _why_reversed(rev[e.id])))
        elif e.occurred > as_of:
            excluded.append(Excluded(e.id, rule, f"occurs after {as_of.isoformat()}"))
        elif ended and e.id in ended and as_of >= ended[e.id][0]:
            excluded.append(Excluded(e.id, rule, ended[e.id][1]))
        elif e.ends is not None and as_of >= e.ends:
            excluded.append(Excluded(e.id, rule, f"expired on {e.ends.isoformat()}"))
        else:
            counted.append(e)
    return counted, excluded


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _line(e: Event, disputed: Mapping[int, int]) -> Line:
    return Line(
        e.id,
        e.rule or "",
        e.points,
        e.occurred,
        e.ends,
        e.authority,
        e.evidence_ref,
        e.cap,
        disputed.get(e.id),
    )


def _grade_and_caps(
    book: Rulebook, score: int, counted: Sequence[Event]
) -> tuple[str, str, bool, tuple[CapInForce, ...]]:
    grade = book.grade_for(score)
    caps = tuple(
        CapInForce(e.cap, e.id, e.rule or "", e.ends)
        for e in counted
        if e.cap is not None and e.cap in {g.grade for g in book.grades}
    )
    final = grade
    for c in caps:
        if book.grade_rank(c.grade) > book.grade_rank(final):
            final = c.grade
    return final, grade, final != grade, caps


def _perks(book: Rulebook, grade: str, score: int) -> tuple[str, ...]:
    out = []
    for p in book.perks:
        by_grade = not p.grades or grade in p.grades
        by_score = p.min_score is None or score >= p.min_score
        if (p.grades or p.min_score is not None) and by_grade and by_score:
            out.append(p.code)
    return tuple(out)


def factor_value(f: Factor, counts: dict[str, int]) -> int | None:
    """Integer factor value: a count, or a whole-percent share (floor) of the denominator."""
    num = sum(counts.get(r, 0) for r in f.numerator)
    if f.measure == "count":
        return num
    den = sum(counts.get(r, 0) for r in f.denominator)
    if den == 0:
        return None
    return (100 * num) // den


def factor_points(f: Factor, value: int | None) -> tuple[int | None, int]:
    if value is None:
        return None, f.empty_points
    chosen = None
    for b in f.bins:
        if value >= b.start:
            chosen = b
    if chosen is None:
        return None, f.empty_points
    return chosen.start, chosen.points


def score(
    book: Rulebook,
    subject: str,
    events: Sequence[Event],
    as_of: date,
    disputed: Mapping[int, int] | None = None,
    voided: Mapping[int, str] | None = None,
    ended: Mapping[int, tuple[date, str]] | None = None,
) -> ScoreReport:
    """The report for one subject under one scheme on ``as_of``.

    ``events`` are the subject's entries in this scheme (score events and reversals);
    entries of other schemes or subjects are ignored, so callers cannot leak one
    scheme's conduct into another. ``disputed`` maps event ids under open dispute to
    the dispute, so the explanation shows the challenge beside the line it challenges;
    ``voided`` maps items that never count to why (``core/standing.py`` supplies both).
    """
    mine = [e for e in events if e.subject == subject and e.scheme == book.scheme]
    counted, excluded = partition(mine, as_of, voided, ended)
    lines = tuple(_line(e, disputed or {}) for e in counted)
    results: tuple[FactorResult, ...] = ()
    if book.kind == "scorecard":
        counts: dict[str, int] = {}
        for e in counted:
            counts[e.rule or ""] = counts.get(e.rule or "", 0) + 1
        fr = []
        for f in book.factors:
            value = factor_value(f, counts)
            start, pts = factor_points(f, value)
            n = sum(counts.get(r, 0) for r in set(f.numerator) | set(f.denominator))
            fr.append(FactorResult(f.code, f.title, value, start, pts, n))
        results = tuple(fr)
        raw = book.base + sum(x.points for x in results)
    else:
        raw = book.base + sum(e.points for e in counted)
    value = clamp(raw, book.low, book.high)
    grade, uncapped, capped, caps = _grade_and_caps(book, value, counted)
    return ScoreReport(
        subject=subject,
        scheme=book.scheme,
        version=book.version,
        as_of=as_of,
        kind=book.kind,
        base=book.base,
        raw=raw,
        score=value,
        grade=grade,
        uncapped_grade=uncapped,
        capped=capped,
        caps=caps,
        perks=_perks(book, grade, value),
        lines=lines,
        excluded=tuple(excluded),
        factors=results,
    )


def event_from_terms(
    book: Rulebook,
    ident: int,
    subject: str,
    rule: str,
    occurred: date,
    reverses: int | None = None,
) -> Event:
    """Build the event a rulebook's published terms imply, without an authority's submission.

    Used where only (rule, date, reversal) are known: rulebook ``[[examples]]``, batch
    input files and property tests. Unknown rules raise KeyError: a batch file naming a
    rule the rulebook lacks is an input error, not something to score as zero.
    """
    r = book.rule(rule)
    if r is None:
        raise KeyError(f"rule {rule!r} is not in scheme {book.scheme!r}")
    if reverses is not None:
        return Event(
            id=ident,
            type=REVERSAL,
            subject=subject,
            authority="",
            occurred=occurred,
            recorded="",
            scheme=book.scheme,
            version=book.version,
            rule=rule,
            reverses=reverses,
        )
    return Event(
        id=ident,
        type=SCORE,
        subject=subject,
        authority=r.authorities[0] if r.authorities else "",
        occurred=occurred,
        recorded="",
        scheme=book.scheme,
        version=book.version,
        rule=rule,
        points=r.points,
        ends=add_duration(occurred, r.lasts) if r.lasts else None,
        cap=r.cap_grade,
    )

"""Grade brackets and reachability: every score has exactly one grade, and every grade
and perk a rulebook promises can actually be reached.

A grade nobody can get, or a perk that can never be granted, is a sign the rulebook is
not what it says; a gap or overlap in the brackets makes a score's grade ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

from socialcredit.core.policy.findings import Finding
from socialcredit.core.rulebook import Rulebook


@dataclass(frozen=True)
class _Span:
    """A grade's bracket as an inclusive range clipped to the rulebook's range."""

    grade: str
    index: int
    low: int
    high: int

    @property
    def empty(self) -> bool:
        return self.low > self.high


def _spans(book: Rulebook) -> list[_Span]:
    out = []
    for i, g in enumerate(book.grades):
        lo = book.low if g.low is None else max(g.low, book.low)
        hi = book.high if g.high is None else min(g.high, book.high)
        out.append(_Span(g.grade, i, lo, hi))
    return out


def top_grade(book: Rulebook) -> str | None:
    """The best grade: the one whose bracket starts highest (whatever the listing order)."""
    spans = [s for s in _spans(book) if not s.empty]
    return max(spans, key=lambda s: (s.low, s.high)).grade if spans else None


def brackets(book: Rulebook) -> list[Finding]:
    """The brackets must partition [low, high]: every score has exactly one grade.

    A bracket that is empty within the range (``min`` above ``max``, or entirely
    outside the range) takes no part in the partition; it is reported as unreachable.
    """
    out: list[Finding] = []
    if not (book.low <= book.base <= book.high):
        out.append(
            Finding(
                "base",
                "base-out-of-range",
                f"base {book.base} is outside the range {book.low}..{book.high}",
            )
        )
    if not book.grades:
        return [*out, Finding("grades", "bracket-gap", "no grades are defined")]
    spans = [s for s in _spans(book) if not s.empty]
    starts = [s.low for s in spans]
    if starts != sorted(starts, reverse=True):
        out.append(Finding("grades", "bracket-order", "grades must be listed best (highest) first"))
    expect = book.low
    for s in sorted(spans, key=lambda s: (s.low, s.high, s.index)):
        if s.low > expect:
            out.append(
                Finding(
                    f"grades[{s.index}]",
                    "bracket-gap",
                    f"scores {expect}..{s.low - 1} have no grade (just below {s.grade!r})",
                )
            )
        elif s.low < expect:
            out.append(
                Finding(
                    f"grades[{s.index}]",
                    "bracket-overlap",
                    f"grade {s.grade!r} overlaps the grade below it at "
                    f"{s.low}..{min(expect - 1, s.high)}",
                )
            )
        expect = max(expect, s.high + 1)
    if expect <= book.high:
        out.append(Finding("grades", "bracket-gap", f"scores {expect}..{book.high} have no grade"))
    return out


def score_bounds(book: Rulebook) -> tuple[int, int]:
    """The lowest and highest score the rules can ever produce, clamped to the range.

    Points: events can repeat, so any positive rule reaches ``high`` and any negative
    rule reaches ``low``. Scorecards: the base plus each factor's worst (or best) bin,
    counting ``empty_points`` as a bin.
    """
    if book.kind == "scorecard":
        lo = book.base + sum(
            min([b.points for b in f.bins] + [f.empty_points]) for f in book.factors
        )
        hi = book.base + sum(
            max([b.points for b in f.bins] + [f.empty_points]) for f in book.factors
        )
    else:
        hi = book.high if any(r.points > 0 for r in book.rules) else book.base
        lo = book.low if any(r.points < 0 for r in book.rules) else book.base
    return _clamp(lo, book), _clamp(hi, book)


def _clamp(score: int, book: Rulebook) -> int:
    return max(book.low, min(book.high, score))


def reachability(book: Rulebook) -> list[Finding]:
    """Grades and perks nobody can ever get are a sign the rulebook is not what it says."""
    lo, hi = score_bounds(book)
    caps = {r.cap_grade for r in book.rules if r.cap_grade is not None}
    out: list[Finding] = []
    reachable: set[str] = set()
    for s in _spans(book):
        if s.grade in caps or (not s.empty and s.low <= hi and s.high >= lo):
            reachable.add(s.grade)
            continue
        g = book.grades[s.index]
        bracket = f"{'' if g.low is None else g.low}..{'' if g.high is None else g.high}"
        out.append(
            Finding(
                f"grades[{s.index}]",
                "unreachable-grade",
                f"grade {s.grade!r} ({bracket}) cannot be reached: scores stay in {lo}..{hi}",
            )
        )
    known = {g.grade for g in book.grades}
    for i, perk in enumerate(book.perks):
        what = f"perk {perk.code!r}"
        for g_name in perk.grades:
            if g_name not in known:
                out.append(
                    Finding(
                        f"perks[{i}].grades",
                        "unknown-grade",
                        f"{what} names {g_name!r}, which is not one of the grades",
                    )
                )
        named = [g for g in perk.grades if g in known]
        if named and not any(g in reachable for g in named):
            out.append(
                Finding(
                    f"perks[{i}].grades",
                    "unreachable-perk",
                    f"{what} can never be granted: none of its grades can be reached",
                )
            )
        if perk.min_score is not None and perk.min_score > hi:
            out.append(
                Finding(
                    f"perks[{i}].min_score",
                    "unreachable-perk",
                    f"{what} can never be granted: it needs {perk.min_score}, "
                    f"scores stay at or below {hi}",
                )
            )
    return out

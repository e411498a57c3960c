"""The bounds every scoring rulebook keeps whatever its catalogue says: a legal basis and
evidence per rule, an end to every penalty, known grades and authorities, sane factors,
and wording checked by the second line (``keywords.py``).

Structural problems stop parsing (``core/rulebook.py``); everything here is policy, and
every check runs so that one pass reports every problem. Pure: no I/O and no clock.
"""

from __future__ import annotations

from socialcredit.core.periods import Duration
from socialcredit.core.policy.brackets import brackets, reachability, top_grade
from socialcredit.core.policy.findings import WARNING, Finding, LintConfig, ordered
from socialcredit.core.policy.keywords import wording
from socialcredit.core.rulebook import Rulebook


def lint(book: Rulebook, config: LintConfig | None = None) -> list[Finding]:
    """Every policy finding for a rulebook, ordered by field path (``rules[2]`` before
    ``rules[10]``). ``None`` means the default limits."""
    cfg = config if config is not None else LintConfig()
    out: list[Finding] = []
    if not book.legal_basis:
        out.append(Finding("legal_basis", "no-legal-basis", "the rulebook names no legal basis"))
    out += _rules(book, cfg)
    out += _factors(book)
    out += brackets(book)
    out += reachability(book)
    return ordered(out)


def _counted_against(book: Rulebook) -> set[str]:
    """Scorecard rules that only ever count against the subject: in some factor they sit
    in the denominator without being in the numerator (an overdue bill among all bills)."""
    out: set[str] = set()
    for f in book.factors:
        out |= set(f.denominator) - set(f.numerator)
    return out


def max_days(d: Duration) -> int:
    """The longest a duration can be in days: 366 per whole year, 31 per leftover month.

    ``Duration.approx_days`` counts 31 days for every month (372 a year), which would
    make ``P5Y`` "longer than five years" under the default 5 x 366-day limit. Five
    calendar years are at most 1,827 days, so counting whole years as 366 days is still
    an upper bound, and a rule that lasts exactly the limit passes.
    """
    years, months = divmod(d.months, 12)
    return years * 366 + months * 31 + d.days


def _rules(book: Rulebook, cfg: LintConfig) -> list[Finding]:
    out: list[Finding] = []
    grades = {g.grade for g in book.grades}
    top = top_grade(book)
    authorities = {a.id for a in book.authorities}
    against = _counted_against(book) if book.kind == "scorecard" else set()
    years = cfg.max_negative_lasts_days / 366
    for i, r in enumerate(book.rules):
        p = f"rules[{i}]"
        what = f"rule {r.code!r}"
        if not r.legal_basis:
            out.append(Finding(f"{p}.legal_basis", "no-legal-basis", f"{what} has no legal basis"))
        if not r.evidence:
            out.append(
                Finding(f"{p}.evidence", "no-evidence", f"{what} requires no evidence document")
            )
        negative = r.points < 0 or r.cap_grade is not None or r.code in against
        if r.lasts is None:
            if book.kind == "scorecard":
                out.append(
                    Finding(
                        f"{p}.lasts",
                        "unbounded-record",
                        f"{what} never stops counting: scorecard records count over a window",
                    )
                )
            elif negative:
                out.append(
                    Finding(
                        f"{p}.lasts",
                        "unbounded-penalty",
                        f"{what} is negative and never ends: give it a 'lasts' duration",
                    )
                )
        elif negative and max_days(r.lasts) > cfg.max_negative_lasts_days:
            out.append(
                Finding(
                    f"{p}.lasts",
                    "penalty-too-long",
                    f"{what} is negative and lasts {r.lasts.iso()}, "
                    f"longer than the limit of {cfg.max_negative_lasts_days} days "
                    f"(about {years:g} years)",
                )
            )
        out += wording(
            p,
            what,
            (
                ("category", r.category),
                ("code", r.code),
                ("title", r.title),
                ("description", r.description),
            ),
        )
        if r.cap_grade is not None:
            if r.cap_grade not in grades:
                out.append(
                    Finding(
                        f"{p}.cap_grade",
                        "unknown-grade",
                        f"{what} caps at {r.cap_grade!r}, which is not one of the grades",
                    )
                )
            elif r.cap_grade == top:
                out.append(
                    Finding(
                        f"{p}.cap_grade",
                        "cap-no-effect",
                        f"{what} caps at the top grade {r.cap_grade!r}, which changes nothing",
                        WARNING,
                    )
                )
        if not r.authorities:
            out.append(
                Finding(f"{p}.authorities", "no-authority", f"no authority may issue {what}")
            )
        for a in r.authorities:
            if a not in authorities:
                out.append(
                    Finding(
                        f"{p}.authorities",
                        "unknown-authority",
                        f"{what} names authority {a!r}, which is not declared in [[authorities]]",
                    )
                )
        # Excusing circumstances are free text shown to reviewers; an empty one says
        # nothing and is almost certainly a typo.
        if any(not e for e in r.excusing):
            out.append(
                Finding(
                    f"{p}.excusing",
                    "empty-excusing",
                    f"{what} lists an empty excusing circumstance",
                    WARNING,
                )
            )
    return out


def _factors(book: Rulebook) -> list[Finding]:
    out: list[Finding] = []
    codes = {r.code for r in book.rules}
    for i, f in enumerate(book.factors):
        p = f"factors[{i}]"
        what = f"factor {f.code!r}"
        out += wording(
            p,
            what,
            (
                ("category", f.category),
                ("code", f.code),
                ("title", f.title),
                ("description", f.description),
            ),
        )
        for part, names in (("numerator", f.numerator), ("denominator", f.denominator)):
            for name in names:
                if name not in codes:
                    out.append(
                        Finding(
                            f"{p}.{part}",
                            "unknown-rule",
                            f"{what} counts {name!r}, which is not one of the rules",
                        )
                    )
        if f.measure == "ratio" and not f.denominator:
            out.append(
                Finding(
                    f"{p}.denominator",
                    "bad-factor",
                    f"{what} is a ratio with no denominator",
                )
            )
    return out

"""No version takes effect before it was published, and none rewrites the past.

The attack this stops: an admin publishes rongcheng 2014.9 *today*, effective
2015-01-01, with base 700, and a resident's 2016 score turns from 1000/A into 700/C.
The publication date is an argument (the publishing clock's day, passed in by the
application; a file checked offline uses the date it declares, or today), so the core
stays free of clocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from socialcredit.core.policy.findings import Finding
from socialcredit.core.rulebook import Rulebook, in_force


def check_dates(
    ident: str, effective: date, published_on: date, doc: object, earlier: Sequence[object]
) -> list[Finding]:
    """Findings for a version published on ``published_on``; ``earlier`` are the
    versions of the same document already published."""
    if effective >= published_on:
        return []
    out = [
        Finding(
            "effective",
            "effective-before-publication",
            f"{ident} takes effect on {effective}, before its publication on {published_on}: "
            "a version applies only from its publication on",
        )
    ]
    if isinstance(doc, Rulebook):
        versions = [v for v in earlier if isinstance(v, Rulebook) and v.version != doc.version]
        before = in_force(versions, effective)
        if before is not None:
            later = [v.effective for v in versions if effective < v.effective < published_on]
            until = min([*later, published_on]) - timedelta(days=1)
            for fld, what in _changes(before, doc):
                out.append(
                    Finding(
                        fld,
                        "changes-the-past",
                        f"{what} for {effective}..{until}, dates already past "
                        f"(version {before.version} was in force then)",
                    )
                )
    return out


def _changes(old: Rulebook, new: Rulebook) -> list[tuple[str, str]]:
    """What a backdated version would change in answers already given."""
    out: list[tuple[str, str]] = []
    if old.base != new.base:
        out.append(("base", f"base {old.base} -> {new.base}"))
    if (old.low, old.high) != (new.low, new.high):
        out.append(("range", f"range {old.low}..{old.high} -> {new.low}..{new.high}"))
    if [(g.grade, g.low, g.high) for g in old.grades] != [
        (g.grade, g.low, g.high) for g in new.grades
    ]:
        out.append(("grades", "grade brackets change"))
    before = {r.code: r for r in old.rules}
    for i, r in enumerate(new.rules):
        o = before.get(r.code)
        if o is not None and (o.points, o.lasts, o.cap_grade) != (r.points, r.lasts, r.cap_grade):
            out.append(
                (
                    f"rules[{i}].points",
                    f"rule {r.code!r} changes from {o.points:+d} to {r.points:+d}",
                )
            )
    return out

"""The published rulebook: the only place points, grades, caps and perks come from.

A rulebook is parsed from TOML into frozen dataclasses so that everything downstream
(scoring, the policy validator, the SQL generator for batch engines) reads one typed
model. Structural problems (a missing field, a wrong type) stop parsing with the exact
field path; policy problems are the validator's job (``core/policy/``) so that a
malformed-but-parseable rulebook can still be reported on in full.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from socialcredit.core.errors import RulebookInvalid
from socialcredit.core.periods import Duration
from socialcredit.core.tables import MAX_RULEBOOK_BYTES as MAX_RULEBOOK_BYTES
from socialcredit.core.tables import TableReader as TableReader
from socialcredit.core.tables import read_toml as read_toml

KINDS = ("points", "scorecard")
SUBJECT_KINDS = ("person", "organisation", "any")
MEASURES = ("count", "ratio")


@dataclass(frozen=True)
class Grade:
    """An inclusive score bracket; ``low``/``high`` of None mean "to the end of the range"."""

    grade: str
    low: int | None
    high: int | None
    title: str = ""


@dataclass(frozen=True)
class Authority:
    id: str
    name: str
    kind: str = "office"
    jurisdiction: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    points: int
    category: str
    legal_basis: str
    evidence: tuple[str, ...]
    lasts: Duration | None
    authorities: tuple[str, ...]
    cap_grade: str | None = None
    description: str = ""
    excusing: tuple[str, ...] = ()
    # The catalogue entry this rule counts (``core/policy/catalogue.py``): the entry says
    # which statute allows recording the conduct, who may record it and the bounds.
    conduct: str = ""


@dataclass(frozen=True)
class Bin:
    """Points given when the factor's value is at least ``start`` (the highest such bin wins)."""

    start: int
    points: int


@dataclass(frozen=True)
class Factor:
    code: str
    title: str
    category: str
    measure: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...]
    bins: tuple[Bin, ...]
    empty_points: int = 0
    description: str = ""


@dataclass(frozen=True)
class Perk:
    code: str
    title: str
    grades: tuple[str, ...] = ()
    min_score: int | None = None


@dataclass(frozen=True)
class ExampleEvent:
    rule: str
    occurred: date
    id: int | None = None
    reverses: int | None = None


@dataclass(frozen=True)
class Example:
    name: str
    as_of: date
    events: tuple[ExampleEvent, ...]
    score: int | None
    grade: str | None
    perks: tuple[str, ...] | None
    capped: bool | None = None


@dataclass(frozen=True)
class Rulebook:
    scheme: str
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    kind: str
    subjects: str
    base: int
    low: int
    high: int
    grades: tuple[Grade, ...]
    rules: tuple[Rule, ...]
    perks: tuple[Perk, ...]
    authorities: tuple[Authority, ...]
    factors: tuple[Factor, ...] = ()
    retention: Duration | None = None
    examples: tuple[Example, ...] = ()
    # The date the publisher published this version (its gazette), if the file says so;
    # a version never takes effect before it (``core/policy/dates.py``).
    published: date | None = None
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)

    def rule(self, code: str) -> Rule | None:
        for r in self.rules:
            if r.code == code:
                return r
        return None

    def authority(self, ident: str) -> Authority | None:
        for a in self.authorities:
            if a.id == ident:
                return a
        return None

    def grade_rank(self, grade: str) -> int:
        """0 is the best grade; a larger rank is a worse grade."""
        for i, g in enumerate(self.grades):
            if g.grade == grade:
                return i
        raise KeyError(grade)

    def grade_for(self, score: int) -> str:
        for g in self.grades:
            if (g.low is None or score >= g.low) and (g.high is None or score <= g.high):
                return g.grade
        # A validated rulebook covers its whole range; this only guards unvalidated input.
        return self.grades[-1].grade if self.grades else ""


def document_kind(text: str) -> str:
    """The ``kind`` of a published document, so a loader can dispatch on it."""
    return read_toml(text).str_("kind")


def parse_authorities(r: TableReader) -> tuple[Authority, ...]:
    return tuple(
        Authority(
            a.str_("id"), a.str_("name", ""), a.str_("kind", "office"), a.str_("jurisdiction", "")
        )
        for a in r.tables("authorities")
    )


def parse_rulebook(text: str) -> Rulebook:
    """Parse and structurally check one rulebook; raise RulebookInvalid naming the field."""
    r = read_toml(text)
    data = r.data
    kind = r.str_("kind")
    if kind not in KINDS:
        raise r.fail("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    subjects = r.str_("subjects", "person")
    if subjects not in SUBJECT_KINDS:
        raise r.fail("subjects", f"must be one of {', '.join(SUBJECT_KINDS)}")
    rng = data.get("range")
    if (
        not isinstance(rng, list)
        or len(rng) != 2
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in rng)
        or rng[0] >= rng[1]
    ):
        raise r.fail("range", "expected [low, high] with two integers, low < high")
    low, high = int(rng[0]), int(rng[1])
    scheme = r.str_("scheme")
    if not scheme or not all(c.isalnum() or c in "-_" for c in scheme):
        raise r.fail("scheme", "must be a non-empty identifier of letters, digits, - and _")

    grades = tuple(
        Grade(g.str_("grade"), g.opt_int("min"), g.opt_int("max"), g.str_("title", ""))
        for g in r.tables("grades")
    )
    rules = tuple(_parse_rule(t) for t in r.tables("rules"))
    factors = tuple(_parse_factor(t) for t in r.tables("factors"))
    perks = tuple(
        Perk(p.str_("code"), p.str_("title", ""), p.strs("grades"), p.opt_int("min_score"))
        for p in r.tables("perks")
    )
    authorities = parse_authorities(r)
    examples = tuple(_parse_example(t) for t in r.tables("examples"))
    _check_unique("rules", [x.code for x in rules])
    _check_unique("grades", [x.grade for x in grades])
    _check_unique("authorities", [x.id for x in authorities])
    _check_unique("factors", [x.code for x in factors])
    return Rulebook(
        scheme=scheme,
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        kind=kind,
        subjects=subjects,
        base=r.int_("base"),
        low=low,
        high=high,
        grades=grades,
        rules=rules,
        perks=perks,
        authorities=authorities,
        factors=factors,
        retention=r.duration("retention"),
        examples=examples,
        published=r.opt_date("published"),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


def _check_unique(what: str, keys: Sequence[str]) -> None:
    seen: set[str] = set()
    for i, k in enumerate(keys):
        if k in seen:
            path = f"{what}[{i}]"
            raise RulebookInvalid(
                f"{path}: duplicate {k!r}",
                [{"path": path, "code": "duplicate", "message": f"duplicate {k!r}"}],
            )
        seen.add(k)


def _parse_rule(t: TableReader) -> Rule:
    return Rule(
        code=t.str_("code"),
        title=t.str_("title"),
        points=t.int_("points", 0),
        category=t.str_("category"),
        legal_basis=t.str_("legal_basis", ""),
        evidence=t.strs("evidence"),
        lasts=t.duration("lasts"),
        authorities=t.strs("authorities"),
        cap_grade=t.opt_str("cap_grade"),
        description=t.str_("description", ""),
        excusing=t.strs("excusing"),
        conduct=_own_conduct(t),
    )


def _own_conduct(t: TableReader) -> str:
    """The catalogue entry a rule counts; ``conduct_of`` survives only as ``subject``.

    Whose conduct a rule scores is not a choice: only the subject's own (an organisation's
    own acts). Anything else is refused here, by construction, before any policy check.
    """
    whose = t.str_("conduct_of", "subject")
    if whose not in ("subject", "self"):
        raise t.fail(
            "conduct_of",
            f"must be the subject's own conduct ('subject'), got {whose!r}: "
            "nobody is scored for a relative's, neighbour's or colleague's conduct",
        )
    return t.str_("conduct", "")


def _parse_factor(t: TableReader) -> Factor:
    measure = t.str_("measure")
    if measure not in MEASURES:
        raise t.fail("measure", f"must be one of {', '.join(MEASURES)}, got {measure!r}")
    bins = tuple(Bin(b.int_("from"), b.int_("points")) for b in t.tables("bins"))
    if not bins:
        raise t.fail("bins", "at least one bin is required")
    starts = [b.start for b in bins]
    if starts != sorted(set(starts)):
        raise t.fail("bins", "bins must be in strictly increasing order of 'from'")
    return Factor(
        code=t.str_("code"),
        title=t.str_("title"),
        category=t.str_("category"),
        measure=measure,
        numerator=t.strs("numerator"),
        denominator=t.strs("denominator"),
        bins=bins,
        empty_points=t.int_("empty_points", 0),
        description=t.str_("description", ""),
    )


def _parse_example(t: TableReader) -> Example:
    events = []
    for e in t.tables("events"):
        events.append(
            ExampleEvent(
                e.str_("rule"), e.date_("occurred"), e.opt_int("id"), e.opt_int("reverses")
            )
        )
    perks = t.strs("expect_perks") if t.has("expect_perks") else None
    return Example(
        name=t.str_("name"),
        as_of=t.date_("as_of"),
        events=tuple(events),
        score=t.opt_int("expect_score"),
        grade=t.opt_str("expect_grade"),
        perks=perks,
        capped=t.bool_("expect_capped"),
    )


def in_force(versions: Sequence[Rulebook], on: date) -> Rulebook | None:
    """The version of a scheme in force on a date: the latest effective on or before it."""
    best: Rulebook | None = None
    for v in versions:
        if v.effective <= on and (best is None or v.effective > best.effective):
            best = v
    return best


def version_for(versions: Sequence[Rulebook], on: date) -> Rulebook:
    """The version to score with on a date; before the first one, the first.

    Before a scheme took effect nothing can have been recorded under it, so the first
    version's base and brackets are the honest explanation of an empty record.
    """
    return in_force(versions, on) or min(versions, key=lambda v: v.effective)

"""The conduct catalogue and the measures list: what may be recorded, and what may follow.

Modelled on China's National Basic Catalogue of Public Credit Information and National
Basic List of Measures for Dishonesty (2021 onward), which admit only conduct and
measures a law or regulation provides, each with its basis. Here they are published
documents like any rulebook: a rule counts only conduct a catalogue entry names, within
its bounds, recorded by a kind of authority the entry allows; a memorandum clause applies
only a listed measure, only in the sectors it names (``gate.py``).

Whose conduct an entry is about is not a field anyone can fill in: ``whose`` exists only
to say ``self`` explicitly, and any other value stops parsing. A relative's debt, a
neighbour's post, a child's schooling for a parent's default cannot be catalogued.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date

from socialcredit.core.periods import Duration, never_longer
from socialcredit.core.policy.findings import Finding
from socialcredit.core.policy.keywords import wording
from socialcredit.core.rulebook import TableReader, read_toml

SEVERITIES = ("minor", "general", "serious")
DIRECTIONS = ("negative", "positive")
EFFECTS = ("deny", "benefit")
# The longest any record may count, by severity (the national repair rules: a minor
# record stops being shown within months, a serious one within a few years).
SEVERITY_LONGEST = {
    "minor": Duration(months=12),
    "general": Duration(months=36),
    "serious": Duration(months=60),
}
# "statute and article": a basis must point at an article, not just name a law.
_ARTICLE = re.compile(r"\b(?:art|arts|article|articles|measure|para|§)\b\.?\s*\(?\d|第.{1,8}条")


@dataclass(frozen=True)
class Entry:
    id: str
    conduct: str
    legal_basis: str
    recorded_by: tuple[str, ...]
    severity: str
    direction: str
    most_points: int
    longest: Duration
    measures: tuple[str, ...]
    whose: str = "self"


@dataclass(frozen=True)
class RuleCase:
    """A catalogue ``[[examples]]`` case: would a rule with these terms fit the entry?"""

    name: str
    entry: str
    points: int
    lasts: Duration | None
    authority_kind: str
    expect: str  # "accept" | "refuse"
    codes: tuple[str, ...] | None


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    entries: tuple[Entry, ...]
    examples: tuple[RuleCase, ...] = ()
    published: date | None = None
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)

    def entry(self, ident: str) -> Entry | None:
        return next((e for e in self.entries if e.id == ident), None)


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    effect: str
    legal_basis: str
    sectors: tuple[str, ...]
    follows: tuple[str, ...]


@dataclass(frozen=True)
class MeasureCase:
    """A measures-list ``[[examples]]`` case: may this measure follow that conduct there?"""

    name: str
    measure: str
    conduct: str
    sector: str
    expect: str
    codes: tuple[str, ...] | None


@dataclass(frozen=True)
class MeasuresList:
    id: str
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    measures: tuple[Measure, ...]
    examples: tuple[MeasureCase, ...] = ()
    published: date | None = None
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)

    def measure(self, ident: str) -> Measure | None:
        return next((m for m in self.measures if m.id == ident), None)


def _choice(t: TableReader, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
    v = t.str_(key, default)
    if v not in allowed:
        raise t.fail(key, f"must be one of {', '.join(allowed)}, got {v!r}")
    return v


def _expect(t: TableReader) -> tuple[str, tuple[str, ...] | None]:
    expect = _choice(t, "expect", ("accept", "refuse"))
    return expect, t.strs("expect_codes") if t.has("expect_codes") else None


def _entry(t: TableReader) -> Entry:
    whose = t.str_("whose", "self")
    if whose != "self":
        raise t.fail(
            "whose",
            f"must be 'self' (the subject's own act; for an organisation its own act), got "
            f"{whose!r}: nobody is recorded for a relative's, neighbour's or colleague's conduct",
        )
    longest = t.duration("longest")
    if longest is None or longest.is_zero:
        raise t.fail("longest", "is required: every record stops counting")
    most = t.int_("most_points")
    if most < 0:
        raise t.fail("most_points", "must be zero or more (a magnitude)")
    return Entry(
        id=t.str_("id"),
        conduct=t.str_("conduct"),
        legal_basis=t.str_("legal_basis", ""),
        recorded_by=t.strs("recorded_by"),
        severity=_choice(t, "severity", SEVERITIES),
        direction=_choice(t, "direction", DIRECTIONS),
        most_points=most,
        longest=longest,
        measures=t.strs("measures"),
    )


def _unique(r: TableReader, key: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise TableReader({}, f"{key}[{i}]").fail("id", f"duplicate {x!r}")
        seen.add(x)


def parse_catalogue(text: str) -> Catalogue:
    r = read_toml(text)
    if r.str_("kind") != "catalogue":
        raise r.fail("kind", 'expected kind = "catalogue"')
    entries = tuple(_entry(t) for t in r.tables("entries"))
    _unique(r, "entries", [e.id for e in entries])
    examples = []
    for t in r.tables("examples"):
        expect, codes = _expect(t)
        examples.append(
            RuleCase(
                name=t.str_("name"),
                entry=t.str_("entry"),
                points=t.int_("points"),
                lasts=t.duration("lasts"),
                authority_kind=t.str_("authority_kind"),
                expect=expect,
                codes=codes,
            )
        )
    return Catalogue(
        id=r.str_("catalogue"),
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        entries=entries,
        examples=tuple(examples),
        published=r.opt_date("published"),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


def parse_measures(text: str) -> MeasuresList:
    r = read_toml(text)
    if r.str_("kind") != "measures":
        raise r.fail("kind", 'expected kind = "measures"')
    measures = tuple(
        Measure(
            id=t.str_("id"),
            title=t.str_("title"),
            effect=_choice(t, "effect", EFFECTS),
            legal_basis=t.str_("legal_basis", ""),
            sectors=t.strs("sectors"),
            follows=t.strs("follows"),
        )
        for t in r.tables("measures")
    )
    _unique(r, "measures", [m.id for m in measures])
    examples = []
    for t in r.tables("examples"):
        expect, codes = _expect(t)
        examples.append(
            MeasureCase(
                name=t.str_("name"),
                measure=t.str_("measure"),
                conduct=t.str_("conduct"),
                sector=t.str_("sector"),
                expect=expect,
                codes=codes,
            )
        )
    return MeasuresList(
        id=r.str_("measures_list"),
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        measures=measures,
        examples=tuple(examples),
        published=r.opt_date("published"),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


def fits(a: Duration, b: Duration) -> bool:
    """``a`` is never longer than ``b`` from any start date (a month is at least 28 days)."""
    return never_longer(a, b)


def _basis(path: str, what: str, basis: str) -> list[Finding]:
    if not basis:
        return [Finding(path, "no-legal-basis", f"{what} names no legal basis")]
    if not _ARTICLE.search(basis.lower()):
        return [
            Finding(
                path,
                "no-article",
                f"{what} names no article of a statute in its legal basis ({basis!r}): "
                "cite the law or regulation and the article that provides for it",
            )
        ]
    return []


def lint_catalogue(c: Catalogue) -> list[Finding]:
    """The catalogue's own validation: a statute and article per entry, someone who may
    record it, a duration within its severity, and wording the second line accepts."""
    out = _basis("legal_basis", "the catalogue", c.legal_basis) if not c.legal_basis else []
    for i, e in enumerate(c.entries):
        p = f"entries[{i}]"
        what = f"catalogue entry {e.id!r}"
        out += _basis(f"{p}.legal_basis", what, e.legal_basis)
        if not e.recorded_by:
            out.append(Finding(f"{p}.recorded_by", "no-authority", f"nobody may record {what}"))
        limit = SEVERITY_LONGEST[e.severity]
        if not fits(e.longest, limit):
            out.append(
                Finding(
                    f"{p}.longest",
                    "too-long-for-severity",
                    f"{what} counts for up to {e.longest.iso()}, longer than {limit.iso()} "
                    f"allowed for {e.severity} conduct",
                )
            )
        out += wording(p, what, (("id", e.id), ("conduct", e.conduct)))
    return out


def lint_measures(m: MeasuresList) -> list[Finding]:
    """The measures list's own validation: a statute and article, sectors, and what
    conduct each measure may follow."""
    out = _basis("legal_basis", "the measures list", m.legal_basis) if not m.legal_basis else []
    for i, x in enumerate(m.measures):
        p = f"measures[{i}]"
        what = f"measure {x.id!r}"
        out += _basis(f"{p}.legal_basis", what, x.legal_basis)
        if not x.sectors:
            out.append(Finding(f"{p}.sectors", "no-sector", f"{what} names no sector"))
        if not x.follows:
            out.append(Finding(f"{p}.follows", "no-conduct", f"{what} follows no conduct"))
        out += wording(p, what, (("id", x.id), ("title", x.title)))
    return out

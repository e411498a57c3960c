"""List definitions: what a published list says, parsed and checked for sense.

A definition is a published document (``rulebooks/list-*.toml``); this module turns its
text into a ``ListDef`` and lints it. Bans sized to the offence live here too: a list
may declare ``[[durations]]`` by severity, with a longer term for a repeat within a
window, so a first minor offence is not punished like a third serious one. The checks
refuse a definition whose sizes make no sense (a repeat shorter than a first offence, a
term longer than the list's maximum or than NDRC Order No. 58 lets the severity be
published), because a bad size would otherwise be discovered only by a subject who
served it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from socialcredit.core.periods import Duration, never_longer
from socialcredit.core.repair import PERIODS
from socialcredit.core.rulebook import Authority, TableReader, parse_authorities, read_toml

SEVERITIES = ("minor", "general", "serious")
DEFAULT_RETENTION = Duration(months=36)  # shown for 3 years after an entry ends


@dataclass(frozen=True)
class ListExample:
    """A list ``[[examples]]`` case: an entry notified (and perhaps remedied), its status.

    ``severity`` and ``prior`` (the day an earlier offence on the same list was
    notified) exercise the sized durations."""

    name: str
    as_of: date
    notified: date
    remedied: date | None
    expect: str
    severity: str | None = None
    prior: date | None = None


@dataclass(frozen=True)
class Sizing:
    """One ``[[durations]]`` row: how long an entry of ``severity`` lasts (None: any)."""

    severity: str | None
    first: Duration
    repeat: Duration | None = None  # a second or later offence within the window


@dataclass(frozen=True)
class ListDef:
    id: str
    kind: str  # "black" | "red"
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    subjects: str
    sectors: tuple[str, ...]
    fields: tuple[str, ...]
    evidence: tuple[str, ...]
    max_duration: Duration
    notice: Duration
    remedy: str
    remedy_evidence: tuple[str, ...]
    authorities: tuple[Authority, ...]
    public_board: bool = False
    retention: Duration = DEFAULT_RETENTION
    # The catalogue entries whose conduct puts a subject on the list (core/policy/).
    conduct: tuple[str, ...] = ()
    examples: tuple[ListExample, ...] = ()
    published: date | None = None
    severity: str = "general"  # minor / general / serious: sets the credit-repair periods
    repair_business_days: int = 5  # the deciding authority's deadline for a repair
    durations: tuple[Sizing, ...] = ()  # empty: every entry lasts max_duration
    # The first version's effective date: the list has existed since then, whichever
    # version is in force (set by ``in_force``; None: this version's own date).
    since: date | None = None
    repeat_within: Duration | None = None  # an earlier offence this recent makes a repeat
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)
    # Every published version of the list, by effective date (set by ``in_force``): an
    # entry is sized by the one in force on its own date (``on``), never by today's.
    versions: tuple[ListDef, ...] = field(default=(), repr=False, compare=False)

    @property
    def authority_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.authorities)

    def sized_severities(self) -> tuple[str, ...] | None:
        """The severities an entry may be proposed with (None: any, one size for all)."""
        if not self.durations or any(s.severity is None for s in self.durations):
            return None
        return tuple(str(s.severity) for s in self.durations)

    def on(self, day: date) -> ListDef:
        """The version in force on ``day`` (the earliest before any): the terms of an entry
        proposed that day. Sized by the version in force on the clock's day instead, every
        entry of the previous version grew to the new one's maximum the day it took effect
        (a 180-day ban became a year after the fact), and moved back with the clock."""
        versions = self.versions or (self,)
        current = [d for d in versions if d.effective <= day]
        return current[-1] if current else versions[0]

    def duration_for(self, severity: str | None, offence: int) -> Duration:
        """How long an entry lasts: its severity's row, the repeat term from the second
        offence on; the list's maximum when nothing is declared for it."""
        want = severity or self.severity
        row = next((s for s in self.durations if s.severity == want), None)
        row = row or next((s for s in self.durations if s.severity is None), None)
        if row is None:
            return self.max_duration
        if offence > 1 and row.repeat is not None:
            return row.repeat
        return row.first


def in_force(defs: Iterable[ListDef], day: date) -> dict[str, ListDef]:
    """Per list, the version in force on ``day`` (the earliest if none is yet).

    Choosing by publication order instead would let a version taking effect next year
    govern entries today: refuse this year's proposals as "before the list took
    effect" and size them by terms not yet in force."""
    versions: dict[str, list[ListDef]] = {}
    for d in defs:
        versions.setdefault(d.id, []).append(d)
    out = {}
    for ident, vs in versions.items():
        vs.sort(key=lambda d: (d.effective, d.version))
        current = [d for d in vs if d.effective <= day]
        chosen = current[-1] if current else vs[0]
        out[ident] = replace(chosen, since=vs[0].effective, versions=tuple(vs))
    return out


def as_published(
    lists: Mapping[str, ListDef], seen: Callable[[str, str], bool], day: date
) -> dict[str, ListDef]:
    """Each list as it stood on ``day`` of a replay: the versions ``seen`` (published by
    then), the one in force that day. Keeping today's version only when it was seen
    dropped the list from a replay once a newer version took effect, and its bans were
    replayed as over the day they began."""
    old = (v for d in lists.values() for v in d.versions or (d,) if seen(d.id, v.version))
    return in_force(old, day)


def _severity(r: TableReader, key: str = "severity", default: str | None = "general") -> str:
    value = r.str_(key, default) if default is not None else r.str_(key)
    if value not in SEVERITIES:
        raise r.fail(key, "must be minor, general or serious")
    return str(value)


def _sizing(t: TableReader) -> Sizing:
    first = t.duration("first")
    if first is None or first.is_zero:
        raise t.fail("first", "is required: how long a first offence lasts")
    repeat = t.duration("repeat")
    if repeat is not None and repeat.is_zero:
        raise t.fail("repeat", "must be longer than zero")
    severity = _severity(t) if t.opt_str("severity") is not None else None
    return Sizing(severity, first, repeat)


def _examples(r: TableReader) -> tuple[ListExample, ...]:
    out = []
    for t in r.tables("examples"):
        out.append(
            ListExample(
                name=t.str_("name"),
                as_of=t.date_("as_of"),
                notified=t.date_("notified"),
                remedied=t.opt_date("remedied"),
                expect=t.str_("expect_status"),
                severity=_severity(t) if t.opt_str("severity") is not None else None,
                prior=t.opt_date("prior"),
            )
        )
    return tuple(out)


def parse_list(text: str) -> ListDef:
    r = read_toml(text)
    if r.str_("kind") != "list":
        raise r.fail("kind", 'expected kind = "list"')
    kind = r.str_("list_kind")
    if kind not in ("black", "red"):
        raise r.fail("list_kind", "must be black or red")
    max_duration = r.duration("max_duration")
    if max_duration is None or max_duration.is_zero:
        raise r.fail("max_duration", "is required: every entry has a maximum lifetime")
    notice = r.duration("notice") or Duration()
    subjects = r.str_("subjects", "any")
    if subjects not in ("person", "organisation", "any"):
        raise r.fail("subjects", "must be person, organisation or any")
    durations = tuple(_sizing(t) for t in r.tables("durations"))
    repeat_within = r.duration("repeat_within")
    if any(s.repeat is not None for s in durations) and (
        repeat_within is None or repeat_within.is_zero
    ):
        raise r.fail("repeat_within", "is required when a duration declares a repeat term")
    return ListDef(
        id=r.str_("list"),
        kind=kind,
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        subjects=subjects,
        sectors=r.strs("sectors"),
        fields=r.strs("fields"),
        evidence=r.strs("evidence"),
        max_duration=max_duration,
        notice=notice,
        remedy=r.str_("remedy", ""),
        remedy_evidence=r.strs("remedy_evidence"),
        authorities=parse_authorities(r),
        public_board=bool(r.bool_("public_board")),
        retention=r.duration("retention") or DEFAULT_RETENTION,
        conduct=r.strs("conduct"),
        examples=_examples(r),
        published=r.opt_date("published"),
        severity=_severity(r),
        repair_business_days=r.int_("repair_business_days", 5),
        durations=durations,
        repeat_within=repeat_within,
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


def lint_durations(d: ListDef) -> list[tuple[str, str, str]]:
    """Sized durations that make no sense, as (path, code, message)."""
    out = []
    if d.repeat_within is not None and not never_longer(d.repeat_within, d.retention):
        out.append(
            (
                "repeat_within",
                "repeat-window-too-long",
                f"an offence no longer shown may not make a repeat: {d.repeat_within.iso()} "
                f"is longer than the list's retention {d.retention.iso()}",
            )
        )
    seen: set[str | None] = set()
    for i, s in enumerate(d.durations):
        p = f"durations[{i}]"
        if s.severity in seen:
            out.append((f"{p}.severity", "duplicate-duration", "a severity is sized twice"))
        seen.add(s.severity)
        severity = s.severity or d.severity
        ceiling = PERIODS[severity][1]
        for key, term in (("first", s.first), ("repeat", s.repeat)):
            if term is None:
                continue
            if not never_longer(term, d.max_duration):
                out.append(
                    (
                        f"{p}.{key}",
                        "exceeds-max-duration",
                        f"{term.iso()} is longer than the list's maximum {d.max_duration.iso()}",
                    )
                )
            if not never_longer(term, ceiling):
                out.append(
                    (
                        f"{p}.{key}",
                        "exceeds-publication-period",
                        f"{term.iso()} is longer than {ceiling.iso()}, the most {severity} "
                        "information may be published (NDRC Order No. 58)",
                    )
                )
        if s.repeat is not None and never_longer(s.repeat, s.first) and s.repeat != s.first:
            out.append(
                (
                    f"{p}.repeat",
                    "repeat-shorter-than-first",
                    f"a repeat ({s.repeat.iso()}) may not be shorter than a first offence "
                    f"({s.first.iso()})",
                )
            )
    return out


def lint_list(d: ListDef, max_days: int = 5 * 366) -> list[tuple[str, str, str]]:
    """Policy problems of a list definition as (path, code, message)."""
    out = []
    if not d.legal_basis:
        out.append(("legal_basis", "no-legal-basis", "a list needs a legal basis"))
    if not d.evidence:
        out.append(("evidence", "no-evidence", "proposing an entry must require evidence"))
    if d.kind == "black" and not d.remedy:
        out.append(("remedy", "no-remedy", "a blacklist must say how an entry is remedied"))
    if d.kind == "black" and not d.remedy_evidence:
        out.append(("remedy_evidence", "no-remedy-evidence", "say what evidence proves a remedy"))
    if d.max_duration.approx_days() > max_days:
        out.append(("max_duration", "penalty-too-long", f"{d.max_duration.iso()} is too long"))
    if not d.authorities:
        out.append(("authorities", "no-authority", "no authority may maintain this list"))
    return out + lint_durations(d)

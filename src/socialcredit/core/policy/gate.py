"""The gate: every rule cites a catalogue entry and keeps its bounds; every sanction or
benefit applies a listed measure, only where the measure may apply.

This is what makes "only lawful conduct is scored" a property of publication rather than
of vocabulary: a rule on "positive energy" is refused because no catalogue entry with a
statute covers it, whatever words it uses. The keyword scan (``keywords.py``) is the
second line for a catalogue entry someone made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from socialcredit.core.lists import ListDef
from socialcredit.core.periods import Duration
from socialcredit.core.policy.catalogue import Catalogue, Entry, Measure, MeasuresList, fits
from socialcredit.core.policy.findings import Finding
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.sanctions import Memorandum


@dataclass(frozen=True)
class Context:
    """The published catalogue and measures (latest version of each), merged by id."""

    entries: Mapping[str, Entry]
    measures: Mapping[str, Measure]
    has_catalogue: bool
    has_measures: bool


def _latest(docs: Iterable[Catalogue | MeasuresList]) -> list[Catalogue | MeasuresList]:
    best: dict[str, Catalogue | MeasuresList] = {}
    for d in docs:
        if d.id not in best or (d.effective, d.version) > (
            best[d.id].effective,
            best[d.id].version,
        ):
            best[d.id] = d
    return list(best.values())


def context(docs: Iterable[object]) -> Context:
    all_docs = list(docs)
    cats = [d for d in _latest(x for x in all_docs if isinstance(x, Catalogue))]
    lists = [d for d in _latest(x for x in all_docs if isinstance(x, MeasuresList))]
    entries = {e.id: e for c in cats if isinstance(c, Catalogue) for e in c.entries}
    measures = {m.id: m for d in lists if isinstance(d, MeasuresList) for m in d.measures}
    return Context(entries, measures, bool(cats), bool(lists))


# -- rules ------------------------------------------------------------------------------
def rule_problems(
    entry: Entry,
    points: int,
    lasts: Duration | None,
    kinds: Sequence[tuple[str, str]],
    capped: bool = False,
) -> list[tuple[str, str, str]]:
    """(field, code, message) for a rule's terms against its catalogue entry.

    ``kinds`` are (authority id, authority kind) of everyone allowed to issue the rule.
    The catalogue's ``[[examples]]`` run through this same function.
    """
    out: list[tuple[str, str, str]] = []
    e = f"catalogue entry {entry.id!r}"
    if abs(points) > entry.most_points:
        out.append(
            (
                "points",
                "exceeds-points",
                f"{points:+d} points exceed the {entry.most_points} {e} allows",
            )
        )
    if (entry.direction == "negative" and points > 0) or (
        entry.direction == "positive" and points < 0
    ):
        out.append(("points", "wrong-direction", f"{points:+d} points for {entry.direction} {e}"))
    if lasts is None or not fits(lasts, entry.longest):
        how = "never ends" if lasts is None else f"lasts {lasts.iso()}"
        out.append(
            (
                "lasts",
                "exceeds-duration",
                f"{how}, longer than the {entry.longest.iso()} {e} allows",
            )
        )
    for ident, kind in kinds:
        if kind not in entry.recorded_by:
            out.append(
                (
                    "authorities",
                    "authority-kind-not-allowed",
                    f"authority {ident!r} is a {kind!r}; {e} may only be recorded by "
                    f"{', '.join(entry.recorded_by)}",
                )
            )
    if capped and entry.severity != "serious":
        out.append(
            (
                "cap_grade",
                "cap-needs-serious",
                f"a grade cap needs serious conduct; {e} is {entry.severity}",
            )
        )
    return out


def _missing(ctx: Context, path: str, what: str, ref: str) -> Finding | None:
    if not ctx.has_catalogue:
        return Finding(
            path, "no-catalogue", "no conduct catalogue is published: nothing may be scored"
        )
    if not ref:
        return Finding(
            path,
            "no-catalogue-entry",
            f"{what} cites no catalogue entry ('conduct'): only "
            "conduct a catalogue entry with a statute names may be recorded",
        )
    if ref not in ctx.entries:
        return Finding(path, "unknown-conduct", f"{what} cites unknown catalogue entry {ref!r}")
    return None


def gate_rulebook(book: Rulebook, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for i, r in enumerate(book.rules):
        p = f"rules[{i}]"
        what = f"rule {r.code!r}"
        missing = _missing(ctx, f"{p}.conduct", what, r.conduct)
        if missing is not None:
            out.append(missing)
            continue
        kinds = []
        for a in r.authorities:
            auth = book.authority(a)
            if auth is not None:
                kinds.append((a, auth.kind))
        for fld, code, msg in rule_problems(
            ctx.entries[r.conduct], r.points, r.lasts, kinds, r.cap_grade is not None
        ):
            out.append(Finding(f"{p}.{fld}", code, f"{what}: {msg}"))
    return out


def gate_list(d: ListDef, ctx: Context) -> list[Finding]:
    """A list records conduct too: it cites the entries that put someone on it."""
    out: list[Finding] = []
    what = f"list {d.id!r}"
    if not d.conduct:
        m = _missing(ctx, "conduct", what, "")
        return [m] if m else []
    cited: list[Entry] = []
    for i, ref in enumerate(d.conduct):
        m = _missing(ctx, f"conduct[{i}]", what, ref)
        if m is not None:
            out.append(m)
        else:
            cited.append(ctx.entries[ref])
    if not cited:
        return out
    want = "negative" if d.kind == "black" else "positive"
    for e in cited:
        if e.direction != want:
            out.append(
                Finding(
                    "conduct",
                    "wrong-direction",
                    f"{d.kind} {what} cites {e.direction} entry {e.id!r}",
                )
            )
    longest = max(cited, key=lambda e: e.longest.approx_days()).longest
    if not fits(d.max_duration, longest):
        out.append(
            Finding(
                "max_duration",
                "exceeds-duration",
                f"{what} keeps entries up to {d.max_duration.iso()}, longer than the "
                f"{longest.iso()} its catalogue entries allow",
            )
        )
    severities = {e.severity for e in cited}
    for i, row in enumerate(d.durations):
        if row.severity is not None and row.severity not in severities:
            out.append(
                Finding(
                    f"durations[{i}].severity",
                    "severity-not-cited",
                    f"{what} sizes {row.severity} entries, but none of the conduct it cites "
                    f"is {row.severity} (cited: {', '.join(sorted(severities))})",
                )
            )
    for i, a in enumerate(d.authorities):
        if not any(a.kind in e.recorded_by for e in cited):
            out.append(
                Finding(
                    f"authorities[{i}].kind",
                    "authority-kind-not-allowed",
                    f"authority {a.id!r} is a {a.kind!r}, which none of the entries {what} "
                    "cites allows to record",
                )
            )
    return out


# -- measures ---------------------------------------------------------------------------
def measure_problems(
    measure: Measure, conduct: Sequence[Entry], sector: str | None
) -> list[tuple[str, str]]:
    """(code, message) for applying ``measure`` after ``conduct`` in ``sector``.

    Related means: the measure names the sector, the measure may follow the conduct and
    the conduct's catalogue entry allows the measure. The measures list's ``[[examples]]``
    run through this same function.
    """
    out: list[tuple[str, str]] = []
    m = f"measure {measure.id!r}"
    if sector is not None and sector not in measure.sectors:
        out.append(
            (
                "unrelated-sector",
                f"{m} may apply in {', '.join(measure.sectors) or 'no sector'}, not in {sector!r}",
            )
        )
    follows = [e for e in conduct if e.id in measure.follows]
    if not follows:
        names = ", ".join(e.id for e in conduct) or "no catalogued conduct"
        out.append(("measure-not-for-conduct", f"{m} may not follow {names}"))
    elif not any(measure.id in e.measures for e in follows):
        out.append(
            (
                "measure-not-allowed",
                f"no catalogue entry among {', '.join(e.id for e in follows)} allows {m}",
            )
        )
    return out


def gate_memorandum(
    memo: Memorandum,
    ctx: Context,
    lists: Mapping[str, ListDef],
    schemes: Mapping[str, Rulebook],
    sectors: Mapping[str, str],
) -> list[Finding]:
    """Every clause applies a listed measure of its own effect, in a sector the measure
    names, after conduct the measure may follow. ``sectors`` maps service id to sector."""
    out: list[Finding] = []
    for i, c in enumerate(memo.clauses):
        p = f"clauses[{i}]"
        what = f"clause {c.id!r}"
        if not ctx.has_measures:
            out.append(Finding(f"{p}.measure", "no-measures-list", "no measures list is published"))
            continue
        if not c.measure:
            out.append(
                Finding(
                    f"{p}.measure", "no-measure", f"{what} cites no measure from the measures list"
                )
            )
            continue
        measure = ctx.measures.get(c.measure)
        if measure is None:
            out.append(
                Finding(
                    f"{p}.measure", "unknown-measure", f"{what} cites unknown measure {c.measure!r}"
                )
            )
            continue
        if measure.effect != c.effect:
            out.append(
                Finding(
                    f"{p}.effect",
                    "wrong-effect",
                    f"{what} is a {c.effect} but measure {measure.id!r} is a {measure.effect}",
                )
            )
        if c.list is not None:
            d = lists.get(c.list)
            refs = d.conduct if d is not None else ()
        else:
            book = schemes.get(c.scheme or "")
            refs = tuple(r.conduct for r in book.rules) if book is not None else ()
        if (c.list is not None and c.list not in lists) or (
            c.scheme is not None and c.scheme not in schemes
        ):
            continue  # reported as unknown-list / unknown-scheme by check_memorandum
        conduct = [ctx.entries[x] for x in dict.fromkeys(refs) if x in ctx.entries]
        seen: set[str] = set()
        for s in c.services:
            sector = sectors.get(s)
            if sector is None:
                continue  # unknown-service is reported by check_memorandum
            for code, msg in measure_problems(measure, conduct, sector):
                if code != "unrelated-sector" and code in seen:
                    continue
                seen.add(code)
                where = "services" if code == "unrelated-sector" else "measure"
                out.append(Finding(f"{p}.{where}", code, f"{what} (service {s!r}): {msg}"))
    return out


def gate_catalogue_pair(
    cats: Sequence[Catalogue], lists: Sequence[MeasuresList], ctx: Context
) -> list[tuple[str, Finding]]:
    """Cross-references between catalogue and measures list: (document id, finding)."""
    out: list[tuple[str, Finding]] = []
    for c in cats:
        for i, e in enumerate(c.entries):
            for ref in e.measures:
                if ctx.has_measures and ref not in ctx.measures:
                    out.append(
                        (
                            c.id,
                            Finding(
                                f"entries[{i}].measures",
                                "unknown-measure",
                                f"catalogue entry {e.id!r} allows unknown measure {ref!r}",
                            ),
                        )
                    )
    for ml in lists:
        for i, m in enumerate(ml.measures):
            for ref in m.follows:
                known = ctx.entries.get(ref)
                if ctx.has_catalogue and known is None:
                    out.append(
                        (
                            ml.id,
                            Finding(
                                f"measures[{i}].follows",
                                "unknown-conduct",
                                f"measure {m.id!r} follows unknown catalogue entry {ref!r}",
                            ),
                        )
                    )
                elif known is not None and m.effect == "deny" and known.direction == "positive":
                    out.append(
                        (
                            ml.id,
                            Finding(
                                f"measures[{i}].follows",
                                "wrong-direction",
                                f"deny measure {m.id!r} follows positive entry {ref!r}",
                            ),
                        )
                    )
    return out

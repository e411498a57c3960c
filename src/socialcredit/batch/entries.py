"""Synthetic list entries: who a synthetic city puts on which list, and for how long.

Entries follow from recorded conduct (half of unfulfilled judgments put the subject on
``court-defaulters``, half of tax arrears on ``tax-arrears``, half of exemplary
businesses on ``honour-roll``) plus rare ``transport-misconduct`` entries. Each entry
names the catalogue conduct it is for -- the one its list cites, or for a list citing
several (``transport-misconduct``: a disruption, or now and then a false terrorism
threat) one drawn by ``CONDUCT_MIX`` -- and takes that conduct's severity from the
packaged catalogue. Notice periods and terms are the published list definitions': a
list that sizes its terms (``[[durations]]``) sizes each entry by its severity and
whether it repeats an offence within the list's window, by the very derivation a
store's entry gets (``core.lists_entries.size_entries``); any other entry lasts the
list's maximum. Most court entries are remedied before they expire.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from socialcredit.core.documents import parse_document
from socialcredit.core.lists import EntryState, ListDef, in_force
from socialcredit.core.lists_entries import size_entries
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.policy.catalogue import Catalogue

EPOCH = date(1970, 1, 1)  # Arrow's date32 counts days from here

# list: (the rule whose events can lead to an entry, or None for a yearly rate; the
# share of those events that do, or the rate per subject-year; the share of entries
# remedied before they expire)
PERSON_LISTS: dict[str, tuple[str | None, float, float]] = {
    "court-defaulters": ("court-judgment-defaulted", 0.5, 0.6),
    "transport-misconduct": (None, 0.004, 0.0),
}
ORG_LISTS: dict[str, tuple[str | None, float, float]] = {
    "court-defaulters": ("court-judgment-unfulfilled", 0.5, 0.6),
    "tax-arrears": ("tax-arrears", 0.5, 0.7),
    "honour-roll": ("exemplary-business", 0.5, 0.0),
}
ENTRY_SCHEMA = pa.schema(
    [
        ("entry", pa.int64()),
        ("subject", pa.string()),
        ("list", pa.string()),
        ("proposed", pa.date32()),
        ("effective_from", pa.date32()),
        ("max_end", pa.date32()),
        ("removed", pa.date32()),
        ("conduct", pa.string()),  # the catalogue conduct the entry is for
        ("severity", pa.string()),  # that conduct's, from the catalogue
        ("offence", pa.int64()),  # 1 first, 2+ a repeat; null where the list sizes no terms
    ]
)
# A list citing several conducts: the share of its entries for each (any other list: the
# conduct it cites first).
CONDUCT_MIX: dict[str, dict[str, float]] = {
    "transport-misconduct": {
        "disrupting-transport-order": 0.95,
        "false-terrorism-information": 0.05,
    },
}


def _days(d: date) -> int:
    return (d - EPOCH).days


def list_definitions(day: date | None = None) -> dict[str, ListDef]:
    """The packaged list definitions: notice periods and maximum durations come from them.

    A list may ship several versions (``transport-misconduct`` 2018.1 and 2027.1): the
    one in force on ``day`` is taken (the latest when None), never whichever file the
    directory happened to list last."""
    docs: list[ListDef] = []
    for entry in resources.files("socialcredit").joinpath("rulebooks").iterdir():
        if entry.name.startswith("list-"):
            doc = parse_document(entry.read_text("utf-8"))
            if isinstance(doc, ListDef):
                docs.append(doc)
    return in_force(docs, day or date.max)


def _shift(days: np.ndarray, dur: Duration) -> np.ndarray:
    """add_duration over an array of epoch days, computed once per distinct day."""
    if len(days) == 0:
        return days
    uniq, back = np.unique(days, return_inverse=True)
    moved = np.array(
        [_days(add_duration(EPOCH + timedelta(days=int(d)), dur)) for d in uniq], dtype=np.int64
    )
    return moved[back]


def catalogue_severities(day: date) -> dict[str, str]:
    """Conduct -> severity, by the packaged catalogue in force on ``day`` (the earliest
    before any is): what a list entry for that conduct is sized by."""
    catalogues = []
    for entry in resources.files("socialcredit").joinpath("rulebooks").iterdir():
        if entry.name.startswith("catalogue"):
            doc = parse_document(entry.read_text("utf-8"))
            if isinstance(doc, Catalogue):
                catalogues.append(doc)
    catalogues.sort(key=lambda c: c.effective)
    current = [c for c in catalogues if c.effective <= day] or catalogues[:1]
    return {e.id: str(e.severity) for e in current[-1].entries} if current else {}


def _conducts(d: ListDef, n: int, rng: np.random.Generator) -> np.ndarray:
    """The conduct of each of ``n`` entries on list ``d``."""
    mix = CONDUCT_MIX.get(d.id)
    if mix:
        names = list(mix)
        return np.asarray(names, dtype=object)[
            rng.choice(len(names), size=n, p=np.asarray(list(mix.values())))
        ]
    return np.full(n, d.conduct[0] if d.conduct else "", dtype=object)


def _sized(
    d: ListDef,
    ids: np.ndarray,
    who: np.ndarray,
    proposed: np.ndarray,
    effective: np.ndarray,
    severity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's end and offence number (0: not sized) by ``size_entries``, notified on
    the day it is proposed (as the simulation's entries are)."""
    max_end = _shift(effective, d.max_duration)
    offence = np.zeros(len(ids), dtype=np.int64)
    if not d.durations:
        return max_end, offence
    states: dict[str, dict[int, EntryState]] = {}
    for k in range(len(ids)):
        day0 = EPOCH + timedelta(days=int(proposed[k]))
        states.setdefault(str(who[k]), {})[k] = EntryState(
            entry=int(ids[k]),
            list=d.id,
            subject=str(who[k]),
            authority="simulated",
            proposed=day0,
            fields={},
            evidence=None,
            notified=day0,
            effective_from=EPOCH + timedelta(days=int(effective[k])),
            max_end=EPOCH + timedelta(days=int(max_end[k])),
            severity=str(severity[k]),
        )
    for group in states.values():
        for k, s in size_entries(group, {d.id: d}).items():
            assert s.max_end is not None
            max_end[k] = _days(s.max_end)
            offence[k] = s.offence or 0
    return max_end, offence


def list_entries(
    events: pa.Table,
    ids: np.ndarray,
    plan: dict[str, tuple[str | None, float, float]],
    start: int,
    end: int,
    span_years: float,
    rng: np.random.Generator,
    first_id: int,
    conduct_rng: np.random.Generator,
) -> pa.Table:
    """Entries that follow from standing (not reversed) events, or at a yearly rate.

    ``conduct_rng`` draws the conduct of entries on a list citing several, apart from
    ``rng``, so the entries (and remedies) drawn for a seed are what they were before
    entries named their conduct. A list that sizes its terms is numbered in date order,
    as a store's ledger would have recorded it, so a repeat follows its first offence.
    """
    day_end = EPOCH + timedelta(days=int(end))
    defs = list_definitions(day_end)
    severity_of = catalogue_severities(day_end)
    reversed_ = pc.drop_null(events.column("reverses"))
    parts: list[tuple[str, np.ndarray, np.ndarray, float]] = []
    for name, (rule, share, remedied) in plan.items():
        if rule is not None:
            rows = events.filter(
                pc.and_(
                    pc.equal(events.column("rule"), rule), pc.is_null(events.column("reverses"))
                )
            )
            rows = rows.filter(pc.invert(pc.is_in(rows.column("event"), value_set=reversed_)))
            pick = rng.random(rows.num_rows) < share
            who = np.asarray(rows.column("subject").to_pylist(), dtype=object)[pick]
            day0 = rows.column("occurred").cast(pa.int32()).to_numpy().astype(np.int64)[pick]
            parts.append((name, who, day0, remedied))
        else:
            counts = rng.poisson(share * span_years, size=len(ids))
            who = np.repeat(ids.astype(str), counts).astype(object)
            parts.append((name, who, rng.integers(start, end, size=len(who)), remedied))
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ENTRY_SCHEMA.names}
    next_id = first_id
    for name, who, proposed, remedied in parts:
        d = defs[name]
        if d.durations:
            order = np.argsort(proposed, kind="stable")
            who, proposed = who[order], proposed[order]
        numbers = np.arange(next_id, next_id + len(who), dtype=np.int64)
        conduct = _conducts(d, len(who), conduct_rng)
        severity = np.asarray([severity_of.get(c, d.severity) for c in conduct], dtype=object)
        effective = _shift(proposed, d.notice)
        max_end, offence = _sized(d, numbers, who, proposed, effective, severity)
        fixed = rng.random(len(who)) < remedied
        removed = effective + rng.integers(20, 500, size=len(who))
        removed = np.where(fixed & (removed < max_end), removed, -1)
        cols["entry"].append(numbers)
        cols["subject"].append(np.asarray(who, dtype=object))
        cols["list"].append(np.full(len(who), name, dtype=object))
        cols["proposed"].append(proposed)
        cols["effective_from"].append(effective)
        cols["max_end"].append(max_end)
        cols["removed"].append(removed)
        cols["conduct"].append(conduct)
        cols["severity"].append(severity)
        cols["offence"].append(offence)
        next_id += len(who)

    def cat(k: str) -> np.ndarray:
        return np.concatenate(cols[k]) if cols[k] else np.zeros(0, dtype=np.int64)

    def day(k: str, mask: np.ndarray | None = None) -> pa.Array:
        return pa.array(cat(k).astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())

    removed_all = cat("removed")
    offences = cat("offence")
    return pa.table(
        {
            "entry": pa.array(cat("entry"), pa.int64()),
            "subject": pa.array(cat("subject").astype(str), pa.string()),
            "list": pa.array(cat("list").astype(str), pa.string()),
            "proposed": day("proposed"),
            "effective_from": day("effective_from"),
            "max_end": day("max_end"),
            "removed": day("removed", removed_all < 0),
            "conduct": pa.array(cat("conduct").astype(str), pa.string()),
            "severity": pa.array(cat("severity").astype(str), pa.string()),
            "offence": pa.array(offences, pa.int64(), mask=offences == 0),
        },
        schema=ENTRY_SCHEMA,
    )

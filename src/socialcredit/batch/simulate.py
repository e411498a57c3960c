"""Policy simulation: what a rulebook (or a change to it) does to a whole population.

The report answers a policy designer's questions before publication: how grades are
distributed, how scores spread, who moves from which grade to which under a change,
how many are on each list, which services' benefits and restrictions people gain or
lose, and whom it hits hardest -- grade and sanction rates by district, age band and
income band (simulation-only attributes that no rule can read), with the
disparate-impact ratio (lowest group rate / highest group rate) flagged below 0.8, the
four-fifths rule of thumb.

This module computes the figures (``report.json``); who each service denies or benefits
is ``decisions.py`` (``core.sanctions.decide`` as set operations over the population),
and the charts and page are ``report.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from socialcredit.batch.decisions import decisions, in_effect, packaged_registry, same_kind
from socialcredit.batch.engines import score_duckdb
from socialcredit.batch.report import FLAG_BELOW, write_report
from socialcredit.core.errors import BadInput
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.core.sanctions import BENEFIT, DENY
from socialcredit.core.scoring import score

__all__ = ["packaged_registry", "simulate", "stale_data_warnings"]  # packaged_registry: moved

ATTRIBUTES = ("district", "age_band", "income_band")


def _read(path: Path) -> Rulebook:
    try:
        return parse_rulebook(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read rulebook {str(path)!r}: {exc}", field="rulebook") from None


def _outcomes(book: Rulebook, folder: Path, as_of: date) -> dict[str, tuple[int, str]]:
    """score and grade for every resident the scheme applies to, with or without events."""
    events = folder / f"events-{book.scheme}.parquet"
    if not events.is_file():
        raise BadInput(
            f"{events} does not exist: the population has no {book.scheme} events",
            field="population",
        )
    table = score_duckdb(book, events, as_of)
    got = dict(
        zip(
            table.column("subject").to_pylist(),
            zip(table.column("score").to_pylist(), table.column("grade").to_pylist(), strict=True),
            strict=True,
        )
    )
    subjects = pq.read_table(folder / "subjects.parquet").to_pylist()
    kind = book.subjects
    empty = score(book, "", [], as_of)
    return {
        s["subject"]: got.get(s["subject"], (empty.score, empty.grade))
        for s in subjects
        if kind == "any" or s["kind"] == kind
    }


def _ratio(rates: list[float]) -> float:
    """Lowest group rate / highest group rate; 1.0 when no group has the outcome."""
    return (min(rates) / max(rates)) if rates and max(rates) > 0 else 1.0


STALE_AFTER_DAYS = 366  # most rules' effects last a year or more


def stale_data_warnings(folder: Path, scheme: str, as_of: date) -> list[str]:
    """A warning when the population's data ends long before ``as_of``.

    Simulating today on a population whose events end in 2024 reports nearly everyone
    at the base grade with no sanctions -- not because the rules are lenient but because
    every event has expired; the report must say so rather than look like a finding.
    """
    import pyarrow.compute as pc

    path = folder / f"events-{scheme}.parquet"
    if not path.is_file():
        return []
    column = pq.read_table(path, columns=["occurred"]).column("occurred")
    if len(column) == 0:
        return [f"the population has no {scheme} events: every subject is at the base score"]
    last = pc.max(column).as_py()
    gap = (as_of - last).days
    if gap <= STALE_AFTER_DAYS:
        return []
    return [
        f"the population's {scheme} events end on {last.isoformat()}, {gap} days before "
        f"--as-of {as_of.isoformat()}: most effects have expired, so grades and sanctions "
        "describe the passage of time, not the rules (simulate as of a date near the data)"
    ]


def simulate(
    folder: Path, rulebook: Path, as_of: date, report: Path, compare: Path | None = None
) -> dict[str, Any]:
    """Write report.html and report.json to ``report``; return the JSON document."""
    a = _read(rulebook)
    b = _read(compare) if compare else None
    if b is not None and b.scheme != a.scheme:
        raise BadInput("--compare must be a version of the same scheme", field="compare")
    out_a = _outcomes(a, folder, as_of)
    out_b = _outcomes(b, folder, as_of) if b else None
    attrs = pq.read_table(folder / "attributes.parquet").to_pylist()
    order = [g.grade for g in a.grades]
    good = (
        set(order[: next((i for i, g in enumerate(order) if g == "A"), 0) + 1])
        if "A" in order
        else {order[0]}
    )
    subjects = sorted(out_a)
    n = len(subjects)

    def dist(outcome: dict[str, tuple[int, str]]) -> dict[str, int]:
        counts = {g: 0 for g in order}
        for _, grade in outcome.values():
            counts[grade] = counts.get(grade, 0) + 1
        return counts

    subjects_table = pq.read_table(folder / "subjects.parquet")
    kinds = dict(
        zip(
            subjects_table.column("subject").to_pylist(),
            subjects_table.column("kind").to_pylist(),
            strict=True,
        )
    )
    registry = packaged_registry()
    entries = in_effect(folder, as_of, set(out_a))
    has_lists = (folder / "list-entries.parquet").is_file()
    dec_a = decisions(registry, a, out_a, kinds, entries, as_of)
    dec_b = decisions(registry, a, out_b, kinds, entries, as_of) if out_b else None
    services: dict[str, dict[str, Any]] = {}
    for service, d in dec_a.items():
        services[service] = {
            "clauses": d["clauses"],
            "deny_a": len(d[DENY]) / n if n else 0.0,
            "benefit_a": len(d[BENEFIT]) / n if n else 0.0,
        }
        if dec_b is not None:
            services[service]["deny_b"] = len(dec_b[service][DENY]) / n if n else 0.0
            services[service]["benefit_b"] = len(dec_b[service][BENEFIT]) / n if n else 0.0
    sanctioned: set[str] = set().union(*(d[DENY] for d in dec_a.values()))
    lists_doc: dict[str, Any] = {}
    for list_id, ld in sorted(registry.lists.items()):
        if not same_kind(ld.subjects, a.subjects):
            continue
        on = {e["subject"] for e in entries if e["list"] == list_id}
        lists_doc[list_id] = {
            "kind": ld.kind,
            "in_effect": len(on),
            "rate": len(on) / n if n else 0.0,
        }
    listed = {e["subject"] for e in entries if registry.lists[e["list"]].kind == "black"}
    fairness: dict[str, Any] = {}
    for attribute in ATTRIBUTES:
        groups: dict[str, list[str]] = {}
        for row in attrs:
            if row["subject"] in out_a:
                groups.setdefault(row[attribute], []).append(row["subject"])
        per_group: dict[str, dict[str, Any]] = {}
        for group, members in sorted(groups.items()):
            grades = [out_a[m][1] for m in members]
            per_group[group] = {
                "n": len(members),
                "a_or_better": sum(g in good for g in grades) / len(members),
                "grades": {g: grades.count(g) / len(members) for g in order},
                "sanctioned": sum(m in sanctioned for m in members) / len(members),
                "blacklisted": sum(m in listed for m in members) / len(members),
            }
        ratio = _ratio([float(v["a_or_better"]) for v in per_group.values()])
        ratio_s = _ratio([float(v["sanctioned"]) for v in per_group.values()])
        fairness[attribute] = {
            "groups": per_group,
            "disparate_impact_a_or_better": ratio,
            "flag": ratio < FLAG_BELOW,
            "disparate_impact_sanctioned": ratio_s,
            "flag_sanctioned": ratio_s < FLAG_BELOW,
        }
    transition = None
    if out_b:
        transition = {ga: {gb: 0 for gb in [g.grade for g in b.grades]} for ga in order}  # type: ignore[union-attr]
        for s in subjects:
            transition[out_a[s][1]][out_b[s][1]] += 1
    scores = np.array([out_a[s][0] for s in subjects])
    doc: dict[str, Any] = {
        "scheme": a.scheme,
        "version_a": a.version,
        "version_b": b.version if b else None,
        "as_of": as_of.isoformat(),
        "subjects": n,
        "grades_a": dist(out_a),
        "grades_b": dist(out_b) if out_b else None,
        "a_or_better_a": sum(o[1] in good for o in out_a.values()) / n if n else 0.0,
        "score_mean_a": float(scores.mean()) if n else None,
        "transition": transition,
        "services": services,
        "fairness": fairness,
        "lists": lists_doc if has_lists else None,
        "sanctioned_a": len(sanctioned) / n if n else 0.0,
        "warnings": stale_data_warnings(folder, a.scheme, as_of),
    }
    write_report(report, doc, a, b, order, scores, as_of)
    return doc

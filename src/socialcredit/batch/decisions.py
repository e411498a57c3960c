"""Sanctions over a whole population: who each service denies or benefits.

Decisions follow ``core.sanctions.decide`` exactly (a deny outranks a benefit; a list
clause applies while the entry is in effect and within the clause's own duration), but
computed as set operations over the whole population instead of one call per subject
and service; the tests compare the two. Split from ``simulate.py`` (the report's
figures) and ``report.py`` (its charts and page) to keep each module small.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from socialcredit.batch.entries import list_definitions
from socialcredit.core.documents import parse_document
from socialcredit.core.periods import add_duration
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.sanctions import BENEFIT, DENY, Clause, Memorandum, Registry


def packaged_registry() -> Registry:
    """The published memoranda and lists shipped with the package."""
    memos = []
    for entry in resources.files("socialcredit").joinpath("rulebooks").iterdir():
        if entry.name.startswith("memo-"):
            memo = parse_document(entry.read_text("utf-8"))
            if isinstance(memo, Memorandum):
                memos.append(memo)
    return Registry(tuple(memos), list_definitions())


def in_effect(folder: Path, as_of: date, subjects: set[str]) -> list[dict[str, Any]]:
    """List entries of these subjects in effect on ``as_of`` (EntryState.in_effect)."""
    path = folder / "list-entries.parquet"
    if not path.is_file():
        return []
    out = []
    for r in pq.read_table(path).to_pylist():
        if r["subject"] not in subjects:
            continue
        started = r["proposed"] <= as_of and r["effective_from"] <= as_of < r["max_end"]
        if started and (r["removed"] is None or as_of < r["removed"]):
            out.append(r)
    return out


def same_kind(a: str, b: str) -> bool:
    """Whether subjects of kind ``a`` ("any", "person", "organisation") can be ``b``."""
    return a == "any" or b == "any" or a == b


def _clause_hits(
    clause: Clause,
    book: Rulebook,
    outcome: dict[str, tuple[int, str]],
    kinds: dict[str, str],
    entries: list[dict[str, Any]],
    as_of: date,
) -> set[str] | None:
    """Subjects a clause applies to, or None when it cannot apply under this scheme."""
    if clause.list is not None:
        hit = set()
        for e in entries:
            if e["list"] != clause.list or e["subject"] not in outcome:
                continue
            if clause.lasts is not None and as_of >= add_duration(
                e["effective_from"], clause.lasts
            ):
                continue
            hit.add(e["subject"])
    elif clause.scheme == book.scheme:
        hit = {
            s
            for s, (points, grade) in outcome.items()
            if (not clause.grades or grade in clause.grades)
            and (clause.min_score is None or points >= clause.min_score)
        }
    else:
        return None
    return {s for s in hit if clause.subjects in ("any", kinds[s])}


def decisions(
    registry: Registry,
    book: Rulebook,
    outcome: dict[str, tuple[int, str]],
    kinds: dict[str, str],
    entries: list[dict[str, Any]],
    as_of: date,
) -> dict[str, dict[str, Any]]:
    """Per service: who is denied, who gets a benefit (a deny outranks a benefit)."""
    out: dict[str, dict[str, Any]] = {}
    for service in sorted(registry.services):
        deny: set[str] = set()
        benefit: set[str] = set()
        clauses = []
        for _, c in registry.clauses_for(service):
            ld = registry.lists.get(c.list) if c.list is not None else None
            listed_kind = ld.subjects if ld is not None else "any"
            if not (same_kind(c.subjects, book.subjects) and same_kind(listed_kind, book.subjects)):
                continue
            hit = _clause_hits(c, book, outcome, kinds, entries, as_of)
            if hit is None:
                continue
            clauses.append(c.id)
            (deny if c.effect == DENY else benefit).update(hit)
        if clauses:
            out[service] = {"clauses": clauses, DENY: deny, BENEFIT: benefit - deny}
    return out

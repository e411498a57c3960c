"""Policy simulation: what a rulebook (or a change to it) does to a whole population.

The report answers a policy designer's questions before publication: how grades are
distributed, how scores spread, who moves from which grade to which under a change,
how many are on each list, which services' benefits and restrictions people gain or
lose, and whom it hits hardest -- grade and sanction rates by district, age band and
income band (simulation-only attributes that no rule can read), with the
disparate-impact ratio (lowest group rate / highest group rate) flagged below 0.8, the
four-fifths rule of thumb.

Decisions follow ``core.sanctions.decide`` exactly (a deny outranks a benefit; a list
clause applies while the entry is in effect and within the clause's own duration), but
computed as set operations over the whole population instead of one call per subject
and service; the tests compare the two.
"""

from __future__ import annotations

import io
import json
from datetime import date
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from socialcredit.batch.engines import score_duckdb
from socialcredit.batch.population import list_definitions
from socialcredit.core.documents import parse_document
from socialcredit.core.errors import BadInput
from socialcredit.core.periods import add_duration
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.core.sanctions import BENEFIT, DENY, Clause, Memorandum, Registry
from socialcredit.core.scoring import score

ATTRIBUTES = ("district", "age_band", "income_band")
FLAG_BELOW = 0.8


def _read(path: Path) -> Rulebook:
    try:
        return parse_rulebook(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read rulebook {str(path)!r}: {exc}", field="rulebook") from None


def packaged_registry() -> Registry:
    """The published memoranda and lists shipped with the package."""
    memos = []
    for entry in resources.files("socialcredit").joinpath("rulebooks").iterdir():
        if entry.name.startswith("memo-"):
            memo = parse_document(entry.read_text("utf-8"))
            if isinstance(memo, Memorandum):
                memos.append(memo)
    return Registry(tuple(memos), list_definitions())


def _in_effect(folder: Path, as_of: date, subjects: set[str]) -> list[dict[str, Any]]:
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


def _same_kind(a: str, b: str) -> bool:
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


def _decisions(
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
            if not (
                _same_kind(c.subjects, book.subjects) and _same_kind(listed_kind, book.subjects)
            ):
                continue
            hit = _clause_hits(c, book, outcome, kinds, entries, as_of)
            if hit is None:
                continue
            clauses.append(c.id)
            (deny if c.effect == DENY else benefit).update(hit)
        if clauses:
            out[service] = {"clauses": clauses, DENY: deny, BENEFIT: benefit - deny}
    return out


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


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


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
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

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
    entries = _in_effect(folder, as_of, set(out_a))
    has_lists = (folder / "list-entries.parquet").is_file()
    dec_a = _decisions(registry, a, out_a, kinds, entries, as_of)
    dec_b = _decisions(registry, a, out_b, kinds, entries, as_of) if out_b else None
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
        if not _same_kind(ld.subjects, a.subjects):
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
    report.mkdir(parents=True, exist_ok=True)
    (report / "report.json").write_text(json.dumps(doc, indent=2))
    charts = []
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = np.arange(len(order))
    ax.bar(
        x - 0.2 if out_b else x, [doc["grades_a"][g] for g in order], 0.4, label=f"A: {a.version}"
    )
    if out_b:
        ax.bar(x + 0.2, [doc["grades_b"].get(g, 0) for g in order], 0.4, label=f"B: {b.version}")  # type: ignore[union-attr]
    ax.set_xticks(x, order)
    ax.set_title("Grade distribution")
    ax.legend()
    charts.append(("Grade distribution", _svg(fig)))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.hist(scores, bins=40)
    ax.set_title(f"Scores under {a.version}")
    charts.append(("Score histogram", _svg(fig)))
    plt.close(fig)
    if transition:
        cols = list(next(iter(transition.values())))
        grid = np.array([[transition[r][c] for c in cols] for r in order])
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.imshow(np.log1p(grid), cmap="Blues")
        ax.set_xticks(range(len(cols)), cols)
        ax.set_yticks(range(len(order)), order)
        for i in range(len(order)):
            for j in range(len(cols)):
                ax.text(j, i, str(grid[i, j]), ha="center", va="center", fontsize=8)
        ax.set_xlabel("grade under B")
        ax.set_ylabel("grade under A")
        ax.set_title("Transition A → B")
        charts.append(("Transition matrix", _svg(fig)))
        plt.close(fig)
    for attribute, result in fairness.items():
        fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
        names = list(result["groups"])
        ax.bar(names, [result["groups"][g]["a_or_better"] for g in names])
        ax.set_ylim(0, 1)
        ax.set_title(
            f"A or better by {attribute} (DI {result['disparate_impact_a_or_better']:.2f})"
        )
        ax.tick_params(axis="x", labelrotation=45)
        ax2.bar(names, [result["groups"][g]["sanctioned"] for g in names], color="firebrick")
        ax2.set_title(f"Sanctioned by {attribute} (DI {result['disparate_impact_sanctioned']:.2f})")
        ax2.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        charts.append((f"Fairness: {attribute}", _svg(fig)))
        plt.close(fig)
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{v['disparate_impact_a_or_better']:.3f}</td>"
        f"<td>{'FLAG' if v['flag'] else 'ok'}</td>"
        f"<td>{v['disparate_impact_sanctioned']:.3f}</td>"
        f"<td>{'FLAG' if v['flag_sanctioned'] else 'ok'}</td></tr>"
        for k, v in fairness.items()
    )
    svc = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(', '.join(v['clauses']))}</td>"
        f"<td>{v['deny_a']:.4f}</td><td>{v['benefit_a']:.4f}</td>"
        + (f"<td>{v['deny_b']:.4f}</td><td>{v['benefit_b']:.4f}</td>" if out_b else "")
        + "</tr>"
        for k, v in services.items()
    )
    lst = (
        "".join(
            f"<tr><td>{escape(k)}</td><td>{escape(v['kind'])}</td><td>{v['in_effect']:,}</td>"
            f"<td>{v['rate']:.4f}</td></tr>"
            for k, v in lists_doc.items()
        )
        if has_lists
        else "<tr><td colspan='4'>this population has no list entries</td></tr>"
    )
    b_head = "<th>deny B</th><th>benefit B</th>" if out_b else ""
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Simulation of {escape(a.scheme)}</title>"
        "<style>body{font-family:sans-serif;max-width:72rem;margin:1rem auto}"
        "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .6rem;"
        "text-align:left}</style></head><body>"
        f"<h1>Simulation of {escape(a.scheme)} {escape(a.version)}"
        f"{' vs ' + escape(b.version) if b else ''} on {as_of}</h1>"
        f"<p>{n:,} subjects; {100 * doc['a_or_better_a']:.1f}% A or better; "
        f"{100 * doc['sanctioned_a']:.2f}% denied at one service or more.</p>"
        + "".join(f"<h2>{escape(t)}</h2><figure>{s}</figure>" for t, s in charts)
        + "<h2>Fairness: disparate impact (lowest group rate / highest group rate)</h2>"
        "<table><tr><th>attribute</th><th>A or better</th>"
        f"<th>&lt; {FLAG_BELOW}</th><th>sanctioned</th><th>&lt; {FLAG_BELOW}</th></tr>"
        f"{rows}</table>"
        "<h2>List rates</h2>"
        "<table><tr><th>list</th><th>kind</th><th>entries in effect</th><th>rate</th></tr>"
        f"{lst}</table>"
        "<h2>Benefit and sanction rates per service</h2>"
        "<table><tr><th>service</th><th>clauses</th><th>deny A</th><th>benefit A</th>"
        f"{b_head}</tr>{svc}</table></body></html>"
    )
    (report / "report.html").write_text(html, encoding="utf-8")
    return doc

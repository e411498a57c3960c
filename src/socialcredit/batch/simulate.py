"""Policy simulation: what a rulebook (or a change to it) does to a whole population.

The report answers a policy designer's questions before publication: how grades are
distributed, how scores spread, who moves from which grade to which under a change,
which services' benefits people gain or lose, and whom it hits hardest -- grade and
benefit rates by district, age band and income band (simulation-only attributes that
no rule can read), with the disparate-impact ratio (lowest group rate / highest group
rate) flagged below 0.8, the four-fifths rule of thumb.
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
from socialcredit.core.documents import parse_document
from socialcredit.core.errors import BadInput
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.core.sanctions import Memorandum
from socialcredit.core.scoring import score

ATTRIBUTES = ("district", "age_band", "income_band")
FLAG_BELOW = 0.8


def _read(path: Path) -> Rulebook:
    try:
        return parse_rulebook(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read rulebook {str(path)!r}: {exc}", field="rulebook") from None


def _memo_clauses(scheme: str) -> list[tuple[str, Any]]:
    out = []
    folder = resources.files("socialcredit").joinpath("rulebooks")
    for entry in folder.iterdir():
        if entry.name.startswith("memo-"):
            memo = parse_document(entry.read_text("utf-8"))
            if isinstance(memo, Memorandum):
                out += [(s, c) for c in memo.clauses if c.scheme == scheme for s in c.services]
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


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


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

    services: dict[str, dict[str, Any]] = {}
    for service, clause in _memo_clauses(a.scheme):

        def hit(o: tuple[int, str], c: Any = clause) -> bool:
            return (not c.grades or o[1] in c.grades) and (
                c.min_score is None or o[0] >= c.min_score
            )

        services[service] = {
            "effect": clause.effect,
            "rate_a": sum(hit(o) for o in out_a.values()) / n if n else 0.0,
            **({"rate_b": sum(hit(o) for o in out_b.values()) / n if n else 0.0} if out_b else {}),
        }
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
            }
        rates: list[float] = [float(v["a_or_better"]) for v in per_group.values()]
        ratio = (min(rates) / max(rates)) if rates and max(rates) > 0 else 1.0
        fairness[attribute] = {
            "groups": per_group,
            "disparate_impact_a_or_better": ratio,
            "flag": ratio < FLAG_BELOW,
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
        "lists": "not simulated: the synthetic population carries no list entries",
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
        fig, ax = plt.subplots(figsize=(7, 3))
        names = list(result["groups"])
        ax.bar(names, [result["groups"][g]["a_or_better"] for g in names])
        ax.set_ylim(0, 1)
        ax.set_title(
            f"A or better by {attribute} (DI {result['disparate_impact_a_or_better']:.2f})"
        )
        ax.tick_params(axis="x", labelrotation=45)
        fig.tight_layout()
        charts.append((f"Fairness: {attribute}", _svg(fig)))
        plt.close(fig)
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{v['disparate_impact_a_or_better']:.3f}</td>"
        f"<td>{'FLAG' if v['flag'] else 'ok'}</td></tr>"
        for k, v in fairness.items()
    )
    svc = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(str(v['effect']))}</td><td>{v['rate_a']:.4f}</td>"
        f"<td>{v.get('rate_b', '')}</td></tr>"
        for k, v in services.items()
    )
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Simulation of {escape(a.scheme)}</title></head><body>"
        f"<h1>Simulation of {escape(a.scheme)} {escape(a.version)}"
        f"{' vs ' + escape(b.version) if b else ''} on {as_of}</h1>"
        f"<p>{n:,} subjects; {100 * doc['a_or_better_a']:.1f}% A or better.</p>"
        + "".join(f"<h2>{escape(t)}</h2><figure>{s}</figure>" for t, s in charts)
        + "<h2>Fairness: disparate impact (lowest / highest group rate of A or better)</h2>"
        "<table><tr><th>attribute</th><th>ratio</th>"
        f"<th>&lt; {FLAG_BELOW}</th></tr>{rows}</table>"
        "<h2>Benefit and sanction rates per service</h2>"
        "<table><tr><th>service</th><th>effect</th><th>rate A</th><th>rate B</th></tr>"
        f"{svc}</table>"
        f"<p>Lists: {escape(doc['lists'])}.</p></body></html>"
    )
    (report / "report.html").write_text(html, encoding="utf-8")
    return doc

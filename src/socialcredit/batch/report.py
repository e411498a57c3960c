"""The simulation report: its charts (matplotlib, as inline SVG) and its HTML page.

``simulate`` computes the figures (``report.json``); this writes them out, with a chart
per question and the fairness, list and service tables. Split from ``simulate.py`` to
keep each module small; the page is the same.
"""

from __future__ import annotations

import io
import json
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.core.rulebook import Rulebook

FLAG_BELOW = 0.8  # the four-fifths rule of thumb for the disparate-impact ratio


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def write_report(
    report: Path,
    doc: dict[str, Any],
    a: Rulebook,
    b: Rulebook | None,
    order: list[str],
    scores: Any,
    as_of: date,
) -> None:
    """Write report.json and report.html (charts inline) to the folder ``report``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    n = doc["subjects"]
    out_b = doc["grades_b"] is not None  # B's outcomes were computed and non-empty
    transition = doc["transition"]
    services = doc["services"]
    fairness = doc["fairness"]
    has_lists = doc["lists"] is not None
    lists_doc = doc["lists"] or {}
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

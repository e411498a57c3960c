"""Charts as SVG (or PNG) files, rendered with matplotlib's non-interactive backend.

Every label is plain text: grade labels, scheme names and titles come from published
documents, and matplotlib would otherwise read ``$...$`` in them as mathtext (a label
such as ``$\\frac{$`` made the figures page fail for good). Text is kept as SVG text, so
what a chart says can be read, searched and checked.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

PLAIN_TEXT: Any = {
    "text.usetex": False,
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "socialcredit",
}


def bar_chart(
    counts: Mapping[str, int], order: Sequence[str], title: str, xlabel: str = "grade"
) -> bytes:
    """Render a labelled bar chart of counts as SVG."""
    return _render(counts, order, title, xlabel, "svg")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def _save(fig: Any, fmt: str) -> bytes:
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buf.getvalue()


def _render(
    counts: Mapping[str, int], order: Sequence[str], title: str, xlabel: str, fmt: str
) -> bytes:
    import matplotlib

    plt = _plt()
    labels = [k for k in order] + [k for k in counts if k not in order]
    values = [counts.get(k, 0) for k in labels]
    total = sum(values) or 1
    with matplotlib.rc_context(PLAIN_TEXT):
        fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
        bars = ax.bar(range(len(labels)), values, color="#3b6ea8")
        ax.set_xticks(range(len(labels)), labels)
        for bar, v in zip(bars, values, strict=True):
            ax.annotate(
                f"{v:,}\n{100 * v / total:.1f}%",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("subjects")
        ax.margins(y=0.25)
        fig.tight_layout()
        return _save(fig, fmt)


def score_chart(points: Sequence[tuple[date, int, Sequence[int]]], title: str) -> bytes:
    """A step chart of a score over time as SVG; days on which events began to count are
    marked and labelled with their event numbers."""
    import matplotlib

    plt = _plt()
    days = [p[0] for p in points]
    scores = [p[1] for p in points]
    with matplotlib.rc_context(PLAIN_TEXT):
        fig, ax = plt.subplots(figsize=(7, 3), dpi=100)
        ax.step(days, scores, where="post", color="#3b6ea8")
        for day, value, events in points:
            if events:
                ax.plot([day], [value], "o", color="#a83b3b")
                ax.annotate(
                    "event " + ", ".join(str(e) for e in events),
                    (day, value),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=7,
                )
        ax.set_title(title)
        ax.set_ylabel("score")
        ax.margins(y=0.3)
        fig.autofmt_xdate()
        fig.tight_layout()
        return _save(fig, "svg")


def write_bar_chart(
    path: Path, counts: Mapping[str, int], order: Sequence[str], title: str
) -> None:
    fmt = "png" if path.suffix.lower() == ".png" else "svg"
    path.write_bytes(_render(counts, order, title, "grade", fmt))

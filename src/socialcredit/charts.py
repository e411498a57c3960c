"""Charts as SVG (or PNG) files, rendered with matplotlib's non-interactive backend."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path


def bar_chart(
    counts: Mapping[str, int], order: Sequence[str], title: str, xlabel: str = "grade"
) -> bytes:
    """Render a labelled bar chart of counts; the format follows the caller's file suffix."""
    return _render(counts, order, title, xlabel, "svg")


def _render(
    counts: Mapping[str, int], order: Sequence[str], title: str, xlabel: str, fmt: str
) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [k for k in order] + [k for k in counts if k not in order]
    values = [counts.get(k, 0) for k in labels]
    total = sum(values) or 1
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    bars = ax.bar(labels, values, color="#3b6ea8")
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
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return buf.getvalue()


def write_bar_chart(
    path: Path, counts: Mapping[str, int], order: Sequence[str], title: str
) -> None:
    fmt = "png" if path.suffix.lower() == ".png" else "svg"
    path.write_bytes(_render(counts, order, title, "grade", fmt))

"""Scoring a whole city: this project's DuckDB engine beside pandas, SQLite and numpy.

On a generated city of 740,000 residents with at least 15,000,000 events, each engine
computes the rongcheng score of every resident (in-force window, reversals, clamp,
grade, caps) from the same Parquet file; times are end to end, Parquet to Parquet for
the project's engine. The numpy reference over dense integer keys is the floor; SQLite
runs on a 1,000,000-event subset and is scaled; Spark runs the same SQL text on local[2].

    .venv/bin/python benchmarks/batch.py [--residents 740000] [--no-spark]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.batch.population import generate
from socialcredit.core.rulebook import parse_rulebook

AS_OF = date(2025, 6, 1)
BOOK = parse_rulebook(
    resources.files("socialcredit").joinpath("rulebooks/rongcheng.toml").read_text("utf-8")
)


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Vectorised month addition with end-of-month clamping (as core/periods)."""
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    day = (d - m).astype(np.int64)
    target = m + months.astype("timedelta64[M]")
    length = (
        (target + np.timedelta64(1, "M")).astype("datetime64[D]") - target.astype("datetime64[D]")
    ).astype(np.int64)
    return (target.astype("datetime64[D]") + np.minimum(day, length - 1)).astype(np.int64)


def numpy_reference(events: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    as_of = (np.datetime64(AS_OF) - np.datetime64("1970-01-01")).astype(np.int64)
    subject = events.column("subject").combine_chunks().dictionary_encode()
    keys = subject.indices.to_numpy()
    rules = events.column("rule").combine_chunks().dictionary_encode()
    codes = rules.indices.to_numpy()
    names = rules.dictionary.to_pylist()
    ranks = {g.grade: i for i, g in enumerate(BOOK.grades)}
    by = {r.code: r for r in BOOK.rules}
    points = np.array([by[n].points for n in names])[codes]
    months = np.array([by[n].lasts.months if by[n].lasts else 0 for n in names])[codes]
    extra = np.array([by[n].lasts.days if by[n].lasts else 0 for n in names])[codes]
    cap = np.array([ranks[by[n].cap_grade] if by[n].cap_grade else -1 for n in names])[codes]
    occurred = events.column("occurred").combine_chunks().cast(pa.int32()).to_numpy()
    reverses = events.column("reverses").combine_chunks()
    is_rev = reverses.is_valid().to_numpy(zero_copy_only=False)
    rev_target = reverses.fill_null(-1).to_numpy()
    event = events.column("event").combine_chunks().to_numpy()
    cancelled = np.isin(event, rev_target[is_rev & (occurred <= as_of)])
    ends = add_months(occurred, months) + extra
    live = ~is_rev & (occurred <= as_of) & (as_of < ends) & ~cancelled
    n = len(subject.dictionary)
    total = BOOK.base + np.bincount(keys[live], weights=points[live], minlength=n).astype(np.int64)
    score = np.clip(total, BOOK.low, BOOK.high)
    caps = np.full(n, -1)
    np.maximum.at(caps, keys[live], cap[live])
    lows = np.array([BOOK.low if g.low is None else g.low for g in BOOK.grades])
    order = np.argsort(lows)
    uncapped = order[np.searchsorted(lows[order], score, side="right") - 1]
    return score, np.maximum(uncapped, caps), uncapped


def pandas_groupby(path: Path) -> float:
    import pandas as pd

    t0 = time.perf_counter()
    df = pd.read_parquet(path)
    by = {r.code: r for r in BOOK.rules}
    df["points"] = df["rule"].map({k: v.points for k, v in by.items()})
    df["months"] = df["rule"].map({k: v.lasts.months if v.lasts else 0 for k, v in by.items()})
    occ = pd.to_datetime(df["occurred"])
    # A DateOffset per row is prohibitively slow; one per distinct month count instead
    end = occ.copy()
    for m in df["months"].unique():
        mask = df["months"] == m
        end[mask] = occ[mask] + pd.DateOffset(months=int(m))
    as_of = pd.Timestamp(AS_OF)
    rev = df[df["reverses"].notna() & (occ <= as_of)]
    cancelled = df["event"].isin(rev["reverses"])
    live = df["reverses"].isna() & (occ <= as_of) & (as_of < end) & ~cancelled
    totals = df[live].groupby("subject")["points"].sum()
    out = (BOOK.base + totals.reindex(df["subject"].unique(), fill_value=0)).clip(
        BOOK.low, BOOK.high
    )
    out.to_frame("score").to_parquet(path.with_name("pandas.parquet"))
    return time.perf_counter() - t0


def sqlite_subset(path: Path, limit: int = 1_000_000) -> tuple[float, int]:
    subset = pq.read_table(path).slice(0, limit)
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE events (event INTEGER, subject TEXT, rule TEXT, occurred TEXT, "
        "reverses INTEGER)"
    )
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
        [
            (r["event"], r["subject"], r["rule"], r["occurred"].isoformat(), r["reverses"])
            for r in subset.to_pylist()
        ],
    )
    con.execute("CREATE TABLE rules (rule TEXT, points INTEGER, months INTEGER)")
    con.executemany(
        "INSERT INTO rules VALUES (?, ?, ?)",
        [(r.code, r.points, r.lasts.months if r.lasts else 0) for r in BOOK.rules],
    )
    day = AS_OF.isoformat()
    t0 = time.perf_counter()
    rows = con.execute(
        f"""SELECT e.subject, MIN(MAX({BOOK.base} + SUM(r.points), {BOOK.low}), {BOOK.high})
        FROM events e JOIN rules r ON r.rule = e.rule
        WHERE e.reverses IS NULL AND e.occurred <= '{day}'
          AND '{day}' < date(e.occurred, '+' || r.months || ' months')
          AND e.event NOT IN (SELECT reverses FROM events
                              WHERE reverses IS NOT NULL AND occurred <= '{day}')
        GROUP BY e.subject"""
    ).fetchall()
    return time.perf_counter() - t0, len(rows)


ENGINE = """
import json, sys, time
from datetime import date
from pathlib import Path
from socialcredit.batch.engines import score_duckdb
from socialcredit.core.rulebook import parse_rulebook
from importlib import resources
text = resources.files("socialcredit").joinpath("rulebooks/rongcheng.toml").read_text()
book = parse_rulebook(text)
t0 = time.perf_counter()
score_duckdb(book, Path(sys.argv[1]), date(2025, 6, 1), Path(sys.argv[2]))
# VmHWM is this process's own peak (ru_maxrss would inherit the parent's across exec)
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - t0, "max_rss_mb": hwm / 1024}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=740_000)
    ap.add_argument("--no-spark", action="store_true")
    args = ap.parse_args()
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        raise SystemExit(
            "benchmarks/batch.py compares against pandas: pip install -e '.[bench]' "
            "(make bench does)"
        )
    folder = Path(tempfile.mkdtemp(prefix="sc-batch-"))
    t0 = time.perf_counter()
    pop = generate(args.residents, 0, 7, folder, as_of=AS_OF, years=11.5)
    gen = time.perf_counter() - t0
    path = folder / "events-rongcheng.parquet"
    n = pop.person_events
    print(
        f"city: {args.residents:,} residents, {n:,} events "
        f"(generated in {gen:.1f} s, {n / gen:,.0f} events/s)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", ENGINE, str(path), str(folder / "out.parquet")],
        capture_output=True,
        text=True,
        check=True,
    )
    engine = json.loads(proc.stdout.strip().splitlines()[-1])
    t0 = time.perf_counter()
    events = pq.read_table(path)
    score, final, _ = numpy_reference(events)
    ref = time.perf_counter() - t0
    out = pq.read_table(folder / "out.parquet")
    subjects = events.column("subject").combine_chunks().dictionary_encode().dictionary.to_pylist()
    got = dict(
        zip(
            out.column("subject").to_pylist(),
            zip(out.column("score").to_pylist(), out.column("grade").to_pylist(), strict=True),
            strict=True,
        )
    )
    agree = all(
        got[s] == (int(score[i]), BOOK.grades[final[i]].grade) for i, s in enumerate(subjects)
    )
    pandas_s = pandas_groupby(path)
    sqlite_s, _ = sqlite_subset(path)
    sqlite_scaled = sqlite_s * n / 1_000_000
    print(f"{'engine':<52} {'seconds':>8} {'x numpy':>8}")
    print(f"{'numpy bincount over dense keys (reference)':<52} {ref:>8.2f} {1:>8.2f}")
    print(
        f"{'socialcredit DuckDB engine, Parquet to Parquet':<52} {engine['seconds']:>8.2f} "
        f"{engine['seconds'] / ref:>8.2f}   peak RSS {engine['max_rss_mb']:,.0f} MB"
    )
    print(f"{'pandas groupby':<52} {pandas_s:>8.2f} {pandas_s / ref:>8.2f}")
    print(
        f"{'SQLite GROUP BY (1,000,000-event subset, scaled)':<52} {sqlite_scaled:>8.2f} "
        f"{sqlite_scaled / ref:>8.2f}"
    )
    print(
        f"DuckDB engine vs pandas: {pandas_s / engine['seconds']:.1f}x faster; "
        f"results identical to the numpy reference: {agree}"
    )
    if not args.no_spark:
        from socialcredit.batch.engines import score_spark, spark_session

        spark = spark_session(2)
        score_spark(BOOK, path, AS_OF, folder / "warm", spark=spark)  # JIT and caches
        t0 = time.perf_counter()
        score_spark(BOOK, path, AS_OF, folder / "spark-out", spark=spark)
        sp = time.perf_counter() - t0
        print(
            f"{'Spark local[2], same SQL text':<52} {sp:>8.2f} {sp / ref:>8.2f}   "
            f"{n / sp / 2:,.0f} events/s per core"
        )
        spark.stop()


if __name__ == "__main__":
    main()

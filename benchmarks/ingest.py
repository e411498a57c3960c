"""Bulk recording through full validation and hash chaining vs a raw executemany.

Both sides write the same rows into the same schema (indexes, unique dedup key,
append-only triggers) on a fresh SQLite file with WAL and synchronous=FULL, in the
same run, so the ratio shows what validation, chaining and access records cost.

    .venv/bin/python benchmarks/ingest.py [--events N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from socialcredit.application import Application
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings
from socialcredit.store.sql import Store

RULES = [
    ("traffic-violation", "rongcheng-traffic-police"),
    ("volunteer-service", "rongcheng-credit-office"),
    ("charity-donation", "rongcheng-credit-office"),
    ("fine-unpaid", "rongcheng-traffic-police"),
]
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--residents", type=int, default=50_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sc-bench-"))
    app = Application(Settings(db_url=f"sqlite:///{tmp / 'full.db'}", clock=lambda: NOW))
    app.init()
    people = synthetic_resident_ids(args.residents, 1)
    app.add_subjects([(p, "person", "Resident") for p in people])
    rng = random.Random(5)
    items = []
    for i in range(args.events):
        rule, authority = RULES[i % len(RULES)]
        items.append(
            {
                "subject": people[rng.randrange(len(people))],
                "scheme": "rongcheng",
                "rule": rule,
                "authority": authority,
                "evidence_ref": f"doc/{i:09d}",
                "occurred": date(2023, 1, 1) + timedelta(days=rng.randrange(500)),
            }
        )
    t0 = time.perf_counter()
    result = app.record_many(items, chunk=50_000)
    full = time.perf_counter() - t0
    n, problem = app.verify()
    # n also counts the chain-only entries: published documents, one registration per subject
    assert result.created == args.events and problem is None and n >= args.events

    # Baseline: the very same rows, already validated and hashed, inserted raw.
    src = sqlite3.connect(tmp / "full.db")
    cols = [r[1] for r in src.execute("PRAGMA table_info(events)")]
    rows = src.execute(f"SELECT {', '.join(cols)} FROM events ORDER BY id").fetchall()
    subjects = src.execute("SELECT * FROM subjects").fetchall()
    src.close()
    raw_store = Store(f"sqlite:///{tmp / 'raw.db'}")
    with raw_store.transaction() as conn:
        raw_store.create(conn)
    raw_store.close()
    raw = sqlite3.connect(tmp / "raw.db", isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO subjects VALUES (?, ?, ?, ?)", subjects)
    raw.execute("COMMIT")
    marks = ", ".join("?" for _ in cols)
    t0 = time.perf_counter()
    for i in range(0, len(rows), 50_000):
        raw.execute("BEGIN")
        raw.executemany(
            f"INSERT INTO events ({', '.join(cols)}) VALUES ({marks})", rows[i : i + 50_000]
        )
        raw.execute("COMMIT")
    bare = time.perf_counter() - t0
    raw.close()

    print(f"{'path':<46} {'events':>9} {'seconds':>8} {'events/s':>10}")
    print(
        f"{'record_many (validate, chain, access records)':<46} {args.events:>9,} "
        f"{full:>8.2f} {args.events / full:>10,.0f}"
    )
    print(
        f"{'raw executemany of the same rows':<46} {args.events:>9,} "
        f"{bare:>8.2f} {args.events / bare:>10,.0f}"
    )
    print(f"ratio: full path takes {full / bare:.2f}x the raw insert")


if __name__ == "__main__":
    main()

"""Bulk recording through full validation and hash chaining vs a raw executemany.

Three paths write the same rows into the same schema (indexes, unique dedup key,
append-only triggers) on fresh SQLite files with WAL and synchronous=FULL, in the same
run: ``socialcredit import`` of a CSV file (validation and encoding in worker
processes, chaining and insert in order), ``Application.record_many`` (one core), and a
raw ``executemany`` of the very rows the import wrote, on a connection set up as the
store sets up its own (foreign keys checked, its page cache; the bare connection of
earlier passes is printed beside it). The ratios show what reading the file,
validation, chaining and access records cost.

    .venv/bin/python benchmarks/ingest.py [--events N] [--workers W]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from socialcredit.application import Actor, Application
from socialcredit.application.imports import CHUNK
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings
from socialcredit.store.sql import Store

OP = Actor.operator()

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
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sc-bench-"))
    app = Application(Settings(db_url=f"sqlite:///{tmp / 'full.db'}", clock=lambda: NOW))
    app.documents.init(OP)
    people = synthetic_resident_ids(args.residents, 1)
    app.records.add_subjects(OP, [(p, "person", "Resident") for p in people])
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
    result = app.records.record_many(OP, items, chunk=50_000)
    full = time.perf_counter() - t0
    n, problem = app.integrity.verify()
    # n also counts the chain-only entries: published documents, one registration per subject
    assert result.created == args.events and problem is None and n >= args.events

    # `socialcredit import` of the same rows from a CSV file, into a fresh store.
    from socialcredit.cli.imports import _csv_chunks

    path = tmp / "events.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", "rule", "occurred", "scheme", "authority", "evidence"])
        for it in items:
            w.writerow(
                [
                    it["subject"],
                    it["rule"],
                    it["occurred"].isoformat(),
                    it["scheme"],
                    it["authority"],
                    it["evidence_ref"],
                ]
            )
    imp = Application(Settings(db_url=f"sqlite:///{tmp / 'imp.db'}", clock=lambda: NOW))
    imp.documents.init(OP)
    imp.records.add_subjects(OP, [(p, "person", "Resident") for p in people])
    with imp.store.transaction() as conn:
        before, _ = imp.store.tip(conn)  # chain entries of publications and registrations
    t0 = time.perf_counter()
    cpu0, kids0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    _, chunks = _csv_chunks(path, CHUNK)
    imported = imp.imports.events(OP, chunks, workers=args.workers)
    parallel = time.perf_counter() - t0
    # CPU per event (the workers are reaped when the import's pool closes): contention
    # from other processes inflates it far less than it inflates the wall clock.
    parent_cpu = time.process_time() - cpu0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = kids.ru_utime + kids.ru_stime - kids0.ru_utime - kids0.ru_stime
    n, problem = imp.integrity.verify()
    assert imported.created == args.events and problem is None and n >= args.events

    # Baseline: the very same rows, already validated and hashed, inserted raw.
    src = sqlite3.connect(tmp / "imp.db")
    cols = [r[1] for r in src.execute("PRAGMA table_info(events)")]
    # Only the rows the import wrote are timed; the chain entries before them (one per
    # registration) are put in first, untimed, so both inserts meet the same indexes.
    every = src.execute(f"SELECT {', '.join(cols)} FROM events ORDER BY id").fetchall()
    earlier, rows = every[:before], every[before:]
    assert len(rows) == args.events
    subjects = src.execute("SELECT * FROM subjects").fetchall()
    acols = [r[1] for r in src.execute("PRAGMA table_info(access_log)") if r[1] != "id"]
    access = src.execute(
        f"SELECT {', '.join(acols)} FROM access_log WHERE action = 'event.record' ORDER BY id"
    ).fetchall()
    src.close()
    cols_sql, marks = ", ".join(cols), ", ".join("?" for _ in cols)
    amarks = ", ".join("?" for _ in acols)

    def raw_insert(name: str, store_pragmas: bool) -> tuple[float, float, float, float]:
        """(events s, events CPU s, access records s, their CPU s), raw, into a fresh file.

        ``store_pragmas``: the connection set up as the store sets up each of its own
        (store/engine.py), so the same constraints are checked -- foreign keys on: an
        event's subject must be a registered subject, which the import's inserts check
        too -- and the same page cache is used. Without: the bare connection of the
        earlier passes (foreign keys off, SQLite's default cache), for reference.
        """
        raw_store = Store(f"sqlite:///{tmp / name}")
        with raw_store.transaction() as conn:
            raw_store.create(conn)
        raw_store.close()
        raw = sqlite3.connect(tmp / name, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        if store_pragmas:
            raw.execute("PRAGMA foreign_keys=ON")
            raw.execute("PRAGMA cache_size=-65536")
            raw.execute("PRAGMA secure_delete=ON")
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO subjects VALUES (?, ?, ?, ?)", subjects)
        raw.executemany(f"INSERT INTO events ({cols_sql}) VALUES ({marks})", earlier)
        raw.execute("COMMIT")
        t0, cpu0 = time.perf_counter(), time.process_time()
        for i in range(0, len(rows), 50_000):
            raw.execute("BEGIN")
            raw.executemany(
                f"INSERT INTO events ({cols_sql}) VALUES ({marks})", rows[i : i + 50_000]
            )
            raw.execute("COMMIT")
        bare, bare_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        # For reference only (the target is against the events alone): the import also
        # writes one access record per subject and chunk; the same rows raw, after the events.
        t0, cpu0 = time.perf_counter(), time.process_time()
        raw.execute("BEGIN")
        raw.executemany(f"INSERT INTO access_log ({', '.join(acols)}) VALUES ({amarks})", access)
        raw.execute("COMMIT")
        out = bare, bare_cpu, time.perf_counter() - t0, time.process_time() - cpu0
        raw.close()
        return out

    bare, bare_cpu, bare_access, bare_access_cpu = raw_insert("raw.db", True)
    loose, loose_cpu, _, _ = raw_insert("raw-loose.db", False)

    print(f"{'path':<52} {'events':>9} {'seconds':>8} {'events/s':>10} {'x raw':>6}")
    for name, secs in (
        (f"socialcredit import CSV ({imported.workers} workers)", parallel),
        ("record_many (one core: validate, chain, access records)", full),
        ("raw executemany of the same rows", bare),
        ("  the same, foreign keys off, default cache", loose),
    ):
        print(
            f"{name:<52} {args.events:>9,} {secs:>8.2f} {args.events / secs:>10,.0f} "
            f"{secs / bare:>6.2f}"
        )
    print(
        f"(reference: raw executemany of its {len(access):,} access records "
        f"{bare_access:.2f} s; events + access records raw {bare + bare_access:.2f} s, "
        f"import {parallel / (bare + bare_access):.2f}x that)"
    )
    per = 1e6 / args.events
    print(
        f"CPU per event: import parent {parent_cpu * per:.1f} us + workers "
        f"{worker_cpu * per:.1f} us; raw executemany {bare_cpu * per:.1f} us "
        f"(+ {bare_access_cpu * per:.1f} us for the access records) "
        f"(parent {parent_cpu / bare_cpu:.2f}x, workers {worker_cpu / bare_cpu:.2f}x the raw); "
        f"raw with foreign keys off and the default cache {loose_cpu * per:.1f} us"
    )
    ratio, rate = parallel / bare, args.events / parallel
    print(
        f"(against the raw insert with foreign keys off and the default cache: "
        f"{parallel / loose:.2f}x)"
    )
    print(
        f"target: import <= 1.5x the raw executemany: {ratio:.2f}x -- "
        f"{'met' if ratio <= 1.5 else 'NOT met'}"
    )
    print(
        f"target: import >= 100,000 events/s: {rate:,.0f}/s -- "
        f"{'met' if rate >= 100_000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

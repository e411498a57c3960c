"""Recorded yes/no decisions per second vs a bare indexed lookup of the same subjects.

A 100,000-subject store (5% on the court list, in effect), then random subjects are
checked through ``Application.check``: registry, the subject's events, the list fold,
the decision, and the access record committed durably (WAL, synchronous=FULL) by the
group committer -- one check at a time (one commit each), then the same checks from 16
threads (commits shared). The baseline is a bare ``SELECT`` by primary key of the same
subjects on the same file, in the same run.

    .venv/bin/python benchmarks/decide.py [--subjects N] [--checks N]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from socialcredit.application import Actor, Application
from socialcredit.application.group_commit import committer_for
from socialcredit.core import lists
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings

OP = Actor.operator()

NOW = datetime(2024, 6, 1, tzinfo=UTC)
FIELDS = {
    "case_number": "c",
    "court": "Rongcheng",
    "judgment_date": "2024-01-01",
    "obligation": "pay",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--checks", type=int, default=5_000)
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp(prefix="sc-decide-")) / "store.db"
    app = Application(Settings(db_url=f"sqlite:///{path}", clock=lambda: NOW))
    app.documents.init(OP)
    people = synthetic_resident_ids(args.subjects, 2)
    app.records.add_subjects(OP, [(p, "person", "Resident") for p in people])
    rng = random.Random(9)
    listed = rng.sample(people, k=args.subjects // 20)
    court = app.lists.registry().lists["court-defaulters"]
    with app.store.transaction() as conn:  # bulk-load entries through the core transitions
        proposals = [
            lists.propose(
                court,
                subject=p,
                subject_kind="person",
                authority="rongcheng-people-court",
                evidence=f"j/{i}",
                occurred=date(2024, 1, 2),
                today=NOW.date(),
                recorded="bench",
                fields=FIELDS,
            )
            for i, p in enumerate(listed)
        ]
        done = app._append(conn, proposals)  # sealed, as every use case writes
        notices = [
            lists.notify(
                court,
                lists.fold([e], {court.id: court})[e.id],
                authority="rongcheng-people-court",
                evidence=f"n/{e.id}",
                occurred=date(2024, 1, 3),
                today=NOW.date(),
                recorded="bench",
            )
            for e in done
        ]
        app._append(conn, [replace(n, id=0) for n in notices])
    sample = [rng.choice(people) for _ in range(args.checks)]
    t0 = time.perf_counter()
    denied = 0
    for p in sample:
        d = app.lists.check(Actor("airline-demo", "verifier", "ticket sale"), p, "flight")
        denied += d.decision == "deny"
    full = time.perf_counter() - t0
    # The same checks from 16 threads at once: the group committer writes the access
    # records of checks that arrive together in one durable transaction.
    committer = committer_for(app.store)
    batches0, written0 = committer.batches, committer.written
    threads = 16
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(
            pool.map(
                lambda p: app.lists.check(
                    Actor("airline-demo", "verifier", "threads"), p, "flight"
                ),
                sample,
            )
        )
    grouped = time.perf_counter() - t0
    per_commit = (committer.written - written0) / max(committer.batches - batches0, 1)
    raw = sqlite3.connect(path)
    t0 = time.perf_counter()
    for p in sample:
        raw.execute("SELECT kind FROM subjects WHERE id = ?", (p,)).fetchone()
    bare = time.perf_counter() - t0
    n = args.checks
    print(
        f"store: {args.subjects:,} subjects, {len(listed):,} listed; {n:,} checks, "
        f"{denied:,} denied"
    )
    print(f"{'path':<52} {'per second':>11} {'mean ms':>8}")
    print(
        f"{'recorded decision (Application.check, durable)':<52} {n / full:>11,.0f} "
        f"{1000 * full / n:>8.3f}"
    )
    print(
        f"{'the same from 16 threads (group commit)':<52} {n / grouped:>11,.0f} "
        f"{1000 * grouped / n:>8.3f}   ({per_commit:.1f} checks per commit)"
    )
    print(
        f"{'bare indexed lookup of the same subject':<52} {n / bare:>11,.0f} "
        f"{1000 * bare / n:>8.3f}"
    )
    print(f"ratio: a recorded decision costs {full / bare:.1f}x a bare lookup")


if __name__ == "__main__":
    main()

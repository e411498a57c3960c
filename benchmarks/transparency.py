"""Merkle root and proofs over 1,000,000 entries; a subject access export of 1,000 events.

Baselines in the same run: hashing the 1,000,000 leaves at all (the floor for any
Merkle root), and reading the same subject's 1,000 rows raw with sqlite3.

    .venv/bin/python benchmarks/transparency.py [--leaves N] [--events N]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from socialcredit.application import Actor, Application
from socialcredit.settings import Settings
from socialcredit.transparency.merkle import (
    MerkleLog,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

OP = Actor.operator()

P = "11010519491231002X"


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leaves", type=int, default=1_000_000)
    ap.add_argument("--events", type=int, default=1_000)
    args = ap.parse_args()
    n = args.leaves
    data = [i.to_bytes(8, "big") + hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    _, base = timed(lambda: [hashlib.sha256(b"\x00" + d).digest() for d in data])
    leaves, t_leaves = timed(lambda: [leaf_hash(d) for d in data])
    log, t_build = timed(lambda: MerkleLog(leaves))
    root, t_root = timed(log.root)
    proof, t_inc = timed(lambda: log.inclusion_proof(n // 3))
    ok, t_vinc = timed(lambda: verify_inclusion(leaves[n // 3], n // 3, n, proof, root))
    assert ok
    cproof, t_con = timed(lambda: log.consistency_proof(n // 2 + 1))
    old = log.root(n // 2 + 1)
    ok, t_vcon = timed(lambda: verify_consistency(n // 2 + 1, n, old, root, cproof))
    assert ok
    print(f"Merkle log of {n:,} entries")
    print(f"  baseline: SHA-256 of every leaf input   {base:8.3f} s")
    print(f"  leaf hashes (0x00 prefix)               {t_leaves:8.3f} s")
    print(
        f"  build all levels (MerkleLog)            {t_build:8.3f} s  "
        f"({(t_leaves + t_build) / base:.2f}x the baseline, leaves included)"
    )
    print(f"  root of the full tree                   {t_root * 1e3:8.3f} ms")
    print(
        f"  inclusion proof ({len(proof)} hashes) + verify      "
        f"{t_inc * 1e3:8.3f} ms + {t_vinc * 1e3:.3f} ms"
    )
    print(
        f"  consistency proof ({len(cproof)} hashes) + verify   "
        f"{t_con * 1e3:8.3f} ms + {t_vcon * 1e3:.3f} ms"
    )

    folder = Path(tempfile.mkdtemp(prefix="sc-access-"))
    now = datetime(2024, 6, 1, tzinfo=UTC)
    app = Application(Settings(db_url=f"sqlite:///{folder / 'a.db'}", clock=lambda: now))
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    start = date(2023, 6, 2)
    app.records.record_many(
        OP,
        (
            {
                "subject": P,
                "scheme": "rongcheng",
                "rule": "volunteer-service",
                "authority": "rongcheng-credit-office",
                "evidence_ref": f"cert/{i}",
                "occurred": start + timedelta(days=i % 360),
            }
            for i in range(args.events)
        ),
    )
    export, t_export = timed(lambda: app.access.export(OP, P))
    raw = sqlite3.connect(folder / "a.db")
    _, t_raw = timed(lambda: raw.execute("SELECT * FROM events WHERE subject = ?", (P,)).fetchall())
    print(
        f"Subject access export, {len(export['events']):,} events, "
        f"{len(export['reports'])} reports, {len(export['access_records'])} access records"
    )
    print(f"  access export (recorded read)           {t_export * 1e3:8.1f} ms")
    print(
        f"  baseline: raw SELECT of the same rows   {t_raw * 1e3:8.1f} ms  "
        f"(export = {t_export / t_raw:.0f}x)"
    )


if __name__ == "__main__":
    main()

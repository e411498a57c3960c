"""SIGKILL a writer at random moments and at named points; nothing acknowledged is lost.

After every kill: every acknowledged item is present exactly once, the hash chain and
the transparency log verify, and scores recomputed by the batch engine equal the core's.
CI tier: 200 kills on SQLite, 50 on PostgreSQL (`make soak` runs 2,000 and 500).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialcredit import sealing
from socialcredit.application import Application
from socialcredit.settings import Settings
from socialcredit.transparency.heads import verify_proof_document
from tests.conftest import OP

CHILD = Path(__file__).with_name("crash_child.py")
P = "11010519491231002X"
NOW = datetime(2024, 6, 1, tzinfo=UTC)
POINTS = ("", "", "in-transaction", "after-commit", "merkle")  # "" = a random moment
KILLS = {
    "sqlite": int(os.environ.get("SOCIALCREDIT_CRASH_SQLITE", "200")),
    "postgresql": int(os.environ.get("SOCIALCREDIT_CRASH_PG", "50")),
}


def run_kills(url: str, kills: int) -> tuple[int, int]:
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.store.close()
    rng = random.Random(5)
    acked: list[str] = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for run in range(kills):
        point = POINTS[run % len(POINTS)]
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), url, str(run)],
            stdout=subprocess.PIPE,
            text=True,
            env={**env, "CRASH_AT": point},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        if not point:
            time.sleep(rng.uniform(0.0, 0.15))
            proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, (run, point, proc.returncode)
        acked += [line.split()[1] for line in rest.splitlines() if line.startswith("ACK ")]
    check = Application(Settings(db_url=url, clock=lambda: NOW))
    try:
        n, problem = check.integrity.verify()
        assert problem is None, problem
        # Evidence references are sealed under each subject's key: count them opened.
        with check.store.transaction() as conn:
            stored = check.store.events_of_types(conn, ("score", "list.proposed"))
            keys = check.store.get_keys(conn, {e.subject for e in stored})
        counts = Counter(
            ref
            for e in stored
            if (ref := sealing.open_event(keys.get(e.subject), e).evidence_ref) is not None
        )
        # a decision's purpose (its key here) is sealed at rest: count them opened
        with check.store.transaction() as conn:
            purposes = Counter(
                r["purpose"] for r in check.store.access_for(conn, P) if r["action"] == "decision"
            )
        writes = [k for k in acked if k in counts or k not in purposes]
        missing = [k for k in writes if k not in counts]
        assert missing == [], missing[:5]
        assert all(c == 1 for c in counts.values())
        # audit completeness: every acknowledged read has its access record, exactly one,
        # and no refused read left one
        reads = [k for k in acked if k in purposes]
        assert all(purposes[k] == 1 for k in reads)
        assert not [p for p in purposes if p.startswith("refused-")]
        head, proof = check.log.prove_inclusion(n, sign=True)
        assert verify_proof_document(check.log.public_key(), head, proof)[0]
        recomputed = check.records.score(OP, P, "rongcheng", NOW.date())
        from socialcredit.core.scoring import score

        with check.store.transaction() as conn:
            book = check.store.rulebook_versions(conn, "rongcheng")[-1]
            raw = check.store.events_for(conn, P, "rongcheng")
        assert score(book, P, raw, NOW.date()).score == recomputed.score
    finally:
        check.store.close()
    return kills, len(acked)


def test_crash_consistency_sqlite(tmp_path: Path) -> None:
    kills, acked = run_kills(f"sqlite:///{tmp_path / 'crash.db'}", KILLS["sqlite"])
    print(
        f"\ncrash consistency (SQLite): {kills} kills, {acked} acknowledged items, 0 lost, "
        "0 duplicated, every acknowledged read audited once, no refused read audited, "
        "chain and log verify"
    )


@pytest.mark.usefixtures("pg_server")
def test_crash_consistency_postgresql(pg_server: str) -> None:
    from tests.conftest import fresh_pg_database

    for url in fresh_pg_database(pg_server):
        kills, acked = run_kills(url, KILLS["postgresql"])
    print(
        f"\ncrash consistency (PostgreSQL): {kills} kills, {acked} acknowledged items, 0 lost, "
        "0 duplicated, every acknowledged read audited once, no refused read audited, "
        "chain and log verify"
    )

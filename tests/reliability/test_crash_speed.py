"""SIGKILL during group commit and during a bulk import (issue 16): nothing acknowledged lost.

Group commit: six threads check and record at once, so commits carry several access
records; the process is killed at random moments, inside a batch's transaction, and
after its commit but before anyone was answered. Afterwards every acknowledged check
has exactly one access record, every acknowledged write one ledger entry, and the chain
and the log verify. Import: the importer is killed at random moments and inside a
chunk's transaction, then simply run again; at the end every row is in the ledger
exactly once, every entry has its access record, and the chain and the log verify.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from socialcredit.application import Application
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings
from socialcredit.transparency.heads import verify_proof_document
from tests.conftest import OP

CHILD = Path(__file__).with_name("crash_speed_child.py")
NOW = datetime(2024, 6, 1, tzinfo=UTC)
PEOPLE = synthetic_resident_ids(12, 8)
KILLS = {
    "sqlite": max(1, int(os.environ.get("SOCIALCREDIT_CRASH_SQLITE", "200")) // 10),
    "postgresql": max(1, int(os.environ.get("SOCIALCREDIT_CRASH_PG", "50")) // 10),
}
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def prepare(url: str) -> None:
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    app.documents.init(OP)
    app.records.add_subjects(OP, [(p, "person", "Resident") for p in PEOPLE])
    # The store's idempotency secret is created on first use; six threads racing to
    # create it would make one of them fail with a conflict (a separate matter).
    with app.store.transaction() as conn:
        app.store.secret(conn, "dedup", NOW.isoformat())
    app.store.close()


def kill_runs(url: str, kills: int, mode: str, points: tuple[str, ...], extra: str) -> list[str]:
    rng = random.Random(16)
    acked: list[str] = []
    for run in range(kills):
        point = points[run % len(points)]
        proc = subprocess.Popen(
            [sys.executable, str(CHILD), mode, url, str(run), extra],
            stdout=subprocess.PIPE,
            text=True,
            env={**ENV, "CRASH_AT": point},
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        if not point:
            time.sleep(rng.uniform(0.05, 0.6))
            proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=120)
        assert proc.returncode in (-signal.SIGKILL, 0), (run, point, proc.returncode)
        complete = rest.split("\n")[:-1]  # a line cut short by the kill was never sent whole
        acked += [line.split()[1] for line in complete if line.startswith("ACK ")]
    return acked


def verified(url: str) -> Application:
    check = Application(Settings(db_url=url, clock=lambda: NOW))
    n, problem = check.integrity.verify()
    assert problem is None, problem
    check.log.sign_head()  # reads never sign: sign the grown log before proving inclusion
    head, proof = check.log.prove_inclusion(n)
    assert verify_proof_document(check.log.public_key(), head, proof)[0]
    return check


def query(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql)).all()]
    engine.dispose()
    return rows


def decision_purposes(app: Application) -> dict[str, int]:
    """Each decision's purpose (its key here), opened: purposes are sealed at rest."""
    out: dict[str, int] = {}
    with app.store.transaction() as conn:
        for p in PEOPLE:
            for r in app.store.access_for(conn, p):
                if r["action"] == "decision":
                    out[r["purpose"]] = out.get(r["purpose"], 0) + 1
    return out


def opened_events(url: str) -> list:
    """Every subject's entries with sealed fields opened (evidence is sealed at rest)."""
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    try:
        return [e for p in PEOPLE for e in app.records.history(OP, p)]
    finally:
        app.store.close()


def evidence_counts(url: str, prefix: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in opened_events(url):
        if e.evidence and e.evidence.startswith(prefix):
            out[e.evidence] = out.get(e.evidence, 0) + 1
    return out


def evidence_ids(url: str, prefix: str) -> list[int]:
    return [
        e.event for e in opened_events(url) if e.evidence and e.evidence.startswith(prefix)
    ]


def group_commit_crashes(url: str, kills: int) -> tuple[int, int]:
    prepare(url)
    points = ("", "in-group-commit", "after-group-commit")
    acked = kill_runs(url, kills, "group", points, ",".join(PEOPLE))
    check = verified(url)
    try:
        decisions = decision_purposes(check)
    finally:
        check.store.close()
    writes = evidence_counts(url, "g")

    assert all(c == 1 for c in decisions.values())  # none duplicated
    assert all(c == 1 for c in writes.values())
    missing = [k for k in acked if k not in decisions and k not in writes]
    assert missing == [], missing[:5]  # none acknowledged and lost
    assert any(k in decisions for k in acked)
    return kills, len(acked)


def import_crashes(url: str, kills: int, folder: Path) -> tuple[int, int]:
    prepare(url)
    path = folder / "history.csv"
    n = 3000
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", "rule", "occurred", "scheme", "authority", "evidence"])
        for i in range(n):
            w.writerow(
                [
                    PEOPLE[i % len(PEOPLE)],
                    "volunteer-service",
                    f"2024-0{1 + i % 5}-1{i % 9}",
                    "rongcheng",
                    "rongcheng-credit-office",
                    f"hist/{i}",
                ]
            )
    acked = kill_runs(url, kills, "import", ("", "in-import"), str(path))
    # whatever happened, running it again finishes the job
    final = kill_runs(url, 1, "import", ("none",), str(path))
    assert final == ["import"]
    check = verified(url)
    check.store.close()
    counts = list(evidence_counts(url, "hist/").items())
    assert len(counts) == n and all(c == 1 for _, c in counts)
    ids = sorted(evidence_ids(url, "hist/"))
    audited = sorted(
        i
        for (detail,) in query(url, "SELECT detail FROM access_log WHERE action = 'event.record'")
        for i in json.loads(detail).get("events", [])
    )
    assert audited == ids  # every entry's access record, once, and no record without entry
    return kills, len(acked)


def test_group_commit_crash_sqlite(tmp_path: Path) -> None:
    kills, acked = group_commit_crashes(f"sqlite:///{tmp_path / 'g.db'}", KILLS["sqlite"])
    print(f"\ngroup commit (SQLite): {kills} kills, {acked} acknowledged, 0 lost, 0 duplicated")


def test_import_crash_sqlite(tmp_path: Path) -> None:
    kills, _ = import_crashes(f"sqlite:///{tmp_path / 'i.db'}", KILLS["sqlite"], tmp_path)
    print(f"\nimport (SQLite): {kills} kills, then one run to the end: every row once")


@pytest.mark.usefixtures("pg_server")
def test_group_commit_and_import_crash_postgresql(pg_server: str, tmp_path: Path) -> None:
    from tests.conftest import fresh_pg_database

    for url in fresh_pg_database(pg_server):
        group_commit_crashes(url, KILLS["postgresql"])
    for url in fresh_pg_database(pg_server):
        import_crashes(url, KILLS["postgresql"], tmp_path)

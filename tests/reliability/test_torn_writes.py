"""Power loss mid-write, simulated: the SQLite WAL's tail truncated or bit-flipped.

After each damage the store must open as a gap-free prefix of the ledger that verifies,
or refuse to open with a clear message. Nothing in between.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from socialcredit.application import Application
from socialcredit.core.errors import BadInput
from socialcredit.settings import Settings
from tests.conftest import OP

TRIALS = 500
NOW = datetime(2024, 6, 1, tzinfo=UTC)
P = "11010519491231002X"


def build(folder: Path) -> tuple[Path, int]:
    """A store whose recent commits live only in the WAL (no checkpoint yet)."""
    path = folder / "store.db"
    app = Application(Settings(db_url=f"sqlite:///{path}", clock=lambda: NOW))
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    with app.store.engine.connect() as conn:  # keep later commits in the WAL
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    for i in range(60):
        app.records.record(
            OP,
            P,
            "rongcheng",
            "volunteer-service",
            authority="rongcheng-credit-office",
            evidence_ref=f"c/{i}",
            occurred=date(2024, 5, 1),
        )
    n = app.integrity.verify()[0]
    # copy while the connection is still open: the WAL has not been checkpointed
    snapshot = folder / "snapshot"
    snapshot.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy(Path(f"{path}{suffix}"), snapshot / f"store.db{suffix}")
    app.store.close()
    return snapshot, n


def test_torn_wal_tails_open_as_a_verified_prefix_or_refuse(tmp_path: Path) -> None:
    snapshot, n = build(tmp_path)
    wal_size = (snapshot / "store.db-wal").stat().st_size
    assert wal_size > 100_000
    rng = random.Random(17)
    outcomes = {"prefix": 0, "refused": 0}
    for trial in range(TRIALS):
        work = tmp_path / f"t{trial % 2}"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(snapshot, work)
        wal = work / "store.db-wal"
        data = bytearray(wal.read_bytes())
        cut = rng.randrange(32, len(data))
        if rng.random() < 0.5:
            data = data[:cut]  # the disk lost the tail
        else:
            for _ in range(rng.randint(1, 8)):  # the disk scribbled on the tail
                pos = rng.randrange(cut, len(data))
                data[pos] ^= 1 << rng.randrange(8)
        wal.write_bytes(bytes(data))
        app = Application(Settings(db_url=f"sqlite:///{work / 'store.db'}", clock=lambda: NOW))
        try:
            _, problem = app.integrity.verify()
        except BadInput as exc:
            assert "store" in exc.message
            outcomes["refused"] += 1
            continue
        finally:
            app.store.close()
        assert problem is None, (trial, problem)
        with sqlite3.connect(work / "store.db") as raw:
            ids = [r[0] for r in raw.execute("SELECT id FROM events ORDER BY id")]
        assert ids == list(range(1, len(ids) + 1)) and len(ids) <= n
        outcomes["prefix"] += 1
    print(
        f"\ntorn writes: {TRIALS} trials, {outcomes['prefix']} opened as a verified prefix, "
        f"{outcomes['refused']} refused"
    )
    assert outcomes["prefix"] + outcomes["refused"] == TRIALS


@pytest.mark.parametrize("garbage", [b"", b"not a database at all" * 100])
def test_a_destroyed_database_file_is_refused_clearly(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(garbage)
    app = Application(Settings(db_url=f"sqlite:///{path}", clock=lambda: NOW))
    with pytest.raises(BadInput, match=r"store|not initialised"):
        app.integrity.verify()
    app.store.close()

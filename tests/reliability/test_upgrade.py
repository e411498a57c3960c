"""A store written before issue 11 (a SQL dump of one made by that version: its log key in
the `meta` table, events.subject NOT NULL, nothing but events chained) is brought up to
date by `init`: the key moved to a 0600 file and out of the store, documents, subjects
and tokens chained as they are, the old head still verifying, the log growing on."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from socialcredit.application import Application
from socialcredit.cli import app as cli
from socialcredit.settings import Settings
from socialcredit.transparency.heads import head_from_json, verify_head
from socialcredit.transparency.signer import read_key_file
from tests.conftest import OP

DUMP = Path(__file__).parent / "data" / "store-before-issue-11.sql"
NOW = datetime(2024, 6, 2, tzinfo=UTC)
P = "11010519491231002X"


def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(DUMP.read_text())
    raw.close()
    return path


def test_init_upgrades_a_store_from_before(tmp_path: Path) -> None:
    path = old_store(tmp_path)
    url = f"sqlite:///{path}"
    raw = sqlite3.connect(path)
    (legacy,) = raw.execute("SELECT value FROM meta WHERE key = 'log_private_key'").fetchone()
    old_head = raw.execute("SELECT size, root, timestamp, signature FROM tree_heads").fetchone()
    raw.close()
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    assert "socialcredit init" in app.integrity.verify()[1].message  # not upgraded yet
    # The upgrade alone (no documents to publish): the shipped documents may have changed
    # since that store was made, which is a publishing question, not an upgrade one.
    empty = tmp_path / "no-documents"
    empty.mkdir()
    res = CliRunner().invoke(cli, ["--db", url, "init", "--rulebooks", str(empty)])
    assert res.exit_code == 0, res.output
    key = Path(str(path) + ".logkey")
    assert read_key_file(key).hex() == legacy and stat.S_IMODE(key.stat().st_mode) == 0o600
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT count(*) FROM meta WHERE key = 'log_private_key'").fetchone() == (0,)
    types = [r[0] for r in raw.execute("SELECT type FROM events ORDER BY id")]
    raw.close()
    assert types[0] == "score" and {
        "document.published",
        "subject.registered",
        "token.issued",
    } <= set(types)
    # the head the old version published still holds: the log only grew
    head = head_from_json(
        dict(zip(("size", "root", "timestamp", "signature"), old_head, strict=True))
    )
    public = app.log.public_key()
    assert verify_head(public, head)
    assert (
        app.integrity.verify(
            [
                (
                    "old head",
                    {
                        "size": head.size,
                        "root": head.root.hex(),
                        "timestamp": head.timestamp,
                        "signature": head.signature.hex(),
                    },
                )
            ]
        )[1]
        is None
    )
    app.records.record(
        OP,
        P,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="after",
        occurred=date(2024, 2, 1),
    )
    app.records.score(OP, P, "rongcheng")
    app.log.sign_head()
    assert app.integrity.verify()[1] is None
    app.store.close()

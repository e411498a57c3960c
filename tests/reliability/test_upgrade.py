"""Opening a store made by an earlier version.

A store from before issue 12's pseudonyms (schema 1) keeps subject identifiers in clear
in its append-only, chained tables. Such a store that holds subjects is refused, by
`init` and by every use case, with a message that says why and what to do, and nothing
is written to it; one that holds no subject yet is brought to schema 2 by `init`. The
fixture is a SQL dump of a store made before issue 11 (its log key in the `meta` table,
events.subject NOT NULL, subjects registered): the oldest store there is.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.application import Application
from socialcredit.cli import app as cli
from socialcredit.core.errors import BadInput
from socialcredit.settings import Settings
from tests.conftest import OP, raw_sql

DUMP = Path(__file__).parent / "data" / "store-before-issue-11.sql"
NOW = datetime(2024, 6, 2, tzinfo=UTC)
P = "11010519491231002X"


def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.executescript(DUMP.read_text())
    raw.close()
    return path


def contents(path: Path) -> list[str]:
    raw = sqlite3.connect(path)
    try:
        return list(raw.iterdump())
    finally:
        raw.close()


def test_a_store_with_subjects_from_before_pseudonyms_is_refused_untouched(
    tmp_path: Path,
) -> None:
    path = old_store(tmp_path)
    url = f"sqlite:///{path}"
    before = contents(path)
    empty = tmp_path / "no-documents"
    empty.mkdir()
    res = CliRunner().invoke(cli, ["--db", url, "init", "--rulebooks", str(empty)])
    assert res.exit_code == 2, res.output
    assert "schema version 1" in res.output
    assert "cannot migrate a store that already holds subjects" in res.output
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    with pytest.raises(BadInput, match="keep serving it with the version that made it"):
        app.access.export(OP, P).model_dump(mode="json")
    with pytest.raises(BadInput, match="schema version 1"):
        app.records.add_subject(OP, "110105198001010016", "person", "New")
    app.store.close()
    assert contents(path) == before  # refused before anything was written


def test_a_schema_1_store_without_subjects_is_upgraded_by_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    app = Application(Settings(db_url=url, clock=lambda: NOW))
    app.documents.init(OP)
    app.store.close()
    raw_sql(
        url,
        "UPDATE meta SET value = '1' WHERE key = 'schema'",
        "ALTER TABLE subject_keys DROP COLUMN subject_id",
    )
    again = Application(Settings(db_url=url, clock=lambda: NOW))
    with pytest.raises(BadInput, match="run `socialcredit init`"):
        again.documents.schemes()
    again.store.close()
    again = Application(Settings(db_url=url, clock=lambda: NOW))
    again.documents.init(OP)
    assert raw_sql(url, "SELECT value FROM meta WHERE key = 'schema'") == [("2",)]
    again.records.add_subject(OP, P, "person", "Upgraded")
    assert again.access.export(OP, P).model_dump(mode="json")["name"] == "Upgraded"
    assert again.integrity.verify()[1] is None
    again.store.close()

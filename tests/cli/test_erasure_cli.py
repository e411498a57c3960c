"""`socialcredit erase` and exports recorded as exports, through the console."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app

PERSON = "11010519491231002X"
QUIET = "110105198001010016"
NOBODY = "110105197001010011"
runner = CliRunner()


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "init").exit_code == 0
    for ident, name in ((PERSON, "Wang Wei"), (QUIET, "Li Na")):
        assert run(url, "subject", "add", ident, "--kind", "person", "--name", name).exit_code == 0
    return url


def rows(db: str, sql: str) -> list[tuple]:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as raw:
        return raw.execute(sql).fetchall()


def counts(db: str) -> tuple:
    return tuple(
        rows(db, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("events", "access_log", "subject_keys")
    )


def test_erase_refused_while_retention_holds_names_rule_and_date(db: str) -> None:
    res = run(
        db,
        "record",
        PERSON,
        "traffic-violation",
        "--scheme",
        "rongcheng",
        "--authority",
        "rongcheng-traffic-police",
        "--evidence",
        "ticket/7",
        "--occurred",
        "2024-01-10",
    )
    assert res.exit_code == 0, res.output
    before = counts(db)
    res = run(db, "erase", PERSON, "--requested-by-subject", "--json")
    assert res.exit_code == 2
    body = json.loads(res.stdout)["error"]
    assert body["code"] == "retention-holds"
    assert "scheme rongcheng" in body["rule"] and body["erasable_from"] > "2024-06-01"
    assert "Traceback" not in res.output
    for args in (
        (NOBODY, "--requested-by-subject"),
        (PERSON,),
        ("not-an-id", "--requested-by-subject"),
    ):
        res = run(db, "erase", *args)
        assert res.exit_code == 2 and "Traceback" not in res.output
        assert len(res.stderr.strip().splitlines()) == 1
    assert counts(db) == before


def test_erase_on_request_with_nothing_recorded(db: str) -> None:
    res = run(db, "erase", QUIET, "--requested-by-subject", "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["shredded"] is True and body["subject"] == QUIET
    assert rows(db, f"SELECT count(*) FROM subject_keys WHERE subject = '{QUIET}'") == [(0,)]
    access = json.loads(run(db, "access", QUIET, "--json").stdout)
    assert access["name"] == "[erased]"
    assert run(db, "ledger", "verify").exit_code == 0
    assert run(db, "erase", QUIET, "--requested-by-subject").exit_code == 2  # already erased


def test_exports_are_recorded_as_exports(db: str, tmp_path: Path) -> None:
    page = tmp_path / "record.html"
    assert run(db, "access", PERSON, "--html", str(page)).exit_code == 0
    assert run(db, "access", PERSON, "--json").exit_code == 0
    got = [
        json.loads(d)["format"]
        for (d,) in rows(db, "SELECT detail FROM access_log WHERE action = 'access.export'")
    ]
    assert got == ["html", "json"]
    out = tmp_path / "scores.parquet"
    res = run(
        db,
        "batch",
        "score",
        "--from-store",
        "--scheme",
        "rongcheng",
        "--as-of",
        "2024-06-01",
        "--out",
        str(out),
    )
    assert res.exit_code == 0, res.output
    (detail,) = rows(db, "SELECT detail FROM access_log WHERE action = 'aggregate.batch-input'")
    assert json.loads(detail[0])["export"] == "parquet"

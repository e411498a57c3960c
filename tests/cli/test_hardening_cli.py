"""The console under hostile use (issue 15): durability checked by every command that
writes, unwritable outputs refused before anything is recorded, identifiers never cut."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.conftest import fresh_pg_database, raw_sql

PERSON = "11010519491231002X"
EXE = str(Path(sys.executable).parent / "socialcredit")


def sc(db: str, *args: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "--db", db, "--purpose", "test", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": str(columns)},
        timeout=300,
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert sc(db, "init").returncode == 0
    assert sc(db, "subject", "add", PERSON, "--kind", "person", "--name", "W").returncode == 0
    return db


def one_line_error(r: subprocess.CompletedProcess[str]) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def access_rows(db: str) -> int:
    return int(raw_sql(db, "SELECT count(*) FROM access_log")[0][0])


@pytest.mark.parametrize(
    "target", ["no-such-folder/record.html", "", "/proc/no-such/x.html"], ids=str
)
def test_access_html_to_an_unwritable_path_records_nothing(
    store: str, tmp_path: Path, target: str
) -> None:
    path = str(tmp_path / target) if target else str(tmp_path)  # "" -> a folder
    before = access_rows(store)
    one_line_error(sc(store, "access", PERSON, "--html", path))
    assert access_rows(store) == before
    ok = sc(store, "access", PERSON, "--html", str(tmp_path / "r.html"))
    assert ok.returncode == 0 and (tmp_path / "r.html").read_text().startswith("<!doctype")
    assert access_rows(store) == before + 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_batch_score_to_an_unwritable_path_exports_nothing(store: str, tmp_path: Path) -> None:
    before = access_rows(store)
    r = sc(
        store,
        "batch",
        "score",
        "--scheme",
        "rongcheng",
        "--as-of",
        "2024-06-01",
        "--from-store",
        "--out",
        str(tmp_path / "missing" / "scores.parquet"),
    )
    one_line_error(r)
    assert access_rows(store) == before


def test_log_outputs_to_an_unwritable_path_are_one_line(store: str, tmp_path: Path) -> None:
    rec = sc(
        store,
        "record",
        PERSON,
        "traffic-violation",
        "--scheme",
        "rongcheng",
        "--authority",
        "rongcheng-traffic-police",
        "--evidence",
        "t/1",
        "--occurred",
        "2024-05-01",
    )
    assert rec.returncode == 0, rec.stderr
    r = sc(store, "log", "prove-inclusion", "1", "--head-out", str(tmp_path / "no" / "h.json"))
    one_line_error(r)


def test_every_writing_command_refuses_a_store_that_may_lose_writes(pg_server: str) -> None:
    for url in fresh_pg_database(pg_server):
        assert sc(url, "init").returncode == 0
        # init chains the publication of each shipped document: those entries stay
        initial = int(raw_sql(url, "SELECT count(*) FROM events")[0][0])
        admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET synchronous_commit = off')
            )
        admin.dispose()
        for args in (
            ("subject", "add", PERSON, "--kind", "person", "--name", "W"),
            (
                "record",
                PERSON,
                "traffic-violation",
                "--scheme",
                "rongcheng",
                "--authority",
                "rongcheng-traffic-police",
                "--evidence",
                "t/1",
                "--occurred",
                "2024-05-01",
            ),
            ("token", "issue", "--role", "auditor", "--principal", "a"),
        ):
            r = sc(url, *args)
            one_line_error(r)
            assert "synchronous_commit=off" in r.stderr
        assert int(raw_sql(url, "SELECT count(*) FROM events")[0][0]) == initial


def test_tables_never_cut_identifiers_at_80_columns(store: str) -> None:
    r = sc(store, "rulebook", "show", "rongcheng", columns=80)
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    for code in (
        "court-judgment-defaulted",
        "traffic-violation",
        "rongcheng-traffic-police",
        "rongcheng-credit-office",
    ):
        assert code in r.stdout, code
    rec = sc(
        store,
        "record",
        PERSON,
        "court-judgment-defaulted",
        "--scheme",
        "rongcheng",
        "--authority",
        "rongcheng-people-court",
        "--evidence",
        "judgment/2024-0001-long",
        "--occurred",
        "2024-05-01",
        columns=80,
    )
    assert rec.returncode == 0, rec.stderr
    for args in (
        ("score", PERSON, "--scheme", "rongcheng"),
        ("history", PERSON),
        ("token", "list"),
    ):
        r = sc(store, *args, columns=80)
        assert r.returncode == 0, (args, r.stderr)
        assert max(len(line) for line in r.stdout.splitlines()) <= 80, args
        if args[0] != "token":
            assert "court-judgment-defaulted" in r.stdout, args
            assert "rongcheng-people-court" in r.stdout, args
    body = json.loads(sc(store, "score", PERSON, "--scheme", "rongcheng", "--json").stdout)
    assert body["lines"][0]["rule"] == "court-judgment-defaulted"

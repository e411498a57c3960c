"""Registering subjects from the console: bad IDs exit 2 with position and reason, and
nothing is written; 15-digit IDs and foreign permanent residents' IDs work (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.application import Application
from socialcredit.cli import app
from socialcredit.settings import Settings

runner = CliRunner()
WANG = "11010519491231002X"


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


def counts(db: str) -> tuple[int, ...]:
    application = Application(Settings(db_url=db))
    try:
        with application.store.transaction() as conn:
            return tuple(
                application.store.count(conn, t) for t in ("subjects", "subject_keys", "access_log")
            )
    finally:
        application.store.close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ids.db'}"
    assert run(url, "init").exit_code == 0
    return url


@pytest.mark.parametrize(
    ("ident", "kind", "needles"),
    [
        ("11999919491231002X", "person", ["characters 1-6", "GB/T 2260"]),
        ("110105209901010027", "person", ["characters 7-14", "after the day of registration"]),
        ("110105189901010027", "person", ["characters 7-14", "before 1900-01-01"]),
        ("932999198501010010", "person", ["characters 4-6", "nationality"]),
        ("119999491231002", "person", ["first-generation", "characters 1-6"]),
        ("91110000600037342P", "organisation", ["character 17", "GB 11714"]),
        ("94110000600037341L", "organisation", ["character 2", "institution category"]),
        ("91ABCDEF600037341L", "organisation", ["character 3", "division code"]),
    ],
)
def test_bad_ids_exit_2_with_position_and_reason(
    db: str, ident: str, kind: str, needles: list[str]
) -> None:
    before = counts(db)
    res = run(db, "subject", "add", ident, "--kind", kind, "--name", "Someone")
    assert res.exit_code == 2, res.output
    for needle in needles:
        assert needle in res.output
    assert "Traceback" not in res.output
    assert counts(db) == before


def test_15_and_18_digit_forms_are_the_same_subject(db: str) -> None:
    res = run(db, "subject", "add", "110105491231002", "--kind", "person", "--name", "W", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"subject": WANG, "kind": "person", "created": True}
    res = run(db, "subject", "add", WANG, "--kind", "person", "--name", "W", "--json")
    assert json.loads(res.stdout)["created"] is False


def test_foreign_permanent_resident_registers_as_a_person(db: str) -> None:
    res = run(db, "subject", "add", "932682198501010017", "--kind", "person", "--name", "F")
    assert res.exit_code == 0, res.output
    assert "932682198501010017" in res.output

"""`rulebook check/show/publish` around the conduct catalogue: every reason at once,
exit codes, nothing published on refusal, and every document kind readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app

PERSON = "11010519491231002X"
FOLDER = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"
runner = CliRunner()


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cat.db'}"
    assert run(url, "init").exit_code == 0
    assert run(url, "subject", "add", PERSON, "--kind", "person", "--name", "W").exit_code == 0
    return url


def versions(db: str, ident: str) -> list[str]:
    res = run(db, "rulebook", "show", ident, "--json")
    assert res.exit_code == 0, res.output
    return [v["version"] for v in json.loads(res.stdout)["versions"]]


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_the_backdated_version_attack_is_refused_and_the_past_stays(
    db: str, tmp_path: Path
) -> None:
    """An admin publishes rongcheng 2014.9 today, effective 2015-01-01, base 700."""
    before = json.loads(
        run(db, "score", PERSON, "--scheme", "rongcheng", "--as-of", "2016-06-01", "--json").stdout
    )
    assert (before["score"], before["grade"]) == (1000, "A")
    text = (FOLDER / "rongcheng.toml").read_text()
    text = (
        text.replace('version = "2014.1"', 'version = "2014.9"')
        .replace("published = 2013-12-20\n", "published = 2014-12-01\n")
        .replace("effective = 2014-01-01", "effective = 2015-01-01")
        .replace("base = 1000", "base = 700")
    )
    res = run(db, "rulebook", "publish", write(tmp_path, "r.toml", text))
    assert res.exit_code == 1, res.output
    assert "effective-before-publication" in res.output
    assert "changes-the-past" in res.output and "base 1000 -> 700" in res.output
    assert versions(db, "rongcheng") == ["2014.1"]
    after = json.loads(
        run(db, "score", PERSON, "--scheme", "rongcheng", "--as-of", "2016-06-01", "--json").stdout
    )
    assert (after["score"], after["grade"]) == (1000, "A")


def test_publish_prints_every_reason_and_publishes_nothing(db: str, tmp_path: Path) -> None:
    text = (
        (FOLDER / "memo-joint-sanctions.toml")
        .read_text()
        .replace('version = "2018.1"', 'version = "2030.1"')
        .replace("published = 2017-04-25\neffective = 2017-05-01", "effective = 2030-01-01")
        + """
[[services]]
id = "internet"
sector = "telecommunications"
title = "Home broadband"

[[clauses]]
id = "court-defaulters-internet"
effect = "deny"
measure = "restrict-high-consumption"
list = "court-defaulters"
services = ["internet"]
legal_basis = "Local measures art. 3"

[[examples]]
name = "a wrong expectation"
as_of = 2030-06-01
service = "flight"
expect = "benefit"
"""
    )
    res = run(db, "rulebook", "publish", write(tmp_path, "m.toml", text), "--json")
    assert res.exit_code == 1, res.output
    codes = [(f["path"], f["code"]) for f in json.loads(res.stdout)["findings"]]
    assert ("clauses[4].services", "unrelated-sector") in codes
    assert ("examples[7]", "example-failed") in codes
    assert versions(db, "joint-sanctions") == ["2018.1"]


def test_an_unknown_catalogue_reference_is_bad_input(db: str, tmp_path: Path) -> None:
    text = (
        (FOLDER / "village.toml")
        .read_text()
        .replace('version = "2016.1"', 'version = "2030.1"')
        .replace("published = 2015-12-20\neffective = 2016-01-01", "effective = 2030-01-01")
        .replace('conduct = "volunteer-service"', 'conduct = "caring-for-parents"')
    )
    res = run(db, "rulebook", "publish", write(tmp_path, "v.toml", text))
    assert res.exit_code == 2, res.output
    assert "v.toml: rules[0].conduct: error unknown-conduct" in res.output
    assert versions(db, "village") == ["2016.1"]
    res = runner.invoke(app, ["rulebook", "check", str(tmp_path / "v.toml")])
    assert res.exit_code == 2 and "unknown-conduct" in res.output


def test_a_lawful_future_version_is_published(db: str, tmp_path: Path) -> None:
    text = (
        (FOLDER / "village.toml")
        .read_text()
        .replace('version = "2016.1"', 'version = "2030.1"')
        .replace("published = 2015-12-20\neffective = 2016-01-01", "effective = 2030-01-01")
    )
    res = run(db, "rulebook", "publish", write(tmp_path, "v.toml", text), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"id": "village", "version": "2030.1", "created": True}
    assert versions(db, "village") == ["2016.1", "2030.1"]


def test_check_runs_the_documents_own_examples(tmp_path: Path) -> None:
    text = (
        (FOLDER / "rongcheng.toml").read_text().replace("expect_score = 995", "expect_score = 1234")
    )
    res = runner.invoke(app, ["rulebook", "check", write(tmp_path, "rongcheng.toml", text)])
    assert res.exit_code == 1
    assert "examples[1]: error example-failed" in res.output and "expected score 1234" in res.output


@pytest.mark.parametrize(
    ("ident", "kind", "needle"),
    [
        ("catalogue", "catalogue", "Road Traffic Safety Law"),
        ("measures", "measures", "Government Procurement Law"),
        ("court-defaulters", "list", "Supreme People's Court"),
        ("joint-sanctions", "memorandum", "restrict-high-consumption"),
        ("rongcheng", "points", "Rongcheng Municipal Measures"),
    ],
)
def test_every_document_kind_can_be_shown(db: str, ident: str, kind: str, needle: str) -> None:
    res = run(db, "rulebook", "show", ident, "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["kind"] == kind
    v = body["versions"][0]
    assert v["legal_basis"] and v["effective"] and v["published"] and v["registered"]
    assert needle in res.stdout
    text = run(db, "rulebook", "show", ident)
    assert text.exit_code == 0 and "legal basis" in text.output and "published" in text.output
    assert run(db, "rulebook", "show", "nothing-by-this-name").exit_code == 2


def test_init_on_an_existing_store_publishes_on_the_clocks_day(db: str, tmp_path: Path) -> None:
    """`init --rulebooks DIR` is no back door: the declared date only counts for a new store."""
    folder = tmp_path / "docs"
    folder.mkdir()
    text = (FOLDER / "rongcheng.toml").read_text()
    (folder / "r.toml").write_text(
        text.replace('version = "2014.1"', 'version = "2014.9"').replace(
            "effective = 2014-01-01", "effective = 2015-01-01"
        )
    )
    res = run(db, "init", "--rulebooks", str(folder))
    assert res.exit_code == 1 and "effective-before-publication" in res.output
    assert versions(db, "rongcheng") == ["2014.1"]
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    for name in ("catalogue.toml", "measures.toml"):
        (folder / name).write_text((FOLDER / name).read_text())
    assert run(fresh, "init", "--rulebooks", str(folder)).exit_code == 0  # as declared
    assert versions(fresh, "rongcheng") == ["2014.9"]

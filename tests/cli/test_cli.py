"""The operator console: exit codes, JSON shapes, and no tracebacks on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app

PERSON = "11010519491231002X"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "init").exit_code == 0
    assert (
        run(url, "subject", "add", PERSON, "--kind", "person", "--name", "Wang Wei").exit_code == 0
    )
    return url


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, *args])


def state(db: str) -> tuple[int, bool]:
    res = run(db, "ledger", "verify", "--json")
    body = json.loads(res.stdout)
    return body["entries"], body["ok"]


RECORD = [
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
]


def test_record_score_history_json(db: str, tmp_path: Path) -> None:
    evidence = tmp_path / "ticket.pdf"
    evidence.write_bytes(b"%PDF ticket")
    res = run(db, *RECORD, "--evidence-file", str(evidence), "--json")
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert isinstance(body["event"], int) and body["created"] is True
    assert len(body["evidence_sha256"]) == 64
    res = run(db, "score", PERSON, "--scheme", "rongcheng", "--as-of", "2024-06-01", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert {"subject", "scheme", "as_of", "score", "grade", "caps", "perks", "lines"} <= set(report)
    assert (report["score"], report["grade"]) == (995, "A")
    (line,) = report["lines"]
    assert {"event", "rule", "points", "occurred", "ends", "authority", "evidence"} <= set(line)
    assert line["ends"] == "2025-01-10"
    res = run(db, "history", PERSON, "--json")
    assert [e["rule"] for e in json.loads(res.stdout)["events"]] == ["traffic-violation"]
    text = run(db, "score", PERSON, "--scheme", "rongcheng", "--as-of", "2024-06-01")
    assert text.exit_code == 0 and "995" in text.stdout


def test_resubmission_and_correction(db: str) -> None:
    base, _ = state(db)  # init and registration entries (documents, subject) come first
    first = json.loads(run(db, *RECORD, "--json").stdout)["event"]
    again = json.loads(run(db, *RECORD, "--json").stdout)
    assert again == {"event": first, "created": False, "evidence_sha256": None}
    res = run(
        db,
        "correct",
        str(first),
        "--reason",
        "wrong plate",
        "--authority",
        "rongcheng-traffic-police",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["reverses"] == first
    assert state(db) == (base + 2, True)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["record", "110105194912310021", "traffic-violation"], "check character"),
        (["record", "1101051949123100", "traffic-violation"], "expected 18"),
        (["record", PERSON, "no-such-rule"], "unknown rule"),
        (["record", PERSON, "traffic-violation", "--authority-x"], None),
    ],
)
def test_bad_record_input_exits_2(db: str, args: list[str], needle: str | None) -> None:
    base = {
        "--scheme": "rongcheng",
        "--authority": "rongcheng-traffic-police",
        "--evidence": "e/1",
        "--occurred": "2024-01-01",
    }
    extra = [x for kv in base.items() for x in kv]
    before = state(db)
    res = run(db, *args, *extra)
    assert res.exit_code == 2
    if needle:
        assert needle in res.output
    assert "Traceback" not in res.output
    assert state(db) == before


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"--scheme": "nowhere"}, "unknown scheme"),
        ({"--authority": "rongcheng-credit-office"}, "may not issue"),
        ({"--evidence": ""}, "requires evidence"),
        ({"--occurred": "2999-01-01"}, "in the future"),
        ({"--occurred": "2010-01-01"}, "before scheme"),
        ({"--occurred": "2024-02-30"}, "not a valid date"),
    ],
)
def test_bad_values_exit_2_and_ledger_unchanged(
    db: str, change: dict[str, str], needle: str
) -> None:
    opts = {
        "--scheme": "rongcheng",
        "--authority": "rongcheng-traffic-police",
        "--evidence": "ticket/1",
        "--occurred": "2024-01-10",
    }
    opts.update(change)
    before = state(db)
    res = run(db, "record", PERSON, "traffic-violation", *[x for kv in opts.items() for x in kv])
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert state(db) == before


def test_rulebook_check_examples_pass_and_bad_files_fail(tmp_path: Path) -> None:
    folder = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"
    files = [str(p) for p in sorted(folder.glob("*.toml"))]
    res = runner.invoke(app, ["rulebook", "check", *files])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.toml"
    text = (folder / "rongcheng.toml").read_text()
    bad.write_text(text.replace('category = "traffic"', 'category = "religion"', 1))
    res = runner.invoke(app, ["rulebook", "check", str(bad), "--json"])
    assert res.exit_code == 1
    findings = json.loads(res.stdout)["findings"]
    assert any(
        f["code"] == "protected-ground"
        and f["path"].startswith("rules[0]")
        and f["file"] == str(bad)
        for f in findings
    )
    broken = tmp_path / "broken.toml"
    broken.write_text("scheme = [unclosed")
    res = runner.invoke(app, ["rulebook", "check", str(broken)])
    assert res.exit_code == 2 and "malformed TOML" in res.output  # bad input


def test_rulebook_show_and_unknown_scheme(db: str) -> None:
    res = run(db, "rulebook", "show", "rongcheng", "--json")
    assert res.exit_code == 0
    rules = {r["code"] for r in json.loads(res.stdout)["versions"][0]["rules"]}
    assert {
        "traffic-violation",
        "drunk-driving",
        "city-award",
        "department-award",
        "volunteer-service",
        "charity-donation",
    } <= rules
    assert run(db, "rulebook", "show", "nowhere").exit_code == 2


def test_uninitialised_store_is_a_clear_error(tmp_path: Path) -> None:
    res = run(f"sqlite:///{tmp_path / 'empty.db'}", "score", PERSON, "--scheme", "rongcheng")
    assert res.exit_code == 2 and "socialcredit init" in res.output


def test_demo_reports_about_90_percent_a_or_better(tmp_path: Path) -> None:
    chart = tmp_path / "grades.svg"
    res = run(
        f"sqlite:///{tmp_path / 'demo.db'}",
        "demo",
        "--residents",
        "3000",
        "--seed",
        "3",
        "--chart",
        str(chart),
        "--json",
    )
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert 0.86 <= body["a_or_better"] <= 0.94
    assert sum(body["grades"].values()) == 3000
    assert chart.read_text().startswith("<?xml")


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "SOCIALCREDIT_DB": str(tmp_path / "x.db")}
    exe = Path(sys.executable).with_name("socialcredit")
    for argv in (
        ["record", "nope", "r", "--scheme", "s", "--authority", "a", "--occurred", "2024-01-01"],
        ["score", "x", "--scheme", "s"],
    ):
        proc = subprocess.run([str(exe), *argv], capture_output=True, text=True, env=env)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip().count("\n") == 0, proc.stderr


def test_batch_from_store_scores_every_registered_subject(db: str, tmp_path: Path) -> None:
    """A registered resident with no events has the base score; the export is audited."""
    from socialcredit.core.ids import synthetic_resident_ids

    quiet = synthetic_resident_ids(1, 99)[0]
    assert run(db, "subject", "add", quiet, "--kind", "person", "--name", "Li Na").exit_code == 0
    assert run(db, *RECORD).exit_code == 0
    out = tmp_path / "scores.parquet"
    res = run(
        db,
        "--purpose",
        "nightly rescoring",
        "batch",
        "score",
        "--from-store",
        "--scheme",
        "rongcheng",
        "--as-of",
        "2024-06-01",
        "--out",
        str(out),
        "--json",
    )
    assert res.exit_code == 0, res.output
    import pyarrow.parquet as pq

    got = {r["subject"]: (r["score"], r["grade"]) for r in pq.read_table(out).to_pylist()}
    assert got == {PERSON: (995, "A"), quiet: (1000, "A")}
    import sqlite3

    with sqlite3.connect(db.removeprefix("sqlite:///")) as raw:
        rows = raw.execute(
            "SELECT purpose FROM access_log WHERE action = 'aggregate.batch-input'"
        ).fetchall()
    assert rows == [("nightly rescoring",)]

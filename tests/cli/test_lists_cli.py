"""List and check commands: JSON shapes, exit codes, nothing written on refusal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from socialcredit.cli import app

P = "11010519491231002X"
runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", db, *args])


def test_list_and_check_story(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    run(db, "init")
    run(db, "subject", "add", P, "--kind", "person", "--name", "Wang Wei")
    res = run(
        db,
        "list",
        "propose",
        P,
        "--list",
        "court-defaulters",
        "--authority",
        "rongcheng-people-court",
        "--evidence",
        "judgment/1",
        "--occurred",
        "2024-03-01",
        "--field",
        "case_number=(2024) 77",
        "--field",
        "court=Rongcheng",
        "--field",
        "judgment_date=2024-01-01",
        "--field",
        "obligation=pay",
        "--json",
    )
    assert res.exit_code == 0, res.output
    entry = json.loads(res.stdout)["entry"]
    res = run(
        db,
        "list",
        "remedy",
        str(entry),
        "--authority",
        "rongcheng-people-court",
        "--evidence",
        "r/1",
        "--occurred",
        "2024-03-02",
    )
    assert res.exit_code == 2 and "only a notified or in-effect entry" in res.output
    assert (
        run(
            db,
            "list",
            "notify",
            str(entry),
            "--authority",
            "rongcheng-people-court",
            "--evidence",
            "n/1",
            "--occurred",
            "2024-03-02",
        ).exit_code
        == 0
    )
    check = [
        "check",
        P,
        "--service",
        "flight",
        "--verifier",
        "airline-demo",
        "--purpose",
        "ticket sale",
        "--as-of",
        "2024-04-01",
        "--json",
    ]
    res = run(db, *check)
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["decision"] == "deny"
    assert {"code", "basis", "until", "remedy"} <= set(body["reasons"][0])
    assert not {"score", "grade", "lines", "events"} & set(body)
    assert (
        run(
            db,
            "check",
            P,
            "--service",
            "flight",
            "--verifier",
            "airline-demo",
            "--as-of",
            "2024-04-01",
        ).exit_code
        == 2
    )
    assert (
        run(
            db, "check", P, "--service", "flight", "--verifier", "bike-demo", "--purpose", "x"
        ).exit_code
        == 2
    )
    assert (
        run(
            db,
            "list",
            "propose",
            P,
            "--list",
            "court-defaulters",
            "--authority",
            "rongcheng-people-court",
            "--evidence",
            "j",
            "--occurred",
            "2024-03-01",
            "--field",
            "nonsense",
        ).exit_code
        == 2
    )
    res = run(db, "list", "show", P, "--as-of", "2024-04-01", "--json")
    assert json.loads(res.stdout)["entries"][0]["status"] == "in-effect"
    res = run(db, "services", "--json")
    assert {"flight", "high-speed-rail"} <= {s["id"] for s in json.loads(res.stdout)["services"]}


def test_memo_check_relatedness_is_the_gate(tmp_path: Path) -> None:
    """A sanction carried into a sector its measure does not name is an error, always:
    there is no option to make it a warning (``--strict-context`` is gone)."""
    folder = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"
    memos = sorted(str(p) for p in folder.glob("memo-*.toml"))
    assert runner.invoke(app, ["memo", "check", *memos]).exit_code == 0
    text = (folder / "memo-joint-sanctions.toml").read_text()
    bad = tmp_path / "memo-bad.toml"
    bad.write_text(
        text.replace(
            'services = ["flight", "high-speed-rail"]\nlegal_basis = "NDRC',
            'services = ["flight", "civil-service-hiring"]\nlegal_basis = "NDRC',
        )
    )
    res = runner.invoke(app, ["memo", "check", str(bad), "--json"])
    assert res.exit_code == 1
    found = json.loads(res.stdout)["findings"]
    assert [(f["path"], f["code"], f["severity"]) for f in found] == [
        ("clauses[2].services", "unrelated-sector", "error"),
        # and its own example (trains barred) no longer holds: also reported, at once
        ("examples[4]", "example-failed", "error"),
    ]
    res = runner.invoke(app, ["memo", "check", str(bad), "--strict-context"])
    assert res.exit_code == 2 and "--strict-context" in res.output  # the option is gone


def test_a_severity_is_refused_where_it_sizes_nothing(tmp_path: Path) -> None:
    """Exit 2, one line, nothing written: unknown, or on a list without durations."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    run(db, "init")
    run(db, "subject", "add", P, "--kind", "person", "--name", "Wang Wei")
    base = [
        "list",
        "propose",
        P,
        "--list",
        "court-defaulters",
        "--authority",
        "rongcheng-people-court",
        "--evidence",
        "judgment/1",
        "--occurred",
        "2024-03-01",
        "--field",
        "case_number=(2024) 77",
        "--field",
        "court=Rongcheng",
        "--field",
        "judgment_date=2024-01-01",
        "--field",
        "obligation=pay",
    ]
    before = run(db, "log", "head", "--json").stdout
    for severity, words in (("grave", "unknown severity"), ("serious", "does not size")):
        res = run(db, *base, "--severity", severity)
        assert res.exit_code == 2, res.output
        assert words in res.output and len(res.output.strip().splitlines()) == 1
    res = run(db, *base, "--conduct", "tax-arrears")  # not a conduct this list cites
    assert res.exit_code == 2 and "court-judgment-defaulted" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1
    assert json.loads(run(db, "log", "head", "--json").stdout)["size"] == json.loads(before)["size"]
    # Naming the conduct the list cites is accepted: an unsized list keeps the conduct's
    # severity (for the record and for credit repair's periods), its term the maximum.
    res = run(db, *base, "--conduct", "court-judgment-defaulted", "--json")
    assert res.exit_code == 0, res.output
    (shown,) = json.loads(run(db, "access", P, "--json").stdout)["list_entries"]
    assert shown["conduct"] == "court-judgment-defaulted"
    assert shown["severity"] == "serious" and shown["offence"] is None  # the list's own

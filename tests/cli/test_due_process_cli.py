"""Dispute, tick, access and log commands: JSON shapes and exit codes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from socialcredit.cli import app

P = "11010519491231002X"
# The console runs on the real clock; dispute deadlines run from recorded dates, so the
# dates here are relative to today.
TODAY = date.today()
D0 = (TODAY - timedelta(days=20)).isoformat()
D1 = (TODAY - timedelta(days=10)).isoformat()
D2 = TODAY.isoformat()
runner = CliRunner()


def run(db, *args):
    return runner.invoke(app, ["--db", db, *args])


def test_dispute_access_and_log(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    run(db, "init")
    run(db, "subject", "add", P, "--kind", "person", "--name", "Wang Wei")
    res = run(
        db,
        "record",
        P,
        "fine-unpaid",
        "--scheme",
        "rongcheng",
        "--authority",
        "rongcheng-traffic-police",
        "--evidence",
        "f/1",
        "--occurred",
        D0,
        "--json",
    )
    event = json.loads(res.stdout)["event"]
    res = run(
        db,
        "dispute",
        "open",
        str(event),
        "--subject",
        P,
        "--statement",
        "I was in hospital",
        "--occurred",
        D1,
        "--json",
    )
    assert res.exit_code == 0, res.output
    dispute = json.loads(res.stdout)["dispute"]
    assert (
        run(
            db,
            "dispute",
            "open",
            str(event),
            "--subject",
            P,
            "--statement",
            "again",
            "--occurred",
            D1,
        ).exit_code
        == 2
    )
    assert (
        run(
            db,
            "dispute",
            "open",
            "999",
            "--subject",
            P,
            "--statement",
            "x",
            "--occurred",
            D1,
        ).exit_code
        == 2
    )
    res = run(db, "dispute", "show", str(dispute), "--json")
    assert json.loads(res.stdout)["status"] == "open"
    res = run(db, "score", P, "--scheme", "rongcheng", "--json")
    assert json.loads(res.stdout)["lines"][0]["event"] == event  # still counts, disputed
    res = run(
        db,
        "dispute",
        "decide",
        str(dispute),
        "--reviewer",
        "rongcheng-review-board",
        "--outcome",
        "annulled",
        "--excuse",
        "hospitalisation",
        "--reason",
        "discharge letter",
        "--occurred",
        D2,
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert (
        run(
            db,
            "dispute",
            "decide",
            str(dispute),
            "--reviewer",
            "rongcheng-review-board",
            "--outcome",
            "upheld",
            "--reason",
            "x",
            "--occurred",
            D2,
        ).exit_code
        == 2
    )
    res = run(db, "access", P, "--json", "--html", str(tmp_path / "r.html"))
    body = json.loads(res.stdout)
    assert {"events", "list_entries", "reports", "decisions", "disputes", "access_records"} <= set(
        body
    )
    assert "Wang Wei" in (tmp_path / "r.html").read_text()
    res = run(db, "tick", "--as-of", D2, "--json")
    assert res.exit_code == 0
    assert run(db, "tick", "--as-of", "2999-01-01").exit_code == 2
    head, proof = tmp_path / "h.json", tmp_path / "p.json"
    assert (
        run(
            db,
            "log",
            "prove-inclusion",
            str(event),
            "--head-out",
            str(head),
            "--proof-out",
            str(proof),
        ).exit_code
        == 0
    )
    signed = json.loads(run(db, "log", "head", "--json").stdout)
    key = signed["public_key"]
    (tmp_path / "old.json").write_text(json.dumps(signed))
    verify = ["log", "verify", "--head", str(head), "--proof", str(proof), "--public-key", key]
    assert runner.invoke(app, verify).exit_code == 0
    doc = json.loads(proof.read_text())
    doc["index"] += 1
    proof.write_text(json.dumps(doc))
    assert runner.invoke(app, verify).exit_code == 1
    proof.write_text('{"kind": "inclusion", "path": "garbage"}')
    res = runner.invoke(app, verify)
    assert res.exit_code == 2 and "malformed proof" in res.output
    proof.write_text("not json")
    assert runner.invoke(app, verify).exit_code == 2
    assert run(db, "log", "prove-consistency", "1", "3", "--json").exit_code == 2  # unsigned
    run(db, "access", P, "--json")  # a read: its access record is sealed by the next head
    res = run(db, "log", "prove-consistency", str(signed["size"]), "--json")
    both = json.loads(res.stdout)
    assert both["head"]["size"] > signed["size"]
    (tmp_path / "c.json").write_text(json.dumps(both))
    bare = ["log", "verify", "--head", str(tmp_path / "c.json"), "--public-key", key]
    res = runner.invoke(app, bare)  # the proof's own old root is never trusted
    assert res.exit_code == 1 and "--trusted-head" in res.output
    trusted = [*bare, "--trusted-head", str(tmp_path / "old.json")]
    assert runner.invoke(app, trusted).exit_code == 0
    assert run(db, "--purpose", "", "score", P, "--scheme", "rongcheng").exit_code == 2

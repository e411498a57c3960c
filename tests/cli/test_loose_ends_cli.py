"""Issue 18, as a new user meets it on the console: each answer is right and complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app

PERSON = "11010519491231002X"
ORG = "91350100M000100Y43"
runner = CliRunner()


def run(db: str, *args: str):
    return runner.invoke(app, ["--db", db, "--purpose", "test", *args])


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "init").exit_code == 0
    assert run(url, "subject", "add", PERSON, "--kind", "person", "--name", "W").exit_code == 0
    assert run(url, "subject", "add", ORG, "--kind", "organisation", "--name", "H").exit_code == 0
    return url


# -- 1. a scheme applies only to the kinds it is published for ----------------------------
@pytest.mark.parametrize(
    ("subject", "scheme", "kinds"),
    [(ORG, "rongcheng", "persons"), (PERSON, "enterprise", "organisations")],
)
def test_score_of_another_kind_exits_2_naming_the_kinds(db, subject, scheme, kinds) -> None:
    res = run(db, "score", subject, "--scheme", scheme, "--json")
    assert res.exit_code == 2, res.output
    assert f"scheme '{scheme}' applies to {kinds} only" in res.stderr
    assert res.stderr.strip().count("\n") == 0
    assert json.loads(res.stdout)["error"]["field"] == "scheme"


def test_record_of_another_kind_exits_2(db) -> None:
    res = run(
        db, "record", ORG, "traffic-violation", "--scheme", "rongcheng", "--authority",
        "rongcheng-traffic-police", "--evidence", "t/1", "--occurred", "2024-01-10",
    )  # fmt: skip
    assert res.exit_code == 2 and "applies to persons only" in res.stderr
    assert json.loads(run(db, "ledger", "verify", "--json").stdout)["entries"] == 0


def test_batch_from_store_says_whom_it_skipped_and_why(db, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    res = run(
        db, "batch", "score", "--from-store", "--scheme", "rongcheng", "--as-of", "2024-06-01",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["skipped"]["subjects"] == 1
    assert "applies to persons only" in body["skipped"]["reason"]
    import pyarrow.parquet as pq

    assert [r["subject"] for r in pq.read_table(out).to_pylist()] == [PERSON]
    text = run(
        db, "batch", "score", "--from-store", "--scheme", "rongcheng", "--as-of", "2024-06-01",
        "--out", str(out),
    )  # fmt: skip
    assert "skipped 1 subject(s): scheme 'rongcheng' applies to persons only" in text.stdout


# -- 2. each decision of a dispute keeps its own reason ------------------------------------
def test_dispute_show_keeps_the_first_decision_after_an_appeal(db) -> None:
    from datetime import date, timedelta

    today = date.today().isoformat()
    earlier = (date.today() - timedelta(days=10)).isoformat()
    rec = run(
        db, "record", PERSON, "fine-unpaid", "--scheme", "rongcheng", "--authority",
        "rongcheng-traffic-police", "--evidence", "f/1", "--occurred", earlier, "--json",
    )  # fmt: skip
    event = json.loads(rec.stdout)["event"]
    opened = run(
        db, "dispute", "open", str(event), "--subject", PERSON, "--statement", "hospital",
        "--occurred", today, "--json",
    )  # fmt: skip
    d = str(json.loads(opened.stdout)["dispute"])
    for args in (
        ["decide", d, "--reviewer", "rongcheng-review-board", "--outcome", "upheld",
         "--reason", "served properly", "--occurred", today],
        ["appeal", d, "--subject", PERSON, "--statement", "see the record", "--occurred", today],
        ["decide", d, "--reviewer", "rongcheng-appeals-board", "--outcome", "annulled",
         "--reason", "hospital record", "--occurred", today],
    ):  # fmt: skip
        assert run(db, "dispute", *args).exit_code == 0
    body = json.loads(run(db, "dispute", "show", d, "--json").stdout)
    assert body["reason"] == "served properly" and body["appeal_reason"] == "hospital record"
    assert [x["reason"] for x in body["decisions"]] == ["served properly", "hospital record"]
    text = run(db, "dispute", "show", d).stdout
    assert "first decision" in text and "served properly" in text
    assert "appeal" in text and "hospital record" in text


# -- 3 and 4. reasons read as sentences; list show says how an entry ends -----------------
def _listed(db) -> int:
    res = run(
        db, "list", "propose", PERSON, "--list", "court-defaulters", "--authority",
        "rongcheng-people-court", "--evidence", "judgment/1", "--occurred", "2024-03-01",
        "--field", "case_number=(2024) 77", "--field", "court=Rongcheng",
        "--field", "judgment_date=2024-01-01", "--field", "obligation=pay", "--json",
    )  # fmt: skip
    entry = json.loads(res.stdout)["entry"]
    res = run(
        db, "list", "notify", str(entry), "--authority", "rongcheng-people-court",
        "--evidence", "n/1", "--occurred", "2024-03-02",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    return int(entry)


def test_check_reasons_are_sentences(db) -> None:
    entry = _listed(db)
    args = ["check", PERSON, "--service", "flight", "--verifier", "airline-demo",
            "--purpose", "ticket sale", "--as-of", "2024-04-01"]  # fmt: skip
    body = json.loads(run(db, *args, "--json").stdout)
    (reason,) = body["reasons"]
    assert reason["code"] == "deny:court-defaulters-high-consumption"
    assert reason["text"].startswith(
        "Refused under clause court-defaulters-high-consumption of memorandum joint-sanctions, "
        f"because entry {entry} on list court-defaulters is in effect until "
    )
    assert "To end it: fulfil the obligation in the judgment" in reason["text"]
    text = run(db, *args).stdout
    assert "while it holds" not in text and "until while" not in text
    assert "deny:court-defaulters-high-consumption: Refused under clause" in " ".join(text.split())


def test_list_show_gives_the_remedy_and_the_evidence_that_ends_the_entry(db) -> None:
    entry = _listed(db)
    body = json.loads(run(db, "list", "show", PERSON, "--json").stdout)
    (shown,) = body["entries"]
    assert shown["entry"] == entry
    assert shown["remedy"].startswith("fulfil the obligation in the judgment")
    assert shown["remedy_evidence"] == ["performance-certificate", "payment-receipt"]
    text = " ".join(run(db, "list", "show", PERSON).stdout.split())
    assert (
        f"entry {entry}: remedy: fulfil the obligation in the judgment; the court records the "
        "certificate of performance and the entry is removed the same day; evidence that ends "
        "it: performance-certificate or payment-receipt"
    ) in text


# -- 5. one shape per result, the same as the API's ----------------------------------------
def test_every_write_prints_the_shared_result(db) -> None:
    from datetime import date, timedelta

    from socialcredit.application import results as r

    def shape(model, res) -> dict:
        assert res.exit_code == 0, res.output
        body = json.loads(res.stdout)
        assert set(body) == set(model.model_fields), (model.__name__, body)
        model.model_validate(body)
        return body

    today = date.today().isoformat()
    earlier = (date.today() - timedelta(days=3)).isoformat()
    shape(
        r.SubjectRegistered,
        run(db, "subject", "add", PERSON, "--kind", "person", "--name", "W", "--json"),
    )
    rec = ["record", PERSON, "traffic-violation", "--scheme", "rongcheng", "--authority",
           "rongcheng-traffic-police", "--occurred", earlier, "--json"]  # fmt: skip
    first = shape(r.EventRecorded, run(db, *rec, "--evidence", "t/1"))
    second = shape(r.EventRecorded, run(db, *rec, "--evidence", "t/2"))
    fixed = shape(
        r.CorrectionRecorded,
        run(db, "correct", str(second["event"]), "--reason", "wrong plate", "--authority",
            "rongcheng-traffic-police", "--json"),
    )  # fmt: skip
    assert fixed["reverses"] == second["event"]
    opened = shape(
        r.DisputeOpened,
        run(db, "dispute", "open", str(first["event"]), "--subject", PERSON, "--statement",
            "not me", "--occurred", today, "--json"),
    )  # fmt: skip
    d = str(opened["dispute"])
    shape(
        r.DisputeStepRecorded,
        run(db, "dispute", "add-info", d, "--subject", PERSON, "--statement", "more",
            "--occurred", today, "--json"),
    )  # fmt: skip
    shape(
        r.DisputeDecided,
        run(db, "dispute", "decide", d, "--reviewer", "rongcheng-review-board", "--outcome",
            "upheld", "--reason", "clear photo", "--occurred", today, "--json"),
    )  # fmt: skip
    shape(
        r.DisputeStepRecorded,
        run(db, "dispute", "appeal", d, "--subject", PERSON, "--statement", "no",
            "--occurred", today, "--json"),
    )  # fmt: skip
    shape(r.TickDone, run(db, "tick", "--as-of", today, "--json"))

"""Subject access, who-looked, erasure and the transparency log on a real store."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from socialcredit.application import Actor, leaf_for
from socialcredit.core.errors import BadInput, Conflict, NotAllowed, NotFound
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.transparency.heads import (
    CONSISTENT,
    check_extension,
    head_from_json,
    verify_proof_document,
)
from socialcredit.transparency.merkle import MerkleLog
from tests.conftest import OP, raw_sql

P = "11010519491231002X"
Q = "110105198001010016"
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def rec(
    app,
    subject,
    rule="traffic-violation",
    day=date(2024, 1, 10),
    ref="t/1",
    authority="rongcheng-traffic-police",
):
    return app.records.record(
        OP, subject, "rongcheng", rule, authority=authority, evidence_ref=ref, occurred=day
    ).event


def test_access_export_misses_nothing_for_random_subjects(db_url, make_app) -> None:
    app = make_app()
    rng = random.Random(4)
    people = synthetic_resident_ids(30, 8)
    for p in people:
        app.records.add_subject(OP, p, "person", "Resident")
    for i in range(200):
        p = rng.choice(people)
        rule, auth = rng.choice(
            [
                ("traffic-violation", "rongcheng-traffic-police"),
                ("city-award", "rongcheng-credit-office"),
            ]
        )
        rec(
            app,
            p,
            rule,
            date(2023, 6, 1) + (date(2024, 5, 1) - date(2023, 6, 1)) * rng.random(),
            f"d/{i}",
            auth,
        )
    for p in rng.sample(people, 5):
        app.lists.check(Actor("airline-demo", "verifier", "ticket sale"), p, "flight")
    for p in people:
        with app.store.transaction() as conn:
            ledger = [e.id for e in app.store.events_for(conn, p)]
            access_before = len(app.store.access_for(conn, p))
        export = app.access.export(OP, p).model_dump(mode="json")
        assert [e["event"] for e in export["events"]] == ledger
        assert {
            "events",
            "list_entries",
            "reports",
            "decisions",
            "disputes",
            "access_records",
        } <= set(export)
        assert len(export["access_records"]) == access_before
        assert {r["scheme"] for r in export["reports"]} == {"rongcheng", "sesame", "village"}
        with app.store.transaction() as conn:
            decisions = [r for r in app.store.access_for(conn, p) if r["action"] == "decision"]
        assert len(export["decisions"]) == len(decisions)


def test_reads_need_a_purpose_except_for_the_subject(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    with pytest.raises(NotAllowed, match="stated purpose"):
        app.records.score(Actor.operator(" "), P, "rongcheng")
    app.records.score(Actor(f"subject:{P}", "subject", ""), P, "rongcheng")
    app.records.score(OP, P, "rongcheng")
    with app.store.transaction() as conn:
        rows = [
            (r["actor"], r["purpose"])
            for r in app.store.access_for(conn, P)
            if r["action"] == "score.read"
        ]
    assert rows == [(f"subject:{P}", "own record"), ("operator", "operator console")]


def test_disputing_someone_elses_item_looks_like_an_unknown_item(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, Q, "person", "Li Na")
    theirs = rec(app, Q)
    with pytest.raises(NotFound) as other:
        app.disputes.open(
            OP, theirs, subject=P, statement="x", evidence_ref=None, occurred=NOW.date()
        )
    with pytest.raises(NotFound) as missing:
        app.disputes.open(
            OP, 9999, subject=P, statement="x", evidence_ref=None, occurred=NOW.date()
        )
    assert str(other.value) == str(missing.value).replace("9999", str(theirs))


def test_decide_twice_and_after_the_deadline(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    e = rec(app, P, day=date(2024, 5, 20))
    d = app.disputes.open(OP, e, subject=P, statement="x", evidence_ref=None, occurred=NOW.date())
    app.disputes.decide(
        OP, d, reviewer="rongcheng-review-board", outcome="upheld", reason="ok", occurred=NOW.date()
    )
    with pytest.raises(Conflict, match="already decided"):
        app.disputes.decide(
            OP,
            d,
            reviewer="rongcheng-review-board",
            outcome="annulled",
            reason="again",
            occurred=NOW.date(),
        )
    with pytest.raises(NotAllowed, match="not a registered reviewer"):
        app.disputes.decide(
            OP,
            d,
            reviewer="rongcheng-traffic-police",
            outcome="annulled",
            reason="x",
            occurred=NOW.date(),
        )
    e2 = rec(app, P, ref="t/2", day=date(2024, 5, 21))
    d2 = app.disputes.open(OP, e2, subject=P, statement="x", evidence_ref=None, occurred=NOW.date())
    late = make_app(now=datetime(2024, 7, 2, tzinfo=UTC))
    before = late.integrity.verify()[0]
    with pytest.raises(Conflict, match="deadline"):
        late.disputes.decide(
            OP,
            d2,
            reviewer="rongcheng-review-board",
            outcome="upheld",
            reason="late",
            occurred=date(2024, 6, 15),
        )  # backdating is no help
    assert late.integrity.verify()[0] == before
    report = late.records.score(OP, P, "rongcheng", date(2024, 7, 2))
    assert e2 not in {ln.event for ln in report.lines}  # lapsed: annulled for the subject


def test_excusing_circumstance_and_amendment(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    fine = rec(app, P, "fine-unpaid", ref="f/1")
    d = app.disputes.open(
        OP,
        fine,
        subject=P,
        statement="in hospital",
        evidence_ref="discharge/1",
        occurred=NOW.date(),
    )
    with pytest.raises(BadInput, match="not an excusing circumstance"):
        app.disputes.decide(
            OP,
            d,
            reviewer="rongcheng-review-board",
            outcome="annulled",
            reason="x",
            occurred=NOW.date(),
            excuse="holiday",
        )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="annulled",
        reason="discharge letter checked",
        occurred=NOW.date(),
        excuse="hospitalisation",
    )
    assert app.records.score(OP, P, "rongcheng").score == 1000
    drunk = rec(app, P, "drunk-driving", ref="p/1")
    d2 = app.disputes.open(
        OP, drunk, subject=P, statement="only a ticket", evidence_ref=None, occurred=NOW.date()
    )
    ids = app.disputes.decide(
        OP,
        d2,
        reviewer="rongcheng-review-board",
        outcome="amended",
        reason="speeding, not drunk",
        occurred=NOW.date(),
        amend_rule="traffic-violation",
    )
    assert len(ids) == 3  # decision, reversal, corrected event
    report = app.records.score(OP, P, "rongcheng")
    assert (report.score, report.grade, report.capped) == (995, "A", False)
    assert app.integrity.verify()[1] is None


def test_erasure_makes_personal_data_unreadable_and_all_still_verifies(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, Q, "person", "Li Na")
    rec(app, P, day=date(2019, 1, 10))
    rec(app, Q, day=date(2024, 1, 10), ref="t/q")
    fields = {"incident": "smoking on a train", "place": "G123", "decision_number": "9"}
    entry = app.lists.propose(
        OP,
        P,
        "transport-misconduct",
        authority="rail-police",
        evidence_ref="d/1",
        occurred=date(2019, 2, 1),
        fields=fields,
    ).event
    app.lists.transition(
        OP, entry, "notify", authority="rail-police", evidence_ref="n/1", occurred=date(2019, 2, 2)
    )
    d = app.disputes.open(
        OP,
        entry,
        subject=P,
        statement="I was not on that train",
        evidence_ref=None,
        occurred=date(2019, 2, 3),
    )
    # Deadlines run from the recorded date (today), so it is decided today, not in 2019.
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="upheld",
        reason="inspector's report",
        occurred=NOW.date(),
    )
    assert app.access.export(OP, P).model_dump(mode="json")["list_entries"][0]["fields"] == fields
    head_before, _ = app.log.sign_head()
    result = app.upkeep.tick(OP, NOW.date())
    assert result.erased == 1  # P's records ended long ago; Q's ticket still counts
    export = app.access.export(OP, P).model_dump(mode="json")
    assert export["name"] == "[erased]"
    assert export["list_entries"][0]["fields"] == {}
    assert all(x["statement"] == "[erased]" for x in export["disputes"] if x["dispute"] == d)
    assert app.access.export(OP, Q).model_dump(mode="json")["name"] == "Li Na"
    assert app.integrity.verify()[1] is None
    head_json, proof = app.log.prove_inclusion(entry, sign=True)
    public = app.log.public_key()
    assert verify_proof_document(public, head_json, proof) == (True, "included")
    assert head_json["size"] > head_before.size
    _, consistency = app.log.prove_consistency(head_before.size, head_json["size"])
    verdict, _ = check_extension(public, head_before, head_from_json(head_json), consistency)
    assert verdict == CONSISTENT
    keys = raw_sql(db_url, "SELECT count(*) FROM subject_keys WHERE subject = :s", params={"s": P})
    assert keys[0][0] == 0
    # Erasure removes personal data, not rights: the erased subject stays a known
    # identifier; what is recorded afterwards is sealed under a fresh key, and the
    # subject can dispute items from before and after the erasure.
    later = app.lists.propose(
        OP,
        P,
        "transport-misconduct",
        authority="rail-police",
        evidence_ref="d/2",
        occurred=date(2024, 2, 1),
        fields=fields,
    ).event
    entries = {
        x["entry"]: x for x in app.access.export(OP, P).model_dump(mode="json")["list_entries"]
    }
    assert entries[later]["fields"] == fields
    assert all(x["fields"] == {} for k, x in entries.items() if k != later)
    old_item = min(entries)
    for item in (old_item, later):
        app.disputes.open(
            OP, item, subject=P, statement="not me", evidence_ref=None, occurred=NOW.date()
        )
    assert app.integrity.verify()[1] is None
    assert "Wang" not in str(raw_sql(db_url, "SELECT * FROM subjects"))


def test_log_matches_the_ledger(db_url, make_app) -> None:
    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    for i in range(9):
        rec(app, P, ref=f"t/{i}")
    head, _ = app.log.sign_head()
    with app.store.transaction() as conn:
        leaves = [leaf_for(i, h) for i, h in app.store.leaf_rows(conn)]
    # init chained the published documents; then one registration and nine events
    assert head.size == len(leaves) and MerkleLog(leaves).root() == head.root
    assert [e.type for e in app.records.history(OP, P)] == ["score"] * 9
    with pytest.raises(BadInput):
        app.log.prove_consistency(5, 99)  # no signed head of size 99
    with pytest.raises(BadInput):
        app.log.prove_consistency(head.size + 1)  # OLD beyond the signed head

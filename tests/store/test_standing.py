"""One standing: every path answers from ``core/standing.py``, on both stores.

Each test here reproduces a way the paths used to disagree (issue 10) and fails without
the one derivation: a lapsed dispute still denying a flight, a correction that counted
before its own date, aggregates that scored raw events, past answers that could not be
replayed, verifiers never told that a decision rested on a voided item.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from socialcredit.application import Actor, Application, maintenance
from socialcredit.cli import app as cli
from socialcredit.settings import Settings
from tests.conftest import OP, MovingClock

P = "11010519491231002X"
Q = "110105198001010016"
START = datetime(2024, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(db_url):
    clock = MovingClock(START)
    application = Application(Settings(db_url=db_url, clock=clock))
    application.documents.init(OP)
    application.records.add_subject(OP, P, "person", "Wang Wei")
    application.records.add_subject(OP, Q, "person", "Li Na")
    yield application, clock
    application.store.close()


def defaulter(application: Application, clock: MovingClock, subject: str = P) -> int:
    """A court-defaulter entry in effect (notice served, notice period run)."""
    entry = application.lists.propose(
        OP,
        subject,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="judgment/77",
        occurred=clock.now.date(),
        fields={
            "case_number": "77",
            "court": "Rongcheng",
            "judgment_date": "2024-05-01",
            "obligation": "pay",
        },
    ).event
    clock.advance(seconds=1)
    application.lists.transition(
        OP,
        entry,
        "notify",
        authority="rongcheng-people-court",
        evidence_ref="notice/77",
        occurred=clock.now.date(),
    )
    clock.advance(days=20)
    return entry


def flight(application: Application, subject: str = P, **kw):
    return application.lists.check(
        Actor("airline-demo", "verifier", "ticket sale"), subject, "flight", **kw
    )


def test_a_lapsed_dispute_allows_the_flight_without_tick(world) -> None:
    """The headline bug: the record said annulled while the airline was told deny."""
    application, clock = world
    entry = defaulter(application, clock)
    assert flight(application).decision == "deny"
    application.disputes.open(
        OP, entry, subject=P, statement="I paid", evidence_ref=None, occurred=clock.now.date()
    )
    clock.advance(days=31)  # the reviewer never decides; nobody runs tick
    record = application.access.export(OP, P).model_dump(mode="json")
    assert record["list_entries"][0]["status"] == "annulled"
    decision = flight(application)
    assert decision.decision == "allow", decision
    # Voided from the start: asked now about a day when the entry was in effect, it
    # never restricted anyone.
    assert flight(application, as_of=(START + timedelta(days=21)).date()).decision == "allow"
    # Asked as known before the deadline, the answer was deny (a replay, not a decision).
    before = clock.now - timedelta(days=2)
    assert flight(application, known_at=before).decision == "deny"


def test_aggregates_and_batch_export_see_what_the_record_sees(world) -> None:
    application, clock = world
    tickets = [
        application.records.record(
            OP,
            P,
            "rongcheng",
            "drunk-driving",
            authority="rongcheng-traffic-police",
            evidence_ref=f"t/{i}",
            occurred=clock.now.date(),
        ).event
        for i in range(2)
    ]
    clock.advance(seconds=1)
    for item in tickets:
        application.disputes.open(
            OP, item, subject=P, statement="not me", evidence_ref=None, occurred=clock.now.date()
        )
    application.records.correct(
        OP, tickets[1], reason="wrong person", authority="rongcheng-traffic-police"
    )
    clock.advance(days=40)
    mine = application.records.score(OP, P, "rongcheng")
    assert mine.score == 1000 and not mine.lines
    dist = application.batch.grade_distribution(OP, "rongcheng")
    assert dist == {mine.grade: 2}
    events, _ = application.batch.batch_input(OP, "rongcheng", clock.now.date())
    voided = {target for (_, _, _, _, target) in events if target is not None}
    assert voided == set(tickets)


def test_replaying_every_recorded_decision_gives_the_same_answer(world) -> None:
    application, clock = world
    entry = defaulter(application, clock)
    t = application.records.record(
        OP,
        Q,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=clock.now.date(),
    ).event
    given = []
    for step in range(6):
        clock.advance(hours=7)
        for who in (P, Q):
            for service in ("flight", "bike-rental-deposit-free"):
                verifier = "airline-demo" if service == "flight" else "bike-demo"
                d = application.lists.check(
                    Actor(verifier, "verifier", "sale"), who, service, as_of=clock.now.date()
                )
                given.append((who, service, verifier, clock.now, d))
        clock.advance(seconds=1)  # what follows is recorded after those answers
        if step == 1:
            application.disputes.open(
                OP, entry, subject=P, statement="paid", evidence_ref=None, occurred=clock.now.date()
            )
        if step == 3:
            application.disputes.decide(
                OP,
                application.disputes.queue(OP)[0].dispute,
                reviewer="rongcheng-review-board",
                outcome="annulled",
                reason="receipt shown",
                occurred=clock.now.date(),
            )
            application.records.correct(
                OP, t, reason="wrong car", authority="rongcheng-traffic-police"
            )
    assert {d.decision for *_, d in given} >= {"deny", "allow"}
    clock.advance(days=3)
    for who, service, verifier, at, d in given:
        again = application.lists.check(
            Actor(verifier, "verifier", "replay"), who, service, as_of=d.as_of, known_at=at
        )
        assert (again.decision, [r.code for r in again.reasons]) == (
            d.decision,
            [r.code for r in d.reasons],
        )
    with application.store.transaction() as conn:
        actions = [r["action"] for r in application.store.access_for(conn, P)]
    assert actions.count("decision") == 12 and actions.count("decision.replay") == 12


def test_a_verifier_told_deny_is_told_again_when_the_entry_is_voided(world) -> None:
    application, clock = world
    entry = defaulter(application, clock)
    assert flight(application).decision == "deny"
    application.lists.check(Actor("bike-demo", "verifier", "rental"), P, "bike-rental-deposit-free")
    clock.advance(seconds=1)
    dispute = application.disputes.open(
        OP, entry, subject=P, statement="paid", evidence_ref=None, occurred=clock.now.date()
    )
    clock.advance(days=1)
    application.disputes.decide(
        OP,
        dispute,
        reviewer="rongcheng-review-board",
        outcome="annulled",
        reason="receipt shown",
        occurred=clock.now.date(),
    )
    notes = application.notices.read(OP, "airline-demo")
    assert len(notes) == 1
    assert notes[0].item == entry and notes[0].verifier == "airline-demo"
    assert "voided" in (notes[0].reason or "") and notes[0].service == "flight"
    assert application.notices.read(OP, "bike-demo") == []  # its answer did not rest on the entry
    assert [
        n["notice"] for n in application.access.export(OP, P).model_dump(mode="json")["notices"]
    ] == [notes[0].notice]
    assert application.integrity.verify()[1] is None


def test_a_lapse_written_by_tick_notifies_and_serve_maintenance_runs_it(world, db_url) -> None:
    application, clock = world
    entry = defaulter(application, clock)
    flight(application)
    application.disputes.open(
        OP, entry, subject=P, statement="paid", evidence_ref=None, occurred=clock.now.date()
    )
    clock.advance(days=31)
    said: list[str] = []
    stop = maintenance.start(application.settings, every=3600, report=said.append)
    stop.set()
    assert said == ["maintenance: 1 lapsed dispute(s) written, 0 erasure(s)"]
    assert len(application.notices.read(OP, "airline-demo")) == 1
    assert maintenance.run_tick(application.settings).lapsed == 0  # idempotent


def test_cli_known_at_and_notices_bad_input(world, db_url) -> None:
    runner = CliRunner()
    future = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    for argv, needle in (
        (["score", P, "--scheme", "rongcheng", "--as-known-on", future], "in the future"),
        (["score", P, "--scheme", "rongcheng", "--as-known-on", "yesterday"], "not an ISO"),
        (
            [
                "check",
                P,
                "--service",
                "flight",
                "--verifier",
                "airline-demo",
                "--purpose",
                "x",
                "--as-known-on",
                "2024-13-01",
            ],
            "not an ISO",
        ),
        (["notices", "--verifier", "no-such-airline"], "unknown verifier"),
    ):
        application, _ = world
        with application.store.transaction() as conn:
            before = len(application.store.access_for(conn, P))
        res = runner.invoke(cli, ["--db", db_url, *argv])
        assert res.exit_code == 2, res.output
        assert needle in res.stderr and "Traceback" not in res.output
        with application.store.transaction() as conn:
            assert len(application.store.access_for(conn, P)) == before
    res = runner.invoke(cli, ["--db", db_url, "notices", "--verifier", "airline-demo", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout) == {"notices": []}


def test_a_scheme_for_other_subjects_is_refused(world) -> None:
    application, _ = world
    from socialcredit.core.errors import BadInput

    with pytest.raises(BadInput, match="organisations"):
        application.records.score(OP, P, "enterprise", date(2024, 6, 1))


def test_evidence_is_hashed_by_the_application(world) -> None:
    """Every adapter gets the same hashing: the content's SHA-256, checked if stated."""
    import hashlib

    from socialcredit.core.errors import BadInput

    application, clock = world
    content = b"ticket RC-1 photo"
    args = {
        "authority": "rongcheng-traffic-police",
        "evidence_ref": "ticket/RC-1",
        "occurred": clock.now.date(),
    }
    with pytest.raises(BadInput, match="does not match"):
        application.records.record(
            OP,
            P,
            "rongcheng",
            "traffic-violation",
            evidence_sha256="0" * 64,
            evidence_content=content,
            **args,
        )
    done = application.records.record(
        OP, P, "rongcheng", "traffic-violation", evidence_content=content, **args
    )
    assert done.evidence_sha256 == hashlib.sha256(content).hexdigest()
    with application.store.transaction() as conn:
        stored = application.store.get_event(conn, done.event)
    assert stored is not None and stored.evidence_sha256 == done.evidence_sha256

"""Credit repair stories (issue 14, item 1) on both stores, with an injected clock.

NDRC Order No. 58: repair may be applied for after the severity's minimum period once
the obligations are met; the authority decides by a deadline, or the repair is granted
for the subject; a granted repair ends the item early (it counted before).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from socialcredit.application import Actor, Application
from socialcredit.cli import app as cli
from socialcredit.core.errors import BadInput, Conflict, NotAllowed, NotFound
from socialcredit.settings import Settings
from tests.conftest import OP, MovingClock

P = "11010519491231002X"
Q = "110105198001010016"
START = datetime(2024, 1, 8, 10, tzinfo=UTC)  # a Monday


@pytest.fixture
def world(db_url):
    clock = MovingClock(START)
    application = Application(Settings(db_url=db_url, clock=clock))
    application.documents.init(OP)
    application.records.add_subject(OP, P, "person", "Wang Wei")
    application.records.add_subject(OP, Q, "person", "Li Na")
    judgment = application.records.record(
        OP,
        P,
        "rongcheng",
        "court-judgment-defaulted",
        authority="rongcheng-people-court",
        evidence_ref="judgment/9",
        occurred=START.date(),
    ).event
    yield application, clock, judgment
    application.store.close()


def apply(application, item, day, subject=P, **kw):
    args = {"statement": "paid in full; I commit to keep my obligations", "evidence_ref": "r/9"}
    args.update(kw)
    return application.repairs.apply(OP, item, subject=subject, occurred=day, **args)


def test_paid_judgment_points_end_early_once_repair_is_granted(world) -> None:
    application, clock, judgment = world
    assert application.records.score(OP, P, "rongcheng").score == 950
    # The catalogue makes an unfulfilled judgment serious: a year must run first.
    with pytest.raises(Conflict, match="from 2025-01-08"):
        apply(application, judgment, clock.advance(days=100).date())
    day = clock.advance(days=267).date()  # 2025-01-09, a Thursday
    applied = apply(application, judgment, day)
    assert applied.severity == "serious" and applied.decide_by == date(2025, 1, 16)
    granted_on = clock.advance(days=1).date()
    application.repairs.decide(
        OP,
        applied.repair,
        authority="rongcheng-people-court",
        outcome="granted",
        reason="obligation fulfilled",
        occurred=granted_on,
    )
    assert application.records.score(OP, P, "rongcheng").score == 1000
    # ending early, not voiding: the points counted before the grant
    before = application.records.score(OP, P, "rongcheng", granted_on - timedelta(days=1))
    assert before.score == 950
    why = next(
        x.why for x in application.records.score(OP, P, "rongcheng").excluded if x.event == judgment
    )
    assert f"repair {applied.repair}" in why
    with pytest.raises(Conflict, match="already decided"):
        application.repairs.decide(
            OP,
            applied.repair,
            authority="rongcheng-people-court",
            outcome="refused",
            reason="again",
            occurred=granted_on,
        )
    assert application.integrity.verify()[1] is None


def test_an_undecided_repair_is_granted_at_its_deadline(world) -> None:
    application, clock, judgment = world
    applied = apply(application, judgment, clock.advance(days=370).date())
    clock.advance(days=7).date()  # five business days have passed; nobody decided
    state, today = application.repairs.show(OP, applied.repair)
    assert state.status(today) == "granted-by-deadline"
    assert application.records.score(OP, P, "rongcheng").score == 1000
    with pytest.raises(Conflict, match="deadline"):
        application.repairs.decide(
            OP,
            applied.repair,
            authority="rongcheng-people-court",
            outcome="refused",
            reason="too late",
            occurred=clock.now.date(),
        )


def test_a_refusal_says_why_and_when_to_apply_again(world) -> None:
    application, clock, judgment = world
    applied = apply(application, judgment, clock.advance(days=370).date())
    day = clock.advance(days=1).date()
    application.repairs.decide(
        OP,
        applied.repair,
        authority="rongcheng-people-court",
        outcome="refused",
        reason="the judgment is not yet paid",
        occurred=day,
    )
    state, today = application.repairs.show(OP, applied.repair)
    assert state.status(today) == "refused" and state.reason == "the judgment is not yet paid"
    assert state.again_from == day + timedelta(days=30)
    with pytest.raises(Conflict, match="apply again from"):
        apply(application, judgment, clock.advance(days=5).date())
    clock.advance(days=30).date()
    assert apply(application, judgment, clock.now.date()).repair > applied.repair
    assert application.records.score(OP, P, "rongcheng").score == 950  # pending: still counts


def test_bad_applications_change_nothing(world) -> None:
    application, clock, judgment = world
    day = clock.advance(days=370).date()
    with application.store.transaction() as conn:
        before = application.store.count(conn, "events")
    with pytest.raises(NotFound):
        apply(application, judgment, day, subject=Q)  # not Q's item: same as unknown
    with pytest.raises(NotFound):
        apply(application, 10**9, day)
    with pytest.raises(BadInput, match="evidence"):
        apply(application, judgment, day, evidence_ref=None)
    with pytest.raises(BadInput, match="statement"):
        apply(application, judgment, day, statement=" ")
    award = application.records.record(
        OP,
        P,
        "rongcheng",
        "city-award",
        authority="rongcheng-credit-office",
        evidence_ref="a/1",
        occurred=day,
    ).event
    with pytest.raises(BadInput, match="not negative"):
        apply(application, award, day)
    applied = apply(application, judgment, day)
    with pytest.raises(NotAllowed):
        application.repairs.decide(
            OP,
            applied.repair,
            authority="rongcheng-traffic-police",
            outcome="granted",
            reason="x",
            occurred=day,
        )
    with application.store.transaction() as conn:
        assert application.store.count(conn, "events") == before + 2  # the award, the repair


def test_a_serious_list_entry_waits_a_year_then_ends_early(world) -> None:
    application, clock, _ = world
    entry = application.lists.propose(
        OP,
        P,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="judgment/77",
        occurred=clock.now.date(),
        fields={
            "case_number": "77",
            "court": "Rongcheng",
            "judgment_date": "2023-12-01",
            "obligation": "pay",
        },
    ).event
    application.lists.transition(
        OP,
        entry,
        "notify",
        authority="rongcheng-people-court",
        evidence_ref="n/77",
        occurred=clock.now.date(),
    )
    with pytest.raises(Conflict, match="serious"):
        apply(application, entry, clock.advance(days=200).date())
    applied = apply(application, entry, clock.advance(days=200).date())
    assert applied.severity == "serious"
    day = clock.advance(days=1).date()
    application.repairs.decide(
        OP,
        applied.repair,
        authority="rongcheng-people-court",
        outcome="granted",
        reason="paid",
        occurred=day,
    )
    flight = application.lists.check(Actor("airline-demo", "verifier", "sale"), P, "flight")
    assert flight.decision == "allow"
    earlier = application.lists.check(
        Actor("airline-demo", "verifier", "sale"), P, "flight", as_of=day - timedelta(days=1)
    )
    assert earlier.decision == "deny"


def test_repair_through_the_cli(world, db_url) -> None:

    application, _, judgment = world
    runner = CliRunner()
    too_early = runner.invoke(
        cli,
        [
            "--db",
            db_url,
            "repair",
            "apply",
            str(judgment),
            "--subject",
            P,
            "--statement",
            "paid",
            "--evidence",
            "r/1",
            "--occurred",
            "2024-01-09",
        ],
    )
    assert too_early.exit_code == 2 and "from 2025-01-08" in too_early.stderr
    with application.store.transaction() as conn:
        assert not [e for e in application.store.events_for(conn, P) if e.type.startswith("rep")]
    res = runner.invoke(cli, ["--db", db_url, "repair", "show", "999999", "--json"])
    assert res.exit_code == 2 and "unknown repair" in res.output


def test_what_changes_when(world) -> None:
    """The resident sees when the grade comes back, and what a repair would change."""
    application, _, judgment = world
    application.records.record(
        OP,
        P,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=START.date(),
    )
    report = application.repairs.score_with_changes(OP, P, "rongcheng")
    assert report.score == 945
    assert [(c["on"], c["score"]) for c in report.changes] == [
        ("2025-01-08", 950),  # the ticket ends after a year
        ("2027-01-08", 1000),  # the judgment after three
    ]
    (judged,) = [w for w in report.if_ended_today if w["item"] == judgment]
    assert judged["score"] == 995 and judged["repair_from"] == "2025-01-08"
    export = application.access.export(OP, P).model_dump(mode="json")
    (mine,) = [r for r in export["reports"] if r["scheme"] == "rongcheng"]
    assert mine["changes"] == report.changes


def test_a_repair_and_a_dispute_find_the_subjects_own_item_alike(world) -> None:
    """Both look the item up one way (``application/own.py``): another's item and no
    item are one answer, in the same words, for either use case; nothing is written."""
    application, clock, judgment = world
    day = clock.advance(days=370).date()
    with application.store.transaction() as conn:
        before = application.store.count(conn, "events")

    def refusal(call) -> str:
        with pytest.raises(NotFound) as caught:
            call()
        return caught.value.message

    def dispute(item, subject):
        return application.disputes.open(
            OP, item, subject=subject, statement="not mine", evidence_ref=None, occurred=day
        )

    missing = 10**9
    for use in (dispute, lambda item, subject: apply(application, item, day, subject=subject)):
        theirs = refusal(lambda use=use: use(judgment, Q))
        nothing = refusal(lambda use=use: use(missing, Q))
        assert theirs.replace(str(judgment), "N") == nothing.replace(str(missing), "N")
        assert theirs == f"unknown item {judgment} for subject {Q}"
        assert "not registered" in refusal(lambda use=use: use(judgment, "110105197001010011"))
    with application.store.transaction() as conn:
        assert application.store.count(conn, "events") == before

"""The list story on a real SQLite file, from proposal to the verifier's answer."""

from __future__ import annotations

import json
from datetime import date

import pytest

from socialcredit.application import Actor
from socialcredit.core.errors import BadInput, Conflict, NotAllowed, NotFound
from tests.conftest import OP

P = "11010519491231002X"
ORG = "91350100M000100Y43"
FIELDS = {
    "case_number": "(2024) Lu 1082 Zhi 77",
    "court": "Rongcheng People's Court",
    "judgment_date": "2024-01-01",
    "obligation": "pay 20,000 yuan",
}
COURT = "rongcheng-people-court"


@pytest.fixture
def listed(app):
    app.records.add_subject(OP, P, "person", "Wang Wei")
    r = app.lists.propose(
        OP,
        P,
        "court-defaulters",
        authority=COURT,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields=FIELDS,
    )
    return r.event


def counts(app):
    with app.store.transaction() as conn:
        return app.store.count(conn, "events"), app.store.count(conn, "access_log")


def decisions(app):
    with app.store.transaction() as conn:
        return [r for r in app.store.access_for(conn, P) if r["action"] == "decision"]


def ask(app, service="flight", verifier="airline-demo", as_of=date(2024, 5, 1)):
    return app.lists.check(Actor(verifier, "verifier", "ticket sale"), P, service, as_of=as_of)


def test_the_whole_story(app, listed) -> None:
    assert ask(app).decision == "allow"  # proposed only: nothing restricted yet
    app.lists.transition(
        OP, listed, "notify", authority=COURT, evidence_ref="notice/1", occurred=date(2024, 3, 5)
    )
    assert ask(app, as_of=date(2024, 3, 10)).decision == "allow"  # within the 10-day notice
    d = ask(app, as_of=date(2024, 3, 15))
    assert d.decision == "deny"
    (reason,) = d.reasons
    assert reason.code == "deny:court-defaulters-high-consumption"
    assert reason.until == date(2026, 3, 15) and "fulfil the obligation" in reason.remedy
    assert ask(app, "high-speed-rail", "rail-demo", date(2024, 3, 15)).decision == "deny"
    assert ask(app, "bike-rental-deposit-free", "bike-demo", date(2024, 3, 15)).decision == "allow"
    ids = app.lists.transition(
        OP, listed, "remedy", authority=COURT, evidence_ref="receipt/1", occurred=date(2024, 4, 1)
    )
    assert len(ids) == 2  # remedied and removed, one transaction
    assert ask(app, as_of=date(2024, 4, 1)).decision == "allow"
    assert app.integrity.verify()[1] is None
    (state,) = app.lists.entries(OP, P)
    assert state.status(date(2024, 4, 1)) == "removed"


def test_every_check_is_recorded_without_the_record(app, listed) -> None:
    ask(app)
    ask(app, "high-speed-rail", "rail-demo")
    rows = decisions(app)
    assert len(rows) == 2
    assert rows[0]["actor"] == "airline-demo" and rows[0]["purpose"] == "ticket sale"
    detail = json.loads(rows[0]["detail"])
    assert set(detail) == {"service", "as_of", "decision", "reasons", "basis"}
    # The basis is ledger item ids only (to tell the verifier again if one is voided).
    assert all(isinstance(i, int) for ids in detail["basis"].values() for i in ids)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"service": "spaceflight"}, NotFound, "unknown service"),
        ({"verifier": "nobody"}, NotFound, "unknown verifier"),
        ({"verifier": "bike-demo"}, NotAllowed, "not registered for service 'flight'"),
        ({"purpose": None}, BadInput, "purpose"),
        ({"purpose": "   "}, BadInput, "purpose"),
    ],
)
def test_refused_checks_record_nothing(app, listed, kwargs, error, message) -> None:
    args = {"service": "flight", "verifier": "airline-demo", "purpose": "ticket sale"}
    args.update(kwargs)
    before = counts(app)
    with pytest.raises(error, match=message):
        app.lists.check(Actor(args["verifier"], "verifier", args["purpose"]), P, args["service"])
    assert counts(app) == before


@pytest.mark.parametrize(
    ("step", "kwargs", "error", "message"),
    [
        ("remedy", {}, Conflict, "only a notified or in-effect entry"),
        ("notify", {"evidence_ref": None}, BadInput, "requires evidence"),
        ("notify", {"authority": "rail-police"}, NotAllowed, "may not maintain"),
        ("notify", {"occurred": date(2024, 2, 1)}, BadInput, "cannot predate"),
        ("notify", {"occurred": date(2099, 1, 1)}, BadInput, "in the future"),
    ],
)
def test_bad_transitions_change_nothing(app, listed, step, kwargs, error, message) -> None:
    args = {"authority": COURT, "evidence_ref": "doc/1", "occurred": date(2024, 3, 5)}
    args.update(kwargs)
    before = counts(app)
    with pytest.raises(error, match=message):
        app.lists.transition(OP, listed, step, **args)
    assert counts(app) == before and app.integrity.verify()[1] is None


def test_bad_proposals(app, listed) -> None:
    before = counts(app)
    base = {
        "authority": COURT,
        "evidence_ref": "j/2",
        "occurred": date(2024, 3, 1),
        "fields": FIELDS,
    }
    with pytest.raises(NotFound, match="unknown list"):
        app.lists.propose(OP, P, "nowhere", **base)
    with pytest.raises(BadInput, match="must carry"):
        app.lists.propose(OP, P, "court-defaulters", **{**base, "fields": {"court": "x"}})
    with pytest.raises(NotFound, match="unknown list entry"):
        app.lists.transition(
            OP, 999, "notify", authority=COURT, evidence_ref="n", occurred=date(2024, 3, 5)
        )
    with pytest.raises(BadInput, match="holds organisations"):
        app.lists.propose(
            OP,
            P,
            "tax-arrears",
            authority="rongcheng-tax-bureau",
            evidence_ref="t",
            occurred=date(2024, 3, 1),
            fields={"tax_notice": "1", "amount_due": "2", "due_date": "3"},
        )
    assert counts(app) == before
    again = app.lists.propose(
        OP,
        P,
        "court-defaulters",
        authority=COURT,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields=FIELDS,
    )
    assert (again.event, again.created) == (listed, False)


def test_transport_list_has_no_notice_and_ends_within_a_year(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    e = app.lists.propose(
        OP,
        P,
        "transport-misconduct",
        authority="rail-police",
        evidence_ref="d/1",
        occurred=date(2024, 1, 1),
        fields={"incident": "smoking on a train", "place": "G123", "decision_number": "9"},
    )
    app.lists.transition(
        OP,
        e.event,
        "notify",
        authority="rail-police",
        evidence_ref="n/1",
        occurred=date(2024, 1, 2),
    )
    assert ask(app, "high-speed-rail", "rail-demo", date(2024, 1, 2)).decision == "deny"
    assert ask(app, "high-speed-rail", "rail-demo", date(2025, 1, 1)).decision == "deny"
    assert ask(app, "high-speed-rail", "rail-demo", date(2025, 1, 2)).decision == "allow"
    assert ask(app, "luxury-hotel", "hotel-demo", date(2024, 6, 1)).decision == "allow"


def test_grade_and_threshold_benefits(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    for i, day in enumerate([date(2024, 1, 1), date(2024, 2, 1)]):
        app.records.record(
            OP,
            P,
            "rongcheng",
            "city-award",
            authority="rongcheng-credit-office",
            evidence_ref=f"award/{i}",
            occurred=day,
        )
    d = ask(app, "bike-rental-deposit-free", "bike-demo", date(2024, 5, 1))
    assert d.decision == "benefit" and d.reasons[0].code == "benefit:rongcheng-aaa-bike"


def test_honour_roll_board_needs_consent(app) -> None:
    from socialcredit.core.lists import public_board

    app.records.add_subject(OP, ORG, "organisation", "Harbour Foods Co.")
    e = app.lists.propose(
        OP,
        ORG,
        "honour-roll",
        authority="rongcheng-credit-office",
        evidence_ref="award/9",
        occurred=date(2024, 1, 1),
        fields={"citation": "exemplary business"},
    )
    app.lists.transition(
        OP,
        e.event,
        "notify",
        authority="rongcheng-credit-office",
        evidence_ref="letter/9",
        occurred=date(2024, 1, 2),
    )
    d = app.lists.check(
        Actor("procurement-demo", "verifier", "tender 2024-17"),
        ORG,
        "public-tender-fast-track",
        as_of=date(2024, 3, 1),
    )
    assert d.decision == "benefit"
    honour = app.lists.registry().lists["honour-roll"]
    assert public_board(app.lists.entries(OP, ORG), honour, date(2024, 3, 1)) == []
    with pytest.raises(NotFound, match="unknown list entry"):  # no existence oracle
        app.lists.consent(OP, e.event, P, True, date(2024, 1, 3))
    app.lists.consent(OP, e.event, ORG, True, date(2024, 1, 3))
    assert len(public_board(app.lists.entries(OP, ORG), honour, date(2024, 3, 1))) == 1

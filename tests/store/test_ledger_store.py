"""The ledger on a real SQLite file: append-only, chained, idempotent, explained."""

from __future__ import annotations

from datetime import date

import pytest

from socialcredit.core.errors import BadInput, Conflict, NotAllowed, NotFound
from tests.conftest import OP, drop_append_only, raw_sql

PERSON = "11010519491231002X"
ORG = "91350100M000100Y43"


def _record(app, rule="traffic-violation", occurred=date(2024, 1, 10), **kw):
    args = {
        "authority": "rongcheng-traffic-police",
        "evidence_ref": "ticket/1",
        "occurred": occurred,
    }
    args.update(kw)
    return app.records.record(OP, PERSON, "rongcheng", rule, **args)


@pytest.fixture
def person(app):
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    return PERSON


def _count(app, table="events"):
    """Rows of a table; for events, conduct entries only (not the chain-only ones)."""
    with app.store.transaction() as conn:
        if table == "events":
            return len(app.store.events_for(conn, PERSON))
        return app.store.count(conn, table)


def test_record_and_score_with_explanation(app, person) -> None:
    first = _record(app)
    assert first.created
    report = app.records.score(OP, person, "rongcheng", date(2024, 6, 1))
    assert (report.score, report.grade) == (995, "A")
    (line,) = report.lines
    assert line.event == first.event and line.points == -5
    assert line.ends == date(2025, 1, 10) and line.authority == "rongcheng-traffic-police"
    assert line.evidence == "ticket/1"


def test_resubmission_returns_the_existing_event(app, person) -> None:
    a = _record(app)
    before = _count(app)
    b = _record(app)
    assert (b.event, b.created) == (a.event, False)
    assert _count(app) == before


def test_events_table_refuses_update_and_delete(app, person) -> None:
    _record(app)
    for sql in ("UPDATE events SET points = 100", "DELETE FROM events"):
        with pytest.raises(BadInput, match="append-only"), app.store.transaction() as conn:
            conn.exec_driver_sql(sql)
    assert _count(app) == 1


def test_tampering_is_detected_and_names_the_entry(app, person, db_url) -> None:
    ids = [_record(app, evidence_ref=f"ticket/{i}").event for i in range(5)]
    n, problem = app.integrity.verify()
    assert (n, problem) == (ids[-1], None)
    raw_sql(
        db_url,
        *drop_append_only(db_url, "events"),
        f"UPDATE events SET points = 50 WHERE id = {ids[2]}",
    )
    n, problem = app.integrity.verify()
    assert problem is not None and problem.event_id == ids[2]
    assert f"entry {ids[2]}" in problem.message and problem.table == "events"


def test_correction_reverses_exactly_once_with_a_reason(app, person) -> None:
    a = _record(app)
    with pytest.raises(BadInput, match="reason"):
        app.records.correct(OP, a.event, reason=" ", authority="rongcheng-traffic-police")
    with pytest.raises(NotAllowed):
        app.records.correct(OP, a.event, reason="wrong plate", authority="rongcheng-credit-office")
    rev = app.records.correct(
        OP,
        a.event,
        reason="wrong plate",
        authority="rongcheng-traffic-police",
        occurred=date(2024, 2, 1),
    )
    with pytest.raises(Conflict, match="already reversed"):
        app.records.correct(OP, a.event, reason="again", authority="rongcheng-traffic-police")
    report = app.records.score(OP, person, "rongcheng", date(2024, 6, 1))
    assert report.score == 1000
    assert any(f"corrected by entry {rev}" in x.why for x in report.excluded)
    # A record that was wrong was wrong from the start: a day before the correction
    # (and on the day of the event itself) it does not count either.
    for day in (date(2024, 1, 31), date(2024, 1, 10)):
        early = app.records.score(OP, person, "rongcheng", day)
        assert early.score == 1000 and a.event not in {ln.event for ln in early.lines}
    assert app.integrity.verify()[1] is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"rule": "no-such-rule"}, NotFound, "unknown rule 'no-such-rule'"),
        ({"authority": "rongcheng-credit-office"}, NotAllowed, "may not issue"),
        ({"authority": "nobody"}, NotFound, "unknown authority"),
        ({"evidence_ref": None}, BadInput, "requires evidence"),
        ({"evidence_ref": "  "}, BadInput, "requires evidence"),
        ({"occurred": date(2030, 1, 1)}, BadInput, "in the future"),
        ({"occurred": date(2013, 12, 31)}, BadInput, "before scheme 'rongcheng' took effect"),
        ({"evidence_kind": "selfie"}, BadInput, "does not satisfy"),
        ({"evidence_sha256": "abc"}, BadInput, "64 hexadecimal"),
    ],
)
def test_bad_submissions_change_nothing(app, person, kwargs, error, message) -> None:
    _record(app, evidence_ref="ticket/ok")
    before = (_count(app), _count(app, "access_log"))
    with pytest.raises(error, match=message):
        _record(app, **kwargs)
    assert (_count(app), _count(app, "access_log")) == before
    assert app.integrity.verify()[1] is None


def test_unknown_scheme_and_unregistered_subject(app, person) -> None:
    with pytest.raises(NotFound, match="unknown scheme"):
        app.records.record(
            OP, PERSON, "nowhere", "x", authority="a", evidence_ref="e", occurred=date(2024, 1, 1)
        )
    with pytest.raises(NotFound, match="not registered"):
        app.records.record(
            OP,
            "110105198001010016",
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref="e",
            occurred=date(2024, 1, 1),
        )


def test_wrong_subject_kind_for_scheme(app, person) -> None:
    app.records.add_subject(OP, ORG, "organisation", "Harbour Foods Co.")
    with pytest.raises(BadInput, match="applies to persons only"):
        app.records.record(
            OP,
            ORG,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref="e",
            occurred=date(2024, 1, 1),
        )
    ok = app.records.record(
        OP,
        ORG,
        "enterprise",
        "tax-arrears",
        authority="rongcheng-tax-bureau",
        evidence_ref="notice/9",
        occurred=date(2024, 1, 1),
    )
    assert ok.created


def test_reads_leave_access_records(app, person) -> None:
    _record(app)
    app.records.score(OP, person, "rongcheng")
    app.records.history(OP, person)
    with app.store.transaction() as conn:
        actions = [r["action"] for r in app.store.access_for(conn, person)]
    assert actions == ["subject.register", "event.record", "score.read", "history.read"]


def test_bulk_recording_validates_every_item_and_is_all_or_nothing(app, person) -> None:
    items = [
        {
            "subject": PERSON,
            "scheme": "rongcheng",
            "rule": "volunteer-service",
            "authority": "rongcheng-credit-office",
            "evidence_ref": f"cert/{i}",
            "occurred": date(2024, 1, 1 + i),
        }
        for i in range(10)
    ]
    bad = dict(items[3], rule="bogus")
    with pytest.raises(NotFound, match="item 3"):
        app.records.record_many(OP, [*items[:3], bad, *items[4:]])
    assert _count(app) == 0
    result = app.records.record_many(OP, items + items[:2])
    assert (result.created, result.existing) == (10, 2)
    assert _count(app) == 10 and app.integrity.verify()[1] is None


def test_init_is_idempotent_and_rejects_changed_versions(app) -> None:
    again = app.documents.init(OP)
    assert again.published == [] and len(again.already) >= 4
    book = app.documents.rulebook("rongcheng")[0]
    with pytest.raises(BadInput, match="already published with different content"):
        app.documents.publish(
            OP, book.source.replace("Traffic violation with a ticket", "Traffic ticket")
        )

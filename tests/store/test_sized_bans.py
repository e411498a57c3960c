"""Bans sized to the offence, and the two lists of issue 14, on both stores.

A first disruption on a train is banned 180 days, a repeat within two years the full
year; an annulled earlier entry makes no repeat; an entry proposed under the 2018
version keeps its year. Unpaid fines restrict travel (a month, three for a repeat);
employers in social-insurance arrears are kept out of public tenders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from socialcredit.application import Actor, Application
from socialcredit.application.base import packaged_rulebooks
from socialcredit.core.errors import BadInput, NotAllowed
from socialcredit.settings import Settings
from tests.conftest import OP

P = "11010519491231002X"
ORG = "91350100M000100Y43"
NOW = datetime(2027, 9, 1, tzinfo=UTC)
RAIL = "rail-police"
TRANSPORT = {"incident": "smoking on G123", "place": "Jinan", "decision_number": "JN-1"}
FINE = {"penalty_decision": "RC-2027-9", "amount_due": "200 yuan", "due_date": "2027-02-01"}
ARREARS = {"order_to_pay": "SI-77", "amount_due": "48,000 yuan", "due_date": "2027-01-31"}
NEW_FILES = {
    "catalogue-2027.toml",
    "measures-2027.toml",
    "list-transport-misconduct-2027.toml",
    "list-unpaid-fines.toml",
    "list-social-insurance-arrears.toml",
    "memo-fines-and-social-insurance.toml",
}


def counts(app):
    with app.store.transaction() as conn:
        return app.store.count(conn, "events"), app.store.count(conn, "access_log")


def listed(app, list_id, subject, authority, fields, day, severity=None, notify=True, conduct=None):
    r = app.lists.propose(
        OP,
        subject,
        list_id,
        authority=authority,
        evidence_ref=f"decision/{day}",
        occurred=day,
        fields=fields,
        severity=severity,
        conduct=conduct,
    )
    if notify:
        app.lists.transition(
            OP, r.event, "notify", authority=authority, evidence_ref="notice", occurred=day
        )
    return r.event


def entry(app, subject, ident):
    return next(e for e in app.lists.entries(OP, subject) if e.entry == ident)


def ask(app, service, verifier, as_of, subject=P):
    return app.lists.check(
        Actor(verifier, "verifier", "sale"), subject, service, as_of=as_of
    ).decision


def test_first_offence_180_days_repeat_a_year(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    first = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 1, 10))
    e = entry(app, P, first)
    assert (e.max_end, e.offence) == (date(2027, 7, 9), 1)  # 180 days, not a year
    assert ask(app, "high-speed-rail", "rail-demo", date(2027, 7, 8)) == "deny"
    assert ask(app, "high-speed-rail", "rail-demo", date(2027, 7, 9)) == "allow"
    second = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1))
    e2 = entry(app, P, second)
    assert (e2.max_end, e2.offence) == (date(2028, 8, 1), 2)  # a repeat: the full year
    # every path shows the sized end: the access export and what changes when
    record = app.access.export(OP, P, as_of=date(2027, 8, 15)).model_dump(mode="json")
    ends = {x["entry"]: x["max_end"] for x in record["list_entries"]}
    assert ends == {first: "2027-07-09", second: "2028-08-01"}
    ahead = record["reports"][0]["list_entries_end"]
    assert ahead == [{"on": "2028-08-01", "entry": second, "list": "transport-misconduct"}]
    # a serious offence (a false bomb threat) is sized by its own row
    third = listed(
        app,
        "transport-misconduct",
        P,
        "airport-police",
        TRANSPORT,
        date(2027, 8, 20),
        conduct="false-terrorism-information",
    )
    assert entry(app, P, third).max_end == date(2028, 8, 20)


def test_an_annulled_first_entry_makes_no_repeat(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    first = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 1, 10))
    second = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1))
    assert entry(app, P, second).max_end == date(2028, 8, 1)
    d = app.disputes.open(
        OP, first, subject=P, statement="not me", evidence_ref="ticket", occurred=date(2027, 8, 2)
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="annulled",
        reason="another passenger",
        occurred=date(2027, 8, 3),
    )
    e2 = entry(app, P, second)
    assert (e2.max_end, e2.offence) == (date(2028, 1, 28), 1)  # a first offence again


def test_an_entry_under_the_2018_version_keeps_its_year(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    old = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2024, 5, 1))
    assert entry(app, P, old).max_end == date(2025, 5, 1)


def test_a_severity_the_list_does_not_size_is_refused(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    before = counts(app)
    for severity, words in (("minor", "not minor"), ("grave", "unknown severity")):
        with pytest.raises(BadInput, match=words):
            listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 2, 1), severity)
    assert counts(app) == before  # nothing written


def test_unpaid_fines_restrict_travel_a_month_then_three(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    office = "rongcheng-credit-office"
    first = listed(app, "unpaid-fines", P, office, FINE, date(2027, 3, 1))
    assert ask(app, "flight", "airline-demo", date(2027, 3, 5)) == "allow"  # 10 days' notice
    assert ask(app, "flight", "airline-demo", date(2027, 3, 20)) == "deny"
    assert ask(app, "luxury-hotel", "hotel-demo", date(2027, 3, 20)) == "allow"
    assert entry(app, P, first).max_end == date(2027, 4, 11)
    assert ask(app, "flight", "airline-demo", date(2027, 4, 11)) == "allow"
    second = listed(app, "unpaid-fines", P, office, FINE, date(2027, 6, 1))
    assert entry(app, P, second).max_end == date(2027, 9, 11)  # a repeat: three months
    app.lists.transition(
        OP, second, "remedy", authority=office, evidence_ref="receipt", occurred=date(2027, 7, 1)
    )
    assert ask(app, "high-speed-rail", "rail-demo", date(2027, 7, 2)) == "allow"


def test_employers_in_social_insurance_arrears_lose_tenders(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, ORG, "organisation", "Rongcheng Fisheries Co.")
    app.records.add_subject(OP, P, "person", "Wang Wei")
    agency = "rongcheng-social-insurance"
    e = listed(app, "social-insurance-arrears", ORG, agency, ARREARS, date(2027, 3, 1))
    assert entry(app, ORG, e).max_end == date(2027, 9, 16)  # 15 days' notice + 6 months
    assert ask(app, "public-tender", "procurement-demo", date(2027, 5, 1), ORG) == "deny"
    before = counts(app)
    with pytest.raises(BadInput, match="holds organisations"):
        listed(app, "social-insurance-arrears", P, agency, ARREARS, date(2027, 3, 1))
    with pytest.raises(NotAllowed, match="may not maintain"):
        listed(
            app, "social-insurance-arrears", ORG, "rongcheng-tax-bureau", ARREARS, date(2027, 3, 1)
        )
    assert counts(app) == before


def test_the_new_lists_take_effect_in_2027(make_app) -> None:
    app = make_app(datetime(2026, 12, 15, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    before = counts(app)
    with pytest.raises(BadInput, match="before list 'unpaid-fines' took effect"):
        listed(app, "unpaid-fines", P, "rongcheng-police", FINE, date(2026, 12, 1), notify=False)
    assert counts(app) == before
    # today the 2018 version is in force: a transport entry lasts its year
    e = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2026, 12, 1))
    assert entry(app, P, e).max_end == date(2027, 12, 1)


def test_a_store_made_with_the_earlier_documents_still_inits(db_url) -> None:
    """The new lists and versions are new publications; nothing published changes."""
    today = datetime(2026, 11, 29, tzinfo=UTC)
    old = [(n, t) for n, t in packaged_rulebooks() if n not in NEW_FILES]
    app = Application(Settings(db_url=db_url, clock=lambda: today))
    try:
        first = app.documents.init(OP, old)
        assert len(first.published) == len(old)
        res = app.documents.init(OP)
        assert len(res.published) == len(NEW_FILES) and len(res.already) == len(old)
        assert app.documents.init(OP).published == []  # and again: nothing
    finally:
        app.store.close()


def test_the_subjects_export_names_what_each_term_was_sized_by(make_app) -> None:
    """The own record (access, GET /record, the counter) shows each entry's severity and
    whether it was a first offence or a repeat, beside the end they sized; an entry not
    sized yet (proposed, not notified) or sized by no durations says so (null)."""
    from socialcredit.html import render_access

    app = make_app(NOW)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    first = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 1, 10))
    repeat = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 1))
    threat = listed(
        app,
        "transport-misconduct",
        P,
        RAIL,
        TRANSPORT,
        date(2027, 8, 2),
        conduct="false-terrorism-information",
    )
    waiting = listed(
        app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 8, 3), notify=False
    )
    old = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2024, 5, 1))
    record = app.access.export(OP, P)
    shown = {e.entry: (e.severity, e.offence, e.max_end) for e in record.list_entries}
    assert shown[first] == ("general", 1, date(2027, 7, 9))
    assert shown[repeat] == ("general", 2, date(2028, 8, 1))
    assert shown[threat][:2] == ("serious", 3)  # serious has no repeat term: still a year
    assert shown[waiting] == ("general", None, None)
    assert shown[old] == ("general", None, date(2025, 5, 1))  # the 2018 version's year
    body = record.model_dump(mode="json")
    assert {"severity", "offence"} <= set(body["list_entries"][0])
    page = render_access(body)
    assert "general, first offence" in page and "general, offence 2 (repeat)" in page

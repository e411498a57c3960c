"""Attack on entries sized by their conduct (`list propose --conduct`) and on list versions,
with the clock moved and replays, on both stores.

Broke, now fixed:
- a catalogue version not yet in force (published today, effective next year) that makes
  a conduct harsher sized today's entries by it: a disruption on a train, general under
  the catalogue in force, was banned a year as "serious" instead of 180 days;
- a new version of a list, even one repeating the same terms, grew every entry proposed
  under the previous version to the list's maximum once it took effect (180 days became
  a year, after the fact): entries were sized by the version in force on the clock's day;
- a replay (`known_at`) after a new version took effect dropped the list altogether (the
  version in force today was not yet published then): a ban in effect was replayed as
  expired the day it began, and a check answered allow.

Held: a conduct code in another case, with whitespace or a look-alike letter is refused
and writes nothing; a catalogue changed later does not change an entry's severity (it is
written into the proposal); a harsher severity beside the conduct is refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.resources import files

import pytest

from socialcredit.application import Actor
from socialcredit.core.errors import BadInput
from tests.api.conftest import live
from tests.conftest import OP
from tests.store.test_sized_bans import RAIL, TRANSPORT, P, counts, entry, listed

__all__ = ["live"]  # the live server fixture of tests/api

DISRUPTION = "disrupting-transport-order"
VERIFIER = Actor("rail-demo", "verifier", "ticket sale")


def _shipped(name: str) -> str:
    return (files("socialcredit") / "rulebooks" / name).read_text("utf-8")


def _catalogue_2028(severity: str = "serious", conduct: str = DISRUPTION) -> str:
    """The 2027 catalogue as version 2028.1, effective 2028-01-01, ``conduct``'s
    severity set to ``severity``."""
    src = _shipped("catalogue-2027.toml")
    src = src.replace('version = "2027.1"', 'version = "2028.1"')
    src = src.replace("published = 2026-11-29", "published = 2027-09-01")
    src = src.replace("effective = 2027-01-01", "effective = 2028-01-01")
    at = src.index(f'id = "{conduct}"')
    cut = src.index("severity = ", at)
    end = src.index("\n", cut)
    return src[:cut] + f'severity = "{severity}"' + src[end:]


def _list_2028() -> str:
    """The 2027 transport list again, the same terms, as version 2028.1 from 2028-01-01."""
    src = _shipped("list-transport-misconduct-2027.toml")
    for old, new in (
        ('version = "2027.1"', 'version = "2028.1"'),
        ("published = 2026-11-29", "published = 2027-10-01"),
        ("effective = 2027-01-01", "effective = 2028-01-01"),
        ("as_of = 2027", "as_of = 2028"),
        ("notified = 2027", "notified = 2028"),
        ("prior = 2027", "prior = 2028"),
    ):
        src = src.replace(old, new)
    return src


def _propose(app, conduct: str, day: date, severity: str | None = None) -> int:
    r = app.lists.propose(
        OP,
        P,
        "transport-misconduct",
        authority=RAIL,
        evidence_ref=f"decision/{conduct}/{day}",
        occurred=day,
        fields=TRANSPORT,
        severity=severity,
        conduct=conduct,
    )
    app.lists.transition(OP, r.event, "notify", authority=RAIL, evidence_ref="n", occurred=day)
    return r.event


def test_a_catalogue_not_yet_in_force_does_not_size_todays_entries(make_app) -> None:
    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    assert app.documents.publish(OP, _catalogue_2028("serious"), "catalogue-2028")[1]
    e = entry(app, P, _propose(app, DISRUPTION, date(2027, 8, 1)))
    # general under the catalogue in force on the day of the conduct: 180 days
    assert (e.severity, e.max_end) == ("general", date(2028, 1, 28))
    # and "serious" beside it is still refused: the catalogue in force says general
    before = counts(app)
    with pytest.raises(BadInput, match="general, not serious"):
        _propose(app, DISRUPTION, date(2027, 8, 2), "serious")
    assert counts(app) == before
    # Once in force, the harsher severity sizes conduct from its effective date on, and
    # the entry proposed before keeps the severity it was given.
    later = make_app(datetime(2028, 2, 1, tzinfo=UTC))
    threat = entry(later, P, _propose(later, DISRUPTION, date(2028, 1, 15)))
    assert threat.severity == "serious"
    assert (entry(later, P, e.entry).severity, entry(later, P, e.entry).max_end) == (
        "general",
        date(2028, 1, 28),
    )


def test_conduct_dated_before_a_harsher_catalogue_keeps_the_older_severity(make_app) -> None:
    """The clock moved past the new catalogue's date; the conduct did not."""
    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.documents.publish(OP, _catalogue_2028("serious"), "catalogue-2028")
    later = make_app(datetime(2028, 2, 1, tzinfo=UTC))
    e = entry(later, P, _propose(later, DISRUPTION, date(2027, 12, 20)))
    assert (e.severity, e.offence) == ("general", 1)


@pytest.mark.parametrize(
    "code",
    [
        "Disrupting-transport-order",
        " disrupting-transport-order",
        "disrupting-transport-order\n",
        "disrupting-transport-ordеr",  # Cyrillic е
        "disrupting\u2011transport-order",  # non-breaking hyphen
    ],
)
def test_a_conduct_code_spelt_otherwise_is_refused(make_app, code: str) -> None:
    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    before = counts(app)
    with pytest.raises(BadInput, match="is for"):
        _propose(app, code, date(2027, 8, 1))
    assert counts(app) == before


def test_a_new_list_version_does_not_grow_an_entry_already_sized(make_app) -> None:
    app = make_app(datetime(2027, 10, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    first = listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 10, 1))
    assert entry(app, P, first).max_end == date(2028, 3, 29)  # 180 days
    assert app.documents.publish(OP, _list_2028(), "list-2028")[1]
    later = make_app(datetime(2028, 2, 1, tzinfo=UTC))
    e = entry(later, P, first)
    assert (e.max_end, e.offence) == (date(2028, 3, 29), 1)
    asked = later.lists.check(VERIFIER, P, "high-speed-rail", as_of=date(2028, 5, 1))
    assert asked.decision == "allow"
    # The clock moved back, before the new version: the same 180 days.
    back = make_app(datetime(2027, 12, 1, tzinfo=UTC))
    assert entry(back, P, first).max_end == date(2028, 3, 29)


def test_a_replay_across_a_new_list_version_answers_as_it_did(make_app) -> None:
    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    listed(app, "transport-misconduct", P, RAIL, TRANSPORT, date(2027, 9, 1))
    then = datetime(2027, 9, 15, tzinfo=UTC)
    told = app.lists.check(VERIFIER, P, "high-speed-rail", as_of=date(2027, 9, 20))
    assert told.decision == "deny"
    make_app(datetime(2027, 10, 1, tzinfo=UTC)).documents.publish(OP, _list_2028(), "list-2028")
    later = make_app(datetime(2028, 2, 1, tzinfo=UTC))
    replay = later.lists.check(
        VERIFIER, P, "high-speed-rail", as_of=date(2027, 9, 20), known_at=then
    )
    assert replay.decision == "deny"
    record = later.access.export(OP, P, known_at=then)
    assert [(s.status, s.max_end) for s in record.list_entries] == [
        ("in-effect", date(2028, 2, 28))
    ]


def test_the_same_facts_proposed_with_another_conduct_are_refused(make_app) -> None:
    """The same decision proposed again is the entry already made (idempotent), but the
    same decision proposed as another conduct was answered "already proposed" with the
    first one's entry: a false terrorism threat reported as listed, a 180-day
    disruption on the ledger. It is a conflict now, and nothing is written."""
    from socialcredit.core.errors import Conflict

    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    same = {"authority": RAIL, "evidence_ref": "decision/1", "occurred": date(2027, 8, 1)}

    def propose(**kw):
        return app.lists.propose(OP, P, "transport-misconduct", fields=TRANSPORT, **same, **kw)

    first = propose(conduct=DISRUPTION)
    assert propose(conduct=DISRUPTION) == first.__class__(first.event, False)
    before = counts(app)
    for kw in (
        {"conduct": "false-terrorism-information"},
        {"conduct": "false-terrorism-information", "severity": "serious"},
        {},
    ):
        with pytest.raises(Conflict, match=f"entry {first.event}"):
            propose(**kw)
    assert counts(app) == before


def test_over_http_a_look_alike_conduct_is_422_and_a_resubmission_409(live) -> None:
    """The API's `conduct` as the console's: refused with the field named, nothing written."""
    import httpx

    from tests.api.conftest import ME

    body = {
        "subject": ME,
        "list": "transport-misconduct",
        "occurred": "2024-05-02",
        "evidence": "d/http",
        "fields": {"incident": "x", "place": "y", "decision_number": "7"},
    }
    rail = live.app.tokens.issue(OP, "registrar", "rail-police")
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {rail}"}) as reg:
        size = live.app.log.sign_head()[0].size
        for code in ("False-terrorism-information", "false-terrorism-informatіon", " x"):
            r = reg.post("/v1/list-entries", json={**body, "conduct": code})
            assert (r.status_code, r.json()["field"]) == (422, "conduct"), r.text
        assert live.app.log.sign_head()[0].size == size
        first = reg.post("/v1/list-entries", json={**body, "conduct": DISRUPTION})
        assert first.status_code == 201, first.text
        again = reg.post("/v1/list-entries", json={**body, "conduct": DISRUPTION})
        assert again.json() == {"entry": first.json()["entry"], "created": False}, again.text
        size = live.app.log.sign_head()[0].size
        other = reg.post(
            "/v1/list-entries", json={**body, "conduct": "false-terrorism-information"}
        )
        assert (other.status_code, other.json()["field"]) == (409, "conduct"), other.text
        assert live.app.log.sign_head()[0].size == size


def test_a_repair_is_timed_by_the_catalogue_in_force_on_the_events_day(make_app) -> None:
    """The same rule for credit repair: a traffic violation is minor (no minimum) under
    the catalogue in force; one published to make it serious from next year made this
    year's violations wait a year before a repair could be asked for."""
    app = make_app(datetime(2027, 9, 1, tzinfo=UTC))
    app.records.add_subject(OP, P, "person", "Wang Wei")
    assert app.documents.publish(OP, _catalogue_2028("serious", "traffic-violation"), "c")[1]
    event = app.records.record(
        OP,
        P,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2027, 8, 1),
    ).event
    r = app.repairs.apply(
        OP, event, subject=P, statement="paid", evidence_ref="receipt", occurred=date(2027, 9, 1)
    )
    assert r.severity == "minor"

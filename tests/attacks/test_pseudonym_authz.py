"""Attack on keyed pseudonyms through the service (issue 12): a pseudonym where an ID is
expected must not be a way around authorisation, and an erased subject's token (which
names its pseudonym) still reaches its own record, by the API and by the counter page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import httpx

from socialcredit.application import Actor
from socialcredit.core.errors import InvalidId, NotFound, SocialCreditError
from tests.api.conftest import ME, NOBODY, OTHER, Live, csrf_of, live
from tests.conftest import OP

__all__ = ["live"]  # the live server fixture of tests/api


def _log(live: Live) -> int:
    with live.app.store.transaction() as conn:
        return live.app.store.count(conn, "access_log")


def test_a_pseudonym_in_the_path_reads_nobody(live: Live) -> None:
    theirs, mine = live.app.records.pseudonym(OTHER), live.app.records.pseudonym(ME)
    before = _log(live)
    with live.client("subject") as c:
        for p in (theirs, mine, theirs.upper()):
            for path in (
                f"/v1/subjects/{p}/record",
                f"/v1/subjects/{p}/scores/rongcheng",
                f"/v1/subjects/{p}/access-records",
            ):
                r = c.get(path)
                assert r.status_code in (404, 422), (path, r.status_code)
                assert OTHER not in r.text and "Li Na" not in r.text
    with live.client("verifier") as c:
        r = c.post("/v1/checks", json={"subject": theirs, "service": "flight", "purpose": "ticket"})
        assert r.status_code == 422, r.text
    with live.client("auditor") as c:
        r = c.get(f"/v1/subjects/{theirs}/access-records")
        assert r.status_code in (404, 422), r.status_code
    assert _log(live) == before


def test_an_erased_subject_reads_its_own_record_by_api(live: Live) -> None:
    live.app.erasure.erase(
        OP, ME, requested_by_subject=True
    )  # nothing recorded: erasable on request
    with live.client("subject") as c:
        assert c.get("/v1/whoami").json()["principal"] == live.app.records.pseudonym(ME)
        r = c.get(f"/v1/subjects/{ME}/record")
        assert r.status_code == 200, r.text
        assert c.get(f"/v1/subjects/{OTHER}/record").status_code == 404
        assert c.get(f"/v1/subjects/{live.app.records.pseudonym(ME)}/record").status_code == 422
    with httpx.Client(base_url=live.url) as anon:
        assert anon.get(f"/v1/subjects/{ME}/record").status_code == 401


def test_an_erased_subject_reads_its_own_counter_page(live: Live) -> None:
    live.app.erasure.erase(OP, ME, requested_by_subject=True)
    mine = live.app.records.pseudonym(ME)
    with httpx.Client(base_url=live.url, timeout=10) as c:
        form = c.get("/signin")
        r = c.post(
            "/signin",
            data={"token": live.tokens["subject"], "next": "/", "csrf": csrf_of(form.text)},
        )
        assert r.status_code == 303, r.text[:300]
        page = c.get("/counter")
        assert page.status_code == 200, page.text[:300]
        assert mine in page.text and "[erased]" in page.text
        assert "Li Na" not in page.text and "Wang Wei" not in page.text
        assert OTHER not in page.text and live.app.records.pseudonym(OTHER) not in page.text
        chart = c.get("/counter/history/rongcheng.svg")
        assert chart.status_code == 200, chart.text[:300]


def test_the_counter_serves_an_erased_subject_what_the_api_serves(live: Live) -> None:
    """The page reads by the pseudonym the session names, the API by the ID in its path:
    one record (only the name the subject goes by differs)."""
    live.app.erasure.erase(OP, ME, requested_by_subject=True)
    mine = live.app.records.pseudonym(ME)
    with live.client("subject") as c:
        by_api = c.get(f"/v1/subjects/{ME}/record").json()
    by_page = live.app.access.export(
        Actor(f"subject:{mine}", "subject", "own record"), mine, export="html page"
    ).model_dump(mode="json")
    assert by_api["subject"] == ME and by_page["subject"] == mine
    for field in ("name", "kind", "events", "list_entries", "reports", "disputes", "voided"):
        as_api = json.dumps(by_api[field]).replace(ME, mine)
        assert json.dumps(by_page[field]) == as_api, field


def _refusal(call: Callable[[], object]) -> tuple[type, str]:
    try:
        call()
    except SocialCreditError as exc:
        return type(exc), exc.message
    raise AssertionError("not refused")


def test_a_subject_naming_a_pseudonym_not_its_own_learns_nothing(live: Live) -> None:
    """Where the application now takes an erased subject's own pseudonym (the pages' way
    in), another registered subject's pseudonym and an unregistered one give the same
    404, and an operator may not use pseudonyms at all."""
    app = live.app
    app.erasure.erase(OP, ME, requested_by_subject=True)
    mine, theirs = app.records.pseudonym(ME), app.records.pseudonym(OTHER)
    nobody = app.records.pseudonym(NOBODY)
    me = Actor(f"subject:{mine}", "subject", "own record")
    event = app.records.record(
        OP,
        OTHER,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    ).event
    before = _log(live)
    calls: dict[str, Callable[[str], object]] = {
        "export": lambda p: app.access.export(me, p),
        "history": lambda p: app.figures.score_history(me, p, "rongcheng"),
        "dispute": lambda p: app.disputes.open(
            me, event, subject=p, statement="not me", evidence_ref=None, occurred=date(2024, 6, 1)
        ),
    }
    for name, call in calls.items():
        (kind, said), (kind2, said2) = (
            _refusal(lambda: call(theirs)),
            _refusal(lambda: call(nobody)),
        )
        assert kind is kind2 is NotFound, name
        assert said.replace(theirs, "P") == said2.replace(nobody, "P"), name
        assert "Li Na" not in said and OTHER not in said
    assert _log(live) == before
    # An operator (or a verifier) naming a pseudonym is given no valid ID, as before.
    assert _refusal(lambda: app.access.export(OP, mine))[0] is InvalidId
    # Its own pseudonym does not reach another's item: the same answer as no item.
    wrong = _refusal(lambda: calls["dispute"](mine))
    event_none = 2**40
    none = _refusal(
        lambda: app.disputes.open(
            me,
            event_none,
            subject=mine,
            statement="x",
            evidence_ref=None,
            occurred=date(2024, 6, 1),
        )
    )
    assert wrong[0] is none[0] is NotFound
    assert wrong[1].replace(str(event), "N") == none[1].replace(str(event_none), "N")


def test_a_session_is_issued_only_for_a_registered_pseudonym(live: Live) -> None:
    nobody = live.app.records.pseudonym(NOBODY)
    assert _refusal(lambda: live.app.tokens.issue(OP, "subject", nobody))[0] is NotFound
    assert live.app.tokens.list(nobody) == []

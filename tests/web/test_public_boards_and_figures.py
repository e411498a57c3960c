"""The public pages of issue 14 on a live server: the honour board (recorded as the
API's is), the public figures with their chart, both in the navigation, and what
changes when on the resident's counter page. Bad input is a 4xx page, nothing written."""

from __future__ import annotations

from datetime import date

import httpx

from tests.api.conftest import ME, OTHER, Live, web_session
from tests.conftest import OP

OFFICE = "rongcheng-credit-office"
COURT = "rongcheng-people-court"


def _honour(live: Live, subject: str, consent: bool) -> int:
    app = live.app
    e = app.lists.propose(
        OP,
        subject,
        "honour-roll",
        authority=OFFICE,
        evidence_ref="award/1",
        occurred=date(2024, 5, 1),
        fields={"citation": "volunteer of the year"},
    ).event
    app.lists.transition(
        OP, e, "notify", authority=OFFICE, evidence_ref="n", occurred=date(2024, 5, 1)
    )
    if consent:
        app.lists.consent(OP, e, subject, True, date(2024, 5, 2))
    return e


def _board_reads(live: Live, subject: str) -> int:
    with live.app.store.transaction() as conn:
        return sum(r["action"] == "board.read" for r in live.app.store.access_for(conn, subject))


def test_the_board_shows_consenting_subjects_only_and_records_each_showing(live: Live) -> None:
    _honour(live, ME, consent=True)
    _honour(live, OTHER, consent=False)
    with httpx.Client(base_url=live.url, timeout=30) as c:
        home = c.get("/")
        assert 'href="/boards"' in home.text and 'href="/figures"' in home.text
        boards = c.get("/boards")
        assert boards.status_code == 200 and 'href="/lists/honour-roll/board"' in boards.text
        before = _board_reads(live, ME)
        page = c.get("/lists/honour-roll/board")
        assert page.status_code == 200
        assert "volunteer of the year" in page.text and "2024-05-01" in page.text
        assert _board_reads(live, ME) == before + 1  # as GET /v1/lists/{list}/board records
        assert _board_reads(live, OTHER) == 0
        api = c.get("/v1/lists/honour-roll/board").json()
        assert len(api["entries"]) == 1  # the page and the API show the same board
        assert c.get("/lists/court-defaulters/board").status_code == 404  # no board
        assert c.get("/lists/nope/board").status_code == 404


def test_the_figures_page_charts_the_lists(live: Live) -> None:
    live.app.lists.propose(
        OP,
        ME,
        "court-defaulters",
        authority=COURT,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields={
            "case_number": "77",
            "court": "Rongcheng",
            "judgment_date": "2024-01-01",
            "obligation": "pay",
        },
    )
    with httpx.Client(base_url=live.url, timeout=60) as c:
        page = c.get("/figures")
        assert page.status_code == 200
        assert "court-defaulters" in page.text and 'src="/figures/lists.svg"' in page.text
        chart = c.get("/figures/lists.svg")
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
        assert b"court-defaulters" in chart.content
        assert "default-src 'none'" in chart.headers["content-security-policy"]
        dated = c.get("/figures", params={"as_of": "2024-01-01"})
        assert dated.status_code == 200 and "as of 2024-01-01" in dated.text
        for bad in ("nonsense", "2024-02-30", "2024-01-01' OR 1=1"):
            r = c.get("/figures", params={"as_of": bad})
            assert r.status_code == 422, (bad, r.status_code)  # BadInput, as the API
            assert "<script" not in r.text


def test_the_counter_says_what_changes_when(live: Live) -> None:
    live.app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="ticket/1",
        occurred=date(2024, 5, 1),
    )
    c = web_session(live.url, live.tokens["subject"])
    try:
        page = c.get("/counter").text
    finally:
        c.close()
    assert "What changes when (rongcheng)" in page
    assert 'class="changes"' in page and "2025-05-01" in page  # the ticket ends a year on
    assert "If an item ended today" in page and "repair" in page

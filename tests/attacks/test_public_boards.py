"""Attack on the public pages of issue 14 (boards, figures, the counter's "what changes
when") on a live server: who appears, what is shown, markup in names and citations,
headers, and that each showing is recorded."""

from __future__ import annotations

import re
from datetime import date

import httpx

from tests.api.conftest import ME, OTHER, Live, live
from tests.conftest import OP

__all__ = ["live"]  # the live server fixture of tests/api

OFFICE = "rongcheng-credit-office"
EVIL_NAME = '<script>alert("n")</script><img src=x onerror=alert(1)>'
EVIL_CITATION = "</td><script>alert('c')</script>{{ 7*7 }}"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)  # a script element with no src


def _honour(live: Live, subject: str, consent: bool, citation: str = "good neighbour") -> int:
    app = live.app
    e = app.lists.propose(
        OP,
        subject,
        "honour-roll",
        authority=OFFICE,
        evidence_ref="award/9",
        occurred=date(2024, 5, 1),
        fields={"citation": citation},
    ).event
    app.lists.transition(
        OP, e, "notify", authority=OFFICE, evidence_ref="n", occurred=date(2024, 5, 1)
    )
    if consent:
        app.lists.consent(OP, e, subject, True, date(2024, 5, 2))
    return e


def _reads(live: Live, subject: str) -> int:
    with live.app.store.transaction() as conn:
        return sum(r["action"] == "board.read" for r in live.app.store.access_for(conn, subject))


def test_markup_is_text_and_only_consenting_subjects_appear(live: Live) -> None:
    org = "91350100M000100Y43"
    live.app.records.add_subject(OP, org, "organisation", EVIL_NAME)
    _honour(live, org, consent=True, citation=EVIL_CITATION)
    mine = _honour(live, ME, consent=True)
    _honour(live, OTHER, consent=False)
    with httpx.Client(base_url=live.url, timeout=30) as c:
        for path in ("/boards", "/lists/honour-roll/board", "/figures", "/"):
            r = c.get(path)
            assert r.status_code == 200, path
            csp = r.headers["content-security-policy"]
            assert "script-src 'self'" in csp or "default-src 'self'" in csp, csp
            assert "'unsafe-inline'" not in csp.split("script-src")[-1].split(";")[0]
            assert not INLINE.search(r.text), (path, INLINE.search(r.text))
        page = c.get("/lists/honour-roll/board").text
        assert EVIL_NAME not in page and "&lt;script&gt;" in page
        assert "{{ 7*7 }}" in page.replace("&#39;", "'") or "49" not in page
        # minimum fields: no ID of anyone, no evidence, nobody who did not consent
        for absent in (ME, OTHER, org, "award/9", "Li Na"):
            assert absent not in page, absent
        api = c.get("/v1/lists/honour-roll/board").json()
        assert {frozenset(e) for e in api["entries"]} == {
            frozenset({"entry", "name", "kind", "since", "until", "citation"})
        }
        assert "Wang Wei" in page and len(api["entries"]) == 2
        before = (_reads(live, ME), _reads(live, OTHER))
        c.get("/lists/honour-roll/board")
        assert (_reads(live, ME), _reads(live, OTHER)) == (before[0] + 1, 0)
        # withdrawn consent: gone from the next showing, and that showing not recorded
        live.app.lists.consent(OP, mine, ME, False, date(2024, 6, 1))
        after = _reads(live, ME)
        page = c.get("/lists/honour-roll/board").text
        assert "Wang Wei" not in page
        assert len(c.get("/v1/lists/honour-roll/board").json()["entries"]) == 1
        assert _reads(live, ME) == after


def test_an_erased_consenting_subject_shows_nothing_of_itself(live: Live) -> None:
    _honour(live, ME, consent=True, citation="CITATION-Wang-Wei-77")
    with live.app.store.transaction() as conn:
        live.app.erasure.erase_subject_key(
            conn, OP, ME, occurred=date(2024, 6, 1), authority="system:retention", reason="test"
        )
    with httpx.Client(base_url=live.url, timeout=30) as c:
        page = c.get("/lists/honour-roll/board").text
        api = c.get("/v1/lists/honour-roll/board").json()
    assert "Wang Wei" not in page and "CITATION-Wang-Wei-77" not in page
    assert ME not in page and live.app.records.pseudonym(ME) not in page
    assert all(e["name"] != "Wang Wei" for e in api["entries"])

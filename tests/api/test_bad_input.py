"""Hostile and malformed HTTP input: a 4xx problem naming the field, never a 500,
and the ledger unchanged."""

from __future__ import annotations

import pytest

from tests.api.conftest import ME, OTHER, Live
from tests.conftest import OP

GOOD = {
    "subject": ME,
    "scheme": "rongcheng",
    "rule": "traffic-violation",
    "occurred": "2024-05-01",
    "evidence": "t/1",
}


def ledger(live: Live) -> tuple[int, bool]:
    """Conduct entries (the chain also holds documents, registrations, tokens) and ok."""
    _, problem = live.app.integrity.verify()
    n = sum(len(live.app.records.history(OP, s)) for s in (ME, OTHER))
    return n, problem is None


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({**GOOD, "subject": "110105194912310021"}, 422, "subject"),  # bad check character
        ({**GOOD, "subject": "'; DROP TABLE events; --"}, 422, "subject"),
        ({**GOOD, "occurred": "2024-02-30"}, 422, "occurred"),
        ({**GOOD, "occurred": 12}, 422, "occurred"),
        ({**GOOD, "points": 500}, 422, "points"),  # unknown field
        ({k: v for k, v in GOOD.items() if k != "evidence"}, 422, "evidence"),
        ({**GOOD, "evidence": ""}, 422, "evidence"),
        ({**GOOD, "rule": "no-such-rule"}, 404, "rule"),
        ({**GOOD, "rule": "city-award"}, 403, "authority"),  # not this authority's rule
        ({**GOOD, "occurred": "2099-01-01"}, 422, "occurred"),
        ({**GOOD, "evidence": "x" * 5000}, 422, "evidence"),
        ({**GOOD, "scheme": "../../etc/passwd"}, 404, "scheme"),
        ({**GOOD, "evidence_sha256": "zz"}, 422, "evidence_sha256"),
    ],
)
def test_bad_events_are_refused_with_the_field_named(live: Live, payload, status, field) -> None:
    before = ledger(live)
    with live.client("registrar") as c:
        r = c.post("/v1/events", json=payload)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field
    assert ledger(live) == before


def test_malformed_json_oversized_and_wrong_content(live: Live) -> None:
    before = ledger(live)
    with live.client("registrar") as c:
        r = c.post("/v1/events", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "body"
        r = c.post(
            "/v1/events", content=b"[" * 2_000_000, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413 and r.json()["code"] == "too-large"
        r = c.post("/v1/events", json=[1, 2, 3])
        assert r.status_code == 422
        r = c.post(
            "/v1/events", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
        )
        assert r.status_code in (400, 422)
        assert r.headers["content-type"].startswith("application/problem+json")
        r = c.get("/v1/desk/events", headers={"Authorization": "Basic abc"})
        assert r.status_code == 401
        r = c.get("/v1/desk/events", headers={"Authorization": "Bearer " + "x" * 5000})
        assert r.status_code == 401
    with live.client() as c:
        r = c.get("/v1/rulebooks/%2e%2e%2f%2e%2e%2fetc")
        assert r.status_code == 404
        r = c.get("/v1/log/inclusion/99999999999999999999")
        assert 400 <= r.status_code < 500
        r = c.get("/v1/log/consistency", params={"old": -1, "new": 2})
        assert r.status_code == 422
    assert ledger(live) == before


def test_a_resubmitted_event_is_one_event(live: Live) -> None:
    with live.client("registrar") as c:
        first = c.post("/v1/events", json=GOOD).json()
        again = c.post("/v1/events", json=GOOD).json()
    assert first["event"] == again["event"] and again["created"] is False
    assert ledger(live) == (1, True)


def test_ids_beyond_64_bits_are_4xx_not_500(live: Live) -> None:
    """Regression: a huge path id reached the SQLite driver and overflowed (found by fuzzing)."""
    with live.client("registrar") as c:
        r = c.post("/v1/events/-468208927147628036096/corrections", json={"reason": "x"})
        assert r.status_code == 422
        r = c.post("/v1/events/99999999999999999999999/corrections", json={"reason": "x"})
        assert r.status_code == 422
    import pytest

    from socialcredit.core.errors import NotFound

    with pytest.raises(NotFound):
        live.app.records.correct(OP, 10**30, reason="x", authority="rongcheng-traffic-police")

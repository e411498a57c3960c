"""Issue 18 over real HTTP: the same answers as the console, in the same shapes."""

from __future__ import annotations

from tests.api.conftest import ME


def test_score_under_a_scheme_for_another_kind_is_422(live) -> None:
    with live.client("subject") as c:
        res = c.get(f"/v1/subjects/{ME}/scores/enterprise")
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["field"] == "subject"
    assert "scheme 'enterprise' applies to organisations only" in body["detail"]
    with live.client("subject") as c:
        assert c.get(f"/v1/subjects/{ME}/scores/rongcheng").status_code == 200


def test_the_record_keeps_each_dispute_decision(live) -> None:
    from datetime import date

    app = live.app
    event = app.record(
        ME,
        "rongcheng",
        "fine-unpaid",
        authority="rongcheng-traffic-police",
        evidence_ref="f/1",
        occurred=date(2024, 5, 1),
    ).event
    d = app.dispute_open(
        event, subject=ME, statement="in hospital", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    app.dispute_decide(
        d, reviewer="rongcheng-review-board", outcome="upheld", reason="first reason",
        occurred=date(2024, 6, 1),
    )  # fmt: skip
    app.dispute_appeal(d, subject=ME, statement="again", occurred=date(2024, 6, 1))
    app.dispute_decide(
        d, reviewer="rongcheng-appeals-board", outcome="annulled", reason="appeal reason",
        occurred=date(2024, 6, 1),
    )  # fmt: skip
    with live.client("subject") as c:
        body = c.get(f"/v1/subjects/{ME}/record").json()
    (dispute,) = body["disputes"]
    assert dispute["reason"] == "first reason"
    assert dispute["appeal_reason"] == "appeal reason"
    assert [(x["stage"], x["reviewer"], x["reason"]) for x in dispute["decisions"]] == [
        ("first", "rongcheng-review-board", "first reason"),
        ("appeal", "rongcheng-appeals-board", "appeal reason"),
    ]
    with live.client("subject") as c:
        page = c.get("/counter").text
    assert "first reason" in page and "appeal reason" in page

"""Issue 18 over real HTTP: the same answers as the console, in the same shapes."""

from __future__ import annotations

import httpx

from tests.api.conftest import ME
from tests.conftest import OP


def test_score_under_a_scheme_for_another_kind_is_422(live) -> None:
    with live.client("subject") as c:
        res = c.get(f"/v1/subjects/{ME}/scores/enterprise")
    assert res.status_code == 422, res.text
    body = res.json()
    assert body["field"] == "scheme"
    assert "scheme 'enterprise' applies to organisations only" in body["detail"]
    with live.client("subject") as c:
        assert c.get(f"/v1/subjects/{ME}/scores/rongcheng").status_code == 200


def test_the_record_keeps_each_dispute_decision(live) -> None:
    from datetime import date

    app = live.app
    event = app.records.record(
        OP,
        ME,
        "rongcheng",
        "fine-unpaid",
        authority="rongcheng-traffic-police",
        evidence_ref="f/1",
        occurred=date(2024, 5, 1),
    ).event
    d = app.disputes.open(
        OP, event, subject=ME, statement="in hospital", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    app.disputes.decide(OP,
        d, reviewer="rongcheng-review-board", outcome="upheld", reason="first reason",
        occurred=date(2024, 6, 1),
    )  # fmt: skip
    app.disputes.appeal(OP, d, subject=ME, statement="again", occurred=date(2024, 6, 1))
    app.disputes.decide(OP,
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


def _shape(model, body: dict) -> None:
    assert set(body) == set(model.model_fields), (model.__name__, body)
    model.model_validate(body)


def test_every_write_answers_the_shared_result(live) -> None:
    """The same acts as the console's, answered with the same objects (results.md)."""
    from socialcredit.application import results as r

    today = "2024-06-01"
    with live.client("registrar") as reg, live.client("subject") as me:
        _shape(
            r.SubjectRegistered,
            reg.post(
                "/v1/subjects", json={"id": "371082199511192615", "kind": "person", "name": "Z"}
            ).json(),
        )
        sha = "AB" * 32
        rec = reg.post(
            "/v1/events",
            json={
                "subject": ME, "scheme": "rongcheng", "rule": "traffic-violation",
                "occurred": "2024-05-02", "evidence": "t/1", "evidence_sha256": sha,
            },
        ).json()  # fmt: skip
        _shape(r.EventRecorded, rec)
        assert rec["evidence_sha256"] == sha.lower()
        other = reg.post(
            "/v1/events",
            json={
                "subject": ME, "scheme": "rongcheng", "rule": "traffic-violation",
                "occurred": "2024-05-03", "evidence": "t/2",
            },
        ).json()  # fmt: skip
        fixed = reg.post(
            f"/v1/events/{other['event']}/corrections", json={"reason": "wrong plate"}
        ).json()
        _shape(r.CorrectionRecorded, fixed)
        assert fixed["reverses"] == other["event"]
        opened = me.post(
            f"/v1/subjects/{ME}/disputes",
            json={"item": rec["event"], "statement": "not me", "occurred": today},
        ).json()
        _shape(r.DisputeOpened, opened)
        assert opened["item"] == rec["event"]
        d = opened["dispute"]
        info = me.post(
            f"/v1/subjects/{ME}/disputes/{d}/info", json={"statement": "more", "occurred": today}
        ).json()
        _shape(r.DisputeStepRecorded, info)
    with live.client("reviewer") as rev:
        decided = rev.post(
            f"/v1/disputes/{d}/decision",
            json={"outcome": "upheld", "reason": "photo is clear", "occurred": today},
        ).json()
        _shape(r.DisputeDecided, decided)
        assert (decided["dispute"], decided["outcome"]) == (d, "upheld")
    with live.client("subject") as me:
        appealed = me.post(
            f"/v1/subjects/{ME}/disputes/{d}/appeal", json={"statement": "no", "occurred": today}
        ).json()
        _shape(r.DisputeStepRecorded, appealed)
    with live.client("admin") as admin:
        _shape(r.TickDone, admin.post("/v1/tick", json={"as_of": today}).json())


def test_a_list_entry_names_its_conduct_over_http(live) -> None:
    """`conduct` in the body does what `list propose --conduct` does: the catalogue's
    severity of a conduct the list cites; a conduct it does not cite, or a severity
    other than the conduct's, is a 422 and writes nothing."""
    body = {
        "subject": ME,
        "list": "transport-misconduct",
        "occurred": "2024-05-02",
        "evidence": "d/conduct",
        "fields": {"incident": "x", "place": "y", "decision_number": "7"},
    }
    rail = live.app.tokens.issue(OP, "registrar", "rail-police")
    with (
        httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {rail}"}) as reg,
        live.client("subject") as me,
    ):
        size = live.app.log.sign_head()[0].size
        for extra, field in (
            ({"conduct": "tax-arrears"}, "conduct"),
            ({"conduct": "false-terrorism-information", "severity": "minor"}, "severity"),
        ):
            r = reg.post("/v1/list-entries", json={**body, **extra})
            assert r.status_code == 422, r.text
            assert r.json()["field"] == field, r.json()
        assert live.app.log.sign_head()[0].size == size  # nothing written
        r = reg.post("/v1/list-entries", json={**body, "conduct": "false-terrorism-information"})
        assert r.status_code == 201, r.text
        (entry,) = [
            e
            for e in me.get(f"/v1/subjects/{ME}/record").json()["list_entries"]
            if e["entry"] == r.json()["entry"]
        ]
        assert (entry["conduct"], entry["severity"]) == ("false-terrorism-information", "serious")

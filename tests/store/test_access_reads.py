"""Issue 11, item 4: a view over many subjects (the review queue, the registrar desk) leaves
an access record in each shown subject's own record, besides the aggregate one; and the
chain-only entries never show up on a desk."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from socialcredit.application import Application
from socialcredit.core.trust import CHAIN_ONLY

P = "11010519491231002X"
Q = "110105198001010016"


def _reads(app: Application, sid: str, action: str) -> list[dict]:
    return [r for r in app.access_records(sid) if r["action"] == action]


def _as(app: Application, actor: str, role: str, purpose: str) -> Application:
    return Application(replace(app.settings, actor=actor, role=role, purpose=purpose), app.store)


def test_queue_and_desk_reads_are_in_each_subjects_record(make_app) -> None:
    app = make_app()
    for sid, name in ((P, "Wang Wei"), (Q, "Li Na")):
        app.add_subject(sid, "person", name)
    events = {
        sid: app.record(
            sid,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=f"t/{sid}",
            occurred=date(2024, 1, 5),
        ).event
        for sid in (P, Q)
    }
    dispute = app.dispute_open(
        events[P], subject=P, statement="not me", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    reviewer = _as(app, "rongcheng-review-board", "reviewer", "review")
    assert [d.dispute for d in reviewer.open_disputes()] == [dispute]
    (seen,) = _reads(app, P, "disputes.queue")
    assert seen["actor"] == "rongcheng-review-board" and seen["purpose"] == "review"
    assert _reads(app, Q, "disputes.queue") == []  # Q was not on the queue
    desk = _as(app, "rongcheng-traffic-police", "registrar", "desk")
    shown = desk.recorded_by("rongcheng-traffic-police")
    assert {e.subject for e in shown} == {P, Q}
    assert not [e for e in shown if e.type in CHAIN_ONLY]
    for sid in (P, Q):
        (read,) = _reads(app, sid, "desk.read")
        assert read["actor"] == "rongcheng-traffic-police"
    assert app.verify()[1] is None
    app.log_head()  # seals these access records into the chain
    assert app.verify()[1] is None

"""Issue 11, item 4: a view over many subjects (the review queue, the registrar desk) leaves
an access record in each shown subject's own record, besides the aggregate one; and the
chain-only entries never show up on a desk."""

from __future__ import annotations

from datetime import date

from socialcredit.application import Actor, Application
from socialcredit.core.trust import CHAIN_ONLY
from tests.conftest import OP

P = "11010519491231002X"
Q = "110105198001010016"


def _reads(app: Application, sid: str, action: str) -> list[dict]:
    return [r for r in app.access.records(OP, sid) if r["action"] == action]


def test_queue_and_desk_reads_are_in_each_subjects_record(make_app) -> None:
    app = make_app()
    for sid, name in ((P, "Wang Wei"), (Q, "Li Na")):
        app.records.add_subject(OP, sid, "person", name)
    events = {
        sid: app.records.record(
            OP,
            sid,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=f"t/{sid}",
            occurred=date(2024, 1, 5),
        ).event
        for sid in (P, Q)
    }
    dispute = app.disputes.open(
        OP, events[P], subject=P, statement="not me", evidence_ref=None, occurred=date(2024, 6, 1)
    )
    reviewer = Actor("rongcheng-review-board", "reviewer", "review")
    assert [d.dispute for d in app.disputes.queue(reviewer)] == [dispute]
    (seen,) = _reads(app, P, "disputes.queue")
    assert seen["actor"] == "rongcheng-review-board" and seen["purpose"] == "review"
    assert _reads(app, Q, "disputes.queue") == []  # Q was not on the queue
    desk = Actor("rongcheng-traffic-police", "registrar", "desk")
    shown = app.records.recorded_by(desk, "rongcheng-traffic-police")
    assert {e.subject for e in shown} == {P, Q}
    assert not [e for e in shown if e.type in CHAIN_ONLY]
    for sid in (P, Q):
        (read,) = _reads(app, sid, "desk.read")
        assert read["actor"] == "rongcheng-traffic-police"
    assert app.integrity.verify()[1] is None
    app.log.sign_head()  # seals these access records into the chain
    assert app.integrity.verify()[1] is None


def test_one_application_many_actors_each_read_names_its_own(make_app) -> None:
    """The service keeps one Application for every request: who acts travels with each
    call, so concurrent readers can never be recorded under each other's name."""
    import threading

    app = make_app()
    app.records.add_subject(OP, P, "person", "Wang Wei")
    actors = [Actor(f"auditor-{k}", "auditor", f"audit {k}") for k in range(6)]
    errors: list[BaseException] = []

    def read(actor: Actor) -> None:
        try:
            for _ in range(5):
                app.records.score(actor, P, "rongcheng")
                app.access.records(actor, P)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.store.transaction() as conn:
        rows = [r for r in app.store.access_for(conn, P) if r["actor"].startswith("auditor-")]
    assert len(rows) == 6 * 10
    assert all(r["purpose"] == f"audit {r['actor'].split('-')[1]}" for r in rows)
    assert all(r["role"] == "auditor" for r in rows)

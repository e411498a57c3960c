"""Public figures (issue 14, item 5): from the ledger, through the one standing, per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialcredit.application import Application
from socialcredit.settings import Settings

P = "11010519491231002X"
Q = "110105198001010016"


def test_figures_count_lists_decisions_disputes_and_repairs(db_url) -> None:
    now = [datetime(2024, 1, 8, 9, tzinfo=UTC)]
    app = Application(Settings(db_url=db_url, clock=lambda: now[0]))
    app.init()
    try:
        for who in (P, Q):
            app.add_subject(who, "person", "Resident")
        fields = {
            "case_number": "1",
            "court": "R",
            "judgment_date": "2023-12-01",
            "obligation": "pay",
        }
        entries = []
        for who in (P, Q):
            e = app.list_propose(
                who,
                "court-defaulters",
                authority="rongcheng-people-court",
                evidence_ref=f"j/{who}",
                occurred=now[0].date(),
                fields=fields,
            )
            app.list_transition(
                e.event,
                "notify",
                authority="rongcheng-people-court",
                evidence_ref="n",
                occurred=now[0].date(),
            )
            entries.append(e.event)
        now[0] += timedelta(days=20)
        for who in (P, Q):
            app.check(who, "flight", verifier="airline-demo", purpose="sale")
        app.dispute_open(
            entries[1], subject=Q, statement="paid", evidence_ref=None, occurred=now[0].date()
        )
        now[0] += timedelta(days=40)  # undecided: lapses for Q
        app.check(Q, "flight", verifier="airline-demo", purpose="sale")
        f = app.figures()
        assert f["lists"]["court-defaulters"]["added"] == 2
        assert f["lists"]["court-defaulters"]["in_effect"] == 1
        assert f["lists"]["court-defaulters"]["annulled"] == 1
        assert f["decisions"]["flight"] == {"allow": 1, "deny": 2, "benefit": 0}
        assert f["disputes"]["opened"] == 1 and f["disputes"]["lapsed"] == 1
        # materialised: the second request is a look-up, not another aggregate read
        assert app.figures() is f
        with app.store.transaction() as conn:
            n = app.store.count(conn, "access_log")
        app.figures()
        with app.store.transaction() as conn:
            assert app.store.count(conn, "access_log") == n
    finally:
        app.store.close()

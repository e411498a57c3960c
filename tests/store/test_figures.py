"""Public figures (issue 14, item 5): from the ledger, through the one standing, per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialcredit.application import Actor, Application
from socialcredit.settings import Settings
from tests.conftest import OP

P = "11010519491231002X"
Q = "110105198001010016"


def test_figures_count_lists_decisions_disputes_and_repairs(db_url) -> None:
    now = [datetime(2024, 1, 8, 9, tzinfo=UTC)]
    app = Application(Settings(db_url=db_url, clock=lambda: now[0]))
    app.documents.init(OP)
    try:
        for who in (P, Q):
            app.records.add_subject(OP, who, "person", "Resident")
        fields = {
            "case_number": "1",
            "court": "R",
            "judgment_date": "2023-12-01",
            "obligation": "pay",
        }
        entries = []
        for who in (P, Q):
            e = app.lists.propose(
                OP,
                who,
                "court-defaulters",
                authority="rongcheng-people-court",
                evidence_ref=f"j/{who}",
                occurred=now[0].date(),
                fields=fields,
            )
            app.lists.transition(
                OP,
                e.event,
                "notify",
                authority="rongcheng-people-court",
                evidence_ref="n",
                occurred=now[0].date(),
            )
            entries.append(e.event)
        now[0] += timedelta(days=20)
        for who in (P, Q):
            app.lists.check(Actor("airline-demo", "verifier", "sale"), who, "flight")
        app.disputes.open(
            OP, entries[1], subject=Q, statement="paid", evidence_ref=None, occurred=now[0].date()
        )
        now[0] += timedelta(days=40)  # undecided: lapses for Q
        app.lists.check(Actor("airline-demo", "verifier", "sale"), Q, "flight")
        f = app.figures.figures(OP)
        assert f["lists"]["court-defaulters"]["added"] == 2
        assert f["lists"]["court-defaulters"]["in_effect"] == 1
        assert f["lists"]["court-defaulters"]["annulled"] == 1
        assert f["decisions"]["flight"] == {"allow": 1, "deny": 2, "benefit": 0}
        assert f["disputes"]["opened"] == 1 and f["disputes"]["lapsed"] == 1
        # materialised: the second request is a look-up, not another aggregate read
        assert app.figures.figures(OP) is f
        with app.store.transaction() as conn:
            n = app.store.count(conn, "access_log")
        app.figures.figures(OP)
        with app.store.transaction() as conn:
            assert app.store.count(conn, "access_log") == n
    finally:
        app.store.close()

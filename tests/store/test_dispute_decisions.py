"""Every decision of a dispute keeps its own reviewer, outcome, reason and date.

After an appeal the appeal board's reason used to replace the first decision's in every
view (it stayed only in the ledger). The fold, the JSON shape, the API schema, the
access export page and the console now carry both.
"""

from __future__ import annotations

from datetime import date

import pytest

from socialcredit.application.views import DisputeView
from socialcredit.html import render_access
from tests.conftest import OP
from tests.store.test_ledger_store import PERSON

FIRST = "the fine was served at the registered address"
SECOND = "the hospital record shows the subject could not have paid"


@pytest.fixture
def appealed(app):
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    event = app.records.record(
        OP,
        PERSON,
        "rongcheng",
        "fine-unpaid",
        authority="rongcheng-traffic-police",
        evidence_ref="f/1",
        occurred=date(2024, 5, 1),
    ).event
    d = app.disputes.open(
        OP,
        event,
        subject=PERSON,
        statement="in hospital",
        evidence_ref=None,
        occurred=date(2024, 6, 1),
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="upheld",
        reason=FIRST,
        occurred=date(2024, 6, 1),
    )
    app.disputes.appeal(
        OP, d, subject=PERSON, statement="see the record", occurred=date(2024, 6, 1)
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-appeals-board",
        outcome="annulled",
        reason=SECOND,
        occurred=date(2024, 6, 1),
    )
    return app, d


def test_both_decisions_keep_their_own_reason(appealed) -> None:
    app, d = appealed
    state = app.disputes.show(OP, d)
    assert (state.reviewer, state.outcome, state.reason) == (
        "rongcheng-review-board",
        "upheld",
        FIRST,
    )
    assert (state.appeal_reviewer, state.appeal_outcome, state.appeal_reason) == (
        "rongcheng-appeals-board",
        "annulled",
        SECOND,
    )
    body = DisputeView.of(state, date(2024, 6, 1)).model_dump(mode="json")
    assert body["reason"] == FIRST and body["appeal_reason"] == SECOND
    assert body["decisions"] == [
        {
            "stage": "first",
            "reviewer": "rongcheng-review-board",
            "outcome": "upheld",
            "reason": FIRST,
            "decided": "2024-06-01",
        },
        {
            "stage": "appeal",
            "reviewer": "rongcheng-appeals-board",
            "outcome": "annulled",
            "reason": SECOND,
            "decided": "2024-06-01",
        },
    ]


def test_the_access_export_shows_both_in_json_and_html(appealed) -> None:
    app, _ = appealed
    record = app.access.export(OP, PERSON).model_dump(mode="json")
    (dispute,) = record["disputes"]
    assert [x["reason"] for x in dispute["decisions"]] == [FIRST, SECOND]
    page = render_access(record)
    assert FIRST in page and SECOND in page
    assert page.index(FIRST) < page.index(SECOND)

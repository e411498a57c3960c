"""Honour boards are opt-in (issue 14, item 4): consenting subjects only, minimum fields."""

from __future__ import annotations

from datetime import date

import pytest

from socialcredit.core.errors import NotFound
from tests.conftest import OP

P = "11010519491231002X"
Q = "110105198001010016"


def honour(app, subject: str, citation: str) -> int:
    return app.lists.propose(
        OP,
        subject,
        "honour-roll",
        authority="rongcheng-credit-office",
        evidence_ref="award/1",
        occurred=date(2024, 5, 1),
        fields={"citation": citation},
    ).event


def test_only_consenting_subjects_appear_and_leave_at_once(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, Q, "person", "Li Na")
    for entry, who in ((honour(app, P, "volunteer of the year"), P), (honour(app, Q, "x"), Q)):
        app.lists.transition(
            OP,
            entry,
            "notify",
            authority="rongcheng-credit-office",
            evidence_ref="n",
            occurred=date(2024, 5, 1),
        )
        if who == P:
            mine = entry
    assert app.lists.board(OP, "honour-roll") == []  # nobody consented yet
    app.lists.consent(OP, mine, P, True, date(2024, 5, 2))
    (row,) = app.lists.board(OP, "honour-roll")
    assert row["name"] == "Wang Wei" and row["citation"] == "volunteer of the year"
    assert set(row) == {"entry", "name", "kind", "since", "until", "citation"}
    assert "Li Na" not in str(app.lists.board(OP, "honour-roll"))
    app.lists.consent(OP, mine, P, False, date(2024, 5, 3))
    assert app.lists.board(OP, "honour-roll") == []
    actions = [
        r["action"] for r in app.access.export(OP, P).model_dump(mode="json")["access_records"]
    ]
    assert actions.count("board.read") == 2  # the two reads while shown, none after
    with pytest.raises(NotFound, match="no public board"):
        app.lists.board(OP, "court-defaulters")

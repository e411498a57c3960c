"""Attacks on credit repair (issue 14) through dates: backdating and a clock set back.

tests/store/test_repair.py holds the plain refusals (before the minimum period, decided
twice, not the subject's item, granted at the deadline). Here the dates are bent: an
application dated before the minimum period, a grant dated before the application, a
refusal after the deadline with the clock set back.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialcredit.core.errors import BadInput, Conflict
from tests.conftest import OP
from tests.store.test_repair import START, P, apply, world  # noqa: F401


def test_an_application_backdated_before_the_minimum_is_refused(world) -> None:  # noqa: F811
    application, clock, judgment = world
    clock.advance(days=370)
    with pytest.raises((BadInput, Conflict)):
        apply(application, judgment, (START + timedelta(days=100)).date())


def test_a_grant_backdated_before_the_application_does_not_end_the_item_earlier(
    world,  # noqa: F811
) -> None:
    application, clock, judgment = world
    applied = apply(application, judgment, clock.advance(days=370).date())
    clock.advance(days=1)
    early = (START + timedelta(days=30)).date()
    try:
        application.repairs.decide(
            OP,
            applied.repair,
            authority="rongcheng-people-court",
            outcome="granted",
            reason="paid",
            occurred=early,
        )
    except (BadInput, Conflict):
        return  # refused: fine
    # accepted: then it ends the item from no earlier than the application
    assert (
        application.records.score(OP, P, "rongcheng", as_of=early + timedelta(days=1)).score == 950
    )


def test_a_refusal_after_the_deadline_with_the_clock_set_back_is_refused(
    world,  # noqa: F811
) -> None:
    application, clock, judgment = world
    applied = apply(application, judgment, clock.advance(days=370).date())
    clock.advance(days=7)  # granted for the subject at the deadline
    assert application.records.score(OP, P, "rongcheng").score == 1000
    clock.now -= timedelta(days=6)
    with pytest.raises(Conflict):
        application.repairs.decide(
            OP,
            applied.repair,
            authority="rongcheng-people-court",
            outcome="refused",
            reason="too late",
            occurred=clock.now.date(),
        )
    assert application.records.score(OP, P, "rongcheng").score == 1000

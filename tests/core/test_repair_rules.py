"""Credit repair as a pure state machine: properties over random timelines."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from socialcredit.core import repair
from socialcredit.core.ledger import SCORE, Event

DAY0 = date(2024, 1, 1)


def item(points: int = -50) -> Event:
    return Event(
        id=1,
        type=SCORE,
        subject="S",
        authority="court",
        occurred=DAY0,
        recorded=f"{DAY0.isoformat()}T09:00:00+00:00",
        scheme="rongcheng",
        rule="court-judgment-defaulted",
        points=points,
    )


def applied(after: int, severity: str = "general") -> Event:
    day = DAY0 + timedelta(days=after)
    e = repair.apply(
        subject="S",
        item=item(),
        item_kind="event",
        item_start=DAY0,
        severity=severity,
        existing=[],
        statement="paid",
        evidence="r/1",
        occurred=day,
        today=day,
        recorded=f"{day.isoformat()}T10:00:00+00:00",
    )
    return Event(**{**e.__dict__, "id": 2})


@given(
    after=st.integers(366, 900),
    decide_in=st.one_of(st.none(), st.integers(0, 10)),
    outcome=st.sampled_from(repair.OUTCOMES),
    probe=st.lists(st.integers(-30, 400), min_size=1, max_size=8),
)
def test_status_never_goes_back_and_a_grant_ends_at_one_day(
    after: int, decide_in: int | None, outcome: str, probe: list[int]
) -> None:
    events = [applied(after, "serious")]
    (state,) = repair.fold(events).values()
    if decide_in is not None:
        day = state.applied + timedelta(days=decide_in)
        try:
            d = repair.decide(
                state,
                authority="court",
                allowed=["court"],
                outcome=outcome,
                reason="r",
                occurred=day,
                today=day,
                recorded=f"{day.isoformat()}T11:00:00+00:00",
            )
            events.append(Event(**{**d.__dict__, "id": 3}))
        except repair.Conflict:
            assert day >= state.decide_by  # only a late decision is refused
    (state,) = repair.fold(events).values()
    days = sorted(state.applied + timedelta(days=n) for n in probe)
    granted = [state.granted_on(d) for d in days]
    seen = [g for g in granted if g is not None]
    # once granted (by decision or by the deadline), it stays granted, from one day
    assert len(set(seen)) <= 1
    first = next((i for i, g in enumerate(granted) if g is not None), len(granted))
    assert all(g is not None for g in granted[first:])
    if seen:
        assert seen[0] <= state.decide_by
    if state.outcome == repair.REFUSED:
        assert not seen and state.again_from == state.decided + repair.AGAIN_AFTER


@given(severity=st.sampled_from(repair.SEVERITIES), after=st.integers(0, 800))
def test_the_minimum_period_is_the_severity_s(severity: str, after: int) -> None:
    minimum = repair.minimum_before_repair(severity)
    from socialcredit.core.periods import add_duration

    ok = DAY0 + timedelta(days=after) >= add_duration(DAY0, minimum)
    try:
        applied(after, severity)
    except repair.Conflict:
        assert not ok
    else:
        assert ok

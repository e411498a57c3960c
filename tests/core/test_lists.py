"""The list-entry state machine and the memorandum decision tables."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialcredit.core.documents import example_decision, parse_document
from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.lists import ListDef, fold, notify, propose, remedy
from socialcredit.core.sanctions import Memorandum, Registry

DOCS = [
    parse_document(e.read_text("utf-8"))
    for e in resources.files("socialcredit").joinpath("rulebooks").iterdir()
    if e.name.endswith(".toml")
]
LISTS = {d.id: d for d in DOCS if isinstance(d, ListDef)}
MEMOS = tuple(d for d in DOCS if isinstance(d, Memorandum))
REGISTRY = Registry(MEMOS, LISTS)
COURT = LISTS["court-defaulters"]
P = "11010519491231002X"
FIELDS = {
    "case_number": "(2024) 77",
    "court": "Rongcheng",
    "judgment_date": "2024-01-01",
    "obligation": "pay 20,000 yuan",
}
TODAY = date(2030, 1, 1)
days = st.integers(0, 2000).map(lambda n: date(2020, 1, 1) + timedelta(days=n))


def entry_events(proposed, notified=None, remedied=None, d=COURT):
    kw = {"today": TODAY, "recorded": "t"}
    p = propose(
        d,
        subject=P,
        subject_kind="person",
        authority="rongcheng-people-court",
        evidence="j/1",
        occurred=proposed,
        fields=FIELDS,
        **kw,
    )
    events = [p.__class__(**{**p.__dict__, "id": 1})]
    if notified is not None:
        state = fold(events, LISTS)[1]
        n = notify(
            d, state, authority="rongcheng-people-court", evidence="n/1", occurred=notified, **kw
        )
        events.append(n.__class__(**{**n.__dict__, "id": 2}))
        if remedied is not None:
            state = fold(events, LISTS)[1]
            for i, e in enumerate(
                remedy(
                    d,
                    state,
                    authority="rongcheng-people-court",
                    evidence="r/1",
                    occurred=remedied,
                    **kw,
                ),
                start=3,
            ):
                events.append(e.__class__(**{**e.__dict__, "id": i}))
    return fold(events, LISTS)[1]


@given(days, st.integers(0, 400), days)
def test_never_in_effect_before_notice_ends_or_after_max_end(proposed, gap, as_of) -> None:
    notified = proposed + timedelta(days=gap)
    s = entry_events(proposed, notified)
    start = notified + timedelta(days=10)
    if s.in_effect(as_of):
        assert start <= as_of < s.max_end
    if start <= as_of < s.max_end:
        assert s.in_effect(as_of)
    if as_of < proposed:
        assert s.status(as_of) == "not-yet"


@given(days, st.integers(0, 30), st.integers(0, 800))
def test_removal_on_remedy_is_immediate(proposed, gap, after) -> None:
    notified = proposed + timedelta(days=gap)
    remedied = notified + timedelta(days=min(after, 700))
    s = entry_events(proposed, notified, remedied)
    assert s.remedied == s.removed == remedied
    assert s.status(remedied) == "removed"
    assert not s.in_effect(remedied)
    if remedied > notified:
        assert s.status(remedied - timedelta(days=1)) in ("notified", "in-effect")


@given(days, days, days)
def test_expiry_is_monotone(proposed, a, b) -> None:
    s = entry_events(proposed, proposed)
    early, late = min(a, b), max(a, b)
    if s.status(early) == "expired":
        assert s.status(late) == "expired"


def test_transitions_the_machine_does_not_allow() -> None:
    s = entry_events(date(2024, 1, 1))
    kw = {"authority": "rongcheng-people-court", "evidence": "r", "today": TODAY, "recorded": "t"}
    with pytest.raises(Conflict, match="only a notified or in-effect entry"):
        remedy(COURT, s, occurred=date(2024, 2, 1), **kw)
    notified = entry_events(date(2024, 1, 1), date(2024, 1, 5))
    with pytest.raises(Conflict, match="only a proposed entry"):
        notify(COURT, notified, occurred=date(2024, 1, 6), **kw)
    with pytest.raises(Conflict, match="is proposed on 2024-01-04"):
        remedy(COURT, notified, occurred=date(2024, 1, 4), **kw)
    with pytest.raises(BadInput, match="requires evidence"):
        remedy(COURT, notified, occurred=date(2024, 2, 1), **{**kw, "evidence": None})
    with pytest.raises(NotAllowed):
        remedy(COURT, notified, occurred=date(2024, 2, 1), **{**kw, "authority": "rail-police"})
    expired = entry_events(date(2020, 1, 1), date(2020, 1, 1))
    with pytest.raises(Conflict, match="expired"):
        remedy(COURT, expired, occurred=date(2023, 1, 1), **kw)


def test_required_fields_and_unknown_fields() -> None:
    kw = {
        "subject": P,
        "subject_kind": "person",
        "authority": "rongcheng-people-court",
        "evidence": "j",
        "occurred": date(2024, 1, 1),
        "today": TODAY,
        "recorded": "t",
    }
    with pytest.raises(BadInput, match="must carry obligation"):
        propose(COURT, fields={k: v for k, v in FIELDS.items() if k != "obligation"}, **kw)
    with pytest.raises(BadInput, match="has no field 'name'"):
        propose(COURT, fields={**FIELDS, "name": "Wang"}, **kw)


CASES = [(m, ex) for m in MEMOS for ex in m.examples]


@pytest.mark.parametrize(("memo", "ex"), CASES, ids=[f"{m.id}: {ex.name}" for m, ex in CASES])
def test_memorandum_example(memo, ex) -> None:
    d = example_decision(REGISTRY, ex)
    assert d.decision == ex.expect
    if ex.reasons is not None:
        assert [r.code for r in d.reasons] == list(ex.reasons)
    for r in d.reasons:
        assert r.basis and r.remedy


def test_memoranda_cover_the_required_services() -> None:
    deny = {s for m in MEMOS for c in m.clauses if c.list == "court-defaulters" for s in c.services}
    assert deny >= {
        "flight",
        "high-speed-rail",
        "luxury-hotel",
        "golf",
        "civil-service-hiring",
    }
    # A child's schooling for a parent's debt reaches someone other than the subject.
    assert "private-school-enrolment" not in {s.id for m in MEMOS for s in m.services}
    assert {"flight", "high-speed-rail"} <= {
        s for m in MEMOS for c in m.clauses if c.list == "transport-misconduct" for s in c.services
    }
    verifiers = REGISTRY.verifiers
    assert "flight" in verifiers["airline-demo"].services
    assert "high-speed-rail" in verifiers["rail-demo"].services
    assert "bike-rental-deposit-free" in verifiers["bike-demo"].services

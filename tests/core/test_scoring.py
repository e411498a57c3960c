"""Properties of scoring that must hold for any events, not just the examples."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.core.ledger import Event
from socialcredit.core.rulebook import parse_rulebook
from socialcredit.core.scoring import event_from_terms, partition, score

BOOK = parse_rulebook(
    resources.files("socialcredit").joinpath("rulebooks/rongcheng.toml").read_text("utf-8")
)
CARD = parse_rulebook(
    resources.files("socialcredit").joinpath("rulebooks/sesame.toml").read_text("utf-8")
)
SUBJECT = "11010519491231002X"
START = date(2014, 1, 1)

days = st.integers(min_value=0, max_value=3000).map(lambda n: START + timedelta(days=n))


def events_for(book, draws):
    return [
        event_from_terms(book, i, SUBJECT, rule, occurred)
        for i, (rule, occurred) in enumerate(draws, start=1)
    ]


def draws(book):
    return st.lists(st.tuples(st.sampled_from([r.code for r in book.rules]), days), max_size=40)


@given(draws(BOOK), days, st.randoms(use_true_random=False))
def test_score_is_independent_of_event_order(d, as_of, rnd) -> None:
    events = events_for(BOOK, d)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert score(BOOK, SUBJECT, events, as_of) == score(BOOK, SUBJECT, shuffled, as_of)


@given(draws(CARD), days, st.randoms(use_true_random=False))
def test_scorecard_is_independent_of_event_order(d, as_of, rnd) -> None:
    events = events_for(CARD, d)
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert score(CARD, SUBJECT, events, as_of).score == score(CARD, SUBJECT, shuffled, as_of).score


@given(draws(BOOK).filter(bool), st.data())
def test_a_reversal_cancels_exactly_its_target(d, data) -> None:
    events = events_for(BOOK, d)
    target = data.draw(st.sampled_from(events))
    as_of = data.draw(days)
    rev_day = data.draw(
        st.integers(0, max(0, (as_of - target.occurred).days)).map(
            lambda n: target.occurred + timedelta(days=n)
        )
    )
    if rev_day > as_of:
        return
    reversal = event_from_terms(BOOK, 10_000, SUBJECT, target.rule, rev_day, reverses=target.id)
    with_reversal = score(BOOK, SUBJECT, [*events, reversal], as_of)
    without_target = score(BOOK, SUBJECT, [e for e in events if e.id != target.id], as_of)
    assert with_reversal.score == without_target.score
    assert with_reversal.grade == without_target.grade
    assert {ln.event for ln in with_reversal.lines} == {ln.event for ln in without_target.lines}


@given(draws(BOOK), days, days)
def test_expiry_is_monotone_in_as_of(d, a, b) -> None:
    early, late = min(a, b), max(a, b)
    events = events_for(BOOK, d)
    expired_early = {x.event for x in partition(events, early)[1] if x.why.startswith("expired")}
    expired_late = {x.event for x in partition(events, late)[1] if x.why.startswith("expired")}
    assert expired_early <= expired_late


@given(st.lists(st.sampled_from(["drunk-driving", "city-award"]), max_size=80), days)
@settings(max_examples=50)
def test_score_is_clamped_to_the_range(rules, as_of) -> None:
    events = [event_from_terms(BOOK, i, SUBJECT, r, as_of) for i, r in enumerate(rules, start=1)]
    report = score(BOOK, SUBJECT, events, as_of)
    assert BOOK.low <= report.score <= BOOK.high
    assert report.raw == BOOK.base + sum(e.points for e in events)
    if report.raw > BOOK.high:
        assert report.score == BOOK.high


@given(draws(BOOK), days)
def test_every_counted_event_is_explained_and_sums_to_the_score(d, as_of) -> None:
    events = events_for(BOOK, d)
    report = score(BOOK, SUBJECT, events, as_of)
    assert report.raw == report.base + sum(ln.points for ln in report.lines)
    assert len(report.lines) + len(report.excluded) == len(events)
    for ln in report.lines:
        assert ln.occurred <= as_of and (ln.ends is None or as_of < ln.ends)


@given(draws(BOOK), days)
def test_caps_only_ever_lower_the_grade(d, as_of) -> None:
    report = score(BOOK, SUBJECT, events_for(BOOK, d), as_of)
    assert BOOK.grade_rank(report.grade) >= BOOK.grade_rank(report.uncapped_grade)
    assert report.capped == (report.grade != report.uncapped_grade)
    if any(ln.rule == "drunk-driving" for ln in report.lines):
        assert BOOK.grade_rank(report.grade) >= BOOK.grade_rank("C")


def test_other_subjects_and_schemes_never_leak_in() -> None:
    mine = event_from_terms(BOOK, 1, SUBJECT, "city-award", date(2020, 1, 1))
    other = Event(**{**mine.__dict__, "id": 2, "subject": "110105198001010016"})
    other_scheme = Event(**{**mine.__dict__, "id": 3, "scheme": "village"})
    report = score(BOOK, SUBJECT, [mine, other, other_scheme], date(2020, 6, 1))
    assert [ln.event for ln in report.lines] == [1]


def test_unicode_digits_in_an_id_are_a_clean_error() -> None:
    """Regression (found by the parser fuzzer): '¹' passed str.isdigit() and crashed int()."""
    import pytest

    from socialcredit.core.ids import IdError, normalize_resident_id, normalize_subject_id

    for bad in ("¹1010519491231002X", "11010519491231002¹", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"):
        with pytest.raises(IdError):
            normalize_resident_id(bad)
        with pytest.raises(IdError):
            normalize_subject_id(bad)


def test_non_ascii_case_mapping_in_an_id_is_a_clean_error() -> None:
    """Regression (found by the parser fuzzer): 'ǰ'.upper() is two characters long."""
    import pytest

    from socialcredit.core.ids import IdError, normalize_subject_id

    for bad, kind in (
        ("91371082YAL5JU0FHǰ", "organisation"),
        ("91371082YAL5JU0FHǰ", None),
        ("11010519491231002ǰ", "person"),
    ):
        with pytest.raises(IdError):
            normalize_subject_id(bad, kind)

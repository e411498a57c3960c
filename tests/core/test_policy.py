"""The catalogue gate, publication dates and the examples runner (core/policy/).

Every test starts from the shipped documents, changes one thing and asserts the exact
(path, code) findings, so a check that fires too often is caught as surely as one that
does not fire at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialcredit.core.documents import check_documents, parse_document, refusal
from socialcredit.core.errors import PolicyRefused, RulebookInvalid
from socialcredit.core.periods import Duration
from socialcredit.core.policy.catalogue import Entry, fits, parse_catalogue
from socialcredit.core.policy.gate import rule_problems

FOLDER = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"
SHIPPED = {p.name: p.read_text("utf-8") for p in sorted(FOLDER.glob("*.toml"))}
CONTEXT = [parse_document(t) for t in SHIPPED.values()]
TODAY = date(2026, 11, 29)


def found(name: str, text: str, today: date = TODAY, **kw: object) -> list[tuple[str, str]]:
    context = [d for n, d in zip(SHIPPED, CONTEXT, strict=True) if n != name]
    return [
        (f.finding.path, f.finding.code)
        for f in check_documents([(name, text)], context, today=today, **kw)  # type: ignore[arg-type]
        if f.finding.severity == "error"
    ]


def edit(name: str, old: str, new: str) -> str:
    text = SHIPPED[name]
    assert old in text, old
    return text.replace(old, new, 1)


def test_every_shipped_document_passes_and_carries_examples() -> None:
    files = list(SHIPPED.items())
    assert {"catalogue.toml", "measures.toml"} <= set(SHIPPED)
    assert check_documents(files, today=TODAY) == []
    for doc in CONTEXT:
        assert doc.examples, doc
    kinds = {type(d).__name__ for d in CONTEXT}
    assert kinds == {"Rulebook", "ListDef", "Memorandum", "Catalogue", "MeasuresList"}


def test_every_shipped_rule_cites_a_catalogue_entry_and_every_clause_a_measure() -> None:
    for doc in CONTEXT:
        for r in getattr(doc, "rules", ()):
            assert r.conduct, (doc, r.code)
        for c in getattr(doc, "clauses", ()):
            assert c.measure, (doc, c.id)


# -- rules against the catalogue --------------------------------------------------------
def test_a_rule_citing_no_entry_is_refused() -> None:
    text = edit("rongcheng.toml", 'conduct = "volunteer-service"\n', "")
    assert found("rongcheng.toml", text) == [("rules[6].conduct", "no-catalogue-entry")]


def test_a_rule_beyond_its_bounds_or_from_the_wrong_authority_is_refused_with_every_reason() -> (
    None
):
    text = edit(
        "rongcheng.toml",
        'points = -5\ncategory = "traffic"',
        'points = -20\ncategory = "traffic"',
    )
    text = text.replace(
        'lasts = "P1Y"\nauthorities = ["rongcheng-traffic-police"]\nexcusing',
        'lasts = "P2Y"\nauthorities = ["rongcheng-credit-office"]\nexcusing',
    )
    got = found("rongcheng.toml", text)
    assert ("rules[0].points", "exceeds-points") in got
    assert ("rules[0].lasts", "exceeds-duration") in got
    assert ("rules[0].authorities", "authority-kind-not-allowed") in got
    # ... and the examples that relied on -5 fail too, each named
    assert ("examples[1]", "example-failed") in got


def test_an_unknown_catalogue_reference_is_bad_input() -> None:
    text = edit("rongcheng.toml", 'conduct = "city-award"', 'conduct = "loyalty"')
    f = check_documents([("rongcheng.toml", text)], CONTEXT, today=TODAY)
    assert [(x.finding.path, x.finding.code) for x in f] == [
        ("rules[4].conduct", "unknown-conduct")
    ]
    err = refusal(f)
    assert isinstance(err, RulebookInvalid) and err.exit_code == 2
    assert "rongcheng.toml: rules[4].conduct: unknown-conduct" in err.message


def test_a_malformed_catalogue_names_file_and_field() -> None:
    bad = edit("catalogue.toml", 'severity = "minor"', 'severity = "trivial"')
    f = check_documents([("catalogue.toml", bad)], CONTEXT, today=TODAY)
    assert [(x.finding.path, x.finding.code) for x in f] == [("entries[0].severity", "structure")]
    assert isinstance(refusal(f), RulebookInvalid)


def test_whose_can_only_be_self() -> None:
    bad = edit("catalogue.toml", 'whose = "self"\nseverity', 'whose = "household"\nseverity')
    with pytest.raises(RulebookInvalid, match=r"entries\[0\]\.whose: must be 'self'"):
        parse_catalogue(bad)


def test_a_bogus_catalogue_entry_is_refused_by_its_own_validation() -> None:
    bogus = edit(
        "catalogue.toml",
        '[[entries]]\nid = "traffic-violation"',
        '[[entries]]\nid = "party-loyalty"\nconduct = "Loyalty to the party"\n'
        'legal_basis = "Party discipline"\nrecorded_by = ["credit-office"]\n'
        'severity = "serious"\ndirection = "positive"\nmost_points = 50\nlongest = "P10Y"\n\n'
        '[[entries]]\nid = "traffic-violation"',
    )
    got = set(found("catalogue.toml", bogus))
    assert {
        ("entries[0].legal_basis", "no-article"),
        ("entries[0].conduct", "protected-ground"),
        ("entries[0].longest", "too-long-for-severity"),
    } <= got


# -- memoranda against the measures list ------------------------------------------------
def test_throttling_a_defaulters_internet_is_refused() -> None:
    """The issue's case: a memorandum carrying a court list into telecommunications."""
    text = (
        SHIPPED["memo-joint-sanctions.toml"]
        + """
[[services]]
id = "internet"
sector = "telecommunications"
title = "Home broadband"

[[clauses]]
id = "court-defaulters-internet"
effect = "deny"
measure = "restrict-high-consumption"
list = "court-defaulters"
services = ["internet"]
legal_basis = "Local measures art. 3"
"""
    )
    assert found("memo-joint-sanctions.toml", text) == [("clauses[4].services", "unrelated-sector")]


def test_clauses_without_or_with_the_wrong_measure_are_refused() -> None:
    no_measure = edit("memo-joint-sanctions.toml", 'measure = "restrict-civil-service"\n', "")
    assert found("memo-joint-sanctions.toml", no_measure) == [("clauses[1].measure", "no-measure")]
    unknown = edit("memo-joint-sanctions.toml", '"restrict-civil-service"', '"restrict-anything"')
    f = check_documents([("m.toml", unknown)], CONTEXT, today=TODAY)
    assert [(x.finding.path, x.finding.code) for x in f] == [
        ("clauses[1].measure", "unknown-measure")
    ]
    assert isinstance(refusal(f), RulebookInvalid)
    wrong = edit(
        "memo-joint-sanctions.toml", '"restrict-civil-service"', '"restrict-public-procurement"'
    )
    got = found("memo-joint-sanctions.toml", wrong)
    assert ("clauses[1].services", "unrelated-sector") in got
    assert ("clauses[1].measure", "measure-not-for-conduct") in got
    benefit = edit(
        "memo-joint-sanctions.toml", '"restrict-civil-service"', '"simplified-procurement"'
    )
    assert ("clauses[1].effect", "wrong-effect") in found("memo-joint-sanctions.toml", benefit)


def test_a_childs_schooling_for_a_parents_debt_cannot_be_published() -> None:
    text = (
        SHIPPED["memo-joint-sanctions.toml"]
        + """
[[services]]
id = "private-school-enrolment"
sector = "education"
title = "Enrolment of children in high-fee private schools"
"""
    )
    text = text.replace(
        'services = ["flight", "high-speed-rail", "luxury-hotel", "golf"]',
        'services = ["flight", "high-speed-rail", "luxury-hotel", "golf",'
        ' "private-school-enrolment"]',
    )
    got = found("memo-joint-sanctions.toml", text)
    assert ("clauses[0].services", "unrelated-sector") in got  # the gate
    assert ("services[6].title", "others-conduct") in got  # the second line


def test_a_list_cites_conduct_within_its_bounds() -> None:
    assert found(
        "list-court-defaulters.toml",
        edit("list-court-defaulters.toml", 'conduct = ["court-judgment-defaulted"]\n', ""),
    ) == [("conduct", "no-catalogue-entry")]
    longer = edit("list-transport-misconduct.toml", 'max_duration = "P1Y"', 'max_duration = "P2Y"')
    got = found("list-transport-misconduct.toml", longer)
    assert ("max_duration", "exceeds-duration") in got
    red = edit("list-honour-roll.toml", '["city-award"]', '["traffic-violation"]')
    got = found("list-honour-roll.toml", red)
    assert ("conduct", "wrong-direction") in got
    assert ("authorities[0].kind", "authority-kind-not-allowed") in got


# -- examples ---------------------------------------------------------------------------
def test_an_example_expecting_a_wrong_score_refuses_the_document() -> None:
    text = edit("rongcheng.toml", "expect_score = 995", "expect_score = 1234")
    f = check_documents([("rongcheng.toml", text)], CONTEXT, today=TODAY)
    assert [(x.finding.path, x.finding.code) for x in f] == [("examples[1]", "example-failed")]
    assert "expected score 1234, got 995" in f[0].finding.message
    err = refusal(f)
    assert isinstance(err, PolicyRefused) and err.exit_code == 1


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("list-court-defaulters.toml", 'expect_status = "notified"', 'expect_status = "in-effect"'),
        (
            "memo-rewards.toml",
            'expect = "allow"\nscores = { sesame = 665 }',
            'expect = "benefit"\nscores = { sesame = 665 }',
        ),
        (
            "catalogue.toml",
            'points = -50\nlasts = "P1Y"\nauthority_kind = "police"\nexpect = "refuse"',
            'points = -50\nlasts = "P1Y"\nauthority_kind = "police"\nexpect = "accept"',
        ),
        (
            "measures.toml",
            'sector = "telecommunications"\nexpect = "refuse"',
            'sector = "telecommunications"\nexpect = "accept"',
        ),
    ],
)
def test_every_kind_runs_its_own_examples(name: str, old: str, new: str) -> None:
    assert found(name, edit(name, old, new)) == [
        ("examples[" + _index(name, old) + "]", "example-failed")
    ]


def _index(name: str, old: str) -> str:
    head = SHIPPED[name][: SHIPPED[name].index(old)]
    return str(head.count("[[examples]]") - 1)


# -- publication dates ------------------------------------------------------------------
BACKDATED = (
    SHIPPED["rongcheng.toml"]
    .replace('version = "2014.1"', 'version = "2014.9"')
    .replace("published = 2013-12-20\n", "")
    .replace("effective = 2014-01-01", "effective = 2015-01-01")
    .replace("base = 1000", "base = 700")
)
# The same new version without the base change: only its dates are in question.
REDATED = BACKDATED.replace("base = 700", "base = 1000")


def test_the_backdated_rongcheng_attack_is_refused_with_what_it_would_change() -> None:
    got = found("new.toml", BACKDATED, declared_dates=False)
    assert ("effective", "effective-before-publication") in got
    assert ("base", "changes-the-past") in got
    f = check_documents([("new.toml", BACKDATED)], CONTEXT, today=TODAY, declared_dates=False)
    msg = next(x.finding.message for x in f if x.finding.code == "changes-the-past")
    assert "base 1000 -> 700 for 2015-01-01..2026-11-28" in msg


def test_a_declared_date_does_not_help_at_publication() -> None:
    text = REDATED.replace(
        "effective = 2015-01-01", "published = 2014-12-01\neffective = 2015-01-01"
    )
    assert found("new.toml", text, declared_dates=True) == []  # offline: as declared
    assert ("effective", "effective-before-publication") in found(
        "new.toml", text, declared_dates=False
    )
    future = text.replace("published = 2014-12-01", "published = 2027-01-01")
    assert ("published", "published-in-future") in found("new.toml", future)


def test_a_version_effective_from_today_is_accepted() -> None:
    text = REDATED.replace("effective = 2015-01-01", f"effective = {TODAY}")
    assert found("new.toml", text, declared_dates=False) == []


# -- invariants -------------------------------------------------------------------------
ENTRY = Entry(
    id="e",
    conduct="x",
    legal_basis="Law art. 1",
    recorded_by=("police",),
    severity="general",
    direction="negative",
    most_points=20,
    longest=Duration(months=12),
    measures=(),
)


@given(
    points=st.integers(-100, 0),
    months=st.integers(0, 36),
    days=st.integers(0, 400),
    kind=st.sampled_from(["police", "court", "credit-office"]),
)
def test_a_rule_fits_its_entry_exactly_when_within_every_bound(
    points: int, months: int, days: int, kind: str
) -> None:
    lasts = Duration(months=months, days=days)
    got = {code for _, code, _ in rule_problems(ENTRY, points, lasts, [("a", kind)])}
    within = abs(points) <= 20 and fits(lasts, ENTRY.longest) and kind == "police"
    assert (got == set()) == within
    assert ("exceeds-points" in got) == (abs(points) > 20)


@given(st.integers(0, 60), st.integers(0, 100), st.integers(0, 60), st.integers(0, 100))
def test_fits_is_never_longer_from_any_start(m1: int, d1: int, m2: int, d2: int) -> None:
    from socialcredit.core.periods import add_duration

    a, b = Duration(m1, d1), Duration(m2, d2)
    if fits(a, b):
        for start in (date(2023, 1, 31), date(2024, 2, 1), date(2024, 2, 29), date(2025, 7, 1)):
            assert add_duration(start, a) <= add_duration(start, b)

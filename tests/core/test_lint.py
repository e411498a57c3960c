"""The policy validator refuses what the reporting shows going wrong, and nothing else.

Every test starts from a small valid rulebook, applies one modification and asserts the
exact (path, code) findings, so a check that fires too often is caught as surely as one
that does not fire at all.
"""

from __future__ import annotations

import json
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.core.errors import RulebookInvalid
from socialcredit.core.policy import Finding, LintConfig, lint, render
from socialcredit.core.rulebook import document_kind, parse_rulebook

GRADES = """
[[grades]]
grade = "A"
min = 150

[[grades]]
grade = "B"
min = 100
max = 149

[[grades]]
grade = "C"
max = 99
"""

POINTS = (
    """
scheme = "t"
title = "Test scheme"
version = "1"
effective = 2020-01-01
publisher = "Test office"
legal_basis = "Test Measures art. 1"
kind = "points"
subjects = "person"
base = 100
range = [0, 200]
"""
    + GRADES
    + """
[[authorities]]
id = "office"
name = "Test office"

[[rules]]
code = "award"
title = "Department award"
points = 10
category = "award"
legal_basis = "Measures art. 2"
evidence = ["certificate"]
lasts = "P1Y"
authorities = ["office"]

[[rules]]
code = "ticket"
title = "Traffic ticket"
points = -5
category = "traffic"
legal_basis = "Measures art. 3"
evidence = ["ticket"]
lasts = "P1Y"
authorities = ["office"]

[[perks]]
code = "bike"
title = "Bike without deposit"
grades = ["A"]

[[perks]]
code = "loan"
title = "Better loan terms"
min_score = 120
"""
)

SCORECARD = """
scheme = "card"
title = "Test scorecard"
version = "1"
effective = 2020-01-01
publisher = "Test bureau"
legal_basis = "Credit Reporting Regulation art. 13"
kind = "scorecard"
base = 350
range = [350, 950]

[[grades]]
grade = "high"
min = 650

[[grades]]
grade = "low"
max = 649

[[authorities]]
id = "bureau"

[[rules]]
code = "paid"
title = "Bill paid on time"
category = "credit-history"
legal_basis = "art. 13"
evidence = ["creditor-statement"]
lasts = "P2Y"
authorities = ["bureau"]

[[rules]]
code = "overdue"
title = "Bill overdue by more than 30 days"
category = "credit-history"
legal_basis = "art. 16"
evidence = ["creditor-statement"]
lasts = "P2Y"
authorities = ["bureau"]

[[factors]]
code = "payment"
title = "Credit history: share of bills paid on time"
category = "credit-history"
measure = "ratio"
numerator = ["paid"]
denominator = ["paid", "overdue"]
empty_points = 100
bins = [{ from = 0, points = 0 }, { from = 50, points = 300 }, { from = 90, points = 600 }]

[[perks]]
code = "small-loan"
title = "Small loan"
min_score = 600
"""

Found = list[tuple[str, str]]


def edit(base: str, *changes: tuple[str, str], add: str = "") -> str:
    """``base`` with each (old, new) replaced (old must occur exactly once), plus ``add``."""
    text = base
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text + add


def _toml(value: object) -> str:
    if isinstance(value, bool | int):
        return str(value).lower()
    if isinstance(value, str):
        return json.dumps(value)
    assert isinstance(value, list | tuple)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


def table(name: str, **fields: object) -> str:
    """One ``[[name]]`` table; a field given as None is left out."""
    body = "".join(f"{k} = {_toml(v)}\n" for k, v in fields.items() if v is not None)
    return f"\n[[{name}]]\n{body}"


def rule(**over: object) -> str:
    """A valid negative rule; keyword arguments override or (with None) remove fields."""
    fields: dict[str, object] = {
        "code": "x",
        "title": "Littering fine",
        "points": -5,
        "category": "public-order",
        "legal_basis": "Measures art. 9",
        "evidence": ["penalty-decision"],
        "lasts": "P1Y",
        "authorities": ["office"],
    }
    fields.update(over)
    return table("rules", **fields)


def factor(**over: object) -> str:
    fields: dict[str, object] = {
        "code": "f",
        "title": "Records",
        "category": "history",
        "measure": "count",
        "numerator": ["paid"],
    }
    fields.update(over)
    return table("factors", **fields) + "bins = [{ from = 0, points = 0 }]\n"


def found(text: str, config: LintConfig | None = None) -> Found:
    return [(f.path, f.code) for f in lint(parse_rulebook(text), config)]


def errors(text: str) -> Found:
    return [(f.path, f.code) for f in lint(parse_rulebook(text)) if f.severity == "error"]


# -- the valid bases ----------------------------------------------------------------------
def test_valid_bases_have_no_findings() -> None:
    assert lint(parse_rulebook(POINTS)) == []
    assert lint(parse_rulebook(SCORECARD)) == []
    assert lint(parse_rulebook(POINTS), LintConfig()) == []


# -- legal basis, evidence, authorities -----------------------------------------------------
def test_no_legal_basis_on_the_book_and_on_a_rule() -> None:
    text = edit(
        POINTS,
        ('legal_basis = "Test Measures art. 1"\n', ""),
        ('legal_basis = "Measures art. 3"', 'legal_basis = "  "'),
    )
    assert found(text) == [
        ("legal_basis", "no-legal-basis"),
        ("rules[1].legal_basis", "no-legal-basis"),
    ]


def test_rule_without_evidence() -> None:
    assert found(POINTS + rule(evidence=[])) == [("rules[2].evidence", "no-evidence")]
    assert found(POINTS + rule(evidence=None)) == [("rules[2].evidence", "no-evidence")]


def test_unknown_and_missing_authorities() -> None:
    assert found(POINTS + rule(authorities=["office", "secret-police"])) == [
        ("rules[2].authorities", "unknown-authority")
    ]
    assert found(POINTS + rule(authorities=[])) == [("rules[2].authorities", "no-authority")]


# -- every negative effect ends -------------------------------------------------------------
def test_negative_rule_without_lasts_is_unbounded() -> None:
    assert found(POINTS + rule(lasts=None)) == [("rules[2].lasts", "unbounded-penalty")]
    # A reward without an end is not a penalty.
    assert found(POINTS + rule(points=5, lasts=None)) == []
    # A cap is a penalty whatever the points.
    assert found(POINTS + rule(points=0, lasts=None, cap_grade="B")) == [
        ("rules[2].lasts", "unbounded-penalty")
    ]


def test_negative_rule_longer_than_the_limit() -> None:
    six = POINTS + rule(lasts="P6Y")
    assert found(six) == [("rules[2].lasts", "penalty-too-long")]
    assert found(six, LintConfig(max_negative_lasts_days=7 * 366)) == []
    assert found(POINTS + rule(lasts="P5Y")) == []
    assert found(POINTS + rule(lasts="P60M")) == []
    assert found(POINTS + rule(lasts="P5Y1D")) == [("rules[2].lasts", "penalty-too-long")]
    assert found(POINTS + rule(points=5, lasts="P10Y")) == []
    msg = lint(parse_rulebook(six))[0].message
    assert "P6Y" in msg and "5 years" in msg


def test_scorecard_records_need_a_window_and_counted_against_rules_are_penalties() -> None:
    no_window = edit(
        SCORECARD,
        (
            'lasts = "P2Y"\nauthorities = ["bureau"]\n\n[[rules]]',
            'authorities = ["bureau"]\n\n[[rules]]',
        ),
    )
    assert found(no_window) == [("rules[0].lasts", "unbounded-record")]
    # "overdue" is only in a denominator: it counts against the subject.
    long_overdue = edit(
        SCORECARD,
        (
            'lasts = "P2Y"\nauthorities = ["bureau"]\n\n[[factors]]',
            'lasts = "P6Y"\nauthorities = ["bureau"]\n\n[[factors]]',
        ),
    )
    assert found(long_overdue) == [("rules[1].lasts", "penalty-too-long")]
    long_paid = edit(
        SCORECARD,
        (
            'lasts = "P2Y"\nauthorities = ["bureau"]\n\n[[rules]]',
            'lasts = "P6Y"\nauthorities = ["bureau"]\n\n[[rules]]',
        ),
    )
    assert found(long_paid) == []


# -- protected grounds ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "wording", "ground"),
    [
        ("category", "religion", "religion"),
        ("title", "Attends an unregistered church", "religion"),
        ("title", "Practises Falun Gong", "religion"),
        ("title", "Holds beliefs contrary to policy", "belief"),
        ("title", "Feudal superstition", "belief"),
        ("title", "Expresses a dissenting political opinion", "political opinion"),
        ("category", "political-opinion", "political opinion"),
        ("title", "Is of Uyghur nationality", "ethnicity"),
        ("description", "Applies to members of a national minority", "ethnicity"),
        ("title", "Has a chronic illness", "health"),
        ("category", "health", "health"),
        ("title", "HIV status disclosed", "health"),
        ("title", "Pregnancy outside the plan", "health"),
        ("title", "Is homosexual", "sexuality"),
        ("category", "sexual-orientation", "sexuality"),
        ("title", "Posting criticism of the government online", "speech"),
        ("title", "Spreading rumours on social media", "speech"),
        ("category", "speech", "speech"),
        ("title", "Petitioning higher authorities", "petitions to authorities"),
        ("title", "Complaint to higher authorities", "petitions to authorities"),
        ("code", "xinfang-visit", "petitions to authorities"),
        ("title", "Took part in a protest", "association or assembly"),
        ("title", "Joins an unregistered association", "association or assembly"),
        ("title", "Union organising at the workplace", "association or assembly"),
        ("category", "illegal-gathering", "association or assembly"),
    ],
)
def test_protected_grounds_are_refused(field: str, wording: str, ground: str) -> None:
    text = POINTS + rule(**{field: wording})
    assert found(text) == [(f"rules[2].{field}", "protected-ground")]
    (finding,) = lint(parse_rulebook(text))
    assert f"({ground})" in finding.message and finding.severity == "error"


def test_one_field_on_two_grounds_gives_two_findings_naming_each() -> None:
    text = POINTS + rule(title="Member of an ethnic minority association")
    fs = lint(parse_rulebook(text))
    assert [(f.path, f.code) for f in fs] == [("rules[2].title", "protected-ground")] * 2
    assert {f.message.split("(")[1].split(")")[0] for f in fs} == {
        "ethnicity",
        "association or assembly",
    }
    assert any("'ethnic'" in f.message for f in fs)


def test_words_are_matched_whole_and_fields_separately() -> None:
    # "party" is not "party membership"; "temple" inside "contemplate" is no word.
    assert found(POINTS + rule(title="Third-party liability not insured")) == []
    assert found(POINTS + rule(title="Failure to contemplate fire exits")) == []
    # A code ending in "party" and a title starting with "membership" do not combine.
    assert found(POINTS + rule(code="party", title="Membership fee unpaid")) == []


@pytest.mark.parametrize(
    ("title", "category", "points"),
    [
        ("Fine for unsanitary products or premises", "food-safety", -5),
        ("Fine for substandard products", "product-quality", -5),
        ("Food handler without a health certificate", "food-safety", -5),
        ("Workplace health and safety violation", "work-safety", -5),
        ("Caring for one's elderly parents", "family-care", 5),
        ("Caring for disabled relatives", "family-care", 5),
        ("Helping neighbours in need (harvest, repairs, care)", "mutual-aid", 5),
        ("Helping family in hard times", "award", 5),
        ("Spreading false terrorism information", "transport", -5),
        ("Causing trouble on a flight", "transport", -5),
        ("All taxes of the fiscal year paid on time", "tax", 5),
        ("Taxes overdue by more than 90 days", "tax", -5),
        ("Employer not paying social insurance", "labour", -5),
        ("Bad-faith litigation", "judicial", -5),
        ("Adverse audit opinion", "accounting", -5),
        ("Defrauding minority shareholders", "securities", -5),
        ("Sexual harassment finding against the employer", "labour", -5),
        ("Commercial bill protested for non-payment", "finance", -5),
        ("Failure to fulfil an effective court judgment", "judicial", -5),
        ("Registered volunteer service", "volunteering", 5),
    ],
)
def test_lawful_rules_are_not_flagged(title: str, category: str, points: int) -> None:
    assert found(POINTS + rule(title=title, category=category, points=points)) == []


# -- someone else's conduct -------------------------------------------------------------------
@pytest.mark.parametrize(
    "title",
    [
        "Relative's unpaid debt",
        "Relatives of a judgment defaulter",
        "Family member's conviction",
        "Spouse's tax arrears",
        "Parent's debt",
        "Child's truancy",
        "Friends post rumours",
        "Contacts on the defaulter list",
        "Associates with low scores",
        "Guilt by association",
        "Household member on a blacklist",
        "Scores of people you know",
        "Social network standing",
    ],
)
def test_others_conduct_wording_is_refused(title: str) -> None:
    fs = found(POINTS + rule(title=title))
    assert ("rules[2].title", "others-conduct") in fs
    assert {c for _, c in fs} <= {"others-conduct", "protected-ground"}


def test_others_conduct_by_declaration() -> None:
    text = POINTS + rule(title="Unpaid debt", conduct_of="family")
    with pytest.raises(RulebookInvalid, match=r"conduct_of: must be the subject's own"):
        found(text)  # refused by construction: it does not even parse
    assert found(POINTS + rule(title="Unpaid debt", conduct_of="subject")) == []


def test_the_subjects_own_care_for_others_is_their_own_conduct() -> None:
    for title in ("Caring for parents", "Treating neighbours well", "Supporting one's parents"):
        assert found(POINTS + rule(title=title, points=5)) == []
    # ... but blanking the care phrase does not hide anything else in the field.
    assert found(POINTS + rule(title="Supporting relatives' debts")) == [
        ("rules[2].title", "others-conduct")
    ]
    assert found(POINTS + rule(title="Helping neighbours attend church", points=5)) == [
        ("rules[2].title", "protected-ground")
    ]


def test_scorecard_social_graph_and_preference_factors_are_refused() -> None:
    graph = SCORECARD + factor(code="graph", title="Interpersonal relationships")
    assert found(graph) == [("factors[1].title", "others-conduct")]
    pref = SCORECARD + factor(
        code="habits", title="Behaviour and preference", category="behaviour-preference"
    )
    assert found(pref) == [
        ("factors[1].category", "preference-profiling"),
        ("factors[1].title", "preference-profiling"),
    ]


@pytest.mark.parametrize(
    "title",
    ["Shopping habits", "Buys video games for more than 10 hours", "Luxury purchases", "Lifestyle"],
)
def test_preference_profiling_rules_are_refused(title: str) -> None:
    assert found(SCORECARD + rule(title=title, authorities=["bureau"])) == [
        ("rules[2].title", "preference-profiling")
    ]


# -- factors --------------------------------------------------------------------------------
def test_factor_unknown_rules_and_ratio_without_denominator() -> None:
    text = SCORECARD + factor(numerator=["paid", "ghost"], denominator=["phantom"])
    assert found(text) == [
        ("factors[1].denominator", "unknown-rule"),
        ("factors[1].numerator", "unknown-rule"),
    ]
    assert found(SCORECARD + factor(measure="ratio")) == [("factors[1].denominator", "bad-factor")]


# -- grades, caps, perks --------------------------------------------------------------------
def test_unknown_cap_grade_and_perk_grade() -> None:
    assert found(POINTS + rule(cap_grade="Z")) == [("rules[2].cap_grade", "unknown-grade")]
    text = edit(POINTS, ('grades = ["A"]', 'grades = ["A", "AAAA"]'))
    assert found(text) == [("perks[0].grades", "unknown-grade")]


def test_cap_at_the_top_grade_is_a_warning() -> None:
    fs = lint(parse_rulebook(POINTS + rule(cap_grade="A")))
    assert [(f.path, f.code, f.severity) for f in fs] == [
        ("rules[2].cap_grade", "cap-no-effect", "warning")
    ]


def test_grades_above_base_are_unreachable_without_positive_rules() -> None:
    text = edit(POINTS, ("points = 10", "points = 0"))
    assert found(text) == [
        ("grades[0]", "unreachable-grade"),
        ("perks[0].grades", "unreachable-perk"),
        ("perks[1].min_score", "unreachable-perk"),
    ]


def test_grades_below_base_need_a_negative_rule_or_a_cap() -> None:
    no_negative = edit(POINTS, ("points = -5", "points = 0"))
    assert found(no_negative) == [("grades[2]", "unreachable-grade")]
    capped = edit(POINTS, ("points = -5", 'points = 0\ncap_grade = "C"'))
    assert found(capped) == []


def test_scorecard_reachability_uses_bins_and_empty_points() -> None:
    # Bins reach 350..950; a grade entirely above 950 or a perk at 960 is out of reach.
    text = edit(
        SCORECARD,
        (
            'grade = "high"\nmin = 650',
            'grade = "top"\nmin = 951\n\n[[grades]]\ngrade = "high"\nmin = 650\nmax = 950',
        ),
        ("min_score = 600", "min_score = 960"),
    )
    assert found(text) == [
        ("grades[0]", "unreachable-grade"),
        ("perks[0].min_score", "unreachable-perk"),
    ]
    # Without the top bin the scorecard cannot reach "high" (max 350 + 300 = 650 still can).
    lower = edit(
        SCORECARD, (", { from = 90, points = 600 }", ""), ("empty_points = 100", "empty_points = 0")
    )
    assert found(lower) == []
    lowest = edit(lower, ("points = 300 }", "points = 200 }"))
    assert found(lowest) == [
        ("grades[0]", "unreachable-grade"),
        ("perks[0].min_score", "unreachable-perk"),
    ]


# -- brackets -------------------------------------------------------------------------------
def test_bracket_overlap_gap_order_and_base() -> None:
    assert found(edit(POINTS, ("max = 149", "max = 150"))) == [("grades[0]", "bracket-overlap")]
    assert found(edit(POINTS, ("min = 100", "min = 101"))) == [("grades[1]", "bracket-gap")]
    assert found(edit(POINTS, ("max = 99", "max = 98"))) == [("grades[1]", "bracket-gap")]
    assert found(edit(POINTS, ("min = 150", "min = 150\nmax = 190"))) == [("grades", "bracket-gap")]
    reversed_grades = "".join(
        "\n[[grades]]" + block for block in reversed(GRADES.split("\n[[grades]]")[1:])
    )
    assert found(edit(POINTS, (GRADES, reversed_grades))) == [("grades", "bracket-order")]
    assert found(edit(POINTS, ("base = 100", "base = 300"))) == [("base", "base-out-of-range")]


def test_empty_bracket_is_unreachable_and_leaves_a_gap() -> None:
    text = edit(POINTS, ("min = 100\nmax = 149", "min = 149\nmax = 100"))
    assert found(text) == [("grades[0]", "bracket-gap"), ("grades[1]", "unreachable-grade")]


@settings(max_examples=150, deadline=None)
@given(
    low=st.integers(-1000, 1000),
    widths=st.lists(st.integers(1, 40), min_size=1, max_size=7),
    open_ends=st.tuples(st.booleans(), st.booleans()),
    data=st.data(),
)
def test_contiguous_partitions_pass_and_one_shifted_boundary_fails_once(
    low: int, widths: list[int], open_ends: tuple[bool, bool], data: st.DataObject
) -> None:
    spans: list[tuple[int, int]] = []  # ascending
    start = low
    for w in widths:
        spans.append((start, start + w - 1))
        start += w
    high = spans[-1][1]
    if high == low:  # the parser needs low < high
        spans[-1] = (spans[-1][0], high + 1)
        high += 1

    def book(spans: list[tuple[int, int]]) -> str:
        blocks = []
        for n, (lo, hi) in reversed(list(enumerate(spans))):  # best (highest) first
            lo_v = None if (n == 0 and open_ends[0]) else lo
            hi_v = None if (n == len(spans) - 1 and open_ends[1]) else hi
            blocks.append(table("grades", grade=f"G{n}", min=lo_v, max=hi_v))
        return edit(
            POINTS,
            (GRADES, "".join(blocks)),
            ("base = 100", f"base = {low}"),
            ("range = [0, 200]", f"range = [{low}, {high}]"),
            ('grades = ["A"]', f'grades = ["G{len(spans) - 1}"]'),
            ("min_score = 120", f"min_score = {high}"),
        )

    def bracket_codes(text: str) -> list[str]:
        return [c for _, c in found(text) if c.startswith("bracket")]

    assert found(book(spans)) == []
    if len(spans) < 2:
        return
    k = data.draw(st.integers(0, len(spans) - 2), label="boundary")
    delta = data.draw(st.sampled_from([-1, 1]), label="delta")
    shifted = list(spans)
    if data.draw(st.booleans(), label="move the upper end of the lower grade"):
        shifted[k] = (spans[k][0], spans[k][1] + delta)
        expect = "bracket-overlap" if delta == 1 else "bracket-gap"
    else:
        shifted[k + 1] = (spans[k + 1][0] + delta, spans[k + 1][1])
        expect = "bracket-overlap" if delta == -1 else "bracket-gap"
    assert bracket_codes(book(shifted)) == [expect]


# -- ordering and rendering -----------------------------------------------------------------
def test_findings_are_ordered_by_path_with_numeric_indices() -> None:
    extra = "".join(rule(code=f"r{i}", evidence=[]) for i in range(10))
    paths = [p for p, _ in found(POINTS + extra)]
    assert paths == [f"rules[{i}].evidence" for i in range(2, 12)]


def test_empty_excusing_circumstance_is_a_warning() -> None:
    fs = lint(parse_rulebook(POINTS + rule(excusing=["hospitalisation", " "])))
    assert [(f.path, f.code, f.severity) for f in fs] == [
        ("rules[2].excusing", "empty-excusing", "warning")
    ]
    # Excusing circumstances are not scanned: a hospital stay excuses, it is not scored.
    assert found(POINTS + rule(excusing=["mental-health-crisis", "religious-holiday"])) == []


def test_render_lines() -> None:
    fs = [Finding("rules[2].title", "protected-ground", "bad", "error")]
    assert render(fs, "book.toml") == ["book.toml: rules[2].title: error protected-ground: bad"]
    assert render([], "book.toml") == []


# -- the shipped example rulebooks ----------------------------------------------------------
def _shipped() -> list[tuple[str, str]]:
    folder = resources.files("socialcredit").joinpath("rulebooks")
    out: list[tuple[str, str]] = []
    if not folder.is_dir():
        return out
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        text = entry.read_text("utf-8")
        try:
            kind = document_kind(text)
        except RulebookInvalid:
            continue  # no kind: not a rulebook
        if kind in ("points", "scorecard"):
            out.append((entry.name, text))
    return out


SHIPPED = _shipped()


@pytest.mark.parametrize(
    ("name", "text"),
    SHIPPED or [pytest.param("none", "", marks=pytest.mark.skip(reason="no rulebooks yet"))],
    ids=[n for n, _ in SHIPPED] or ["none"],
)
def test_every_shipped_rulebook_has_no_errors(name: str, text: str) -> None:
    book = parse_rulebook(text)
    bad = [f for f in lint(book) if f.severity == "error"]
    assert bad == [], render(bad, name)

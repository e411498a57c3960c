"""The corpus of accepted and refused conduct, through both layers of the policy.

Layer one, the catalogue gate: a rule on a refused phrasing cites no catalogue entry
(none with a statute covers it) and is refused for that alone, whatever its words.
Layer two, the keyword scan: someone adds a bogus catalogue entry for the phrasing (with
a plausible-looking statute) and a rule citing it; the catalogue's own validation and the
rule's wording are refused anyway. Accepted phrasings pass both layers cleanly.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from socialcredit.core.documents import check_documents, parse_document
from socialcredit.core.policy.keywords import wording

CORPUS = tomllib.loads((Path(__file__).parent / "policy_corpus.toml").read_text("utf-8"))
REFUSED = [c["text"] for c in CORPUS["refused"]]
ACCEPTED = [(c["text"], c["legal_basis"]) for c in CORPUS["accepted"]]
TODAY = date(2026, 1, 1)


def catalogue(text: str, basis: str) -> str:
    return f"""
kind = "catalogue"
catalogue = "catalogue"
title = "Catalogue"
version = "1"
published = 2025-01-01
effective = 2025-01-01
publisher = "Office"
legal_basis = "Guobanfa [2020] No. 49, art. 2"

[[entries]]
id = "the-conduct"
conduct = {text!r}
legal_basis = {basis!r}
recorded_by = ["police"]
severity = "general"
direction = "negative"
most_points = 10
longest = "P1Y"

[[examples]]
name = "fits"
entry = "the-conduct"
points = -10
lasts = "P1Y"
authority_kind = "police"
expect = "accept"
"""


def scheme(title: str, conduct: str | None) -> str:
    cites = f'conduct = "{conduct}"\n' if conduct else ""
    return f"""
scheme = "corpus"
title = "Corpus scheme"
version = "1"
published = 2025-01-01
effective = 2025-01-01
publisher = "Office"
legal_basis = "Measures art. 1"
kind = "points"
base = 100
range = [0, 200]

[[grades]]
grade = "A"
min = 100

[[grades]]
grade = "B"
max = 99

[[authorities]]
id = "police"
kind = "police"

[[rules]]
code = "r"
{cites}title = {title!r}
points = -10
category = "offence"
legal_basis = "Measures art. 2"
evidence = ["decision"]
lasts = "P1Y"
authorities = ["police"]

[[examples]]
name = "one record"
as_of = 2025-06-01
expect_score = 90
[[examples.events]]
rule = "r"
occurred = 2025-05-01
"""


def codes(files: list[tuple[str, str]], context: bool = True) -> dict[str, set[str]]:
    shipped = Path(__file__).parents[2] / "src" / "socialcredit" / "rulebooks"
    ctx = [parse_document(p.read_text("utf-8")) for p in sorted(shipped.glob("*.toml"))]
    out: dict[str, set[str]] = {name: set() for name, _ in files}
    for f in check_documents(files, ctx if context else [], today=TODAY):
        if f.finding.severity == "error":
            out[f.file].add(f.finding.code)
    return out


def test_the_corpus_covers_what_the_issue_names() -> None:
    joined = " ".join(REFUSED).lower()
    for needle in (
        "positive energy",
        "loyalty",
        "worship",
        "veil",
        "beard",
        "banned books",
        "online comments",
        "petitioning",
        "association with listed",
        "child",
        "spouse",
        "neighbour",
        "正能量",
        "上访",
    ):
        assert needle in joined, needle
    assert any("temple" in t for t, _ in ACCEPTED) and any("bomb" in t for t, _ in ACCEPTED)


@pytest.mark.parametrize("text", REFUSED)
def test_refused_by_the_gate_for_citing_no_entry(text: str) -> None:
    """Layer one: with the shipped catalogue, nothing covers the phrasing."""
    found = codes([("scheme.toml", scheme(text, None))])
    assert "no-catalogue-entry" in found["scheme.toml"]


@pytest.mark.parametrize("text", REFUSED)
def test_refused_by_the_keyword_scan_even_with_a_bogus_entry(text: str) -> None:
    """Layer two: a made-up catalogue entry with a statute does not launder the wording."""
    found = codes(
        [
            ("catalogue.toml", catalogue(text, "Local Credit Measures, art. 7")),
            ("scheme.toml", scheme(text, "the-conduct")),
        ]
    )
    ground = next(c["ground"] for c in CORPUS["refused"] if c["text"] == text)
    assert ground in found["catalogue.toml"], found
    assert ground in found["scheme.toml"], found


@pytest.mark.parametrize(("text", "basis"), ACCEPTED)
def test_lawful_conduct_near_those_words_is_accepted(text: str, basis: str) -> None:
    found = codes(
        [("catalogue.toml", catalogue(text, basis)), ("scheme.toml", scheme(text, "the-conduct"))]
    )
    assert found == {"catalogue.toml": set(), "scheme.toml": set()}
    assert wording("x", "x", (("title", text),)) == []


def test_a_bogus_loyalty_entry_is_refused_by_the_catalogue_itself() -> None:
    """No article, a protected ground: the catalogue's own validation refuses it."""
    found = codes([("catalogue.toml", catalogue("Loyalty to the party", "Party discipline"))])
    assert {"no-article", "protected-ground"} <= found["catalogue.toml"]


def test_text_in_a_script_the_scan_cannot_read_is_refused() -> None:
    found = codes([("scheme.toml", scheme("Посещение церкви", "traffic-violation"))])
    assert "unscanned-language" in found["scheme.toml"]

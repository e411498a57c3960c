"""Every shipped clause's reason reads as sentences, in every case, and names its clause.

Benefit reasons used to read "until while it holds; ... or dispute it with the issuing
authority", and the heating discount answered with the bike clause's code. Here every
memorandum shipped in ``src/socialcredit/rulebooks/`` is loaded and every clause's
reason rendered with and without an end date and with and without a published remedy.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialcredit.core.documents import parse_document
from socialcredit.core.lists import ListDef
from socialcredit.core.reasons import reason_for
from socialcredit.core.sanctions import Clause, Memorandum, Registry, Standing, decide

DOCS = [
    parse_document(p.read_text("utf-8"))
    for p in sorted(resources.files("socialcredit").joinpath("rulebooks").iterdir(), key=str)
    if p.name.endswith(".toml")
]
MEMOS = [d for d in DOCS if isinstance(d, Memorandum)]
LISTS = {d.id: d for d in DOCS if isinstance(d, ListDef)}
CLAUSES = [(m, c) for m in MEMOS for c in m.clauses]

DOUBLED_WORD = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
DOUBLED_PUNCT = re.compile(r"[.;:,]\s*[.;:,]")


def well_formed(text: str) -> None:
    assert text.endswith("."), text
    assert text[0].isupper(), text
    assert "until while" not in text and "while it holds;" not in text, text
    assert not DOUBLED_WORD.search(text), (DOUBLED_WORD.search(text), text)
    assert not DOUBLED_PUNCT.search(text), (DOUBLED_PUNCT.search(text), text)
    assert "  " not in text and "None" not in text, text
    assert "; or " not in text, text


def cases(clause: Clause) -> list[dict]:
    if clause.list is None:
        return [{}]
    published = LISTS[clause.list].remedy if clause.list in LISTS else None
    return [
        {"entry": 7, "until": until, "remedy": remedy}
        for until in (None, date(2026, 3, 15))
        for remedy in (None, "", published)
    ]


def test_the_shipped_catalogue_has_clauses_of_each_kind() -> None:
    assert MEMOS and any(c.list for _, c in CLAUSES) and any(c.scheme for _, c in CLAUSES)


@pytest.mark.parametrize(("memo", "clause"), CLAUSES, ids=[f"{m.id}/{c.id}" for m, c in CLAUSES])
def test_every_shipped_clause_reason_is_a_well_formed_sentence(memo, clause) -> None:
    for case in cases(clause):
        r = reason_for(memo, clause, **case)
        well_formed(r.text)
        if r.remedy:
            well_formed(r.remedy)
        assert r.code == f"{clause.effect}:{clause.id}" and clause.id in r.code
        assert r.clause == clause.id and r.memorandum == memo.id
        assert f"clause {clause.id} of memorandum {memo.id}" in r.text
        if case.get("until"):
            assert "until 2026-03-15" in r.text
        elif clause.list is not None:
            assert "no end date is set" in r.text
        if clause.effect == "deny":
            assert "dispute it with the issuing authority" in r.remedy
            if case.get("remedy"):
                assert f"To end it: {case['remedy'].rstrip('.')}." in r.text
            elif clause.list is not None:
                assert f"List {clause.list} publishes no remedy." in r.text


@given(
    remedy=st.text(
        alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), max_size=80
    )
)
def test_any_published_remedy_still_ends_as_one_sentence(remedy: str) -> None:
    memo, clause = next((m, c) for m, c in CLAUSES if c.list and c.effect == "deny")
    text = reason_for(memo, clause, entry=1, until=None, remedy=remedy).text
    assert text.endswith(".") and not text.endswith("..") and ". ." not in text


def test_the_heating_discount_names_its_own_clause() -> None:
    registry = Registry(tuple(MEMOS), LISTS)
    d = decide(
        registry,
        "11010519491231002X",
        "person",
        "heating-discount",
        date(2024, 6, 1),
        [],
        {"rongcheng": Standing(1060, "AAA")},
    )
    assert d.decision == "benefit"
    assert [r.code for r in d.reasons] == ["benefit:rongcheng-aaa-heating"]
    for service, _ in ((s, 0) for m in MEMOS for c in m.clauses for s in c.services):
        for r in decide(
            registry, "11010519491231002X", "person", service, date(2024, 6, 1), [],
            {"rongcheng": Standing(1060, "AAA"), "sesame": Standing(900, "A")},
        ).reasons:  # fmt: skip
            clause = next(c for m in MEMOS for c in m.clauses if c.id == r.clause)
            assert service in clause.services

"""Runs every rulebook's own [[examples]]: a published rule file proves itself."""

from __future__ import annotations

from importlib import resources

import pytest

from socialcredit.core.ledger import Event
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.core.scoring import event_from_terms, score

SUBJECT = "11010519491231002X"


def _books() -> list[Rulebook]:
    folder = resources.files("socialcredit").joinpath("rulebooks")
    books = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            text = entry.read_text(encoding="utf-8")
            if 'kind = "points"' in text or 'kind = "scorecard"' in text:
                books.append(parse_rulebook(text))
    return books


CASES = [(b, ex) for b in _books() for ex in b.examples]


def test_every_scoring_rulebook_has_examples() -> None:
    books = _books()
    assert {b.scheme for b in books} >= {"rongcheng", "enterprise", "village", "sesame"}
    assert all(b.examples for b in books)


@pytest.mark.parametrize(
    ("book", "example"), CASES, ids=[f"{b.scheme}: {ex.name}" for b, ex in CASES]
)
def test_rulebook_example(book, example) -> None:
    events: list[Event] = []
    for i, ev in enumerate(example.events, start=1):
        events.append(
            event_from_terms(book, ev.id or i, SUBJECT, ev.rule, ev.occurred, ev.reverses)
        )
    report = score(book, SUBJECT, events, example.as_of)
    if example.score is not None:
        assert report.score == example.score
    if example.grade is not None:
        assert report.grade == example.grade
    if example.perks is not None:
        assert list(report.perks) == list(example.perks)
    if example.capped is not None:
        assert report.capped == example.capped

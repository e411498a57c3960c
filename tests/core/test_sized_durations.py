"""A list's sized durations are checked for sense before anything is published."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from socialcredit.cli import app as cli
from socialcredit.core.errors import BadInput
from socialcredit.core.lists import lint_list, parse_list

SHIPPED = Path(__file__).parents[2] / "src/socialcredit/rulebooks"
BASE = (SHIPPED / "list-unpaid-fines.toml").read_text()
ROWS = '[[durations]]\nseverity = "minor"\nfirst = "P1M"\nrepeat = "P3M"\n'


def codes(text: str) -> list[str]:
    return [c for _, c, _ in lint_list(parse_list(text))]


def with_rows(rows: str, extra: str = "") -> str:
    assert ROWS in BASE
    return BASE.replace(ROWS, rows).replace('repeat_within = "P1Y"\n', extra)


def test_the_shipped_sizes_are_sound() -> None:
    assert codes(BASE) == []


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ('[[durations]]\nseverity = "minor"\nfirst = "P3M"\nrepeat = "P1M"\n', "repeat-shorter"),
        ('[[durations]]\nseverity = "minor"\nfirst = "P1M"\nrepeat = "P4M"\n', "exceeds-max"),
        # minor information is published at most 3 months (NDRC Order No. 58)
        ('[[durations]]\nfirst = "P100D"\n', "exceeds-publication-period"),
        (
            '[[durations]]\nseverity = "minor"\nfirst = "P1M"\n'
            '[[durations]]\nseverity = "minor"\nfirst = "P2M"\n',
            "duplicate-duration",
        ),
    ],
)
def test_nonsense_is_refused(rows: str, code: str) -> None:
    found = codes(with_rows(rows, 'repeat_within = "P1Y"\n'))
    assert any(c.startswith(code) for c in found), found


def test_a_serious_row_may_not_exceed_its_list_maximum_either() -> None:
    text = with_rows('[[durations]]\nseverity = "serious"\nfirst = "P1Y"\n')
    assert "exceeds-max-duration" in codes(text)


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ('[[durations]]\nseverity = "minor"\nfirst = "P1M"\nrepeat = "P3M"\n', "repeat_within"),
        ('[[durations]]\nseverity = "petty"\nfirst = "P1M"\n', "severity"),
        ('[[durations]]\nseverity = "minor"\n', "first"),
        ('[[durations]]\nfirst = "P0D"\n', "first"),
    ],
)
def test_malformed_rows_do_not_parse(rows: str, words: str) -> None:
    with pytest.raises(BadInput, match=words):
        parse_list(with_rows(rows))


def test_rulebook_check_refuses_a_repeat_shorter_than_a_first(tmp_path: Path) -> None:
    bad = tmp_path / "list-bad.toml"
    bad.write_text(
        with_rows(
            '[[durations]]\nseverity = "minor"\nfirst = "P3M"\nrepeat = "P1M"\n',
            'repeat_within = "P1Y"\n',
        )
    )
    others = [str(p) for p in sorted(SHIPPED.glob("*.toml")) if p.name != "list-unpaid-fines.toml"]
    res = CliRunner().invoke(cli, ["rulebook", "check", *others, str(bad)])
    assert res.exit_code == 1, res.output
    assert "repeat-shorter-than-first" in res.output


def test_a_size_for_a_severity_no_cited_conduct_has_is_refused(tmp_path: Path) -> None:
    """An authority could otherwise propose an unpaid fine as "serious" to ban longer."""
    bad = tmp_path / "list-bad.toml"
    bad.write_text(
        with_rows(
            '[[durations]]\nseverity = "minor"\nfirst = "P1M"\nrepeat = "P3M"\n'
            '[[durations]]\nseverity = "general"\nfirst = "P3M"\n',
            'repeat_within = "P1Y"\n',
        )
    )
    others = [str(p) for p in sorted(SHIPPED.glob("*.toml")) if p.name != "list-unpaid-fines.toml"]
    res = CliRunner().invoke(cli, ["rulebook", "check", *others, str(bad)])
    assert res.exit_code == 1, res.output
    assert "severity-not-cited" in res.output


def test_a_repeat_window_beyond_the_retention_is_refused() -> None:
    text = BASE.replace('repeat_within = "P1Y"', 'repeat_within = "P10Y"')
    assert "repeat-window-too-long" in codes(text)

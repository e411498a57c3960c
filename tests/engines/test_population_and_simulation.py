"""Synthetic cities are valid and calibrated; simulation reports match a direct computation."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from socialcredit.batch.population import generate
from socialcredit.batch.simulate import simulate
from socialcredit.cli import app
from socialcredit.core.ids import normalize_resident_id, normalize_uscc
from socialcredit.core.rulebook import parse_rulebook
from socialcredit.core.scoring import event_from_terms, score

AS_OF = date(2025, 6, 1)
RULEBOOK = Path(str(resources.files("socialcredit").joinpath("rulebooks/rongcheng.toml")))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    generate(3000, 100, 4, folder, as_of=AS_OF)
    return folder


def test_ids_are_valid_and_generation_is_deterministic(city: Path, tmp_path: Path) -> None:
    subjects = pq.read_table(city / "subjects.parquet").to_pylist()
    assert len({s["subject"] for s in subjects}) == 3100
    for s in subjects:
        check = normalize_resident_id if s["kind"] == "person" else normalize_uscc
        assert check(s["subject"]) == s["subject"]
    generate(3000, 100, 4, tmp_path, as_of=AS_OF)
    for name in ("events-rongcheng.parquet", "subjects.parquet", "attributes.parquet"):
        assert pq.read_table(tmp_path / name).equals(pq.read_table(city / name))


def test_attributes_are_apart_from_events(city: Path) -> None:
    events = pq.read_table(city / "events-rongcheng.parquet")
    assert events.column_names == ["event", "subject", "rule", "occurred", "reverses"]
    attrs = pq.read_table(city / "attributes.parquet")
    assert set(attrs.column_names) == {"subject", "district", "age_band", "income_band"}


def direct(city: Path) -> dict[str, tuple[int, str]]:
    """Every resident scored one by one with the core: the reference for the report."""
    book = parse_rulebook(RULEBOOK.read_text())
    per: dict[str, list] = {}
    for r in pq.read_table(city / "events-rongcheng.parquet").to_pylist():
        per.setdefault(r["subject"], []).append(
            event_from_terms(
                book, r["event"], r["subject"], r["rule"], r["occurred"], r["reverses"]
            )
        )
    people = [
        s["subject"]
        for s in pq.read_table(city / "subjects.parquet").to_pylist()
        if s["kind"] == "person"
    ]
    out = {}
    for p in people:
        rep = score(book, p, per.get(p, []), AS_OF)
        out[p] = (rep.score, rep.grade)
    return out


def test_about_90_percent_grade_a_or_better(city: Path) -> None:
    outcomes = direct(city)
    share = sum(g in ("AAA", "AA", "A") for _, g in outcomes.values()) / len(outcomes)
    assert 0.85 <= share <= 0.95


def test_report_numbers_match_a_direct_computation(city: Path, tmp_path: Path) -> None:
    b = tmp_path / "b.toml"
    b.write_text(
        RULEBOOK.read_text()
        .replace('version = "2014.1"', 'version = "2025.1"')
        .replace("points = -10\n", "points = -40\n")
    )
    doc = simulate(city, RULEBOOK, AS_OF, tmp_path / "report", compare=b)
    assert json.loads((tmp_path / "report" / "report.json").read_text()) == doc
    html = (tmp_path / "report" / "report.html").read_text()
    assert html.count("<svg") >= 6 and "disparate impact" in html
    outcomes = direct(city)
    n = len(outcomes)
    assert doc["subjects"] == n
    for grade, count in doc["grades_a"].items():
        assert count == sum(g == grade for _, g in outcomes.values())
    assert doc["a_or_better_a"] == pytest.approx(
        sum(g in ("AAA", "AA", "A") for _, g in outcomes.values()) / n
    )
    attrs = pq.read_table(city / "attributes.parquet").to_pylist()
    for attribute in ("district", "age_band", "income_band"):
        groups: dict[str, list[str]] = {}
        for row in attrs:
            groups.setdefault(row[attribute], []).append(outcomes[row["subject"]][1])
        rates = {k: sum(g in ("AAA", "AA", "A") for g in v) / len(v) for k, v in groups.items()}
        result = doc["fairness"][attribute]
        for k, rate in rates.items():
            assert result["groups"][k]["a_or_better"] == pytest.approx(rate)
        ratio = min(rates.values()) / max(rates.values())
        assert result["disparate_impact_a_or_better"] == pytest.approx(ratio)
        assert result["flag"] == (ratio < 0.8)
    assert sum(sum(row.values()) for row in doc["transition"].values()) == n
    assert doc["services"]["bike-rental-deposit-free"]["rate_a"] == pytest.approx(
        sum(g == "AAA" for _, g in outcomes.values()) / n
    )


def test_cli_batch_population_simulate(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "population",
            "generate",
            "--residents",
            "500",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "c"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["events"] > 5000
    res = runner.invoke(
        app,
        [
            "batch",
            "score",
            "--events",
            str(tmp_path / "c/events-rongcheng.parquet"),
            "--scheme",
            "rongcheng",
            "--as-of",
            "2025-06-01",
            "--out",
            str(tmp_path / "s.parquet"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    scored = pq.read_table(tmp_path / "s.parquet")
    assert scored.column_names == ["subject", "score", "grade", "capped"]
    assert str(scored.schema.field("score").type) == "int32"
    bad = runner.invoke(
        app,
        [
            "batch",
            "score",
            "--events",
            str(tmp_path / "missing.parquet"),
            "--scheme",
            "rongcheng",
            "--as-of",
            "2025-06-01",
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert bad.exit_code == 2 and "does not exist" in bad.output
    bad = runner.invoke(
        app,
        [
            "batch",
            "score",
            "--events",
            str(tmp_path / "c/events-rongcheng.parquet"),
            "--scheme",
            "sesame",
            "--as-of",
            "2025-06-01",
            "--out",
            str(tmp_path / "x.parquet"),
        ],
    )
    assert bad.exit_code == 2 and "does not have" in bad.output
    res = runner.invoke(
        app,
        [
            "simulate",
            "--population",
            str(tmp_path / "c"),
            "--rulebook",
            str(RULEBOOK),
            "--as-of",
            "2025-06-01",
            "--report",
            str(tmp_path / "r"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "report.html").exists()

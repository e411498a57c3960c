"""Synthetic cities are valid and calibrated; simulation reports match a direct computation."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from socialcredit.batch.entries import catalogue_severities
from socialcredit.batch.population import generate, list_definitions
from socialcredit.batch.simulate import packaged_registry, simulate
from socialcredit.cli import app
from socialcredit.core.ids import normalize_resident_id, normalize_uscc
from socialcredit.core.lists import EntryState
from socialcredit.core.periods import add_duration
from socialcredit.core.rulebook import parse_rulebook
from socialcredit.core.sanctions import Standing, decide
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
    for name in (
        "events-rongcheng.parquet",
        "subjects.parquet",
        "attributes.parquet",
        "list-entries.parquet",
    ):
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
    assert doc["services"]["bike-rental-deposit-free"]["benefit_a"] == pytest.approx(
        sum(g == "AAA" for _, g in outcomes.values()) / n
    )


def test_list_entries_follow_the_published_definitions(city: Path) -> None:
    defs = list_definitions()
    kinds = {s["subject"]: s["kind"] for s in pq.read_table(city / "subjects.parquet").to_pylist()}
    rows = pq.read_table(city / "list-entries.parquet").to_pylist()
    # every list in force during the population's years (not those from 2027 on)
    assert {r["list"] for r in rows} == {
        i for i, d in defs.items() if (d.since or d.effective) <= AS_OF
    }
    assert len({r["entry"] for r in rows}) == len(rows)
    severity = catalogue_severities(AS_OF)
    for r in rows:
        d = defs[r["list"]]
        assert d.subjects in ("any", kinds[r["subject"]])
        assert r["effective_from"] == add_duration(r["proposed"], d.notice)
        # each entry is for a conduct its list cites, at the catalogue's severity of it
        assert r["conduct"] in d.conduct and r["severity"] == severity[r["conduct"]]
        # no list in force in 2025 sizes its terms: each lasts its list's maximum
        assert r["max_end"] == add_duration(r["effective_from"], d.max_duration)
        assert r["offence"] is None
        assert r["proposed"] <= AS_OF
        assert r["removed"] is None or r["effective_from"] < r["removed"] < r["max_end"]
    transport = [r["conduct"] for r in rows if r["list"] == "transport-misconduct"]
    assert set(transport) == {"disrupting-transport-order", "false-terrorism-information"}


def test_sized_entries_are_sized_as_a_store_sizes_them(tmp_path: Path) -> None:
    """Differential: synthetic entries on a list that sizes its terms (transport
    misconduct from 2027), proposed and notified one by one in a real store, end on the
    day the population says, with the same severity and offence number (the store takes
    the severity from the catalogue by the entry's conduct, as the population does)."""
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from socialcredit.application import Application
    from socialcredit.batch.entries import EPOCH, list_entries
    from socialcredit.batch.population import EVENT_SCHEMA, resident_ids
    from socialcredit.settings import Settings
    from tests.conftest import OP

    as_of = date(2028, 12, 1)
    rng = np.random.default_rng(11)
    ids, _ = resident_ids(20, rng, as_of)
    start, end = (date(2027, 1, 1) - EPOCH).days, (as_of - EPOCH).days
    table = list_entries(
        EVENT_SCHEMA.empty_table(),
        ids,
        {"transport-misconduct": (None, 1.0, 0.0)},  # dense: repeats within the window
        start,
        end,
        (end - start) / 365.25,
        rng,
        1,
        np.random.default_rng(13),  # draws a serious threat among the disruptions
    )
    rows = sorted(table.to_pylist(), key=lambda r: r["entry"])
    assert {r["offence"] for r in rows} >= {1, 2} and "serious" in {r["severity"] for r in rows}
    app = Application(
        Settings(
            db_url=f"sqlite:///{tmp_path / 'sized.db'}",
            clock=lambda: datetime(2028, 12, 1, tzinfo=UTC),
        )
    )
    try:
        app.documents.init(OP)
        for subject in sorted({r["subject"] for r in rows}):
            app.records.add_subject(OP, subject, "person", "Synthetic")
        made = {}
        for r in rows:  # in the population's numbering: its ledger order
            fields = {"incident": "x", "place": "y", "decision_number": str(r["entry"])}
            e = app.lists.propose(
                OP,
                r["subject"],
                "transport-misconduct",
                authority="rail-police",
                evidence_ref=f"d/{r['entry']}",
                occurred=r["proposed"],
                fields=fields,
                conduct=r["conduct"],  # the catalogue then gives the severity
            ).event
            app.lists.transition(
                OP, e, "notify", authority="rail-police", evidence_ref="n", occurred=r["proposed"]
            )
            made[e] = r
        for subject in {r["subject"] for r in rows}:
            for e in app.lists.entries(OP, subject):
                r = made[e.entry]
                assert (e.max_end, e.offence, e.severity, e.conduct) == (
                    r["max_end"],
                    r["offence"],
                    r["severity"],
                    r["conduct"],
                ), r
                assert e.max_end - e.effective_from in (
                    timedelta(days=180),
                    timedelta(days=366),
                    timedelta(days=365),
                )
    finally:
        app.store.close()


def test_list_and_sanction_rates_match_core_decide(city: Path, tmp_path: Path) -> None:
    """Differential: the report's set arithmetic against core ``decide`` per subject."""
    doc = simulate(city, RULEBOOK, AS_OF, tmp_path / "report")
    outcomes = direct(city)
    n = len(outcomes)
    registry = packaged_registry()
    entries: dict[str, list[EntryState]] = {}
    for r in pq.read_table(city / "list-entries.parquet").to_pylist():
        entries.setdefault(r["subject"], []).append(
            EntryState(
                entry=r["entry"],
                list=r["list"],
                subject=r["subject"],
                authority="simulated",
                proposed=r["proposed"],
                fields={},
                evidence=None,
                notified=r["proposed"],
                effective_from=r["effective_from"],
                max_end=r["max_end"],
                removed=r["removed"],
            )
        )
    denied: dict[str, int] = {}
    benefit: dict[str, int] = {}
    sanctioned: set[str] = set()
    for subject, (points, grade) in outcomes.items():
        standing = {"rongcheng": Standing(points, grade)}
        for service in doc["services"]:
            d = decide(
                registry, subject, "person", service, AS_OF, entries.get(subject, []), standing
            )
            denied[service] = denied.get(service, 0) + (d.decision == "deny")
            benefit[service] = benefit.get(service, 0) + (d.decision == "benefit")
            if d.decision == "deny":
                sanctioned.add(subject)
    assert denied["flight"] > 0 and denied["civil-service-hiring"] > 0
    for service, figures in doc["services"].items():
        assert figures["deny_a"] == pytest.approx(denied[service] / n), service
        assert figures["benefit_a"] == pytest.approx(benefit[service] / n), service
    assert doc["sanctioned_a"] == pytest.approx(len(sanctioned) / n)
    for list_id, figures in doc["lists"].items():
        on = {
            s
            for s, es in entries.items()
            if s in outcomes and any(e.list == list_id and e.in_effect(AS_OF) for e in es)
        }
        assert figures["in_effect"] == len(on), list_id
    assert doc["lists"]["court-defaulters"]["in_effect"] > 0
    attrs = pq.read_table(city / "attributes.parquet").to_pylist()
    for attribute in ("district", "age_band", "income_band"):
        groups: dict[str, list[str]] = {}
        for row in attrs:
            groups.setdefault(row[attribute], []).append(row["subject"])
        rates = {k: sum(m in sanctioned for m in v) / len(v) for k, v in groups.items()}
        result = doc["fairness"][attribute]
        for k, rate in rates.items():
            assert result["groups"][k]["sanctioned"] == pytest.approx(rate)
        ratio = min(rates.values()) / max(rates.values())
        assert result["disparate_impact_sanctioned"] == pytest.approx(ratio)
        assert result["flag_sanctioned"] == (ratio < 0.8)


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
    assert "warning" not in res.stderr  # the data reaches --as-of
    stale = runner.invoke(
        app,
        [
            "simulate",
            "--population",
            str(tmp_path / "c"),
            "--rulebook",
            str(RULEBOOK),
            "--as-of",
            "2031-06-01",
            "--report",
            str(tmp_path / "r2"),
            "--json",
        ],
    )
    assert stale.exit_code == 0, stale.output
    assert "events end on" in stale.stderr and "days before --as-of 2031-06-01" in stale.stderr
    assert json.loads(stale.stdout)["warnings"]

"""The core, DuckDB and Spark give identical scores, grades and caps for every subject."""

from __future__ import annotations

import os
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcredit.batch.engines import score_duckdb
from socialcredit.batch.population import EVENT_SCHEMA
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.core.scoring import event_from_terms, score

BOOKS = {
    name: parse_rulebook(
        resources.files("socialcredit").joinpath(f"rulebooks/{name}.toml").read_text("utf-8")
    )
    for name in ("rongcheng", "sesame", "enterprise", "village")
}
AS_OF = date(2024, 2, 29)  # a leap day: month arithmetic at its most awkward


def core_scores(book: Rulebook, rows: list[dict], as_of: date) -> dict[str, tuple]:
    per: dict[str, list] = {}
    for r in rows:
        per.setdefault(r["subject"], []).append(
            event_from_terms(
                book, r["event"], r["subject"], r["rule"], r["occurred"], r["reverses"]
            )
        )
    out = {}
    for s, events in per.items():
        rep = score(book, s, events, as_of)
        out[s] = (rep.score, rep.grade, rep.capped)
    return out


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=EVENT_SCHEMA)


def edge_dates(book: Rulebook, as_of: date) -> list[date]:
    """Occurrence days that put an event exactly on a window edge for some rule."""
    from socialcredit.core.periods import add_duration

    out = {
        as_of,
        as_of + timedelta(days=1),
        as_of - timedelta(days=1),
        date(2020, 2, 29),
        date(2023, 2, 28),
        date(2023, 3, 31),
    }
    for r in book.rules:
        if r.lasts:
            for back in range(0, 800, 1):
                d = as_of - timedelta(days=back)
                if add_duration(d, r.lasts) in (as_of, as_of + timedelta(days=1)):
                    out.add(d)
    return sorted(out)


@st.composite
def populations(draw: st.DrawFn, book: Rulebook) -> list[dict]:
    edges = edge_dates(book, AS_OF)
    day = st.one_of(
        st.sampled_from(edges),
        st.integers(-1500, 30).map(lambda n: AS_OF + timedelta(days=n)),
    )
    n = draw(st.integers(1, 60))
    rows: list[dict] = []
    for i in range(1, n + 1):
        subject = f"S{draw(st.integers(0, 7))}"
        if rows and draw(st.integers(0, 5)) == 0:
            target = draw(st.sampled_from(rows))
            rows.append(
                {
                    "event": i,
                    "subject": target["subject"],
                    "rule": target["rule"],
                    "occurred": draw(day),
                    "reverses": target["event"],
                }
            )
        else:
            rows.append(
                {
                    "event": i,
                    "subject": subject,
                    "rule": draw(st.sampled_from([r.code for r in book.rules])),
                    "occurred": draw(day),
                    "reverses": None,
                }
            )
    return rows


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_duckdb_equals_core_on_generated_populations(name: str) -> None:
    book = BOOKS[name]

    @given(populations(book), st.sampled_from([AS_OF, date(2023, 12, 31), date(2024, 3, 1)]))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def check(rows: list[dict], as_of: date) -> None:
        expected = core_scores(book, rows, as_of)
        got = {
            r["subject"]: (r["score"], r["grade"], r["capped"])
            for r in score_duckdb(book, table(rows), as_of).to_pylist()
        }
        assert got == expected

    check()


def seeded_rows(book: Rulebook, seed: int, n: int = 20_000) -> list[dict]:
    import random

    rng = random.Random(seed)
    edges = edge_dates(book, AS_OF)
    rows: list[dict] = []
    for i in range(1, n + 1):
        if rows and rng.random() < 0.05:
            t = rows[rng.randrange(len(rows))]
            occ = t["occurred"] + timedelta(days=rng.randrange(0, 900))  # some outside the window
            rows.append(
                {
                    "event": i,
                    "subject": t["subject"],
                    "rule": t["rule"],
                    "occurred": occ,
                    "reverses": t["event"],
                }
            )
            continue
        occ = (
            rng.choice(edges) if rng.random() < 0.2 else AS_OF - timedelta(days=rng.randrange(1500))
        )
        rows.append(
            {
                "event": i,
                "subject": f"S{rng.randrange(2000):05d}",
                "rule": rng.choice(book.rules).code,
                "occurred": occ,
                "reverses": None,
            }
        )
    return rows


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_duckdb_equals_core_on_a_seeded_large_population(name: str) -> None:
    book = BOOKS[name]
    rows = seeded_rows(book, 11)
    got = {
        r["subject"]: (r["score"], r["grade"], r["capped"])
        for r in score_duckdb(book, table(rows), AS_OF).to_pylist()
    }
    assert got == core_scores(book, rows, AS_OF)


def test_unknown_rule_is_an_error_not_zero() -> None:
    from socialcredit.core.errors import BadInput

    rows = [
        {"event": 1, "subject": "S", "rule": "petitioning", "occurred": AS_OF, "reverses": None}
    ]
    with pytest.raises(BadInput, match="petitioning"):
        score_duckdb(BOOKS["rongcheng"], table(rows), AS_OF)


# -- Spark -------------------------------------------------------------------------------
try:
    import pyspark  # noqa: F401

    HAVE_SPARK = True
except ImportError:  # pragma: no cover
    HAVE_SPARK = False

needs_spark = pytest.mark.skipif(
    not HAVE_SPARK and os.environ.get("SOCIALCREDIT_REQUIRE_SPARK") != "1",
    reason="pyspark is not installed (pip install 'socialcredit[spark]')",
)


@pytest.fixture(scope="module")
def spark():
    from socialcredit.batch.engines import spark_session

    session = spark_session(2)
    yield session
    session.stop()


def roster_for(book: Rulebook, rows: list[dict]) -> tuple[pa.Table, dict[str, tuple]]:
    """Everyone with events, two quiet subjects of the scheme's kind and one of another.

    Returns the roster and what the core says of the quiet ones that the scheme covers.
    """
    kind = "person" if book.subjects == "any" else book.subjects
    other = "organisation" if kind == "person" else "person"
    active = sorted({r["subject"] for r in rows})
    quiet = ["Q1", "Q2"]
    table_ = pa.table(
        {
            "subject": [*active, *quiet, "Z9"],
            "kind": [kind] * (len(active) + len(quiet)) + [other],
        }
    )
    expected = {}
    for s in quiet + (["Z9"] if book.subjects == "any" else []):
        rep = score(book, s, [], AS_OF)
        expected[s] = (rep.score, rep.grade, rep.capped)
    return table_, expected


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_roster_subjects_without_events_get_the_core_base(name: str) -> None:
    book = BOOKS[name]
    rows = seeded_rows(book, 3, n=400)
    roster, quiet = roster_for(book, rows)
    got = {
        r["subject"]: (r["score"], r["grade"], r["capped"])
        for r in score_duckdb(book, table(rows), AS_OF, subjects=roster).to_pylist()
    }
    assert got == core_scores(book, rows, AS_OF) | quiet


@needs_spark
@pytest.mark.parametrize("name", sorted(BOOKS))
def test_spark_equals_core_and_duckdb(name: str, spark, tmp_path: Path) -> None:
    from socialcredit.batch.engines import score_spark

    book = BOOKS[name]
    rows = seeded_rows(book, 5, n=4000)
    path = tmp_path / "events.parquet"
    pq.write_table(table(rows), path)
    got = {
        r.subject: (r.score, r.grade, r.capped) for r in score_spark(book, path, AS_OF, spark=spark)
    }
    assert got == core_scores(book, rows, AS_OF)
    duck = {
        r["subject"]: (r["score"], r["grade"], r["capped"])
        for r in score_duckdb(book, path, AS_OF).to_pylist()
    }
    assert got == duck
    roster, quiet = roster_for(book, rows)
    pq.write_table(roster, tmp_path / "subjects.parquet")
    with_roster = {
        r.subject: (r.score, r.grade, r.capped)
        for r in score_spark(book, path, AS_OF, spark=spark, subjects=tmp_path / "subjects.parquet")
    }
    assert with_roster == core_scores(book, rows, AS_OF) | quiet


def _one_active_of_another_kind(book: Rulebook, rows: list[dict]) -> tuple[pa.Table, str]:
    """A roster that says one subject *with events* is of a kind the scheme is not for."""
    roster, _ = roster_for(book, rows)
    subjects = roster.column("subject").to_pylist()
    kinds = roster.column("kind").to_pylist()
    odd = sorted({r["subject"] for r in rows})[0]
    kinds[subjects.index(odd)] = "organisation" if kinds[0] == "person" else "person"
    return pa.table({"subject": subjects, "kind": kinds}), odd


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_subjects_of_another_kind_are_not_scored_even_with_events(name: str) -> None:
    book = BOOKS[name]
    rows = seeded_rows(book, 3, n=400)
    roster, odd = _one_active_of_another_kind(book, rows)
    got = {
        r["subject"] for r in score_duckdb(book, table(rows), AS_OF, subjects=roster).to_pylist()
    }
    assert (odd in got) == (book.subjects == "any")
    assert got - {odd, "Z9"} == {r["subject"] for r in rows} - {odd} | {"Q1", "Q2"}


@needs_spark
def test_spark_skips_subjects_of_another_kind_like_duckdb(spark, tmp_path: Path) -> None:
    from socialcredit.batch.engines import score_spark

    book = BOOKS["rongcheng"]
    rows = seeded_rows(book, 3, n=400)
    roster, odd = _one_active_of_another_kind(book, rows)
    pq.write_table(table(rows), tmp_path / "events.parquet")
    pq.write_table(roster, tmp_path / "subjects.parquet")
    got = {
        r.subject: (r.score, r.grade, r.capped)
        for r in score_spark(
            book, tmp_path / "events.parquet", AS_OF, spark=spark,
            subjects=tmp_path / "subjects.parquet",
        )
    }  # fmt: skip
    duck = {
        r["subject"]: (r["score"], r["grade"], r["capped"])
        for r in score_duckdb(book, table(rows), AS_OF, subjects=roster).to_pylist()
    }
    assert odd not in got and got == duck

"""Whole populations: batch scoring, synthetic cities, simulations and the demo city."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from socialcredit.cli.common import (
    JsonOpt,
    app,
    day_arg,
    err,
    handled,
    op,
    open_app,
    out,
    print_json,
    read_text,
    table,
    writable,
)
from socialcredit.core.errors import BadInput

batch_app = typer.Typer(help="Score whole populations with DuckDB or Spark.", no_args_is_help=True)
population_app = typer.Typer(
    help="Synthetic cities for batch runs and simulations.", no_args_is_help=True
)
app.add_typer(batch_app, name="batch")
app.add_typer(population_app, name="population")


def _book_for(scheme: str | None, rulebook: Path | None) -> Any:
    from socialcredit.application import packaged_rulebooks
    from socialcredit.core.rulebook import document_kind, parse_rulebook

    if rulebook is not None:
        return parse_rulebook(read_text(rulebook))
    for _, text in packaged_rulebooks():
        if document_kind(text) in ("points", "scorecard"):
            book = parse_rulebook(text)
            if book.scheme == scheme:
                return book
    raise BadInput(f"unknown scheme {scheme!r} (give --rulebook FILE for others)", field="scheme")


@batch_app.command("score")
@handled
def batch_score(
    out_file: Annotated[Path, typer.Option("--out", help="Output Parquet file.")],
    as_of: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    scheme: Annotated[str | None, typer.Option(help="A shipped scheme id.")] = None,
    rulebook: Annotated[Path | None, typer.Option(help="Or a rulebook file.")] = None,
    events: Annotated[Path | None, typer.Option(help="Input Parquet of events.")] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store",
            help="Read the events and every registered subject from the store (--db).",
        ),
    ] = False,
    subjects: Annotated[
        Path | None,
        typer.Option(
            help="Parquet of subjects (subject[, kind]) to score too: those with no events "
            "get the base score."
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
    as_json: JsonOpt = False,
) -> None:
    """Score every subject in an events file (and a roster): subject, score, grade, capped."""
    import time

    from socialcredit.batch import engines

    if engine not in ("duckdb", "spark"):
        raise BadInput("--engine must be duckdb or spark", field="engine")
    book = _book_for(scheme, rulebook)
    day = day_arg(as_of, "as-of")
    writable(out_file, "out")  # before the store export is recorded
    if from_store:
        writable(out_file.with_suffix(".events.parquet"), "out")
    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        if from_store:
            bar.add_task("exporting events from the store", total=None)
            events = out_file.with_suffix(".events.parquet")
            roster = out_file.with_suffix(".subjects.parquet")
            _export_store(book.scheme, events, roster, day)
            subjects = subjects or roster
        if events is None:
            raise BadInput("give --events FILE or --from-store", field="events")
        bar.add_task(f"scoring with {engine}", total=None)
        t0 = time.perf_counter()
        if engine == "duckdb":
            engines.score_duckdb(book, events, day, out_file, subjects=subjects)
        else:
            engines.score_spark(book, events, day, out_file, subjects=subjects)
        seconds = time.perf_counter() - t0
    body = {
        "out": str(out_file),
        "engine": engine,
        "scheme": book.scheme,
        "as_of": day.isoformat(),
        "seconds": round(seconds, 3),
    }
    skipped = _other_kinds_in_store(book) if from_store else _other_kinds(book, subjects)
    if skipped:
        body["skipped"] = skipped
    if as_json:
        print_json(body)
    else:
        out.print(f"scored {book.scheme} with {engine} in {seconds:.2f} s -> {out_file}")
        if skipped:
            out.print(f"skipped {skipped['subjects']:,} subject(s): {skipped['reason']}")


def _other_kinds(book: Any, roster: Path | None) -> dict[str, Any] | None:
    """How many roster subjects the scheme does not apply to, and why they were not scored."""
    if roster is None or book.subjects == "any":
        return None
    import pyarrow.parquet as pq

    if "kind" not in pq.read_schema(roster).names:
        return None
    kinds = pq.read_table(roster, columns=["kind"]).column("kind").to_pylist()
    return _skipped(book, sum(1 for k in kinds if k is not None and k != book.subjects))


def _other_kinds_in_store(book: Any) -> dict[str, Any] | None:
    """The registered subjects of kinds the scheme is not for: not exported, not scored."""
    if book.subjects == "any":
        return None
    return _skipped(
        book, sum(c for k, c in open_app().batch.subject_counts().items() if k != book.subjects)
    )


def _skipped(book: Any, n: int) -> dict[str, Any] | None:
    if not n:
        return None
    return {
        "subjects": n,
        "reason": f"scheme {book.scheme!r} applies to {book.subjects}s only; subjects of "
        "another kind are not scored",
    }


def _export_store(scheme: str, events_path: Path, subjects_path: Path, day: date) -> None:
    """The store's events of one scheme, the effective reversals, and the subjects.

    The reversals are what the one derivation voids as of ``day`` (corrections and
    disputes alike), so the engines agree with every online path.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from socialcredit.batch.population import EVENT_SCHEMA

    # Recorded as one aggregate read, marked as an export: the Parquet files leave the
    # store's control (an erasure cannot reach them).
    events, people = open_app().batch.batch_input(op(), scheme, day, export="parquet")
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA.names}
    for row in events:
        for name, value in zip(EVENT_SCHEMA.names, row, strict=True):
            columns[name].append(value)
    pq.write_table(pa.table(columns, schema=EVENT_SCHEMA), events_path)
    pq.write_table(
        pa.table(
            {
                "subject": pa.array([p for p, _ in people], pa.string()),
                "kind": pa.array([k for _, k in people], pa.string()),
            }
        ),
        subjects_path,
    )


@population_app.command("generate")
@handled
def population_generate(
    residents: Annotated[int, typer.Option(min=1, max=20_000_000)],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")],
    organisations: Annotated[int, typer.Option(min=0, max=5_000_000)] = 0,
    seed: Annotated[int, typer.Option()] = 1,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic city: subjects, events and simulation-only attributes."""
    import time

    from socialcredit.batch.population import generate

    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        bar.add_task(f"generating {residents:,} residents", total=None)
        t0 = time.perf_counter()
        pop = generate(residents, organisations, seed, out_dir)
        seconds = time.perf_counter() - t0
    events = pop.person_events + pop.organisation_events
    body = {
        "residents": residents,
        "organisations": organisations,
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds),
        "folder": str(out_dir),
    }
    if as_json:
        print_json(body)
    else:
        out.print(
            f"{residents:,} residents, {organisations:,} organisations, {events:,} events "
            f"in {seconds:.2f} s ({events / seconds:,.0f} events/s) -> {out_dir}"
        )


@app.command()
@handled
def simulate(
    population: Annotated[Path, typer.Option(help="Folder from `population generate`.")],
    rulebook: Annotated[Path, typer.Option(help="Rulebook A (TOML).")],
    as_of: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    report: Annotated[Path, typer.Option(help="Folder for report.html and report.json.")],
    compare: Annotated[Path | None, typer.Option(help="Rulebook B to compare with A.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """What a rulebook (change) does to everyone: charts and a fairness section."""
    from socialcredit.batch.simulate import simulate as run

    with Progress(
        "[progress.description]{task.description}",
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        bar.add_task("simulating", total=None)
        doc = run(population, rulebook, day_arg(as_of, "as-of"), report, compare)
    for warning in doc["warnings"]:
        err.print(f"warning: {warning}", markup=False)
    if as_json:
        print_json(doc)
        return
    out.print(
        f"{doc['subjects']:,} subjects; {100 * doc['a_or_better_a']:.1f}% A or better; "
        f"{100 * doc['sanctioned_a']:.2f}% denied at one service or more; "
        f"report: {report / 'report.html'}"
    )
    for attribute, result in doc["fairness"].items():
        flag = "FLAG" if result["flag"] else "ok"
        flag_s = "FLAG" if result["flag_sanctioned"] else "ok"
        out.print(
            f"  disparate impact by {attribute}: A or better "
            f"{result['disparate_impact_a_or_better']:.3f} {flag}, sanctioned "
            f"{result['disparate_impact_sanctioned']:.3f} {flag_s}"
        )


# -- demo -------------------------------------------------------------------------------
@app.command()
@handled
def demo(
    residents: Annotated[int, typer.Option(min=1, max=2_000_000)] = 2000,
    organisations: Annotated[int | None, typer.Option(min=0)] = None,
    seed: Annotated[int, typer.Option()] = 7,
    chart: Annotated[
        Path, typer.Option(help="Where to write the grade chart (.svg or .png).")
    ] = Path("demo-grades.svg"),
    as_json: JsonOpt = False,
) -> None:
    """Create a seeded demo city, record its events in bulk, show the grade distribution."""
    from socialcredit.charts import write_bar_chart
    from socialcredit.demo import city_events, make_city

    writable(chart, "chart")
    application = open_app()
    application.documents.init(op())
    today = application.settings.clock().date()
    n_orgs = residents // 50 if organisations is None else organisations
    city = make_city(residents, n_orgs, seed, today)
    application.records.add_subjects(op(), city.residents + city.organisations)
    events = list(city_events(city))
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=as_json or not err.is_terminal,
    ) as bar:
        task = bar.add_task("recording events", total=len(events))
        result = application.records.record_many(
            op(), events, chunk=5_000, progress=lambda n: bar.advance(task, n)
        )
    dist = application.batch.grade_distribution(op(), "rongcheng", today)
    order = [g.grade for g in application.documents.rulebook("rongcheng")[-1].grades]
    total = sum(dist.values()) or 1
    a_or_better = sum(dist.get(g, 0) for g in ("AAA", "AA", "A"))
    write_bar_chart(chart, dist, order, f"rongcheng grades of {total:,} residents on {today}")
    if as_json:
        print_json(
            {
                "residents": residents,
                "organisations": n_orgs,
                "events_created": result.created,
                "events_existing": result.existing,
                "grades": {g: dist.get(g, 0) for g in order},
                "a_or_better": a_or_better / total,
                "chart": str(chart),
            }
        )
        return
    t = table("grade", "residents", "share", title=f"rongcheng grades on {today}")
    for g in order:
        t.add_row(g, f"{dist.get(g, 0):,}", f"{100 * dist.get(g, 0) / total:.1f}%")
    out.print(t)
    out.print(
        f"{result.created:,} events recorded ({result.existing:,} already there); "
        f"{100 * a_or_better / total:.1f}% of residents grade A or better; chart: {chart}"
    )

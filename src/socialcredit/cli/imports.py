"""``socialcredit import``: a history file of score events into the ledger, on every core."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from socialcredit.application.imports import CHUNK, Columns, check_columns
from socialcredit.cli.common import JsonOpt, app, err, handled, open_app, out, print_json
from socialcredit.core.errors import BadInput


def _columns(header: list[str], batch: list[list[str]]) -> Columns:
    return {name: [row[i] for row in batch] for i, name in enumerate(header)}


def _csv_chunks(path: Path, chunk: int) -> tuple[int, Iterator[tuple[int, Columns]]]:
    """(rows, chunks of columns); rows are numbered as in the file (header = row 1)."""
    try:
        with path.open("rb") as fh:
            total = sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b""))
        with path.open(newline="", encoding="utf-8") as text:
            header = [h.strip() for h in next(csv.reader(text), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadInput(f"{path}: cannot read: {exc}", field="file") from None
    if not header:
        raise BadInput(f"{path}: empty file (a header row is required)", field="file")
    check_columns(header)

    def chunks() -> Iterator[tuple[int, Columns]]:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            first, batch = 2, []
            try:
                for line, values in enumerate(reader, start=2):
                    if len(values) != len(header):
                        raise BadInput(
                            f"row {line}: {len(values)} fields, the header has {len(header)}",
                            field="row",
                        )
                    batch.append(values)
                    if len(batch) >= chunk:
                        yield first, _columns(header, batch)
                        first, batch = line + 1, []
            except (UnicodeDecodeError, csv.Error) as exc:
                raise BadInput(f"{path}: cannot read: {exc}", field="file") from None
            if batch:
                yield first, _columns(header, batch)

    return max(total - 1, 0), chunks()


def _parquet_chunks(path: Path, chunk: int) -> tuple[int, Iterator[tuple[int, Columns]]]:
    """(rows, chunks of columns); rows are numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise BadInput(f"{path}: cannot read as Parquet: {exc}", field="file") from None
    check_columns(pf.schema_arrow.names)

    def chunks() -> Iterator[tuple[int, Columns]]:
        first = 1
        for batch in pf.iter_batches(batch_size=chunk):
            cols: dict[str, Any] = batch.to_pydict()
            yield first, cols
            first += batch.num_rows

    return pf.metadata.num_rows, chunks()


@app.command("import")
@handled
def import_events(
    file: Annotated[Path, typer.Argument(metavar="EVENTS", help="A .csv or .parquet file.")],
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per core).", min=1)
    ] = None,
    chunk: Annotated[
        int, typer.Option(help="Rows per chunk (one transaction each).", min=1)
    ] = CHUNK,
    as_json: JsonOpt = False,
) -> None:
    """Import score events (subject, rule, occurred, scheme, authority, evidence) in bulk.

    Resumable: a chunk commits whole or not at all, and events already recorded are
    skipped, so after a crash the same command finishes the job.
    """
    suffix = file.suffix.lower()
    if suffix == ".csv":
        total, chunks = _csv_chunks(file, chunk)
    elif suffix == ".parquet":
        total, chunks = _parquet_chunks(file, chunk)
    else:
        raise BadInput(f"{file}: expected a .csv or .parquet file", field="file")
    application = open_app()
    started = time.perf_counter()
    with Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err,
        transient=as_json,
        disable=not err.is_terminal and as_json,
    ) as bar:
        task = bar.add_task("import", total=total, rate="")

        def advance(n: int) -> None:
            done = bar.tasks[task].completed + n
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, advance=n, rate=f"{rate:,.0f} events/s")

        result = application.import_events(chunks, workers=workers, progress=advance)
    seconds = time.perf_counter() - started
    summary = {
        "file": str(file),
        "rows": result.rows,
        "created": result.created,
        "existing": result.existing,
        "chunks": result.chunks,
        "workers": result.workers,
        "seconds": round(seconds, 3),
        "events_per_second": round(result.rows / seconds) if seconds > 0 else None,
    }
    if as_json:
        print_json(summary)
        return
    out.print(
        f"imported {result.created:,} new event(s), {result.existing:,} already recorded, "
        f"from {result.rows:,} row(s) in {seconds:.2f} s ({summary['events_per_second']:,} "
        f"rows/s, {result.workers} worker(s))"
    )

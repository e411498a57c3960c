"""``socialcredit import``: a history file of score events into the ledger, on every core."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from socialcredit.application.imports import CHUNK, Columns, Lines, check_columns, parse_lines
from socialcredit.cli.common import JsonOpt, app, err, handled, op, open_app, out, print_json
from socialcredit.core.errors import BadInput


def _block(header: tuple[str, ...], first: int, data: bytes) -> Columns | Lines:
    if b'"' not in data:
        return header, data
    # Quoted fields may span lines: read this chunk as CSV here (numbered by record).
    parsed = parse_lines(first, (header, data))
    if isinstance(parsed, tuple):
        raise BadInput(f"row {parsed[0]}: {parsed[1]}", field="row")
    return parsed


def _lines(handle: BinaryIO, chunk: int) -> Iterator[list[bytes]]:
    """The file's lines (without their newlines), ``chunk`` at a time.

    Read in large blocks and split at C speed: a loop over the lines in Python cost the
    import's ordered path a microsecond per row (issue 16). Lines end at ``\\n`` only,
    as when iterating over the binary file; a last line without one is a line.
    """
    pending: list[bytes] = []
    tail = b""
    while True:
        while len(pending) < chunk:
            block = handle.read(1 << 22)
            if not block:
                if tail:
                    pending.append(tail)
                    tail = b""
                break
            parts = (tail + block).split(b"\n")
            tail = parts.pop()
            pending += parts
        if not pending:
            return
        yield pending[:chunk]
        del pending[:chunk]


def _csv_chunks(path: Path, chunk: int) -> tuple[int, Iterator[tuple[int, Columns | Lines]]]:
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

    def chunks() -> Iterator[tuple[int, Columns | Lines]]:
        # Lines without a quote character are one record each: they go to the workers
        # raw and are parsed there. A chunk with quotes is parsed here, as CSV.
        names = tuple(header)
        with path.open("rb") as handle:
            handle.readline()
            first = 2
            for batch in _lines(handle, chunk):
                if not all(map(bytes.strip, batch)):
                    empty = next(i for i, line in enumerate(batch) if not line.strip())
                    raise BadInput(f"row {first + empty}: an empty line", field="row")
                yield first, _block(names, first, b"\n".join(batch) + b"\n")
                first += len(batch)

    return max(total - 1, 0), chunks()


def _parquet_chunks(path: Path, chunk: int) -> tuple[int, Iterator[tuple[int, Columns | Lines]]]:
    """(rows, chunks of columns); rows are numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise BadInput(f"{path}: cannot read as Parquet: {exc}", field="file") from None
    check_columns(pf.schema_arrow.names)

    def chunks() -> Iterator[tuple[int, Columns | Lines]]:
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

        result = application.imports.events(op(), chunks, workers=workers, progress=advance)
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

"""Engines that execute the relational definition: DuckDB (embedded) and Spark (scale-out).

Both take a Parquet file (or an in-memory Arrow table for DuckDB) of events and return
or write ``subject, score, grade, capped``. Neither holds scoring logic of its own.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from socialcredit.batch.relational import DUCKDB, SPARK, scoring_sql
from socialcredit.core.errors import BadInput
from socialcredit.core.rulebook import Rulebook

EVENT_COLUMNS = ("event", "subject", "rule", "occurred", "reverses")


def _check_rules(known: set[str], seen: list[str], book: Rulebook) -> None:
    unknown = sorted(set(seen) - known)
    if unknown:
        raise BadInput(
            f"events name rule {unknown[0]!r}, which scheme {book.scheme!r} does not have",
            field="rule",
        )


def _roster_filter(book: Rulebook, columns: list[str]) -> str:
    """Only the subjects the scheme applies to, when the roster says their kind."""
    if book.subjects != "any" and "kind" in columns:
        return f" WHERE kind = '{book.subjects}'"  # a validated enum, never user text
    return ""


def _kept_events(book: Rulebook, columns: list[str], text_type: str) -> str | None:
    """Events of subjects the roster says are of another kind are not scored (None: keep all).

    A scheme published for persons never scores an organisation, even if events for one
    reached the input; the CLI reports how many subjects were skipped and why.
    """
    if book.subjects == "any" or "kind" not in columns:
        return None
    return (
        "SELECT * FROM events e WHERE NOT EXISTS (SELECT 1 FROM roster_in k "  # noqa: S608
        f"WHERE CAST(k.subject AS {text_type}) = e.subject AND k.kind IS NOT NULL "
        f"AND k.kind <> '{book.subjects}')"  # a validated enum, never user text
    )


def score_duckdb(
    book: Rulebook,
    events: Any,
    as_of: date,
    out: Path | None = None,
    subjects: Any = None,
) -> Any:
    """Score with DuckDB. ``events`` is a Parquet path or an Arrow table.

    ``subjects`` (optional, a Parquet path or Arrow table with ``subject`` and optionally
    ``kind``) adds everyone registered, so those with no events get the base score.
    Returns an Arrow table, or writes Parquet to ``out`` and returns None.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET threads TO {max(1, len(os.sched_getaffinity(0)))}")
        con.execute("SET enable_progress_bar = false")
        # A city fits in well under 2 GB; order is restored by the final ORDER BY.
        con.execute("SET memory_limit = '1GB'")
        con.execute("SET preserve_insertion_order = false")
        if isinstance(events, (str, Path)):
            if not Path(events).is_file():
                raise BadInput(f"events file {str(events)!r} does not exist", field="events")
            source = _path(Path(events))  # refuses quotes, so the literal is safe
            con.execute(
                "CREATE VIEW events AS SELECT event, subject, rule, occurred, reverses "  # noqa: S608
                f"FROM read_parquet('{source}')"
            )
        else:
            con.register("events_in", events)
            con.execute(
                "CREATE VIEW events AS SELECT event, subject, rule, occurred, reverses "
                "FROM events_in"
            )
        roster = None
        source_events = "events"
        if subjects is not None:
            if isinstance(subjects, (str, Path)):
                if not Path(subjects).is_file():
                    raise BadInput(
                        f"subjects file {str(subjects)!r} does not exist", field="subjects"
                    )
                listed = _path(Path(subjects))  # refuses quotes, so the literal is safe
                con.execute(
                    f"CREATE VIEW roster_in AS SELECT * FROM read_parquet('{listed}')"  # noqa: S608
                )
            else:
                con.register("roster_in", subjects)
            columns = [r[0] for r in con.execute("DESCRIBE roster_in").fetchall()]
            if "subject" not in columns:
                raise BadInput("the subjects file needs a 'subject' column", field="subjects")
            con.execute(
                "CREATE VIEW roster AS SELECT CAST(subject AS VARCHAR) AS subject FROM roster_in"  # noqa: S608
                + _roster_filter(book, columns)
            )
            roster = "roster"
            kept = _kept_events(book, columns, "VARCHAR")
            if kept is not None:
                con.execute(f"CREATE VIEW events_kept AS {kept}")
                source_events = "events_kept"
        seen = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT rule FROM {source_events} WHERE reverses IS NULL"  # noqa: S608
            ).fetchall()
        ]
        _check_rules({r.code for r in book.rules}, seen, book)
        sql = scoring_sql(book, as_of, DUCKDB, events=source_events, roster=roster)
        if out is not None:
            con.execute(f"COPY ({sql}) TO '{_path(out)}' (FORMAT PARQUET)")
            return None
        return con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise BadInput(f"cannot score the events: {exc}", field="events") from None
    finally:
        con.close()


def _path(p: Path) -> str:
    text = str(p)
    if "'" in text:
        raise BadInput("output paths may not contain quotes", field="out")
    return text


def spark_session(cores: int = 2) -> Any:
    """A local Spark session bound to loopback (SPARK_LOCAL_IP), quiet."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise BadInput(
            "the spark engine needs the optional extra: pip install 'socialcredit[spark]'"
        ) from None
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("socialcredit")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(cores * 2))
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def score_spark(
    book: Rulebook,
    events: Path,
    as_of: date,
    out: Path | None = None,
    spark: Any = None,
    subjects: Path | None = None,
) -> Any:
    """Score with Spark SQL over the same text. Returns rows, or writes Parquet to ``out``.

    ``subjects`` is as for :func:`score_duckdb` (a Parquet path).
    """
    session = spark or spark_session()
    if not Path(events).exists():
        raise BadInput(f"events file {str(events)!r} does not exist", field="events")
    frame = session.read.parquet(str(events)).select(*EVENT_COLUMNS)
    frame.createOrReplaceTempView("events")
    seen = [r[0] for r in frame.where("reverses IS NULL").select("rule").distinct().collect()]
    _check_rules({r.code for r in book.rules}, seen, book)
    roster = None
    source_events = "events"
    if subjects is not None:
        if not Path(subjects).exists():
            raise BadInput(f"subjects file {str(subjects)!r} does not exist", field="subjects")
        people = session.read.parquet(str(subjects))
        if "subject" not in people.columns:
            raise BadInput("the subjects file needs a 'subject' column", field="subjects")
        people.createOrReplaceTempView("roster_in")
        session.sql(
            "SELECT CAST(subject AS STRING) AS subject FROM roster_in"  # noqa: S608
            + _roster_filter(book, list(people.columns))
        ).createOrReplaceTempView("roster")
        roster = "roster"
        kept = _kept_events(book, list(people.columns), "STRING")
        if kept is not None:
            session.sql(kept).createOrReplaceTempView("events_kept")
            source_events = "events_kept"
    result = session.sql(scoring_sql(book, as_of, SPARK, events=source_events, roster=roster))
    if out is not None:
        result.coalesce(1).write.mode("overwrite").parquet(str(out))
        return None
    return result.collect()

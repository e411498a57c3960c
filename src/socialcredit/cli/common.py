"""Shared pieces of the operator console: the root app, options, error translation.

Errors are translated once, here: a ``SocialCreditError`` becomes a one-line message on
stderr and its exit code (2 for bad input, 1 for a failed check), never a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from socialcredit.application import Actor, Application
from socialcredit.core.errors import BadInput, SocialCreditError
from socialcredit.core.periods import parse_date, parse_moment
from socialcredit.settings import Settings

app = typer.Typer(
    help="socialcredit: published rulebooks, an evidence-backed ledger, explained scores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

out = Console()
err = Console(stderr=True, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


class _State:
    db: str | None = None
    purpose: str | None = None


state = _State()


@app.callback()
def _root(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL or SQLite path (default: $SOCIALCREDIT_DB or ./socialcredit.db).",
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="Why the operator reads (recorded with every read)."),
    ] = None,
) -> None:
    state.db = db
    state.purpose = purpose


_opened: list[Application] = []


def open_app() -> Application:
    """The application for this command, on a store that will not lose what it writes.

    Every command writes (a read leaves an access record), so each refuses a database
    whose settings could lose an acknowledged write, as ``serve`` does.
    """
    application = Application(Settings.from_env(state.db))
    _opened.append(application)
    application.store.check_durability()
    return application


def op() -> Actor:
    """The operator at the console, with the purpose given by ``--purpose``.

    Who acts is passed with every call (``Actor``), never kept in the settings; the
    CLI's actor is always the operator, and ``--purpose ""`` states no purpose (a read
    of a subject's data is then refused).
    """
    return Actor.operator("operator console" if state.purpose is None else state.purpose)


def _close_all() -> None:
    """Every command releases its connections (a PostgreSQL server counts them)."""
    while _opened:
        _opened.pop().store.close()


def handled(fn: F) -> F:
    """Translate our errors to a one-line message and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SocialCreditError as exc:
            if kwargs.get("as_json"):
                print(json.dumps({"error": exc.to_dict()}))
            err.print(f"error: {exc.message}", markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None
        finally:
            _close_all()

    return wrapper  # type: ignore[return-value]


def opt_date(value: str | None, field: str) -> date | None:
    return parse_date(value, field=field) if value is not None else None


def day_arg(value: str, field: str) -> date:
    day = opt_date(value, field)
    assert day is not None
    return day


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def write_or_print(obj: dict[str, Any], path: Path | None) -> None:
    text = json.dumps(obj, indent=2)
    if path is None:
        print(text)
    else:
        write_file(path, (text + "\n").encode(), "out")


def writable(path: Path, field: str) -> None:
    """Refuse, before any work is done or recorded, an output path that cannot be written.

    A missing folder, a folder where a file is wanted, or a read-only place: one line and
    exit 2, and nothing recorded for an export that could not have been written.
    """
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise BadInput(f"{path}: is a folder, not a file", field=field)
    if not folder.is_dir():
        raise BadInput(f"{path}: cannot write: no folder {folder}", field=field)
    if path.exists() and not os.access(path, os.W_OK):
        raise BadInput(f"{path}: cannot write: permission denied", field=field)
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInput(f"{path}: cannot write: {exc.strerror or exc}", field=field) from None
    os.close(fd)
    os.unlink(probe)


def write_file(path: Path, content: bytes, field: str) -> None:
    """Write a whole file or nothing: a temporary file beside it, renamed over it."""
    writable(path, field)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.replace(tmp, path)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write: {exc.strerror or exc}", field=field) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# Columns holding something a person must type back (ids, codes): never cut or wrapped;
# other columns wrap around them. `--json` is the form for machines.
ID_COLUMNS = frozenset(
    {
        "id",
        "event",
        "entry",
        "dispute",
        "item",
        "rule",
        "list",
        "service",
        "scheme",
        "authority",
        "authorities",
        "subject",
        "principal",
        "factor",
        "verifiers",
        "type",
        "grade",
        "code",
        "notice",
        "decision",
        "repair",
    }
)


class IdTable(Table):
    """A rich table whose identifier columns are at least as wide as their longest
    identifier, so an id is never cut or split; other columns wrap around them. When
    even that cannot fit the terminal, each row is shown as a block of "column: value"
    lines instead of cropping the table."""

    MIN_OTHER = 6  # narrowest a wrapping column may become

    def __rich_console__(self, console: Any, options: Any) -> Any:
        need = 1 + 3 * len(self.columns)
        for column in self.columns:
            if column.header in ID_COLUMNS:
                words = [w for cell in column.cells for w in str(cell).split()]
                column.min_width = max([len(str(column.header)), *map(len, words)])
                need += column.min_width
            else:
                need += self.MIN_OTHER
        if need <= options.max_width:
            yield from super().__rich_console__(console, options)
            return
        if self.title:
            yield Text(str(self.title), style="bold")
        rows = zip(*(column.cells for column in self.columns), strict=True)
        for n, cells in enumerate(rows):
            block = Table.grid(padding=(0, 1))
            block.add_column(style="bold", no_wrap=True)
            block.add_column(overflow="fold")
            for column, cell in zip(self.columns, cells, strict=True):
                block.add_row(f"{column.header}:", cell)
            if n:
                yield Text("")
            yield block


def table(*columns: str, **kwargs: Any) -> Table:
    """A table for people; identifier columns (see ID_COLUMNS) are never truncated."""
    t = IdTable(**kwargs)
    for name in columns:
        t.add_column(name, overflow="fold")
    return t


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}", field="file") from None


KnownOpt = Annotated[
    str | None,
    typer.Option(
        "--as-known-on",
        help="Replay the answer as known at this ISO date (end of day, UTC) or datetime.",
    ),
]


def known_arg(application: Application, value: str | None) -> datetime | None:
    """Parse ``--as-known-on`` against the application's clock (never the wall clock)."""
    if value is None:
        return None
    return parse_moment(value, now=application.settings.clock(), field="as-known-on")

"""Shared pieces of the operator console: the root app, options, error translation.

Errors are translated once, here: a ``SocialCreditError`` becomes a one-line message on
stderr and its exit code (2 for bad input, 1 for a failed check), never a traceback.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from socialcredit.application import Application
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
    application = Application(Settings.from_env(state.db, state.purpose))
    _opened.append(application)
    return application


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
        path.write_text(text + "\n", encoding="utf-8")


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

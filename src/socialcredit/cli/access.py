"""A subject's whole record: everything recorded, every read, every decision."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit.cli.common import (
    JsonOpt,
    KnownOpt,
    app,
    handled,
    known_arg,
    op,
    open_app,
    opt_date,
    out,
    print_json,
    writable,
    write_file,
)


@app.command()
@handled
def access(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write the record as an HTML page.")
    ] = None,
    as_known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything recorded about a subject, who looked at it, and every decision given."""
    if html is not None:
        writable(html, "html")  # before the read is recorded: no record of a failed export
    application = open_app()
    record = application.access.export(
        op(),
        ident,
        opt_date(as_of, "as-of"),
        known_arg(application, as_known_on),
        export="html" if html is not None else ("json" if as_json else "text"),
    )
    if html is not None:
        from socialcredit.html import render_access

        write_file(html, render_access(record.model_dump(mode="json")).encode(), "html")
    if as_json:
        print_json(record.model_dump(mode="json"))
        return
    out.print(f"[bold]{record.subject}[/] ({record.kind}, {record.name}) as of {record.as_of}")
    for r in record.reports:
        out.print(f"  {r.scheme}: score {r.score}, grade {r.grade}")
    out.print(
        f"  {len(record.events)} events ({record.retired_events} past retention), "
        f"{len(record.list_entries)} list entries, {len(record.disputes)} disputes, "
        f"{len(record.decisions)} decisions given, "
        f"{len(record.access_records)} access records"
    )
    if html is not None:
        out.print(f"  written to {html}")

"""Blacklist and red-list entries and their lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from socialcredit.application import results
from socialcredit.application.views import EntryView
from socialcredit.cli.common import (
    JsonOpt,
    app,
    day_arg,
    handled,
    op,
    open_app,
    opt_date,
    out,
    print_json,
    table,
)
from socialcredit.core.errors import BadInput
from socialcredit.core.lists import EntryState

list_app = typer.Typer(
    help="Blacklist and red-list entries and their lifecycle.", no_args_is_help=True
)
app.add_typer(list_app, name="list")


def _fields(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--field {pair!r}: expected KEY=VALUE", field="field")
        out[key.strip()] = value
    return out


@list_app.command("propose")
@handled
def list_propose(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    list_id: Annotated[str, typer.Option("--list", help="List id, e.g. court-defaulters.")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence document reference.")] = None,
    field: Annotated[
        list[str] | None, typer.Option("--field", help="KEY=VALUE, repeatable.")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(help="minor, general or serious: sizes the entry if the list says so."),
    ] = None,
    conduct: Annotated[
        str | None,
        typer.Option(
            help="The catalogue conduct the entry is for (one the list cites): the "
            "catalogue's severity of it sizes the entry."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Propose a list entry; it restricts nothing until notified and the notice passes."""
    day = day_arg(occurred, "occurred")
    r = open_app().lists.propose(
        op(),
        ident,
        list_id,
        authority=authority,
        evidence_ref=evidence,
        occurred=day,
        fields=_fields(field or []),
        severity=severity,
        conduct=conduct,
    )
    if as_json:
        print_json(results.EntryProposed(entry=r.event, created=r.created).model_dump())
    else:
        out.print(f"{'proposed' if r.created else 'already proposed as'} entry {r.event}")


def _step(
    step: str, entry: int, authority: str, evidence: str | None, occurred: str, as_json: bool
) -> None:
    day = day_arg(occurred, "occurred")
    done = open_app().lists.transition(
        op(), entry, step, authority=authority, evidence_ref=evidence, occurred=day
    )
    if as_json:
        print_json(results.EntryStepRecorded(entry=entry, events=done).model_dump())
    else:
        out.print(f"entry {entry}: {step} recorded as event(s) {', '.join(map(str, done))}")


@list_app.command("notify")
@handled
def list_notify(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date the subject was notified.")],
    evidence: Annotated[str | None, typer.Option(help="The notice served.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that the subject was notified; the entry takes effect after the notice period."""
    _step("notify", entry, authority, evidence, occurred, as_json)


@list_app.command("remedy")
@handled
def list_remedy(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    authority: Annotated[str, typer.Option(help="Authority maintaining the list.")],
    occurred: Annotated[str, typer.Option(help="Date of fulfilment.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence of fulfilment.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record fulfilment: the entry is removed in the same transaction."""
    _step("remedy", entry, authority, evidence, occurred, as_json)


@list_app.command("consent")
@handled
def list_consent(
    entry: Annotated[int, typer.Argument(metavar="ENTRY")],
    subject: Annotated[str, typer.Option(help="The listed subject (only they may consent).")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    withdraw: Annotated[bool, typer.Option(help="Withdraw consent instead of giving it.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Give or withdraw consent to appear on a red list's public board."""
    day = day_arg(occurred, "occurred")
    ev = open_app().lists.consent(op(), entry, subject, not withdraw, day)
    if as_json:
        print_json(
            results.ConsentRecorded(entry=entry, event=ev, consent=not withdraw).model_dump()
        )
    else:
        out.print(f"entry {entry}: consent {'withdrawn' if withdraw else 'given'} (event {ev})")


@list_app.command("show")
@handled
def list_show(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    as_of: Annotated[str | None, typer.Option(help="Date for the status (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A subject's list entries with their status, dates, remedy and the evidence that ends them."""
    application = open_app()
    day = opt_date(as_of, "as-of") or application.settings.clock().date()
    entries = application.lists.entries(op(), ident)
    lists = application.lists.registry().lists

    def ends(e: EntryState) -> dict[str, Any]:
        d = lists.get(e.list)
        return {
            "remedy": d.remedy if d else None,
            "remedy_evidence": list(d.remedy_evidence) if d else [],
        }

    if as_json:
        print_json(
            {
                "subject": ident.upper(),
                "as_of": day.isoformat(),
                "entries": [
                    EntryView.of(e, day).model_dump(mode="json") | ends(e) for e in entries
                ],
            }
        )
        return
    t = table("entry", "list", "status", "proposed", "in effect from", "max end", "fields")
    for e in entries:
        t.add_row(
            str(e.entry),
            e.list,
            e.status(day),
            str(e.proposed),
            str(e.effective_from or "-"),
            str(e.max_end or "-"),
            "; ".join(f"{k}={v}" for k, v in e.fields.items()),
        )
    out.print(t)
    for e in entries:
        how = ends(e)
        evidence = " or ".join(how["remedy_evidence"]) or "none published"
        out.print(
            f"entry {e.entry}: remedy: {how['remedy'] or 'none published'}; "
            f"evidence that ends it: {evidence}",
            markup=False,
        )


@list_app.command("board")
@handled
def list_board(
    list_id: Annotated[str, typer.Argument(metavar="LIST", help="A red list, e.g. honour-roll.")],
    as_json: JsonOpt = False,
) -> None:
    """A red list's public honour board: only subjects who consented, minimum fields."""
    rows = open_app().lists.board(op(), list_id)
    if as_json:
        print_json({"list": list_id, "entries": rows})
        return
    t = table("entry", "name", "since", "until", "citation")
    for r in rows:
        t.add_row(
            str(r["entry"]), r["name"], r["since"] or "-", r["until"] or "-", r["citation"] or ""
        )
    out.print(t)

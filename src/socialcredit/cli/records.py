"""Setting up a store, registering subjects, recording events and reading scores."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit.application import directory_rulebooks, results
from socialcredit.cli.common import (
    JsonOpt,
    KnownOpt,
    app,
    day_arg,
    handled,
    known_arg,
    op,
    open_app,
    opt_date,
    out,
    print_json,
    table,
)
from socialcredit.core.errors import BadInput

subject_app = typer.Typer(
    help="Register subjects (persons and organisations).", no_args_is_help=True
)
app.add_typer(subject_app, name="subject")


# -- setup ------------------------------------------------------------------------------
@app.command()
@handled
def init(
    rulebooks: Annotated[
        Path | None, typer.Option(help="Load rulebooks from this folder instead of the examples.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the store and publish the example rulebooks (idempotent)."""
    application = open_app()
    sources = directory_rulebooks(rulebooks) if rulebooks else None
    result = application.documents.init(op(), sources)
    if as_json:
        print_json(
            {
                "db": application.settings.db_url,
                "published": result.published,
                "already": result.already,
                "authorities": result.authorities,
            }
        )
        return
    out.print(f"store {application.settings.db_url}")
    for label in result.published:
        out.print(f"  published {label}")
    for label in result.already:
        out.print(f"  already published {label}")


@subject_app.command("add")
@handled
def subject_add(
    ident: Annotated[str, typer.Argument(metavar="ID", help="Resident ID or credit code.")],
    kind: Annotated[str, typer.Option(help="person or organisation")],
    name: Annotated[str, typer.Option(help="Full name (personal data).")],
    as_json: JsonOpt = False,
) -> None:
    """Register a person or an organisation."""
    subject, created = open_app().records.add_subject(op(), ident, kind, name)
    if as_json:
        print_json(
            results.SubjectRegistered(subject=subject, kind=kind, created=created).model_dump()
        )
    else:
        out.print(f"{'registered' if created else 'already registered'} {kind} {subject}")


# -- recording --------------------------------------------------------------------------
@app.command()
@handled
def record(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    rule: Annotated[str, typer.Argument(metavar="RULE")],
    scheme: Annotated[str, typer.Option(help="Scheme id, e.g. rongcheng.")],
    authority: Annotated[str, typer.Option(help="Issuing authority id.")],
    occurred: Annotated[str, typer.Option(help="Date of the conduct, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Evidence document reference.")] = None,
    evidence_kind: Annotated[str | None, typer.Option(help="Kind of evidence document.")] = None,
    evidence_file: Annotated[
        Path | None, typer.Option(help="The evidence file; its SHA-256 is recorded.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an evidence-backed event (re-submitting the same one returns it)."""
    content = None
    if evidence_file is not None:
        try:
            content = evidence_file.read_bytes()
        except OSError as exc:
            raise BadInput(
                f"evidence file {str(evidence_file)!r} cannot be read: {exc.strerror}",
                field="evidence-file",
            ) from None
    day = day_arg(occurred, "occurred")
    result = open_app().records.record(
        op(),
        ident,
        scheme,
        rule,
        authority=authority,
        evidence_ref=evidence,
        occurred=day,
        evidence_kind=evidence_kind,
        evidence_content=content,
    )
    if as_json:
        done = results.EventRecorded(
            event=result.event, created=result.created, evidence_sha256=result.evidence_sha256
        )
        print_json(done.model_dump(mode="json"))
    else:
        out.print(f"{'recorded' if result.created else 'already recorded as'} event {result.event}")


@app.command()
@handled
def correct(
    event_id: Annotated[int, typer.Argument(metavar="EVENT_ID")],
    reason: Annotated[str, typer.Option(help="Why the event is wrong (required).")],
    authority: Annotated[str, typer.Option(help="Correcting authority id.")],
    occurred: Annotated[str | None, typer.Option(help="Date of the correction.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence for the correction.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Reverse an earlier event with a reason (a new entry; nothing is deleted)."""
    new = open_app().records.correct(
        op(),
        event_id,
        reason=reason,
        authority=authority,
        occurred=opt_date(occurred, "occurred"),
        evidence_ref=evidence,
    )
    if as_json:
        print_json(results.CorrectionRecorded(event=new, reverses=event_id).model_dump())
    else:
        out.print(f"recorded correction event {new} reversing event {event_id}")


# -- reading ----------------------------------------------------------------------------
@app.command()
@handled
def score(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    scheme: Annotated[str, typer.Option(help="Scheme id.")],
    as_of: Annotated[str | None, typer.Option(help="Date, YYYY-MM-DD (default today).")] = None,
    as_known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score, grade, caps and perks with the line-by-line explanation."""
    application = open_app()
    known = known_arg(application, as_known_on)
    report = application.repairs.score_with_changes(
        op(), ident, scheme, opt_date(as_of, "as-of"), known
    )
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    cap = f" (capped from {report.uncapped_grade})" if report.capped else ""
    out.print(
        f"[bold]{report.subject}[/] {report.scheme} {report.version} as of {report.as_of}: "
        f"score [bold]{report.score}[/], grade [bold]{report.grade}[/]{cap}"
    )
    if report.factors:
        t = table("factor", "value", "bin from", "points", "records")
        for f in report.factors:
            t.add_row(f.code, str(f.value), str(f.bin_from), str(f.points), str(f.records))
        out.print(t)
    t = table("event", "rule", "points", "occurred", "ends", "authority", "evidence", title="lines")
    for ln in report.lines:
        t.add_row(
            str(ln.event),
            ln.rule,
            f"{ln.points:+d}",
            str(ln.occurred),
            str(ln.ends or "-"),
            ln.authority,
            ln.evidence or "-",
        )
    out.print(f"base {report.base}")
    out.print(t)
    for x in report.excluded:
        out.print(f"  not counted: event {x.event} {x.rule}: {x.why}")
    out.print(f"perks: {', '.join(report.perks) or 'none'}")
    for c in report.changes:
        out.print(
            f"  from {c['on']}: score {c['score']}, grade {c['grade']} "
            f"(item(s) {', '.join(map(str, c['items']))} end)",
            markup=False,
        )
    for w in report.if_ended_today:
        if w["kind"] == "event":
            out.print(
                f"  if item {w['item']} were repaired today: score {w['score']}, grade "
                f"{w['grade']}"
                + (
                    f"; repair may be applied for from {w['repair_from']}"
                    if w["repair_from"]
                    else ""
                ),
                markup=False,
            )


@app.command()
@handled
def history(ident: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Every ledger entry about a subject, in order."""
    events = open_app().records.history(op(), ident)
    if as_json:
        print_json(
            {
                "subject": ident.upper(),
                "events": [e.model_dump(mode="json") for e in events],
            }
        )
        return
    t = table("event", "type", "scheme", "rule", "points", "occurred", "ends", "authority", "note")
    for e in events:
        note = f"reverses {e.reverses}: {e.reason}" if e.reverses else (e.evidence or "")
        t.add_row(
            str(e.event),
            e.type,
            e.scheme or "",
            e.rule or "",
            str(e.points),
            str(e.occurred),
            str(e.ends or "-"),
            e.authority,
            note,
        )
    out.print(t)

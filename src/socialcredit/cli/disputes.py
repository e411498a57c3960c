"""Disputes and appeals, and the daily tick that writes deadlines down."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from socialcredit.application import results
from socialcredit.application.views import DisputeView
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
)

dispute_app = typer.Typer(
    help="Disputes with deadlines that bind the authorities.", no_args_is_help=True
)
app.add_typer(dispute_app, name="dispute")


def _dispute_out(state: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    body = DisputeView.of(state, open_app().settings.clock().date()).model_dump(mode="json") | (
        extra or {}
    )
    if as_json:
        print_json(body)
    else:
        out.print(
            f"dispute {body['dispute']} on item {body['item']}: {body['status']}, "
            f"deadline {body['deadline'] or '-'}",
            markup=False,
        )
        for x in body.get("decisions", []):
            stage = "appeal" if x["stage"] == "appeal" else "first decision"
            out.print(
                f"  {stage} {x['decided']} by {x['reviewer']}: {x['outcome']}: {x['reason']}",
                markup=False,
            )


@dispute_app.command("open")
@handled
def dispute_open(
    item: Annotated[int, typer.Argument(metavar="ITEM_ID", help="Event or list-entry id.")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="What is wrong, in the subject's words.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Supporting evidence reference.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dispute an event or list entry; the issuing authority is notified at once."""
    d = open_app().disputes.open(
        op(),
        item,
        subject=subject,
        statement=statement,
        evidence_ref=evidence,
        occurred=day_arg(occurred, "occurred"),
    )
    if as_json:
        print_json(results.DisputeOpened(dispute=d, item=item).model_dump())
    else:
        out.print(f"opened dispute {d} on item {item}")


@dispute_app.command("add-info")
@handled
def dispute_add_info(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="The new information.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    evidence: Annotated[str | None, typer.Option(help="Supporting evidence reference.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add information; within the first 30 days it extends the deadline to 45 days."""
    ev = open_app().disputes.add_info(
        op(),
        dispute,
        subject=subject,
        statement=statement,
        evidence_ref=evidence,
        occurred=day_arg(occurred, "occurred"),
    )
    if as_json:
        print_json(results.DisputeStepRecorded(dispute=dispute, event=ev).model_dump())
    else:
        out.print(f"dispute {dispute}: information recorded (event {ev})")


@dispute_app.command("decide")
@handled
def dispute_decide(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    reviewer: Annotated[str, typer.Option(help="Reviewer id, e.g. rongcheng-review-board.")],
    outcome: Annotated[str, typer.Option(help="upheld, annulled or amended.")],
    reason: Annotated[str, typer.Option(help="Why (shown to the subject).")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    excuse: Annotated[
        str | None, typer.Option(help="Accept an excusing circumstance the rule declares.")
    ] = None,
    rule: Annotated[str | None, typer.Option(help="The corrected rule, for amended.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Decide a dispute before its deadline; annulled/amended write the correction too."""
    ids = open_app().disputes.decide(
        op(),
        dispute,
        reviewer=reviewer,
        outcome=outcome,
        reason=reason,
        occurred=day_arg(occurred, "occurred"),
        excuse=excuse,
        amend_rule=rule,
    )
    if as_json:
        print_json(
            results.DisputeDecided(dispute=dispute, outcome=outcome, events=ids).model_dump()
        )
    else:
        out.print(f"dispute {dispute}: {outcome} (events {', '.join(map(str, ids))})")


@dispute_app.command("appeal")
@handled
def dispute_appeal(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")],
    subject: Annotated[str, typer.Option(help="The disputing subject's ID.")],
    statement: Annotated[str, typer.Option(help="Grounds of appeal.")],
    occurred: Annotated[str, typer.Option(help="Date, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
) -> None:
    """Appeal an upheld dispute once, to a second reviewer (30 more days)."""
    ev = open_app().disputes.appeal(
        op(), dispute, subject=subject, statement=statement, occurred=day_arg(occurred, "occurred")
    )
    if as_json:
        print_json(results.DisputeStepRecorded(dispute=dispute, event=ev).model_dump())
    else:
        out.print(f"dispute {dispute}: appealed (event {ev})")


@dispute_app.command("show")
@handled
def dispute_show(
    dispute: Annotated[int, typer.Argument(metavar="DISPUTE")], as_json: JsonOpt = False
) -> None:
    """A dispute's status, deadlines and decisions."""
    _dispute_out(open_app().disputes.show(op(), dispute), as_json)


@app.command()
@handled
def tick(
    as_of: Annotated[str, typer.Option(help="Date up to which to write down due consequences.")],
    as_json: JsonOpt = False,
) -> None:
    """Materialise lapsed disputes (annulled for the subject) and due erasures; idempotent."""
    day = day_arg(as_of, "as-of")
    r = open_app().upkeep.tick(op(), day)
    if as_json:
        done = results.TickDone(
            as_of=day.isoformat(), lapsed=r.lapsed, erased=r.erased, shredded=r.shredded
        )
        print_json(done.model_dump())
    else:
        out.print(f"{r.lapsed} dispute(s) lapsed, {r.erased} subject(s) erased")
    if r.shredded is False:
        err.print(f"warning: {r.shred_detail}", markup=False, highlight=False)

"""Credit repair: a subject applies to end a negative item early; the authority decides."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.application import results
from socialcredit.application.views import RepairView
from socialcredit.cli.common import (
    JsonOpt,
    app,
    day_arg,
    handled,
    op,
    open_app,
    out,
    print_json,
)

repair_app = typer.Typer(
    help="Credit repair by severity, with a deadline that binds the authority.",
    no_args_is_help=True,
)
app.add_typer(repair_app, name="repair")


@repair_app.command("apply")
@handled
def repair_apply(
    item: Annotated[int, typer.Argument(metavar="ITEM", help="A score event or list entry id.")],
    subject: Annotated[str, typer.Option(help="The subject's ID (the item must be theirs).")],
    statement: Annotated[
        str, typer.Option(help="How the conduct was corrected; the credit commitment.")
    ],
    evidence: Annotated[str, typer.Option(help="Evidence that obligations are fulfilled.")],
    occurred: Annotated[str, typer.Option(help="Date of the application, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
) -> None:
    """Apply for repair of a negative item once its severity's minimum period has run."""
    r = open_app().repairs.apply(
        op(),
        item,
        subject=subject,
        statement=statement,
        evidence_ref=evidence,
        occurred=day_arg(occurred, "occurred"),
    )
    body = results.RepairApplied(
        repair=r.repair, item=r.item, severity=r.severity, decide_by=r.decide_by.isoformat()
    )
    if as_json:
        print_json(body.model_dump())
    else:
        out.print(
            f"repair {r.repair} applied for item {r.item} ({r.severity}); the authority must "
            f"decide before {r.decide_by} or it is granted",
            markup=False,
        )


@repair_app.command("decide")
@handled
def repair_decide(
    repair: Annotated[int, typer.Argument(metavar="R")],
    authority: Annotated[str, typer.Option(help="The item's issuing authority.")],
    outcome: Annotated[str, typer.Option(help="granted or refused")],
    reason: Annotated[str, typer.Option(help="Why (required).")],
    occurred: Annotated[str, typer.Option(help="Date of the decision, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
) -> None:
    """Decide a repair: granted ends the item from today; refused says when to apply again."""
    application = open_app()
    event = application.repairs.decide(
        op(),
        repair,
        authority=authority,
        outcome=outcome,
        reason=reason,
        occurred=day_arg(occurred, "occurred"),
    )
    if as_json:
        print_json(results.RepairDecided(repair=repair, event=event, outcome=outcome).model_dump())
    else:
        out.print(f"repair {repair} {outcome} (event {event})", markup=False)


@repair_app.command("show")
@handled
def repair_show(
    repair: Annotated[int, typer.Argument(metavar="R")], as_json: JsonOpt = False
) -> None:
    """A repair's status, deadline, decision and, if refused, when to apply again."""
    state, day = open_app().repairs.show(op(), repair)
    body = RepairView.of(state, day).model_dump(mode="json")
    if as_json:
        print_json(body)
        return
    out.print(
        f"repair {body['repair']} on item {body['item']} ({body['severity']}): {body['status']}; "
        f"decide by {body['decide_by']}"
        + (f"; reason: {body['reason']}" if body["reason"] else "")
        + (f"; apply again from {body['apply_again_from']}" if body["apply_again_from"] else ""),
        markup=False,
    )

"""Erasure on the subject's request (retention erasures are written by ``tick``)."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.application.results import SubjectErased
from socialcredit.cli.common import JsonOpt, app, err, handled, op, open_app, out, print_json


@app.command()
@handled
def erase(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    requested_by_subject: Annotated[
        bool,
        typer.Option(
            "--requested-by-subject",
            help="The subject asked for erasure (required: retention erasures run in tick).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Erase a subject's personal data at its request, unless a retention rule keeps it.

    Refused with exit 2, naming the rule and the date it allows erasure, while a
    published retention rule still keeps the data; nothing is changed then.
    """
    r = open_app().erasure.erase(op(), ident, requested_by_subject=requested_by_subject)
    if as_json:
        done = SubjectErased(subject=r.subject, event=r.event, shredded=r.shredded, detail=r.detail)
        print_json(done.model_dump())
    else:
        out.print(f"subject {r.subject} erased (ledger entry {r.event}); {r.detail}")
    if not r.shredded:
        err.print(f"warning: {r.detail}", markup=False, highlight=False)

"""The registered services and a verifier's yes/no question."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.application import Actor
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
    table,
)


@app.command()
@handled
def services(as_json: JsonOpt = False) -> None:
    """Registered services (with sectors) and the verifiers allowed to ask about them."""
    reg = open_app().lists.registry()
    svc, ver = reg.services, reg.verifiers
    if as_json:
        print_json(
            {
                "services": [
                    {"id": s.id, "sector": s.sector, "title": s.title} for s in svc.values()
                ],
                "verifiers": [
                    {"id": v.id, "title": v.title, "services": list(v.services)}
                    for v in ver.values()
                ],
            }
        )
        return
    t = table("service", "sector", "title", "verifiers")
    for s in svc.values():
        t.add_row(
            s.id, s.sector, s.title, ", ".join(v.id for v in ver.values() if s.id in v.services)
        )
    out.print(t)


@app.command()
@handled
def check(
    ident: Annotated[str, typer.Argument(metavar="ID")],
    service: Annotated[str, typer.Option(help="The verifier's service, e.g. flight.")],
    verifier: Annotated[str, typer.Option(help="Verifier id, e.g. airline-demo.")],
    purpose: Annotated[str | None, typer.Option(help="Why the verifier asks (required).")] = None,
    as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
    as_known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A verifier's yes/no: decision and reason codes only, never score, grade or record.

    With --as-known-on the answer is replayed as the system gave it then, and recorded
    as a read, not as a new decision.
    """
    application = open_app()
    d = application.lists.check(
        Actor(verifier, "verifier", purpose or ""),
        ident,
        service,
        as_of=opt_date(as_of, "as-of"),
        known_at=known_arg(application, as_known_on),
    )
    if as_json:
        print_json(d.model_dump(mode="json"))
        return
    out.print(f"[bold]{d.decision.upper()}[/] {d.service} for {d.subject} on {d.as_of}")
    for r in d.reasons:
        out.print(f"  {r.code}: {r.text}", markup=False)


@app.command()
@handled
def notices(
    verifier: Annotated[str, typer.Option(help="Verifier id, e.g. airline-demo.")],
    as_json: JsonOpt = False,
) -> None:
    """Notices to a verifier: past decisions that rested on an item since voided."""
    found = open_app().notices.read(op(), verifier)
    if as_json:
        print_json({"notices": [n.model_dump(mode="json") for n in found]})
        return
    if not found:
        out.print(f"no notices for {verifier}")
        return
    t = table("notice", "decision", "item", "service", "recorded", "reason")
    for n in found:
        t.add_row(
            str(n.notice),
            str(n.decision),
            str(n.item),
            str(n.service),
            str(n.recorded),
            str(n.reason),
        )
    out.print(t)


@app.command()
@handled
def figures(
    as_of: Annotated[str | None, typer.Option(help="Date (default today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Public figures: list entries, decisions by service, disputes and repairs."""
    body = open_app().figures.figures(op(), opt_date(as_of, "as-of"))
    if as_json:
        print_json(body)
        return
    t = table(
        "list", "added", "in effect", "removed", "expired", "annulled", "remedied", "repaired"
    )
    for name, c in body["lists"].items():
        t.add_row(
            name,
            *(
                str(c[k])
                for k in (
                    "added",
                    "in_effect",
                    "removed",
                    "expired",
                    "annulled",
                    "remedied",
                    "repaired",
                )
            ),
        )
    out.print(t)
    t = table("service", "allow", "deny", "benefit")
    for service, c in body["decisions"].items():
        t.add_row(service, str(c["allow"]), str(c["deny"]), str(c["benefit"]))
    out.print(t)
    out.print(
        "disputes: " + ", ".join(f"{k} {v}" for k, v in body["disputes"].items()), markup=False
    )
    out.print("repairs: " + ", ".join(f"{k} {v}" for k, v in body["repairs"].items()), markup=False)

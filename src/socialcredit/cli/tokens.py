"""API tokens bound to a principal and a role."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Annotated

import typer

from socialcredit.cli.common import (
    JsonOpt,
    app,
    handled,
    op,
    open_app,
    out,
    print_json,
    table,
)
from socialcredit.cli.serve import registered_pages
from socialcredit.core.errors import BadInput
from socialcredit.core.periods import add_duration, parse_duration

token_app = typer.Typer(help="API tokens bound to a principal and a role.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("issue")
@handled
def token_issue(
    role: Annotated[
        str, typer.Option(help="admin, registrar, verifier, reviewer, subject, auditor")
    ],
    principal: Annotated[
        str, typer.Option(help="Authority id, verifier id, reviewer id, subject ID or a name.")
    ],
    expires: Annotated[
        str, typer.Option("--expires", help="Lifetime, an ISO 8601 duration (P90D, P1Y, P2W).")
    ] = "P90D",
    label: Annotated[str, typer.Option(help="A note shown by `token list`.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Issue a token (printed once; only its hash is stored); it ends after --expires."""
    application = open_app()
    ttl = lifetime(expires, application.settings.clock())
    token = application.tokens.issue(op(), role, principal, ttl=ttl, label=label)
    if as_json:
        print_json(
            {
                "token": token,
                "id": token_id(token),
                "role": role,
                "principal": principal,
                "expires": (application.settings.clock() + ttl).isoformat(timespec="seconds"),
            }
        )
    else:
        out.print(token, markup=False, highlight=False)


@token_app.command("list")
@handled
def token_list(
    principal: Annotated[str | None, typer.Option(help="Only this principal's tokens.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every token: its id, principal, role, dates and state (never a secret)."""
    rows = open_app().tokens.list(principal)
    if as_json:
        print_json(rows)
        return
    t = table("id", "principal", "role", "state", "created", "expires", "revoked", "label")
    for r in rows:
        t.add_row(
            r["id"],
            r["principal"],
            r["role"],
            r["state"],
            r["created"],
            r["expires"] or "-",
            r["revoked"] or "-",
            r["label"],
        )
    out.print(t)


@token_app.command("revoke")
@handled
def token_revoke(
    ident: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="A token id from `token list`.")
    ] = None,
    principal: Annotated[
        str | None, typer.Option(help="Instead: revoke every live token of this principal.")
    ] = None,
    reason: Annotated[str, typer.Option(help="Why (kept with the token).")] = "revoked",
    as_json: JsonOpt = False,
) -> None:
    """End a token now (or all of a principal's); a running service refuses it at once."""
    if (ident is None) == (principal is None):
        raise BadInput("give a token ID or --principal, not both", field="token")
    done = open_app().tokens.revoke(op(), token_id=ident, principal=principal, reason=reason)
    if as_json:
        print_json({"revoked": done})
    else:
        out.print(f"revoked {len(done)} token(s): {' '.join(done) or '-'}", markup=False)


def lifetime(text: str, now: datetime) -> timedelta:
    """An ISO 8601 duration from now, as a time span (P1M from 31 January is 29 days)."""
    span = add_duration(now.date(), parse_duration(text, field="expires")) - now.date()
    if span <= timedelta(0):
        raise BadInput(f"--expires {text!r}: a token must live at least a day", field="expires")
    return span


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


DEMO_PRINCIPALS = (
    ("admin", "city-admin"),
    ("registrar", "rongcheng-traffic-police"),
    ("registrar", "rongcheng-people-court"),
    ("verifier", "airline-demo"),
    ("verifier", "bike-demo"),
    ("reviewer", "rongcheng-review-board"),
    ("auditor", "city-auditor"),
)


@token_app.command("demo")
@handled
def token_demo(
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the pages will be served.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """Issue one demo token per role (and one resident's) for `make run`, shown once."""
    application = open_app()
    with application.store.transaction() as conn:
        people = application.store.subjects_page(conn, "person")
    rows = [*DEMO_PRINCIPALS, *([("subject", people[0])] if people else [])]
    print("Demo tokens (shown once; only their hashes are stored):")
    for role, principal in rows:
        print(f"  {role:<9} {principal:<26} {application.tokens.issue(op(), role, principal)}")
    print("Pages:")
    for path, what in [*registered_pages(application), ("/docs", "API reference")]:
        print(f"  {base_url}{path:<10} {what}")

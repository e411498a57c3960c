"""API tokens bound to a principal and a role."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.cli.common import (
    JsonOpt,
    app,
    handled,
    open_app,
    out,
    print_json,
)

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
    as_json: JsonOpt = False,
) -> None:
    """Issue a token (printed once; only its hash is stored)."""
    token = open_app().issue_token(role, principal)
    if as_json:
        print_json({"token": token, "role": role, "principal": principal})
    else:
        out.print(token, markup=False, highlight=False)


DEMO_PRINCIPALS = (
    ("admin", "city-admin"),
    ("registrar", "rongcheng-traffic-police"),
    ("registrar", "rongcheng-people-court"),
    ("verifier", "airline-demo"),
    ("verifier", "bike-demo"),
    ("reviewer", "rongcheng-review-board"),
    ("auditor", "city-auditor"),
)

DEMO_PAGES = (
    ("/", "home"),
    ("/signin", "sign in with a token"),
    ("/counter", "a resident's record"),
    ("/desk", "registrar desk"),
    ("/verify", "verifier"),
    ("/review", "review queue"),
    ("/stats", "grade distribution"),
    ("/log", "signed log head"),
    ("/docs", "API reference"),
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
        print(f"  {role:<9} {principal:<26} {application.issue_token(role, principal)}")
    print("Pages:")
    for path, what in DEMO_PAGES:
        print(f"  {base_url}{path:<10} {what}")

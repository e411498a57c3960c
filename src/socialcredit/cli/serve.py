"""Serving the API and the web pages."""

from __future__ import annotations

import sys
import threading
from typing import Annotated, Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from socialcredit.application import maintenance
from socialcredit.cli.common import (
    app,
    err,
    handled,
    open_app,
)
from socialcredit.core.errors import BadInput, SocialCreditError


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    sign_every: Annotated[
        float,
        typer.Option(
            help="Seconds between signing the log's head when it grew (0: never; then sign "
            "with `socialcredit log head` from a scheduler).",
            min=0,
        ),
    ] = 30,
    behind_tls_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-tls-proxy",
            help="A TLS-terminating reverse proxy on this host forwards to us: trust its "
            "X-Forwarded-For/-Proto, send HSTS and Secure cookies.",
        ),
    ] = False,
    rate_principal: Annotated[
        str | None,
        typer.Option(help='Requests per token holder, e.g. "1200/minute;60/second".'),
    ] = None,
    rate_anonymous: Annotated[
        str | None,
        typer.Option(help='Requests per client address without a token, e.g. "600/minute".'),
    ] = None,
) -> None:
    """Serve the HTTP API and the web pages for an existing store; tick daily."""
    import dataclasses
    import gc

    import uvicorn

    from socialcredit.server import create_app

    application = open_app()
    with application.store.transaction() as conn:
        if not application.store.is_initialised(conn):
            raise BadInput("the store is not initialised: run `socialcredit init` first")
    settings = dataclasses.replace(
        application.settings,
        behind_tls=behind_tls_proxy,
        rate_principal=check_limit("rate_principal", rate_principal)
        or application.settings.rate_principal,
        rate_anonymous=check_limit("rate_anonymous", rate_anonymous)
        or application.settings.rate_anonymous,
    )
    service = create_app(settings, application.store)
    err.print(banner(application.settings.db_url, host, port, service), markup=False)
    if sign_every:
        application.log.sign_head()  # refuse to start on a log that does not extend its heads
        start_signer(application, sign_every)
    # Maintenance runs itself: today's tick now, then every 24 hours (logged).
    maintenance.start(application.settings, report=lambda m: err.print(m, markup=False))
    # Everything loaded so far lives for the whole process: moving it out of the
    # collector's reach keeps full collections short, which is what the tail latency
    # of a busy server is made of.
    gc.collect()
    gc.freeze()
    # What a request allocates is mostly gone by its end; what survives (the standing
    # cache) is long-lived. Collecting the young generation every 50,000 allocations
    # rather than 700 cut the collector's time under load about threefold (issue 16,
    # docs/performance.md), for a few MB more of short-lived garbage at a time.
    gc.set_threshold(50_000, 20, 10)
    # The event loop shares the GIL with the group committer's thread, which releases it
    # at every fsync and takes it back after: with the default 5 ms switch interval a
    # request waits behind that thread for up to 5 ms each time (the tail latency of
    # checks). Half a millisecond bounds that wait at a negligible cost in switches.
    sys.setswitchinterval(0.0005)
    uvicorn.run(
        service,
        host=host,
        port=port,
        log_level="warning",
        # Forwarded headers are believed only from a proxy we were told about; otherwise a
        # client could choose its own address (and so its own rate-limit budget).
        proxy_headers=behind_tls_proxy,
        forwarded_allow_ips="127.0.0.1" if behind_tls_proxy else None,
        server_header=False,
    )


def banner(db_url: str, host: str, port: int, service: Any) -> str:
    """The line ``serve`` starts with: where, and every page the service registered.

    The store's URL is shown with its password masked: the banner goes to a console
    and to whatever collects the service's logs.
    """
    pages = " ".join(path for path, _ in service.state.pages)
    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: nothing in it to mask
        shown = db_url
    return f"serving {shown} on http://{host}:{port}/  (pages: {pages}; API: /docs)"


def registered_pages(application: Any) -> list[tuple[str, str]]:
    """The pages the service registers on this store, with what each is for: read from
    the app ``serve`` would run (the console may not import the pages themselves)."""
    from socialcredit.server import create_app

    pages: list[tuple[str, str]] = create_app(application.settings, application.store).state.pages
    return pages


def start_signer(application: Any, every: float) -> threading.Event:
    """Sign the head in the background (on write, at most once per tree size).

    GETs never sign; this thread is what keeps the published head fresh. A refusal (the
    store no longer extends its last head) is printed every time and never signed over.
    """
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                application.log.sign_head()
            except SocialCreditError as exc:
                err.print(f"log signer: {exc.message}", markup=False, highlight=False)

    threading.Thread(target=run, name="log-signer", daemon=True).start()
    return stop


def check_limit(name: str, value: str | None) -> str | None:
    """A rate limit in the `limits` notation, or a one-line refusal naming the option."""
    from limits import parse_many

    if value is None:
        return None
    try:
        parse_many(value)
    except ValueError:
        option = "--" + name.replace("_", "-")
        raise BadInput(
            f'{option} {value!r}: expected e.g. "600/minute" or "1200/minute;60/second"',
            field=name,
        ) from None
    return value

"""Serving the API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.cli.common import (
    app,
    err,
    handled,
    open_app,
)
from socialcredit.core.errors import BadInput


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    behind_tls_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-tls-proxy",
            help="A TLS-terminating reverse proxy on this host forwards to us: trust its "
            "X-Forwarded-For/-Proto, send HSTS and Secure cookies.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API and the web pages for an existing store."""
    import dataclasses
    import gc

    import uvicorn

    from socialcredit.server import create_app

    application = open_app()
    with application.store.transaction() as conn:
        if not application.store.is_initialised(conn):
            raise BadInput("the store is not initialised: run `socialcredit init` first")
    err.print(
        f"serving {application.settings.db_url} on http://{host}:{port}/  "
        f"(pages: /counter /desk /verify /review /stats /log; API: /docs)"
    )
    settings = dataclasses.replace(application.settings, behind_tls=behind_tls_proxy)
    service = create_app(settings, application.store)
    # Everything loaded so far lives for the whole process: moving it out of the
    # collector's reach keeps full collections short, which is what the tail latency
    # of a busy server is made of.
    gc.collect()
    gc.freeze()
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

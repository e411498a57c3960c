"""Serving the API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from socialcredit.application import maintenance
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
) -> None:
    """Serve the HTTP API and the web pages for an existing store; tick daily."""
    import gc

    import uvicorn

    from socialcredit.api.app import create_app

    application = open_app()
    with application.store.transaction() as conn:
        if not application.store.is_initialised(conn):
            raise BadInput("the store is not initialised: run `socialcredit init` first")
    err.print(
        f"serving {application.settings.db_url} on http://{host}:{port}/  "
        f"(pages: /counter /desk /verify /review /stats /log; API: /docs)"
    )
    # Maintenance runs itself: today's tick now, then every 24 hours (logged).
    maintenance.start(application.settings, report=lambda m: err.print(m, markup=False))
    service = create_app(application.settings, application.store)
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
    )

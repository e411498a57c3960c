"""The HTTP API: its routers, its reference page, and the error shapes it documents.

``install(app)`` adds the API to the app that ``socialcredit.server`` builds; errors are
translated there, once, into RFC 9457 problem details. The interactive reference serves
its assets from the package (it works offline) and has no inline script, so it runs
under the same Content-Security-Policy as every other page.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from socialcredit.api import schemas
from socialcredit.api.routes import desk, people, public
from socialcredit.http.guards import MAX_BODY
from socialcredit.http.problems import PROBLEM

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "model": schemas.Problem,
        "description": text,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, text in (
        (400, "The body could not be read"),
        (401, "No, unknown, expired or revoked token"),
        (403, "Your role may not do this"),
        (404, "Unknown (or not yours: the same answer)"),
        (409, "Conflicts with what is recorded"),
        (413, f"Body over {MAX_BODY // 1_048_576} MiB (announced or chunked)"),
        (422, "Invalid input; `field` names it"),
        (429, "Too many requests; Retry-After says when to try again"),
    )
}

_DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socialcredit API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="icon" href="/docs-assets/favicon-32x32.png"></head>
<body><main id="swagger-ui"></main>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>
"""
_DOCS_JS = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
  deepLinking: true,
});
"""


def install(app: FastAPI) -> None:
    """Add the API routers and the reference page to the service's app."""
    # Every request is matched against the routes in this order, router by router: the
    # paths of the three never overlap, so the busiest (checks, own records) go first.
    for module in (people, public, desk):
        app.include_router(module.router, responses=ERRORS)

    try:
        import swagger_ui_bundle

        app.mount(
            "/docs-assets",
            StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
            name="docs-assets",
        )
    except ImportError:  # pragma: no cover - the dependency is declared
        pass

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_HTML)

    @app.get("/docs/init.js", include_in_schema=False)
    def docs_js() -> Response:
        return Response(_DOCS_JS, media_type="text/javascript")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

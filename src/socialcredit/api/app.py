"""The HTTP service: ``create_app(settings)``.

Errors are translated once, here, into RFC 9457 problem details; bodies over the
documented limit are refused before they are read; the interactive docs page serves
its assets from the package so it works offline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from socialcredit.api import schemas
from socialcredit.api.routes import desk, people, public
from socialcredit.core.errors import SocialCreditError
from socialcredit.settings import Settings
from socialcredit.store.sql import Store

PROBLEM = "application/problem+json"

MAX_BODY = 1_048_576  # 1 MiB, documented in docs/api.md
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "model": schemas.Problem,
        "description": text,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, text in (
        (400, "The body could not be read"),
        (401, "No or invalid token"),
        (403, "Your role may not do this"),
        (404, "Unknown (or not yours: the same answer)"),
        (409, "Conflicts with what is recorded"),
        (413, "Body over 1 MiB"),
        (422, "Invalid input; `field` names it"),
    )
}

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    field: str | None = None,
    extra: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
    } | (extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


class BodyLimit:
    """Refuse bodies over MAX_BODY: by Content-Length at once, or while streaming."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await problem(
                413, "Payload too large", f"bodies are limited to {MAX_BODY} bytes", "too-large"
            )(scope, receive, send)
            return
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await problem(
                413, "Payload too large", f"bodies are limited to {MAX_BODY} bytes", "too-large"
            )(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    app = FastAPI(
        title="socialcredit",
        version="0.1.0",
        summary="Published rulebooks, an evidence-backed ledger, explained scores, due process.",
        docs_url=None,
        redoc_url=None,
        responses=ERRORS,
    )
    app.state.settings = settings
    app.state.store = store or Store(settings.db_url)
    app.state.store.check_durability()

    @app.exception_handler(SocialCreditError)
    async def _domain(_: Request, exc: SocialCreditError) -> JSONResponse:
        # Members an error adds beyond code/message/field (e.g. the retention rule and
        # the date it allows erasure) are extension members of the problem (RFC 9457).
        extra = {
            k: v for k, v in exc.to_dict().items() if k not in ("code", "message", "field")
        }
        return problem(
            exc.http_status, exc.code.replace("-", " "), exc.message, exc.code, exc.field, extra
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return problem(422, "invalid input", "body: not valid JSON", "bad-input", "body")
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("body",))
        return problem(
            422,
            "invalid input",
            f"{where or 'body'}: {first.get('msg')}",
            "bad-input",
            where or None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail), "http")

    for module in (public, desk, people):
        app.include_router(module.router)

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
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="socialcredit API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    from socialcredit.web.pages import router as pages

    app.include_router(pages)
    app.mount("/static", StaticFiles(packages=[("socialcredit", "web/static")]), name="static")
    app.add_middleware(BodyLimit)
    return app

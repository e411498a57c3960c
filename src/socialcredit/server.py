"""The HTTP service: ``create_app(settings)`` builds one app with the API and the pages.

``api/`` and ``web/`` never import each other; this module mounts both, translates every
error once (problem+json for the API, an HTML page for a person), and wraps everything in
the guards of ``http/``: security headers outermost, then the rate limits (per principal,
or per address without a valid token), then the body limits; inside them all, the lean
dispatch of the three hot requests (``api/hot.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from socialcredit.api import app as api_app
from socialcredit.api.hot import HotPaths
from socialcredit.application import Application
from socialcredit.core.errors import SocialCreditError
from socialcredit.http.guards import BodyGuard, RateLimit, SecurityHeaders
from socialcredit.http.limits import RateLimits
from socialcredit.http.problems import ErrorAnswer
from socialcredit.settings import Settings
from socialcredit.store.sql import Store
from socialcredit.web import pages
from socialcredit.web.defences import error_page

__all__ = ["create_app"]


def create_app(settings: Settings, store: Store | None = None, *, lean: bool = True) -> FastAPI:
    """The service: API and pages on one store.

    A store passed in belongs to the caller (``serve`` closes its own); a store opened
    here is closed when the server shuts down, so its pooled connections are not left
    for the garbage collector (psycopg warned from ``__del__`` in whichever test ran then).
    ``lean=False`` leaves out the lean dispatch of the hot requests (``api/hot.py``), so
    the differential tests can compare it with FastAPI's own answers.
    """
    owned = store is None

    @asynccontextmanager
    async def lifespan(service: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                service.state.store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="socialcredit",
        version="0.1.0",
        summary="Published rulebooks, an evidence-backed ledger, explained scores, due process.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store or Store(settings.db_url)
    app.state.application = Application(settings, app.state.store)
    app.state.store.check_durability()
    with app.state.store.transaction() as conn:  # once, so token reads need no writer
        app.state.store.upgrade_tokens(conn)
    app.state.rate_limits = RateLimits(settings)
    answer = ErrorAnswer(error_page)

    @app.exception_handler(SocialCreditError)
    async def _domain(request: Request, exc: SocialCreditError) -> Response:
        # Members an error adds beyond code/message/field (e.g. the retention rule and
        # the date it allows erasure) are extension members of the problem (RFC 9457).
        extra: dict[str, Any] = {
            k: v for k, v in exc.to_dict().items() if k not in ("code", "message", "field")
        }
        findings = [f for f in getattr(exc, "findings", []) if isinstance(f, dict)]
        if findings:  # a refused document: every reason, each with its field path
            extra["findings"] = findings
        return answer(
            request.url.path,
            exc.http_status,
            exc.code.replace("-", " "),
            exc.message,
            exc.code,
            exc.field,
            extra=extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return answer(
                request.url.path, 422, "invalid input", "body: not valid JSON", "bad-input", "body"
            )
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("body",))
        return answer(
            request.url.path,
            422,
            "invalid input",
            f"{where or 'body'}: {first.get('msg')}",
            "bad-input",
            where or None,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(request.url.path, exc.status_code, str(exc.detail), str(exc.detail), "http")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return answer(
            request.url.path,
            500,
            "Internal error",
            "the service failed to answer this request",
            "internal",
        )

    api_app.install(app)
    pages.install(app)
    if lean:  # innermost: inside every guard below, before FastAPI's routing
        app.add_middleware(HotPaths, application=app.state.application)
    app.add_middleware(BodyGuard, answer=answer)
    tokens = app.state.application.tokens

    def authenticate(token: str) -> tuple[str, str] | None:
        found: tuple[str, str] | None = tokens.authenticate(token)
        return found

    app.add_middleware(
        RateLimit, limits=app.state.rate_limits, answer=answer, authenticate=authenticate
    )
    app.add_middleware(SecurityHeaders, behind_tls=settings.behind_tls)
    return app

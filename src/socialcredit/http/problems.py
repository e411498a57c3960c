"""Errors at the HTTP edge: RFC 9457 problem details for the API, a page for a browser.

The API and the pages answer errors differently, but middleware that runs before either
(body limits, rate limits) must answer too; it is handed an ``ErrorAnswer`` that picks
the right form from the request path, so this module needs neither ``api`` nor ``web``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi.responses import JSONResponse
from starlette.responses import Response

PROBLEM = "application/problem+json"

# Paths answered as API (problem+json); everything else is a page for a person.
API_PREFIXES = ("/v1/", "/v1", "/openapi.json", "/healthz", "/docs-assets/")


def is_api_path(path: str) -> bool:
    return path == "/v1" or path.startswith(API_PREFIXES)


def problem(
    status: int,
    title: str,
    detail: str,
    code: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "field": field,
    } | dict(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


class ErrorAnswer:
    """Answer an error for a path: problem+json for the API, ``page`` otherwise."""

    def __init__(self, page: Callable[[int, str, str, Mapping[str, str] | None], Response]):
        self.page = page

    def __call__(
        self,
        path: str,
        status: int,
        title: str,
        detail: str,
        code: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Response:
        if is_api_path(path):
            return problem(status, title, detail, code, field, headers, extra)
        return self.page(status, title, detail, headers)

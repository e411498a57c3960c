"""The pages' defences: CSRF tokens (double submit) with an origin check, safe
redirect targets after sign-in, and the page every refusal or error is answered with.

The CSRF token lives in an HttpOnly, SameSite=Strict cookie and in a hidden field of
every form that changes something; a POST must carry both, equal, and must not come from
another origin (``Origin``, or ``Referer`` without it). A page for a person is never
JSON: ``error_page`` renders each error as HTML with its status.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from socialcredit.html import render
from socialcredit.settings import Settings

CSRF_COOKIE = "sc_csrf"


def is_tls(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.behind_tls or request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """The CSRF token of this browser: its cookie's, or a new one set with the page."""
    have = request.cookies.get(CSRF_COOKIE, "")
    if len(have) == 43 and have.replace("-", "").replace("_", "").isalnum():
        return have
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)
        request.state.new_csrf = fresh
    return fresh


def set_csrf_cookie(request: Request, resp: Response) -> Response:
    fresh = getattr(request.state, "new_csrf", None)
    if fresh is not None:
        resp.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, samesite="strict", secure=is_tls(request), path="/"
        )
    return resp


def error_page(
    status: int, title: str, detail: str, headers: Mapping[str, str] | None = None
) -> HTMLResponse:
    """Any error answered to a browser: a page saying what went wrong, never JSON."""
    html = render("error.html", who=None, csrf="", status=status, title=title, detail=detail)
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def same_origin(request: Request) -> bool:
    host = request.headers.get("host", "")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is not None:
            parts = urlsplit(value)
            return parts.scheme in ("http", "https") and parts.netloc == host
    return True  # neither sent (not a browser): the token below still has to match


def csrf_refused(request: Request, token: str) -> Response | None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not same_origin(request):
        return error_page(403, "Refused", "This form was sent from another site.")
    if not cookie or not secrets.compare_digest(cookie.encode(), token.encode()):
        return error_page(
            403, "Refused", "This form has expired or was not sent from this site: reload it."
        )
    return None


def safe_next(target: str) -> str | None:
    """A same-site relative path to go to after sign-in, or None for anything else
    (``//host``, ``/\\host``, ``https://...``, control characters)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(c in target for c in "\\\r\n\t") or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

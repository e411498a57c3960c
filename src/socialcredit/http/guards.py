"""Guards every request passes before any route: body size and depth, anonymous rate
limits, and the security headers every response carries.

They are plain ASGI middleware so that they see chunked bodies and errors raised
anywhere below them, and they answer through an ``ErrorAnswer`` (problem+json for the
API, a page for people).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from starlette.requests import cookie_parser

from socialcredit.http.limits import RateLimits
from socialcredit.http.problems import ErrorAnswer

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1_048_576  # 1 MiB, documented in docs/api.md
MAX_DEPTH = 32  # JSON nesting; our bodies are at most 3 deep

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_STATIC_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
        b"accelerometer=(), gyroscope=(), magnetometer=()",
    ),
)
HSTS = b"max-age=31536000; includeSubDomains"

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of brackets outside strings (cheap, and never recursive)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if m.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BodyGuard:
    """Read the whole body first (it is at most 1 MiB), then hand it on.

    A body over the limit is refused with 413 whether it was announced by Content-Length
    or sent chunked; a JSON body nested deeper than MAX_DEPTH is refused with 422 before
    any parser can recurse into it.
    """

    def __init__(self, app: ASGIApp, answer: ErrorAnswer) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")

        def too_large(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
            # Built only when needed: a response object per request costs more than the
            # rest of this guard.
            return self.answer(
                path,
                413,
                "Payload too large",
                f"bodies are limited to {MAX_BODY} bytes",
                "too-large",
            )(scope, receive, send)

        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > MAX_BODY:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"") and json_depth(body) > MAX_DEPTH:
            await self.answer(
                path,
                422,
                "invalid input",
                f"body: JSON nested deeper than {MAX_DEPTH} levels",
                "bad-input",
                "body",
            )(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_EXEMPT = ("/static/", "/docs-assets/", "/healthz")
Authenticate = Callable[[str], "tuple[str, str] | None"]


def bearer_token(headers: Sequence[tuple[bytes, bytes]]) -> str:
    """The token a request presents (Bearer header first, then the session cookie),
    read exactly as the route reads it (``http.auth.presented_token``): the FIRST
    Authorization header, as Starlette's ``Headers.get``; the cookie as Starlette's
    ``Request.cookies`` (every Cookie header, the last ``sc_token`` winning, unquoted).

    Read any other way, a second Authorization header or a second ``sc_token`` made the
    limiter count a request against another budget (a junk token's: the address's)
    than the principal the route then acts for -- a verifier escaped its own limit.
    """
    authorization = next((v for k, v in headers if k == b"authorization"), b"")
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if token:
        return token.strip() if scheme.lower() == "bearer" else ""
    cookies: dict[str, str] = {}
    for k, v in headers:
        if k == b"cookie":
            cookies.update(cookie_parser(v.decode("latin-1")))
    return cookies.get("sc_token", "").strip()


class RateLimit:
    """Every request counts against one budget: its principal's if it presents a valid
    token, else its client address's. A made-up token buys nothing: it counts against
    the address. The authentication is kept for the route (``scope["state"]["auth"]``),
    so a request reads its token once."""

    def __init__(
        self, app: ASGIApp, limits: RateLimits, answer: ErrorAnswer, authenticate: Authenticate
    ) -> None:
        self.app = app
        self.limits = limits
        self.answer = answer
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and not path.startswith(_EXEMPT):
            token = bearer_token(scope.get("headers") or ())
            found = self.authenticate(token) if token and len(token) <= 200 else None
            scope.setdefault("state", {})["auth"] = (token, found)
            if found is not None:
                budget, key, who = "principal", found[0], found[0]
            else:
                client = scope.get("client") or ("unknown", 0)
                budget, key, who = "anonymous", str(client[0]), str(client[0])
            wait = self.limits.hit(budget, key)
            if wait is not None:
                await self.answer(
                    path,
                    429,
                    "Too many requests",
                    f"too many requests from {who}; retry in {wait} s",
                    "rate-limited",
                    headers={"Retry-After": str(wait)},
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)


def secured(headers: list[tuple[bytes, bytes]], tls: bool) -> list[tuple[bytes, bytes]]:
    """``headers`` with the security headers every response carries (those it sets
    itself kept): for ``SecurityHeaders``, and for the one answer given outside it -- the
    500 of an unexpected error, which Starlette's ServerErrorMiddleware sends from
    outside every middleware of ours (``server.create_app``)."""
    present = {k.lower() for k, _ in headers}
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", CSP.encode()))
    headers += [(k, v) for k, v in _STATIC_HEADERS if k not in present]
    if tls and b"strict-transport-security" not in present:
        headers.append((b"strict-transport-security", HSTS))
    return headers


class SecurityHeaders:
    """Every response: a CSP without inline script, no framing, no sniffing; HSTS on TLS.

    A route that must differ (an SVG image, whose own styles are inline) sets its own
    Content-Security-Policy, which is kept.
    """

    def __init__(self, app: ASGIApp, behind_tls: bool) -> None:
        self.app = app
        self.behind_tls = behind_tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = self.behind_tls or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers") or []), tls)
            await send(message)

        await self.app(scope, receive, with_headers)

"""The lean dispatch: the three busiest requests answered without FastAPI's per-request
machinery, on their exact happy path only.

Why. A recorded check costs the service a few hundred microseconds of its own work, and
FastAPI spent about as much again around it: matching the path against every route
(twice for an included router), solving the dependencies, validating the answer it had
just been handed (issue 16). This middleware sits innermost, *inside* the security
headers, the rate limiter and the body guard, and answers

- ``POST /v1/checks`` from a verifier,
- ``GET /v1/subjects/{id}/scores/{scheme}`` and ``GET /v1/subjects/{id}/record`` from
  that subject, with no query string,

by calling the very functions the routes call (``answers.py``) and serialising with the
route's own response model, so the bytes are the route's.

Anything else falls through to the FastAPI app untouched, the body it read replayed: no
or an unknown token, a cookie instead of a bearer header, another role, a body the
route's own model rejects, a query string (``known_at``), and every domain error (404
for another subject's record, an unknown scheme, a refused check...). Those answers,
and their problem+json shapes, stay FastAPI's. A domain error is raised before any
access record is written (the answer is prepared from a read-only snapshot and recorded
only by the group committer), so answering it again through FastAPI records nothing
twice: every successful read still leaves exactly one access record, a failed one none.

Authorisation is the routes': the principal is the one the rate limiter authenticated
for this very token (``scope["state"]["auth"]``, read the way ``current_principal``
reads it), the role the one ``require`` admits, and the subject the one ``own_subject``
allows. ``create_app(..., lean=False)`` turns this off; the differential tests
(tests/api/test_hot_paths.py) run the same requests both ways.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.routing import APIRoute

from socialcredit.api import answers
from socialcredit.api import schemas as s
from socialcredit.api.routes import people
from socialcredit.application import Application
from socialcredit.core.errors import SocialCreditError
from socialcredit.http.auth import Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CHECK = "/v1/checks"


class Fallthrough(Exception):
    """Not the happy path: let FastAPI answer."""


def _route(endpoint: Callable[..., Any]) -> APIRoute:
    for r in people.router.routes:
        if isinstance(r, APIRoute) and r.endpoint is endpoint:
            return r
    raise LookupError(endpoint.__name__)  # pragma: no cover - the routes are declared


def _principal(scope: Scope, role: str) -> Principal:
    """The route's principal for this request, if it has one of ``role`` by a bearer header.

    As ``current_principal``: the first Authorization header, its token stripped, and
    the rate limiter's answer for exactly that token. A cookie session, another scheme
    or a second opinion needed falls through.
    """
    header = next((v for k, v in scope.get("headers") or () if k == b"authorization"), b"")
    scheme, _, token = header.decode("latin-1").partition(" ")
    token = token.strip()
    if not token or scheme.lower() != "bearer":
        raise Fallthrough
    seen = (scope.get("state") or {}).get("auth")
    if seen is None or seen[0] != token or seen[1] is None:
        raise Fallthrough
    principal = Principal(*seen[1])
    if principal.role != role:
        raise Fallthrough
    return principal


class HotPaths:
    """Innermost ASGI middleware answering the three hot requests (see the module)."""

    def __init__(self, app: ASGIApp, application: Application) -> None:
        self.app = app
        self.application = application
        self.check_route = _route(people.check)
        self.score_route = _route(people.own_score)
        self.record_route = _route(people.record)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("query_string") or scope.get("root_path"):
            await self.app(scope, receive, send)
            return
        method, path = scope.get("method"), scope.get("path", "")
        if method == "POST" and path == _CHECK:
            await self._check(scope, receive, send)
            return
        if method == "GET" and path.startswith("/v1/subjects/"):
            parts = path.split("/")  # '', 'v1', 'subjects', id, 'record' | 'scores', scheme
            if len(parts) == 5 and parts[4] == "record" and parts[3]:
                await self._read(scope, receive, send, self.record_route, parts[3], None)
                return
            if len(parts) == 6 and parts[4] == "scores" and parts[3] and parts[5]:
                await self._read(scope, receive, send, self.score_route, parts[3], parts[5])
                return
        await self.app(scope, receive, send)

    async def _check(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, receive = await _body(receive)
        try:
            who = _principal(scope, "verifier")
            if body is None:  # the client went away mid-body
                raise Fallthrough
            content_type = next(
                (v for k, v in scope.get("headers") or () if k == b"content-type"), b""
            )
            if content_type.lower() != b"application/json":
                raise Fallthrough
            try:
                raw = json.loads(body)
            except ValueError:
                raise Fallthrough from None
            field = self.check_route.body_field
            assert field is not None
            value, errors = field.validate(raw, {}, loc=("body",))
            if errors or not isinstance(value, s.CheckCreate):
                raise Fallthrough
            answer: Any = await answers.check(self.application, who, value)
        except (Fallthrough, SocialCreditError):
            await self.app(scope, receive, send)
            return
        await _respond(send, self.check_route, answer)

    async def _read(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        route: APIRoute,
        subject_id: str,
        scheme: str | None,
    ) -> None:
        try:
            who = _principal(scope, "subject")
            answer: Any = (
                await answers.own_record(self.application, who, subject_id, None)
                if scheme is None
                else await answers.own_score(self.application, who, subject_id, scheme, None)
            )
        except (Fallthrough, SocialCreditError):
            await self.app(scope, receive, send)
            return
        await _respond(send, route, answer)


async def _body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole body (the body guard bounded it), and a receive that replays what was
    read: the body, or the disconnect that came instead (FastAPI then sees it too)."""
    chunks = []
    read: list[Message] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            read = [message]
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    read.insert(0, {"type": "http.request", "body": body, "more_body": bool(read)})

    async def replay() -> Message:
        return read.pop(0) if read else await receive()

    return (None if len(read) > 1 else body), replay


async def _respond(send: Send, route: APIRoute, answer: Any) -> None:
    """The answer as the route would send it: validated and serialised by its response
    model (FastAPI's own ``serialize_response`` path, so the same bytes), 200, JSON."""
    field = route.response_field
    assert field is not None
    value, errors = field.validate(answer, {}, loc=("response",))
    if errors:  # pragma: no cover - the route would fail the same way (a 500)
        raise RuntimeError(f"response does not match its model: {errors}")
    content = field.serialize_json(value, by_alias=True)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(content)).encode("latin-1")),
                (b"content-type", b"application/json"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})

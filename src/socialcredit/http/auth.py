"""Authentication, roles and the per-request Application, shared by the API and the pages.

One Application per request, sharing the store (and its connection pool and caches),
acting as the authenticated principal: every access record names who asked. A token is
looked up in the store on every request (a primary-key read), so an expiry or a
revocation takes effect on the very next request; nothing is cached in process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from socialcredit.application import Application, normalise_subject
from socialcredit.core.errors import NotAllowed, NotFound, Unauthenticated
from socialcredit.settings import Settings
from socialcredit.store.sql import Store

SESSION_COOKIE = "sc_token"


@dataclass(frozen=True)
class Principal:
    id: str
    role: str


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def presented_token(request: Request) -> str:
    """The bearer token of the request (header first, then the session cookie), or ''."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not token:
        return request.cookies.get(SESSION_COOKIE, "").strip()
    if scheme.lower() != "bearer":
        raise Unauthenticated("use Authorization: Bearer TOKEN")
    return token.strip()


async def current_principal(request: Request) -> Principal | None:
    token = presented_token(request)
    if not token:
        return None
    # The rate limiter has already read this token for this request: use its answer.
    seen = getattr(request.state, "auth", None)
    if seen is not None and seen[0] == token:
        found = seen[1]
    else:
        found = Application(_settings(request), _store(request)).authenticate(token)
    if found is None:
        raise Unauthenticated("the token is not valid (unknown, expired or revoked)")
    return Principal(*found)


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency admitting only the given roles (401 without a token, 403 otherwise)."""

    def dependency(principal: Principal | None = Depends(current_principal)) -> Principal:
        if principal is None:
            raise Unauthenticated("this operation needs a token (Authorization: Bearer TOKEN)")
        if principal.role not in roles:
            raise NotAllowed(f"role {principal.role!r} may not do this", field="role")
        return principal

    return dependency


def app_for(
    request: Request, principal: Principal | None, purpose: str | None = None
) -> Application:
    settings = _settings(request)
    actor = principal.id if principal else "public"
    if principal and principal.role == "subject":
        actor = f"subject:{principal.id}"
    scoped = dataclasses.replace(
        settings,
        actor=actor,
        role=principal.role if principal else "public",
        purpose=purpose
        if purpose is not None
        else (
            "own record"
            if principal and principal.role == "subject"
            else f"{principal.role if principal else 'public'} service"
        ),
    )
    return Application(scoped, _store(request))


def own_subject(request: Request, principal: Principal, subject_id: str) -> str:
    """The subject a request may read: a subject sees only itself.

    Another subject's record and a record that does not exist give the very same 404,
    so a principal learns nothing about who is registered.
    """
    sid, _ = normalise_subject(subject_id)
    base = Application(_settings(request), _store(request))
    # An erased subject's token names its pseudonym (no key row maps it back to the ID).
    other = principal.role == "subject" and principal.id not in (sid, base.pseudonym(sid))
    if other or not base.subject_exists(sid):
        raise NotFound(f"unknown subject {sid}", field="subject")
    return sid

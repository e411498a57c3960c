"""Authentication, roles and the per-request Application, shared by the API and the pages.

One Application per request, sharing the store (and its connection pool and caches),
acting as the authenticated principal: every access record names who asked. A token is
looked up in the store on every request (a primary-key read), so an expiry or a
revocation takes effect on the very next request; nothing is cached in process.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from socialcredit.application import Application, normalise_subject
from socialcredit.core.errors import NotAllowed, NotFound, Unauthenticated
from socialcredit.settings import Settings
from socialcredit.store.pseudonyms import is_pseudonym
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


def require(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only the given roles (401 without a token, 403 otherwise)."""

    # async: a plain function would be run on the thread pool, a hop per request that
    # costs more than the check it guards.
    async def dependency(principal: Principal | None = Depends(current_principal)) -> Principal:
        if principal is None:
            raise Unauthenticated("this operation needs a token (Authorization: Bearer TOKEN)")
        if principal.role not in roles:
            raise NotAllowed(f"role {principal.role!r} may not do this", field="role")
        return principal

    return dependency


_SCOPED_MAX = 4096  # principals' scoped settings kept per process (then started afresh)


def app_for(
    request: Request, principal: Principal | None, purpose: str | None = None
) -> Application:
    settings = _settings(request)
    actor = principal.id if principal else "public"
    if principal and principal.role == "subject":
        actor = f"subject:{principal.id}"
    role = principal.role if principal else "public"
    # The settings of a principal acting with its default purpose are the same on every
    # request: kept (``dataclasses.replace`` was 4% of an own read, issue 16). A stated
    # purpose is free text that may name a person, so it is never kept.
    key = (actor, role) if purpose is None else None
    kept: tuple[Settings | None, dict[tuple[str, str], Settings]]
    kept = getattr(request.app.state, "scoped_settings", (None, {}))
    owner, scoped_cache = kept
    if owner is not settings:  # kept per settings object (tests swap them)
        scoped_cache = {}
        request.app.state.scoped_settings = (settings, scoped_cache)
    scoped = scoped_cache.get(key) if key is not None else None
    if scoped is None:
        scoped = dataclasses.replace(
            settings,
            actor=actor,
            role=role,
            purpose=purpose
            if purpose is not None
            else ("own record" if principal and principal.role == "subject" else f"{role} service"),
        )
        if key is not None:
            if len(scoped_cache) >= _SCOPED_MAX:
                scoped_cache.clear()
            scoped_cache[key] = scoped
    return Application(scoped, _store(request))


def own_subject(request: Request, principal: Principal, subject_id: str) -> str:
    """The subject a request may read: a subject sees only itself.

    Another subject's record and a record that does not exist give the very same 404,
    so a principal learns nothing about who is registered.
    """
    if principal.role == "subject" and subject_id == principal.id and not is_pseudonym(subject_id):
        # The token names the normalised ID: normalising it again is a no-op (5% of an
        # own read). An erased subject's token names its pseudonym: that path is refused
        # below, as before.
        return subject_id
    sid, _ = normalise_subject(subject_id)
    if principal.role == "subject" and sid == principal.id:
        # A subject's token is issued only for a registered subject, and subjects are
        # never removed: asking the store again costs a transaction per own read (a
        # third of one), and the read itself would still answer 404 for an unknown one.
        return sid
    base = Application(_settings(request), _store(request))
    # An erased subject's token names its pseudonym (no key row maps it back to the ID).
    other = principal.role == "subject" and principal.id not in (sid, base.pseudonym(sid))
    if other or not base.subject_exists(sid):
        raise NotFound(f"unknown subject {sid}", field="subject")
    return sid

"""Authentication, roles and the acting principal, shared by the API and the pages.

One Application per service (``app_of``), its parts sharing the store (the connection
pool and the caches); each request passes the ``Actor`` built from its authenticated
token (``actor_for``), so every access record names who asked. A token is
looked up in the store on every request (a primary-key read), so an expiry or a
revocation takes effect on the very next request; nothing is cached in process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request

from socialcredit.application import Actor, Application, normalise_subject
from socialcredit.core.errors import NotAllowed, NotFound, Unauthenticated
from socialcredit.store.pseudonyms import is_pseudonym

SESSION_COOKIE = "sc_token"


@dataclass(frozen=True)
class Principal:
    id: str
    role: str


def app_of(request: Request) -> Application:
    """The service's one Application (built by ``server.create_app``)."""
    application: Application = request.app.state.application
    return application


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
        found = app_of(request).tokens.authenticate(token)
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


def actor_for(principal: Principal | None, purpose: str | None = None) -> Actor:
    """Who acts in a request: the token's principal and role, or ``public`` without one.

    A subject acts as ``subject:<id>`` and reads its own record with no other purpose;
    anyone else states ``purpose`` (the route's, or the one given in the request).
    """
    if principal is None:
        return Actor("public", "public", "public service" if purpose is None else purpose)
    if principal.role == "subject":
        return Actor(
            f"subject:{principal.id}", "subject", "own record" if purpose is None else purpose
        )
    return Actor(
        principal.id,
        principal.role,
        f"{principal.role} service" if purpose is None else purpose,
    )


def own_subject(request: Request, principal: Principal, subject_id: str) -> str:
    """The subject a request may read: a subject sees only itself.

    Another subject's record and a record that does not exist give the very same 404,
    so a principal learns nothing about who is registered.
    """
    return own_subject_of(app_of(request), principal, subject_id)


def own_subject_of(application: Application, principal: Principal, subject_id: str) -> str:
    """``own_subject`` given the application: the API's lean dispatch (api/hot.py) has
    no Starlette request, and must decide exactly as the routes do."""
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
    records = application.records
    # An erased subject's token names its pseudonym (no key row maps it back to the ID).
    other = principal.role == "subject" and principal.id not in (sid, records.pseudonym(sid))
    if other or not records.subject_exists(sid):
        raise NotFound(f"unknown subject {sid}", field="subject")
    return sid

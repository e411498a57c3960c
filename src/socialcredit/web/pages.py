"""Server-rendered pages on the same app: no JavaScript, forms and links only.

Signing in trades the presented token for a short-lived session token (kept in an
HttpOnly, SameSite=Strict cookie, Secure under TLS) and signing out revokes it. Every
form that changes something carries a CSRF token that must match the one in its cookie
(double submit), and a request from another origin is refused whatever it carries.
Pages call the same use cases as the API; a page's error is a page.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from importlib import import_module
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from socialcredit.application.views import DisputeView, DocumentView, RulebookView
from socialcredit.charts import score_chart
from socialcredit.core.errors import BadInput, NotFound, SocialCreditError, Unauthenticated
from socialcredit.core.periods import parse_date
from socialcredit.html import render
from socialcredit.http.auth import SESSION_COOKIE, Principal, actor_for, app_of, current_principal
from socialcredit.transparency.heads import head_to_json
from socialcredit.web.defences import (
    CSRF_COOKIE,
    csrf_refused,
    csrf_token,
    error_page,
    is_tls,
    safe_next,
    set_csrf_cookie,
)
from socialcredit.web.sitemap import pages_of

router = APIRouter(include_in_schema=False)
MAX_EVIDENCE = 900_000
HOME_FOR = {
    "subject": "/counter",
    "registrar": "/desk",
    "verifier": "/verify",
    "reviewer": "/review",
}
# An SVG shown through <img> keeps its own inline styles; it can run nothing.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def install(app: FastAPI) -> None:
    """Add the pages and their static files to the service's app."""
    public = import_module("socialcredit.web.public_pages").router  # it imports us
    app.include_router(router)
    app.include_router(public)
    app.state.pages = pages_of(router, public)  # what `serve` and `token demo` print
    app.mount("/static", StaticFiles(packages=[("socialcredit", "web/static")]), name="static")


def page(
    request: Request, name: str, who: Principal | None, status: int = 200, **ctx: Any
) -> HTMLResponse:
    html = render(name, who=who, csrf=csrf_token(request), **ctx)
    resp = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
    set_csrf_cookie(request, resp)
    return resp


async def viewer(request: Request) -> Principal | None:
    """Who is looking at a page: an unknown, expired or revoked session is nobody (the
    page then asks to sign in), not an error."""
    try:
        return await current_principal(request)
    except Unauthenticated:
        return None


def _needs(who: Principal | None, role: str, here: str) -> Response | None:
    if who is None or who.role != role:
        return RedirectResponse(f"/signin?next={here}", status_code=303)
    return None


@router.get("/")
def home(request: Request, who: Principal | None = Depends(viewer)) -> HTMLResponse:
    application = app_of(request)
    documents = [
        (i, k) for i, k in application.documents.document_ids() if k not in ("points", "scorecard")
    ]
    return page(
        request, "home.html", who, schemes=application.documents.schemes(), documents=documents
    )


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "signin.html", None, next=safe_next(next) or "/")


@router.post("/signin")
def signin(
    request: Request,
    token: str = Form(..., max_length=200),
    next: str = Form("/", max_length=2000),
    csrf: str = Form("", max_length=100),
) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    application = app_of(request)
    actor = actor_for(None, "sign-in")
    found = application.tokens.authenticate(token.strip())
    target = safe_next(next)
    if found is None:
        return page(
            request,
            "signin.html",
            None,
            status=401,
            next=target or "/",
            error="That token is not valid.",
        )
    principal, role = found
    minutes = application.settings.session_minutes
    session = application.tokens.issue(
        actor, role, principal, ttl=timedelta(minutes=minutes), label="web session"
    )
    resp = RedirectResponse(
        target if target not in (None, "", "/") else HOME_FOR.get(role, "/"), status_code=303
    )
    secure = is_tls(request)
    resp.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=minutes * 60,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    # A new CSRF token with the new session: one planted before sign-in is worthless.
    resp.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(32),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return resp


@router.post("/signout")
def signout(request: Request, csrf: str = Form("", max_length=100)) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    session = request.cookies.get(SESSION_COOKIE, "").strip()
    if session and len(session) <= 200:
        app_of(request).tokens.revoke(
            actor_for(None, "sign-out"), token=session, reason="signed out"
        )
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/rulebooks/{scheme}")
def rulebook_page(
    scheme: str, request: Request, who: Principal | None = Depends(viewer)
) -> HTMLResponse:
    versions = app_of(request).documents.rulebook(scheme)
    return page(
        request,
        "rulebook.html",
        who,
        versions=[RulebookView.of(v).model_dump(mode="json") for v in versions],
        b=RulebookView.of(versions[-1]).model_dump(mode="json"),
    )


@router.get("/documents/{ident}")
def document_page(
    ident: str, request: Request, who: Principal | None = Depends(viewer)
) -> HTMLResponse:
    """Any published document (catalogue, measures, list, memorandum, scheme) with its
    legal basis and every version's effective and publication dates."""

    versions = [
        DocumentView.of(d, at).model_dump(mode="json")
        for d, at in app_of(request).documents.documents(ident)
    ]
    return page(request, "document.html", who, versions=versions, d=versions[-1])


@router.get("/stats")
def stats_page(request: Request, who: Principal | None = Depends(viewer)) -> HTMLResponse:
    figures = app_of(request).figures.public_grades(actor_for(None, "public statistics"))
    return page(request, "stats.html", who, stats=figures)


@router.get("/stats/{scheme}.svg")
def stats_chart(scheme: str, request: Request) -> Response:
    (figures,) = app_of(request).figures.public_grades(actor_for(None, "public statistics"), scheme)
    return Response(
        figures.chart_svg(),
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "public, max-age=300"},
    )


@router.get("/log")
def log_page(request: Request, who: Principal | None = Depends(viewer)) -> HTMLResponse:
    application = app_of(request)
    try:
        head, public = application.log.latest_head()
    except NotFound:
        return page(request, "log.html", who, head=None)
    return page(request, "log.html", who, head=head_to_json(head) | {"public_key": public.hex()})


# -- the counter: a resident's own record -------------------------------------------------
def _counter(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    record = app_of(request).access.export(actor_for(who), who.id, export="html page")
    return page(request, "counter.html", who, r=record.model_dump(mode="json"), **ctx)


@router.get("/counter")
def counter(request: Request, who: Principal | None = Depends(viewer)) -> Response:
    return _needs(who, "subject", "/counter") or _counter(request, who)  # type: ignore[arg-type]


@router.get("/counter/history/{scheme}.svg")
def counter_history(
    scheme: str, request: Request, who: Principal | None = Depends(viewer)
) -> Response:
    if who is None or who.role != "subject":
        return error_page(401, "Sign in", "Sign in as a resident to see this chart.")
    points = app_of(request).figures.score_history(actor_for(who), who.id, scheme)
    svg = score_chart([(p.day, p.score, p.events) for p in points], f"{scheme}: your score")
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "private, no-store"},
    )


@router.post("/counter/dispute")
def counter_dispute(
    request: Request,
    item: int = Form(..., ge=1, lt=2**62),
    statement: str = Form(..., max_length=2000),
    evidence: str = Form("", max_length=2000),
    csrf: str = Form("", max_length=100),
    who: Principal | None = Depends(viewer),
) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    if (redirect := _needs(who, "subject", "/counter")) is not None:
        return redirect
    assert who is not None
    application = app_of(request)
    actor = actor_for(who)
    try:
        d = application.disputes.open(
            actor,
            item,
            subject=who.id,
            statement=statement,
            evidence_ref=evidence or None,
            occurred=application.settings.clock().date(),
        )
    except SocialCreditError as exc:
        return _counter(request, who, error=exc.message)
    return _counter(request, who, message=f"Dispute {d} filed; the authority has been told.")


# -- the registrar desk --------------------------------------------------------------------
def _desk(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    application = app_of(request)
    actor = actor_for(who, "desk")
    schemes = application.documents.schemes()
    rules = [
        {"scheme": b.scheme, "code": r.code, "title": r.title, "points": r.points}
        for s in schemes
        for b in application.documents.rulebook(s)[-1:]
        for r in b.rules
        if who.id in r.authorities
    ]
    events = [e.model_dump(mode="json") for e in application.records.recorded_by(actor, who.id)]
    return page(request, "desk.html", who, schemes=schemes, rules=rules, events=events, **ctx)


@router.get("/desk")
def desk(request: Request, who: Principal | None = Depends(viewer)) -> Response:
    return _needs(who, "registrar", "/desk") or _desk(request, who)  # type: ignore[arg-type]


@router.post("/desk/record")
async def desk_record(
    request: Request,
    subject: str = Form(..., max_length=40),
    rule: str = Form(..., max_length=200),
    occurred: str = Form(..., max_length=10),
    evidence: str = Form(..., max_length=2000),
    csrf: str = Form("", max_length=100),
    evidence_file: UploadFile | None = None,
    who: Principal | None = Depends(viewer),
) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    if (redirect := _needs(who, "registrar", "/desk")) is not None:
        return redirect
    assert who is not None
    try:
        scheme, _, rule = rule.partition("/")
        sha = None
        if evidence_file is not None and evidence_file.filename:
            content = await evidence_file.read(MAX_EVIDENCE + 1)
            if len(content) > MAX_EVIDENCE:
                raise BadInput(f"the evidence file is larger than {MAX_EVIDENCE} bytes")
            sha = hashlib.sha256(content).hexdigest()
        r = app_of(request).records.record(
            actor_for(who, "recording"),
            subject,
            scheme,
            rule,
            authority=who.id,
            evidence_ref=evidence,
            occurred=parse_date(occurred, field="occurred"),
            evidence_sha256=sha,
        )
    except SocialCreditError as exc:
        return _desk(request, who, error=exc.message)
    what = "Recorded" if r.created else "Already recorded as"
    return _desk(request, who, message=f"{what} event {r.event}.")


# -- the verifier page: the decision and its reason codes, nothing more -------------------
def _verify(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    verifier = app_of(request).lists.registry().verifiers.get(who.id)
    services = list(verifier.services) if verifier else []
    return page(request, "verify.html", who, services=services, **ctx)


@router.get("/verify")
def verify(request: Request, who: Principal | None = Depends(viewer)) -> Response:
    return _needs(who, "verifier", "/verify") or _verify(request, who)  # type: ignore[arg-type]


@router.post("/verify")
def verify_post(
    request: Request,
    subject: str = Form(..., max_length=40),
    service: str = Form(..., max_length=64),
    purpose: str = Form(..., max_length=2000),
    csrf: str = Form("", max_length=100),
    who: Principal | None = Depends(viewer),
) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    if (redirect := _needs(who, "verifier", "/verify")) is not None:
        return redirect
    assert who is not None
    try:
        d = app_of(request).lists.check(actor_for(who, purpose), subject, service)
    except SocialCreditError as exc:
        return _verify(request, who, error=exc.message, subject=subject, purpose=purpose)
    codes = [r.code for r in d.reasons]
    return _verify(request, who, decision=d.decision, codes=codes, subject=subject, purpose=purpose)


# -- the review queue ----------------------------------------------------------------------
def _review(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    application = app_of(request)
    actor = actor_for(who, "review")
    today = application.settings.clock().date()
    queue = [
        DisputeView.of(d, today).model_dump(mode="json") for d in application.disputes.queue(actor)
    ]
    return page(request, "review.html", who, queue=queue, **ctx)


@router.get("/review")
def review(request: Request, who: Principal | None = Depends(viewer)) -> Response:
    return _needs(who, "reviewer", "/review") or _review(request, who)  # type: ignore[arg-type]


@router.post("/review/{dispute}")
def review_post(
    dispute: int,
    request: Request,
    outcome: str = Form(..., max_length=16),
    reason: str = Form(..., max_length=2000),
    csrf: str = Form("", max_length=100),
    who: Principal | None = Depends(viewer),
) -> Response:
    if (refused := csrf_refused(request, csrf)) is not None:
        return refused
    if (redirect := _needs(who, "reviewer", "/review")) is not None:
        return redirect
    assert who is not None
    application = app_of(request)
    actor = actor_for(who, "review")
    try:
        application.disputes.decide(
            actor,
            dispute,
            reviewer=who.id,
            outcome=outcome,
            reason=reason,
            occurred=application.settings.clock().date(),
        )
    except SocialCreditError as exc:
        return _review(request, who, error=exc.message)
    return _review(request, who, message=f"Dispute {dispute}: {outcome}.")

"""Server-rendered pages on the same app: no JavaScript build, forms and links only.

Pages authenticate with the same tokens as the API, kept in an HttpOnly, SameSite=Strict
cookie after sign-in, and call the same use cases as the API.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from socialcredit.api.deps import Principal, app_for, current_principal
from socialcredit.charts import bar_chart
from socialcredit.core.errors import BadInput, NotFound, SocialCreditError
from socialcredit.core.periods import parse_date
from socialcredit.transparency.heads import head_to_json
from socialcredit.web.render import render
from socialcredit.wire import dispute_json, event_json, rulebook_json

router = APIRouter(include_in_schema=False)
MAX_EVIDENCE = 900_000
HOME_FOR = {
    "subject": "/counter",
    "registrar": "/desk",
    "verifier": "/verify",
    "reviewer": "/review",
}


def page(name: str, who: Principal | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render(name, who=who, **ctx), status_code=status)


def _needs(who: Principal | None, role: str, here: str) -> Response | None:
    if who is None or who.role != role:
        return RedirectResponse(f"/signin?next={here}", status_code=303)
    return None


@router.get("/")
def home(request: Request, who: Principal | None = Depends(current_principal)) -> HTMLResponse:
    application = app_for(request, None, "public register")
    documents = [(i, k) for i, k in application.document_ids() if k not in ("points", "scorecard")]
    return page("home.html", who, schemes=application.schemes(), documents=documents)


@router.get("/signin")
def signin_form(next: str = "/") -> HTMLResponse:
    return page("signin.html", None, next=next if next.startswith("/") else "/")


@router.post("/signin")
def signin(
    request: Request, token: str = Form(..., max_length=200), next: str = Form("/")
) -> Response:
    found = app_for(request, None).authenticate(token.strip())
    if found is None:
        return page("signin.html", None, status=401, next=next, error="That token is not valid.")
    target = HOME_FOR.get(found[1], "/") if next in ("", "/") or not next.startswith("/") else next
    resp = RedirectResponse(target, status_code=303)
    resp.set_cookie("sc_token", token.strip(), httponly=True, samesite="strict")
    return resp


@router.post("/signout")
def signout() -> Response:
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie("sc_token")
    return resp


@router.get("/rulebooks/{scheme}")
def rulebook_page(
    scheme: str, request: Request, who: Principal | None = Depends(current_principal)
) -> HTMLResponse:
    versions = app_for(request, None, "public register").rulebook(scheme)
    return page(
        "rulebook.html",
        who,
        versions=[rulebook_json(v) for v in versions],
        b=rulebook_json(versions[-1]),
    )


@router.get("/documents/{ident}")
def document_page(
    ident: str, request: Request, who: Principal | None = Depends(current_principal)
) -> HTMLResponse:
    """Any published document (catalogue, measures, list, memorandum, scheme) with its
    legal basis and every version's effective and publication dates."""
    from socialcredit.wire import document_json

    versions = [
        document_json(d, at) for d, at in app_for(request, None, "public register").documents(ident)
    ]
    return page("document.html", who, versions=versions, d=versions[-1])


@router.get("/stats")
def stats_page(
    request: Request, who: Principal | None = Depends(current_principal)
) -> HTMLResponse:
    application = app_for(request, None, "public statistics")
    stats = []
    for scheme in application.schemes():
        dist = application.grade_distribution(scheme)
        order = [g.grade for g in application.rulebook(scheme)[-1].grades]
        svg = bar_chart(dist, order, f"{scheme} grades").decode()
        svg = svg[svg.index("<svg") :]
        stats.append({"scheme": scheme, "svg": svg, "grades": {g: dist.get(g, 0) for g in order}})
    return page("stats.html", who, stats=stats)


@router.get("/log")
def log_page(request: Request, who: Principal | None = Depends(current_principal)) -> HTMLResponse:
    application = app_for(request, None, "transparency")
    try:
        head, public = application.latest_head()
    except NotFound:
        return page("log.html", who, head=None)
    return page("log.html", who, head=head_to_json(head) | {"public_key": public.hex()})


# -- the counter: a resident's own record -------------------------------------------------
def _counter(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    record = app_for(request, who).access(who.id, export="html page")
    return page("counter.html", who, r=record, **ctx)


@router.get("/counter")
def counter(request: Request, who: Principal | None = Depends(current_principal)) -> Response:
    return _needs(who, "subject", "/counter") or _counter(request, who)  # type: ignore[arg-type]


@router.post("/counter/dispute")
def counter_dispute(
    request: Request,
    item: int = Form(..., ge=1),
    statement: str = Form(..., max_length=2000),
    evidence: str = Form("", max_length=2000),
    who: Principal | None = Depends(current_principal),
) -> Response:
    if (redirect := _needs(who, "subject", "/counter")) is not None:
        return redirect
    assert who is not None
    application = app_for(request, who)
    try:
        d = application.dispute_open(
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
    application = app_for(request, who, "desk")
    schemes = application.schemes()
    rules = [
        {"scheme": b.scheme, "code": r.code, "title": r.title, "points": r.points}
        for s in schemes
        for b in application.rulebook(s)[-1:]
        for r in b.rules
        if who.id in r.authorities
    ]
    events = [event_json(e) for e in application.recorded_by(who.id)]
    return page("desk.html", who, schemes=schemes, rules=rules, events=events, **ctx)


@router.get("/desk")
def desk(request: Request, who: Principal | None = Depends(current_principal)) -> Response:
    return _needs(who, "registrar", "/desk") or _desk(request, who)  # type: ignore[arg-type]


@router.post("/desk/record")
async def desk_record(
    request: Request,
    subject: str = Form(..., max_length=40),
    rule: str = Form(..., max_length=200),
    occurred: str = Form(..., max_length=10),
    evidence: str = Form(..., max_length=2000),
    evidence_file: UploadFile | None = None,
    who: Principal | None = Depends(current_principal),
) -> Response:
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
        r = app_for(request, who, "recording").record(
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


# -- the verifier page ---------------------------------------------------------------------
def _verify(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    verifier = app_for(request, who, "check").registry().verifiers.get(who.id)
    return page("verify.html", who, services=list(verifier.services) if verifier else [], **ctx)


@router.get("/verify")
def verify(request: Request, who: Principal | None = Depends(current_principal)) -> Response:
    return _needs(who, "verifier", "/verify") or _verify(request, who)  # type: ignore[arg-type]


@router.post("/verify")
def verify_post(
    request: Request,
    subject: str = Form(..., max_length=40),
    service: str = Form(..., max_length=64),
    purpose: str = Form(..., max_length=2000),
    who: Principal | None = Depends(current_principal),
) -> Response:
    if (redirect := _needs(who, "verifier", "/verify")) is not None:
        return redirect
    assert who is not None
    try:
        d = app_for(request, who, purpose).check(subject, service, verifier=who.id, purpose=purpose)
    except SocialCreditError as exc:
        return _verify(request, who, error=exc.message, subject=subject, purpose=purpose)
    return _verify(request, who, d=d, subject=subject, purpose=purpose)


# -- the review queue ----------------------------------------------------------------------
def _review(request: Request, who: Principal, **ctx: Any) -> HTMLResponse:
    application = app_for(request, who, "review")
    today = application.settings.clock().date()
    queue = [dispute_json(d, today) for d in application.open_disputes()]
    return page("review.html", who, queue=queue, **ctx)


@router.get("/review")
def review(request: Request, who: Principal | None = Depends(current_principal)) -> Response:
    return _needs(who, "reviewer", "/review") or _review(request, who)  # type: ignore[arg-type]


@router.post("/review/{dispute}")
def review_post(
    dispute: int,
    request: Request,
    outcome: str = Form(..., max_length=16),
    reason: str = Form(..., max_length=2000),
    who: Principal | None = Depends(current_principal),
) -> Response:
    if (redirect := _needs(who, "reviewer", "/review")) is not None:
        return redirect
    assert who is not None
    application = app_for(request, who, "review")
    try:
        application.dispute_decide(
            dispute,
            reviewer=who.id,
            outcome=outcome,
            reason=reason,
            occurred=application.settings.clock().date(),
        )
    except SocialCreditError as exc:
        return _review(request, who, error=exc.message)
    return _review(request, who, message=f"Dispute {dispute}: {outcome}.")

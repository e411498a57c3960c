"""Verifiers, reviewers, subjects and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from socialcredit.api import schemas as s
from socialcredit.api.schemas import Id
from socialcredit.http.auth import Principal, app_for, own_subject, require
from socialcredit.wire import dispute_json, report_json

router = APIRouter(prefix="/v1")
verifier = require("verifier")
reviewer = require("reviewer")
subject_only = require("subject")
subject_or_auditor = require("subject", "auditor")
auditor = require("auditor")


@router.post(
    "/checks",
    tags=["verifier"],
    summary="Ask yes/no for your own service",
    response_model=s.DecisionPublic,
)
async def check(
    body: s.CheckCreate, request: Request, who: Principal = Depends(verifier)
) -> dict[str, Any]:
    d = app_for(request, who, body.purpose).check(
        body.subject, body.service, verifier=who.id, purpose=body.purpose, as_of=body.as_of
    )
    return {
        "subject": d.subject,
        "service": d.service,
        "as_of": d.as_of.isoformat(),
        "decision": d.decision,
        "reasons": [
            {
                "code": r.code,
                "clause": r.clause,
                "memorandum": r.memorandum,
                "basis": r.basis,
                "until": r.until.isoformat() if r.until else None,
                "remedy": r.remedy,
            }
            for r in d.reasons
        ],
    }


@router.get(
    "/disputes",
    tags=["reviewer"],
    summary="Open disputes, earliest deadline first",
    response_model=list[s.DisputePublic],
)
def queue(request: Request, who: Principal = Depends(reviewer)) -> list[dict[str, Any]]:
    application = app_for(request, who, "review")
    today = application.settings.clock().date()
    return [dispute_json(d, today) for d in application.open_disputes()]


@router.post(
    "/disputes/{dispute}/decision",
    tags=["reviewer"],
    summary="Decide a dispute",
    response_model=s.IdsCreated,
    status_code=201,
)
def decide(
    dispute: Id,
    body: s.DisputeDecisionCreate,
    request: Request,
    who: Principal = Depends(reviewer),
) -> dict[str, Any]:
    ids = app_for(request, who, "review").dispute_decide(
        dispute,
        reviewer=who.id,
        outcome=body.outcome,
        reason=body.reason,
        occurred=body.occurred,
        excuse=body.excuse,
        amend_rule=body.rule,
    )
    return {"events": ids}


@router.get(
    "/subjects/{subject_id}/record",
    tags=["subject"],
    summary="Your complete record: events, entries, reports, decisions, who looked",
    response_model=s.SubjectRecord,
)
def record(
    subject_id: str, request: Request, who: Principal = Depends(subject_only)
) -> dict[str, Any]:
    sid = own_subject(request, who, subject_id)
    return app_for(request, who).access(sid)


@router.get(
    "/subjects/{subject_id}/scores/{scheme}",
    tags=["subject"],
    summary="Your score, grade and its explanation",
    response_model=s.ScoreReportPublic,
)
def own_score(
    subject_id: str, scheme: str, request: Request, who: Principal = Depends(subject_only)
) -> dict[str, Any]:
    sid = own_subject(request, who, subject_id)
    return report_json(app_for(request, who).score(sid, scheme))


@router.get(
    "/subjects/{subject_id}/access-records",
    tags=["subject", "auditor"],
    summary="Who read or wrote a subject's data (no personal payloads)",
    response_model=list[s.AccessRecord],
)
def access_records(
    subject_id: str, request: Request, who: Principal = Depends(subject_or_auditor)
) -> list[dict[str, Any]]:
    sid = own_subject(request, who, subject_id)
    rows: list[dict[str, Any]] = app_for(request, who, "audit").access_records(sid)
    return rows


@router.post(
    "/subjects/{subject_id}/disputes",
    tags=["subject"],
    summary="Dispute one of your events or list entries",
    response_model=s.Created,
    status_code=201,
)
def open_dispute(
    subject_id: str, body: s.DisputeCreate, request: Request, who: Principal = Depends(subject_only)
) -> dict[str, int]:
    sid = own_subject(request, who, subject_id)
    d = app_for(request, who).dispute_open(
        body.item,
        subject=sid,
        statement=body.statement,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return {"id": d}


@router.post(
    "/subjects/{subject_id}/disputes/{dispute}/info",
    tags=["subject"],
    summary="Add information to your dispute",
    response_model=s.Created,
    status_code=201,
)
def add_info(
    subject_id: str,
    dispute: Id,
    body: s.DisputeInfo,
    request: Request,
    who: Principal = Depends(subject_only),
) -> dict[str, int]:
    sid = own_subject(request, who, subject_id)
    ev = app_for(request, who).dispute_add_info(
        dispute,
        subject=sid,
        statement=body.statement,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return {"id": ev}


@router.post(
    "/subjects/{subject_id}/disputes/{dispute}/appeal",
    tags=["subject"],
    summary="Appeal an upheld dispute once",
    response_model=s.Created,
    status_code=201,
)
def appeal(
    subject_id: str,
    dispute: Id,
    body: s.DisputeInfo,
    request: Request,
    who: Principal = Depends(subject_only),
) -> dict[str, int]:
    sid = own_subject(request, who, subject_id)
    ev = app_for(request, who).dispute_appeal(
        dispute, subject=sid, statement=body.statement, occurred=body.occurred
    )
    return {"id": ev}


@router.post(
    "/subjects/{subject_id}/list-entries/{entry}/consent",
    tags=["subject"],
    summary="Give or withdraw consent to appear on a public honour board",
    response_model=s.Created,
    status_code=201,
)
def consent(
    subject_id: str,
    entry: Id,
    body: s.ConsentCreate,
    request: Request,
    who: Principal = Depends(subject_only),
) -> dict[str, int]:
    sid = own_subject(request, who, subject_id)
    ev = app_for(request, who).list_consent(entry, sid, body.consent, body.occurred)
    return {"id": ev}


@router.get(
    "/audit/grades/{scheme}",
    tags=["auditor"],
    summary="Grade distribution (aggregate) for auditors",
    response_model=s.GradeStats,
)
def audit_grades(
    scheme: str, request: Request, who: Principal = Depends(auditor)
) -> dict[str, Any]:
    application = app_for(request, who, "audit")
    dist = application.grade_distribution(scheme)
    order = [g.grade for g in application.rulebook(scheme)[-1].grades]
    return {
        "scheme": scheme,
        "as_of": application.settings.clock().date().isoformat(),
        "grades": {g: dist.get(g, 0) for g in order},
    }

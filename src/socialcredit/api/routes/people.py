"""Verifiers, reviewers, subjects and auditors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from socialcredit.api import answers
from socialcredit.api import schemas as s
from socialcredit.api.schemas import Id
from socialcredit.application import results
from socialcredit.application.record_views import SubjectRecord
from socialcredit.application.views import DecisionView, DisputeView, RepairView
from socialcredit.http.auth import Principal, actor_for, app_of, own_subject, require

router = APIRouter(prefix="/v1")
KnownQuery = Query(
    None,
    max_length=40,
    description="Replay as known at this ISO date (end of day, UTC) or datetime.",
)


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
) -> DecisionView:
    # The lean dispatch (api/hot.py) answers the happy path through the same function.
    return await answers.check(app_of(request), who, body)


@router.get(
    "/disputes",
    tags=["reviewer"],
    summary="Open disputes, earliest deadline first",
    response_model=list[s.DisputePublic],
)
def queue(request: Request, who: Principal = Depends(reviewer)) -> list[dict[str, Any]]:
    application = app_of(request)
    actor = actor_for(who, "review")
    today = application.settings.clock().date()
    return [
        DisputeView.of(d, today).model_dump(mode="json") for d in application.disputes.queue(actor)
    ]


@router.post(
    "/disputes/{dispute}/decision",
    tags=["reviewer"],
    summary="Decide a dispute",
    response_model=results.DisputeDecided,
    status_code=201,
)
def decide(
    dispute: Id,
    body: s.DisputeDecisionCreate,
    request: Request,
    who: Principal = Depends(reviewer),
) -> results.DisputeDecided:
    ids = app_of(request).disputes.decide(
        actor_for(who, "review"),
        dispute,
        reviewer=who.id,
        outcome=body.outcome,
        reason=body.reason,
        occurred=body.occurred,
        excuse=body.excuse,
        amend_rule=body.rule,
    )
    return results.DisputeDecided(dispute=dispute, outcome=body.outcome, events=ids)


@router.get(
    "/subjects/{subject_id}/record",
    tags=["subject"],
    summary="Your complete record: events, entries, reports, decisions, who looked",
    response_model=s.SubjectRecord,
)
async def record(
    subject_id: str,
    request: Request,
    known_at: str | None = KnownQuery,
    who: Principal = Depends(subject_only),
) -> SubjectRecord:
    return await answers.own_record(app_of(request), who, subject_id, known_at)


@router.get(
    "/subjects/{subject_id}/scores/{scheme}",
    tags=["subject"],
    summary="Your score, grade and its explanation",
    response_model=s.ScoreReportPublic,
)
async def own_score(
    subject_id: str,
    scheme: str,
    request: Request,
    known_at: str | None = KnownQuery,
    who: Principal = Depends(subject_only),
) -> dict[str, Any]:
    return await answers.own_score(app_of(request), who, subject_id, scheme, known_at)


@router.get(
    "/notices",
    tags=["verifier"],
    summary="Your notices: past decisions that rested on an item since voided",
    response_model=s.NoticeList,
)
def notices(request: Request, who: Principal = Depends(verifier)) -> s.NoticeList:
    return s.NoticeList(notices=app_of(request).notices.read(actor_for(who, "notices"), who.id))


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
    rows: list[dict[str, Any]] = app_of(request).access.records(actor_for(who, "audit"), sid)
    return rows


@router.post(
    "/subjects/{subject_id}/disputes",
    tags=["subject"],
    summary="Dispute one of your events or list entries",
    response_model=results.DisputeOpened,
    status_code=201,
)
def open_dispute(
    subject_id: str, body: s.DisputeCreate, request: Request, who: Principal = Depends(subject_only)
) -> results.DisputeOpened:
    sid = own_subject(request, who, subject_id)
    d = app_of(request).disputes.open(
        actor_for(who),
        body.item,
        subject=sid,
        statement=body.statement,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return results.DisputeOpened(dispute=d, item=body.item)


@router.post(
    "/subjects/{subject_id}/disputes/{dispute}/info",
    tags=["subject"],
    summary="Add information to your dispute",
    response_model=results.DisputeStepRecorded,
    status_code=201,
)
def add_info(
    subject_id: str,
    dispute: Id,
    body: s.DisputeInfo,
    request: Request,
    who: Principal = Depends(subject_only),
) -> results.DisputeStepRecorded:
    sid = own_subject(request, who, subject_id)
    ev = app_of(request).disputes.add_info(
        actor_for(who),
        dispute,
        subject=sid,
        statement=body.statement,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return results.DisputeStepRecorded(dispute=dispute, event=ev)


@router.post(
    "/subjects/{subject_id}/disputes/{dispute}/appeal",
    tags=["subject"],
    summary="Appeal an upheld dispute once",
    response_model=results.DisputeStepRecorded,
    status_code=201,
)
def appeal(
    subject_id: str,
    dispute: Id,
    body: s.DisputeInfo,
    request: Request,
    who: Principal = Depends(subject_only),
) -> results.DisputeStepRecorded:
    sid = own_subject(request, who, subject_id)
    ev = app_of(request).disputes.appeal(
        actor_for(who), dispute, subject=sid, statement=body.statement, occurred=body.occurred
    )
    return results.DisputeStepRecorded(dispute=dispute, event=ev)


@router.post(
    "/subjects/{subject_id}/list-entries/{entry}/consent",
    tags=["subject"],
    summary="Give or withdraw consent to appear on a public honour board",
    response_model=results.ConsentRecorded,
    status_code=201,
)
def consent(
    subject_id: str,
    entry: Id,
    body: s.ConsentCreate,
    request: Request,
    who: Principal = Depends(subject_only),
) -> results.ConsentRecorded:
    sid = own_subject(request, who, subject_id)
    ev = app_of(request).lists.consent(actor_for(who), entry, sid, body.consent, body.occurred)
    return results.ConsentRecorded(entry=entry, event=ev, consent=body.consent)


@router.post(
    "/subjects/{subject_id}/erasure",
    tags=["subject"],
    summary="Erase your personal data now, unless a published retention rule keeps it",
    response_model=results.SubjectErased,
    responses={409: {"description": "A retention rule keeps the data: rule and date named"}},
)
def erasure(
    subject_id: str, request: Request, who: Principal = Depends(subject_only)
) -> results.SubjectErased:
    sid = own_subject(request, who, subject_id)
    r = app_of(request).erasure.erase(actor_for(who), sid, requested_by_subject=True)
    return results.SubjectErased(
        subject=r.subject, event=r.event, shredded=r.shredded, detail=r.detail
    )


@router.get(
    "/audit/grades/{scheme}",
    tags=["auditor"],
    summary="Grade distribution (aggregate) for auditors",
    response_model=s.GradeStats,
)
def audit_grades(
    scheme: str, request: Request, who: Principal = Depends(auditor)
) -> dict[str, Any]:
    application = app_of(request)
    actor = actor_for(who, "audit")
    dist = application.batch.grade_distribution(actor, scheme)
    order = [g.grade for g in application.documents.rulebook(scheme)[-1].grades]
    return {
        "scheme": scheme,
        "as_of": application.settings.clock().date().isoformat(),
        "grades": {g: dist.get(g, 0) for g in order},
    }


@router.post(
    "/subjects/{subject_id}/repairs",
    tags=["subject"],
    summary="Apply for credit repair of one of your negative items",
    response_model=results.RepairApplied,
    status_code=201,
)
def apply_repair(
    subject_id: str, body: s.RepairCreate, request: Request, who: Principal = Depends(subject_only)
) -> results.RepairApplied:
    sid = own_subject(request, who, subject_id)
    r = app_of(request).repairs.apply(
        actor_for(who),
        body.item,
        subject=sid,
        statement=body.statement,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return results.RepairApplied(
        repair=r.repair, item=r.item, severity=r.severity, decide_by=r.decide_by.isoformat()
    )


@router.get(
    "/subjects/{subject_id}/repairs/{repair}",
    tags=["subject"],
    summary="Your repair: status, deadline, decision, when to apply again",
    response_model=s.RepairPublic,
)
def show_repair(
    subject_id: str, repair: Id, request: Request, who: Principal = Depends(subject_only)
) -> RepairView:
    sid = own_subject(request, who, subject_id)
    state, day = app_of(request).repairs.show(actor_for(who), repair, subject=sid)
    return RepairView.of(state, day)

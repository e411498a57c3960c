"""Registrars record for their own authority; admins publish and register."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request

from socialcredit.api import schemas as s
from socialcredit.api.schemas import Id
from socialcredit.application import results
from socialcredit.core.documents import doc_id
from socialcredit.http.auth import Principal, actor_for, app_of, require

router = APIRouter(prefix="/v1", tags=["registrar", "admin"])
registrar = require("registrar")
registrar_or_admin = require("registrar", "admin")
admin = require("admin")
admin_or_auditor = require("admin", "auditor")


@router.post(
    "/subjects",
    summary="Register a person or organisation",
    response_model=results.SubjectRegistered,
    status_code=201,
)
def register_subject(
    body: s.SubjectCreate, request: Request, who: Principal = Depends(registrar_or_admin)
) -> results.SubjectRegistered:
    sid, created = app_of(request).records.add_subject(
        actor_for(who, "registration"), body.id, body.kind, body.name
    )
    return results.SubjectRegistered(subject=sid, kind=body.kind, created=created)


@router.post(
    "/events",
    summary="Record an evidence-backed event for your own authority",
    response_model=results.EventRecorded,
    status_code=201,
)
def record_event(
    body: s.EventCreate, request: Request, who: Principal = Depends(registrar)
) -> results.EventRecorded:
    r = app_of(request).records.record(
        actor_for(who, "recording"),
        body.subject,
        body.scheme,
        body.rule,
        authority=who.id,
        evidence_ref=body.evidence,
        occurred=body.occurred,
        evidence_kind=body.evidence_kind,
        evidence_sha256=body.evidence_sha256,
    )
    return results.EventRecorded(
        event=r.event, created=r.created, evidence_sha256=r.evidence_sha256
    )


@router.post(
    "/events/{event_id}/corrections",
    summary="Reverse an event with a reason",
    response_model=results.CorrectionRecorded,
    status_code=201,
)
def correct_event(
    event_id: Id, body: s.CorrectionCreate, request: Request, who: Principal = Depends(registrar)
) -> results.CorrectionRecorded:
    new = app_of(request).records.correct(
        actor_for(who, "correction"),
        event_id,
        reason=body.reason,
        authority=who.id,
        occurred=body.occurred,
        evidence_ref=body.evidence,
    )
    return results.CorrectionRecorded(event=new, reverses=event_id)


@router.get(
    "/desk/events",
    summary="What your authority recorded, newest first",
    response_model=list[s.EventPublic],
)
def desk_events(request: Request, who: Principal = Depends(registrar)) -> list[dict[str, Any]]:
    return [
        e.model_dump(mode="json")
        for e in app_of(request).records.recorded_by(actor_for(who, "desk"), who.id)
    ]


@router.post(
    "/list-entries",
    summary="Propose a list entry for your own authority",
    response_model=results.EntryProposed,
    status_code=201,
)
def propose_entry(
    body: s.ListEntryCreate, request: Request, who: Principal = Depends(registrar)
) -> results.EntryProposed:
    r = app_of(request).lists.propose(
        actor_for(who, "listing"),
        body.subject,
        body.list_id,
        authority=who.id,
        evidence_ref=body.evidence,
        occurred=body.occurred,
        fields=body.fields,
        severity=body.severity,
        conduct=body.conduct,
    )
    return results.EntryProposed(entry=r.event, created=r.created)


def _step(
    step: str, entry: Id, body: s.ListStep, request: Request, who: Principal
) -> results.EntryStepRecorded:
    ids = app_of(request).lists.transition(
        actor_for(who, "listing"),
        entry,
        step,
        authority=who.id,
        evidence_ref=body.evidence,
        occurred=body.occurred,
    )
    return results.EntryStepRecorded(entry=entry, events=ids)


@router.post(
    "/list-entries/{entry}/notify",
    summary="Record that the subject was notified",
    response_model=results.EntryStepRecorded,
    status_code=201,
)
def notify_entry(
    entry: Id, body: s.ListStep, request: Request, who: Principal = Depends(registrar)
) -> results.EntryStepRecorded:
    return _step("notify", entry, body, request, who)


@router.post(
    "/list-entries/{entry}/remedy",
    summary="Record fulfilment; the entry is removed",
    response_model=results.EntryStepRecorded,
    status_code=201,
)
def remedy_entry(
    entry: Id, body: s.ListStep, request: Request, who: Principal = Depends(registrar)
) -> results.EntryStepRecorded:
    return _step("remedy", entry, body, request, who)


@router.post(
    "/documents",
    summary="Publish a document of any kind (TOML text); refused with every finding",
    response_model=results.DocumentPublished,
    status_code=201,
)
def publish(
    request: Request,
    toml: str = Body(..., media_type="text/plain", max_length=1_000_000),
    who: Principal = Depends(admin),
) -> results.DocumentPublished:
    book, created = app_of(request).documents.publish(actor_for(who, "publication"), toml)
    return results.DocumentPublished(id=doc_id(book), version=book.version, created=created)


@router.post(
    "/tick",
    summary="Write down lapsed disputes and due erasures (idempotent)",
    response_model=results.TickDone,
)
def tick(body: s.TickCreate, request: Request, who: Principal = Depends(admin)) -> results.TickDone:
    r = app_of(request).upkeep.tick(actor_for(who, "deadlines and retention"), body.as_of)
    return results.TickDone(
        as_of=body.as_of.isoformat(), lapsed=r.lapsed, erased=r.erased, shredded=r.shredded
    )


@router.get(
    "/ledger/verify",
    summary="Walk the hash chain and name the first bad entry",
    response_model=s.LedgerVerified,
)
def verify(request: Request, who: Principal = Depends(admin_or_auditor)) -> dict[str, Any]:
    n, problem = app_of(request).integrity.verify()
    return {
        "ok": problem is None,
        "entries": n,
        "first_bad": problem.event_id if problem else None,
        "message": problem.message if problem else None,
    }


@router.post(
    "/repairs/{repair}/decision",
    summary="Decide a credit repair on an item your authority issued",
    response_model=results.RepairDecided,
    status_code=201,
)
def decide_repair(
    repair: Id, body: s.RepairDecisionCreate, request: Request, who: Principal = Depends(registrar)
) -> results.RepairDecided:
    event = app_of(request).repairs.decide(
        actor_for(who, "credit repair"),
        repair,
        authority=who.id,
        outcome=body.outcome,
        reason=body.reason,
        occurred=body.occurred,
    )
    return results.RepairDecided(repair=repair, event=event, outcome=body.outcome)

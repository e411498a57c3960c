"""Anonymous public routes: published rules, aggregate figures, the signed log head."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from socialcredit.api import schemas as s
from socialcredit.api.schemas import MAX_ID, Id, Size
from socialcredit.application.views import DocumentView, RulebookView
from socialcredit.http.auth import Principal, actor_for, app_of, current_principal
from socialcredit.transparency.heads import head_to_json

router = APIRouter(prefix="/v1", tags=["public"])


@router.get("/rulebooks", summary="List published schemes", response_model=list[str])
def list_rulebooks(request: Request) -> list[str]:
    return app_of(request).documents.schemes()


@router.get(
    "/rulebooks/{scheme}", summary="A scheme's published versions", response_model=s.RulebookSummary
)
def show_rulebook(scheme: str, request: Request) -> dict[str, Any]:
    versions = app_of(request).documents.rulebook(scheme)
    return {
        "scheme": scheme,
        "versions": [RulebookView.of(v).model_dump(mode="json") for v in versions],
    }


@router.get(
    "/documents", summary="Every published document: id and kind", response_model=s.DocumentIndex
)
def list_documents(request: Request) -> dict[str, Any]:
    ids = app_of(request).documents.document_ids()
    return {"documents": [{"id": i, "kind": k} for i, k in ids]}


@router.get(
    "/documents/{ident}",
    summary="A document of any kind (catalogue, measures, list, memorandum, scheme), every version",
    response_model=s.DocumentVersions,
)
def show_document(ident: str, request: Request) -> dict[str, Any]:

    versions = app_of(request).documents.documents(ident)
    docs = [DocumentView.of(d, at).model_dump(mode="json") for d, at in versions]
    return {"id": ident, "kind": docs[-1]["kind"], "versions": docs}


@router.get(
    "/services", summary="Services, their sectors and verifiers", response_model=s.ServiceList
)
def services(request: Request) -> dict[str, Any]:
    reg = app_of(request).lists.registry()
    return {
        "services": [
            {"id": x.id, "sector": x.sector, "title": x.title} for x in reg.services.values()
        ],
        "verifiers": [
            {"id": v.id, "title": v.title, "services": list(v.services)}
            for v in reg.verifiers.values()
        ],
    }


@router.get(
    "/stats/grades/{scheme}",
    summary="Grade distribution of a scheme (aggregate, no personal data)",
    response_model=s.GradeStats,
)
def grade_stats(scheme: str, request: Request, chart: bool = False) -> dict[str, Any]:
    (figures,) = app_of(request).figures.public_grades(actor_for(None, "public statistics"), scheme)
    body: dict[str, Any] = {"scheme": scheme, "as_of": figures.as_of, "grades": figures.grades}
    if chart:
        body["chart_svg"] = figures.chart_svg().decode()
    return body


@router.get(
    "/log/head",
    summary="The latest signed tree head (heads are signed on write, never on a GET)",
    response_model=s.TreeHeadPublic,
)
def log_head(request: Request) -> dict[str, Any]:
    head, public = app_of(request).log.latest_head()
    return head_to_json(head) | {"public_key": public.hex()}


@router.get(
    "/log/inclusion/{event_id}",
    summary="Proof that a ledger entry is in the log",
    response_model=s.ProofPublic,
)
def log_inclusion(event_id: Id, request: Request) -> dict[str, Any]:
    head, proof = app_of(request).log.prove_inclusion(event_id)
    return {"head": head, "proof": proof}


@router.get(
    "/log/consistency",
    summary="Proof that the signed head of NEW entries (default: the latest) extends the first OLD",
    response_model=s.ProofPublic,
)
def log_consistency(
    old: Size,
    request: Request,
    new: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="A signed head's size; default latest")
    ] = None,
) -> dict[str, Any]:
    head, proof = app_of(request).log.prove_consistency(old, new)
    return {"head": head, "proof": proof}


@router.get("/whoami", summary="The principal behind the token", response_model=s.WhoAmI)
def whoami(principal: Principal | None = Depends(current_principal)) -> dict[str, str]:
    if principal is None:
        return {"principal": "public", "role": "public"}
    return {"principal": principal.id, "role": principal.role}


@router.get(
    "/lists/{list_id}/board",
    summary="A red list's public honour board (consenting subjects only)",
    response_model=s.Board,
)
def board(list_id: str, request: Request) -> dict[str, Any]:
    application = app_of(request)
    actor = actor_for(None, "public honour board")
    return {"list": list_id, "entries": application.lists.board(actor, list_id)}


@router.get(
    "/figures",
    summary="Public figures: lists, decisions by service, disputes, repairs (materialised per day)",
    response_model=s.FiguresPublic,
)
def figures(request: Request, as_of: date | None = None) -> dict[str, Any]:
    return app_of(request).figures.figures(actor_for(None, "public figures"), as_of)

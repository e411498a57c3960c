"""Anonymous public routes: published rules, aggregate figures, the signed log head."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request

from socialcredit.api import schemas as s
from socialcredit.api.schemas import Id, Size
from socialcredit.http.auth import Principal, app_for, current_principal
from socialcredit.transparency.heads import head_to_json
from socialcredit.wire import rulebook_json

router = APIRouter(prefix="/v1", tags=["public"])


@router.get("/rulebooks", summary="List published schemes", response_model=list[str])
def list_rulebooks(request: Request) -> list[str]:
    return app_for(request, None, "public register").schemes()


@router.get(
    "/rulebooks/{scheme}", summary="A scheme's published versions", response_model=s.RulebookSummary
)
def show_rulebook(scheme: str, request: Request) -> dict[str, Any]:
    versions = app_for(request, None, "public register").rulebook(scheme)
    return {"scheme": scheme, "versions": [rulebook_json(v) for v in versions]}


@router.get(
    "/services", summary="Services, their sectors and verifiers", response_model=s.ServiceList
)
def services(request: Request) -> dict[str, Any]:
    reg = app_for(request, None, "public register").registry()
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
    (figures,) = app_for(request, None, "public statistics").public_grades(scheme)
    body: dict[str, Any] = {"scheme": scheme, "as_of": figures.as_of, "grades": figures.grades}
    if chart:
        body["chart_svg"] = figures.chart_svg().decode()
    return body


@router.get("/log/head", summary="A freshly signed tree head", response_model=s.TreeHeadPublic)
def log_head(request: Request) -> dict[str, Any]:
    head, public = app_for(request, None, "transparency").log_head()
    return head_to_json(head) | {"public_key": public.hex()}


@router.get(
    "/log/inclusion/{event_id}",
    summary="Proof that a ledger entry is in the log",
    response_model=s.ProofPublic,
)
def log_inclusion(event_id: Id, request: Request) -> dict[str, Any]:
    head, proof = app_for(request, None, "transparency").log_prove_inclusion(event_id)
    return {"head": head, "proof": proof}


@router.get(
    "/log/consistency",
    summary="Proof that the log of NEW entries extends the first OLD",
    response_model=s.ProofPublic,
)
def log_consistency(old: Size, new: Size, request: Request) -> dict[str, Any]:
    head, proof = app_for(request, None, "transparency").log_prove_consistency(old, new)
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
    application = app_for(request, None, "public honour board")
    return {"list": list_id, "entries": application.board(list_id)}


@router.get(
    "/figures",
    summary="Public figures: lists, decisions by service, disputes, repairs (materialised per day)",
    response_model=s.FiguresPublic,
)
def figures(request: Request, as_of: date | None = None) -> dict[str, Any]:
    return app_for(request, None, "public figures").figures(as_of)

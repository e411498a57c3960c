"""Public pages of issue 14: the honour boards and the public figures, with a chart.

Kept out of ``pages.py`` (which holds sign-in and the role pages) so neither grows past
the module limit. Both pages call the same use cases as ``GET /v1/lists/{list}/board``
and ``GET /v1/figures``: a board shown here is recorded exactly as the API's (one
``board.read`` access record per subject shown, only consenting subjects, minimum
fields), and the figures are the same materialised body, read at the cost of a point
read. Nobody needs to sign in; nothing here changes anything.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from socialcredit.charts import bar_chart
from socialcredit.core.periods import parse_date
from socialcredit.http.auth import Principal, actor_for, app_of
from socialcredit.web.pages import SVG_CSP, page, viewer

router = APIRouter(include_in_schema=False)
MAX_DATE = 10  # YYYY-MM-DD


def _as_of(value: str | None) -> date | None:
    """A day from the query string; a malformed one is a 400 page (BadInput)."""
    if value is None or value == "":
        return None
    return parse_date(value[: MAX_DATE + 1], field="as_of")


@router.get("/boards")
def boards_page(request: Request, who: Principal | None = Depends(viewer)) -> HTMLResponse:
    """Every red list that publishes a board: where to find them from the navigation."""
    registry = app_of(request).lists.registry()
    boards = sorted(
        (d.id, d.title) for d in registry.lists.values() if d.kind == "red" and d.public_board
    )
    return page(request, "boards.html", who, boards=boards)


@router.get("/lists/{list_id}/board")
def board_page(
    list_id: str, request: Request, who: Principal | None = Depends(viewer)
) -> HTMLResponse:
    application = app_of(request)
    actor = actor_for(None, "public honour board")
    entries = application.lists.board(actor, list_id)  # recorded like GET /v1/lists/{list}/board
    title = application.lists.registry().lists[list_id].title
    return page(request, "board.html", who, list_id=list_id, title=title, entries=entries)


def _figures(request: Request, as_of: str | None) -> dict[str, Any]:
    body: dict[str, Any] = app_of(request).figures.figures(
        actor_for(None, "public figures"), _as_of(as_of)
    )
    return body


@router.get("/figures")
def figures_page(
    request: Request, as_of: str | None = None, who: Principal | None = Depends(viewer)
) -> HTMLResponse:
    f = _figures(request, as_of)
    return page(request, "figures.html", who, f=f, as_of=as_of or "")


@router.get("/figures/lists.svg")
def figures_chart(request: Request, as_of: str | None = None) -> Response:
    """Entries in effect per list, as a bar chart (the page's table gives the same)."""
    f = _figures(request, as_of)
    counts = {name: c["in_effect"] for name, c in f["lists"].items()}
    svg = bar_chart(counts, sorted(counts), f"List entries in effect, {f['as_of']}", "list")
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "public, max-age=300"},
    )

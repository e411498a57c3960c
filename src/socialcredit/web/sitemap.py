"""The pages that exist, read from the routers that serve them.

``serve`` prints them when it starts and ``token demo`` lists them for ``make run``;
hand-written lists there lost the public pages added later (/boards, /figures).
``install`` records this list on the app (``app.state.pages``), so the console prints
what is registered without importing the web package (the edges stay independent),
and cannot drift from it again. A page nobody described here is still listed.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

# What each page is for, as the demo lists it (tests/web/test_sitemap.py wants one each).
TITLES = {
    "/": "home",
    "/signin": "sign in with a token",
    "/stats": "grade distribution",
    "/log": "signed log head",
    "/counter": "a resident's record",
    "/desk": "registrar desk",
    "/verify": "verifier",
    "/review": "review queue",
    "/boards": "public boards of the red lists",
    "/figures": "public figures of the lists",
}


def pages_of(*routers: APIRouter) -> list[tuple[str, str]]:
    """Every page a browser can be sent to, with what it is for, in the order registered.

    A page is a GET route of the pages' routers with a fixed path: a path with a
    parameter (``/documents/{ident}``) is reached through a link on one of these, and an
    image (``.svg``) is part of a page, not one.
    """
    out: dict[str, str] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
                continue
            if "{" not in route.path and not route.path.endswith(".svg"):
                out.setdefault(route.path, TITLES.get(route.path, ""))
    return list(out.items())

"""A live uvicorn server on 127.0.0.1 in a thread, over a real SQLite file, with tokens."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn

from socialcredit.application import Application
from socialcredit.server import create_app
from socialcredit.settings import Settings
from socialcredit.store.sql import Store
from tests.conftest import OP

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
ME = "11010519491231002X"
OTHER = "110105198001010016"
NOBODY = "110105197001010011"  # valid, never registered


@dataclass
class Live:
    url: str
    tokens: dict[str, str]
    app: Application

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings, store: Store | None = None, *, lean: bool = True) -> Iterator[str]:
    port = free_port()
    service = create_app(settings, store, lean=lean)
    server = uvicorn.Server(
        uvicorn.Config(
            service,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=False,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if store is None:  # lifespan is off here, so the app's own shutdown never runs
            service.state.store.close()


def seeded(db_url: str, now: datetime = NOW) -> tuple[Settings, Application, dict[str, str]]:
    assert NOBODY != ME
    # Generous limits: the rate-limit tests build their own service with small ones.
    settings = Settings(
        db_url=db_url,
        clock=lambda: now,
        rate_principal="100000/minute",
        rate_anonymous="100000/minute",
    )
    app = Application(settings)
    app.documents.init(OP)
    app.records.add_subject(OP, ME, "person", "Wang Wei")
    app.records.add_subject(OP, OTHER, "person", "Li Na")
    tokens = {
        "admin": app.tokens.issue(OP, "admin", "city-admin"),
        "registrar": app.tokens.issue(OP, "registrar", "rongcheng-traffic-police"),
        "court": app.tokens.issue(OP, "registrar", "rongcheng-people-court"),
        "verifier": app.tokens.issue(OP, "verifier", "airline-demo"),
        "reviewer": app.tokens.issue(OP, "reviewer", "rongcheng-review-board"),
        "subject": app.tokens.issue(OP, "subject", ME),
        "other": app.tokens.issue(OP, "subject", OTHER),
        "auditor": app.tokens.issue(OP, "auditor", "city-auditor"),
    }
    return settings, app, tokens


CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def web_session(url: str, token: str) -> httpx.Client:
    """A client signed in through the sign-in form, as a browser would be."""
    c = httpx.Client(base_url=url, timeout=10)
    form = c.get("/signin")
    r = c.post("/signin", data={"token": token, "next": "/", "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
    return c


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    settings, app, tokens = seeded(f"sqlite:///{tmp_path / 'api.db'}")
    for url in serve(settings):
        yield Live(url, tokens, app)
    app.store.close()

"""Shared fixtures: real SQLite files, real PostgreSQL databases, a controllable clock.

Store-level tests take ``db_url``, which runs them once on a temporary SQLite file and
once on a fresh database on the PostgreSQL server at 127.0.0.1:5432 (created and dropped
here). Without that server the PostgreSQL half is skipped with a visible reason, unless
SOCIALCREDIT_REQUIRE_PG=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from socialcredit.application import Actor, Application
from socialcredit.settings import Settings

FIXED_NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)

# The log signing key of a server database defaults to $XDG_CONFIG_HOME/socialcredit/:
# keep the keys of the tests' throwaway PostgreSQL databases out of the real home.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="socialcredit-test-config-")


class MovingClock:
    """An injected clock a test moves; the code under test never reads the wall clock.

    ``seen`` keeps every moment it was moved to, for tests that replay the past.
    """

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now
        self.seen: list[datetime] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        self.seen.append(self.now)
        return self.now


OP = Actor.operator()  # the operator at the console, as the CLI acts


PG_SERVER = os.environ.get("SOCIALCREDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")


def _pg_reason() -> str | None:
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {PG_SERVER} is not reachable: {type(exc).__name__}"
    return None


PG_UNAVAILABLE = _pg_reason()


@pytest.fixture(scope="session")
def pg_server() -> str:
    if PG_UNAVAILABLE:
        if os.environ.get("SOCIALCREDIT_REQUIRE_PG") == "1":
            pytest.fail(PG_UNAVAILABLE)
        pytest.skip(PG_UNAVAILABLE)
    return PG_SERVER


def fresh_pg_database(server: str) -> Iterator[str]:
    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue("pg_server")
    yield from fresh_pg_database(server)


def raw_sql(db_url: str, *statements: str, params: dict[str, Any] | None = None) -> list[Any]:
    """Run SQL straight on the database, bypassing the application (tamper tests)."""
    engine = create_engine(db_url)
    rows: list[Any] = []
    with engine.begin() as conn:
        for s in statements:
            res = conn.execute(text(s), params or {})
            if res.returns_rows:
                rows = list(res)
    engine.dispose()
    return rows


def drop_append_only(db_url: str, table: str) -> list[str]:
    """The statements that switch off a table's append-only triggers on either backend."""
    if db_url.startswith("sqlite"):
        return [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"]
    return [f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"]


@pytest.fixture
def app(db_url: str) -> Iterator[Application]:
    application = Application(Settings(db_url=db_url, clock=lambda: FIXED_NOW))
    application.documents.init(OP)
    yield application
    application.store.close()


@pytest.fixture
def make_app(db_url: str) -> Iterator[Any]:
    """A factory of applications on ``db_url`` with their own clocks; all closed at the end."""
    made: list[Application] = []

    def make(now: datetime = FIXED_NOW, **kw: Any) -> Application:
        application = Application(Settings(db_url=db_url, clock=lambda: now, **kw))
        application.documents.init(OP)
        made.append(application)
        return application

    yield make
    for application in made:
        application.store.close()

"""The service refuses to start on settings that could lose an acknowledged write."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from socialcredit.core.errors import BadInput
from socialcredit.server import create_app
from socialcredit.settings import Settings
from socialcredit.store.sql import Store
from tests.conftest import fresh_pg_database


def test_sqlite_file_with_wal_and_full_starts(tmp_path: Path) -> None:
    create_app(Settings(db_url=f"sqlite:///{tmp_path / 'ok.db'}"))


def test_sqlite_without_wal_is_refused_with_how_to_fix() -> None:
    with pytest.raises(BadInput, match="not WAL: use a database file"):
        Store("sqlite:///:memory:").check_durability()


def test_sqlite_synchronous_override_is_refused(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    engine = store.engine

    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _weaken(dbapi_conn, _rec) -> None:  # an operator's override, applied after ours
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    with pytest.raises(BadInput, match="synchronous=0: it must be FULL"):
        store.check_durability()


def test_postgresql_with_synchronous_commit_off_is_refused(pg_server: str) -> None:
    for url in fresh_pg_database(pg_server):
        admin = create_engine(f"{pg_server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET synchronous_commit = off')
            )
        admin.dispose()
        store = Store(url)
        with pytest.raises(BadInput, match="synchronous_commit=off"):
            store.check_durability()
        store.close()
        ok = Store(url.rsplit("/", 1)[0] + "/postgres")
        ok.check_durability()
        ok.close()

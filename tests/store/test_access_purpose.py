"""A stated purpose about a subject is sealed whatever its phrasing (issue 16's pass).

``record_access`` used to pass through any purpose that *looked* sealed (it began with
``sealed:v1:``), so a verifier typing that prefix before a name had it stored in clear.
Only a ``Presealed`` value (built by the import's workers) passes as it is now.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from socialcredit import sealing
from socialcredit.application import Application
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings
from socialcredit.store.sql import Presealed
from tests.conftest import OP

NOW = datetime(2024, 6, 1, tzinfo=UTC)
PEOPLE = synthetic_resident_ids(3, 7)


def _stored_purposes(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        got = list(
            conn.execute(
                text("SELECT purpose FROM access_log WHERE action = 'probe' ORDER BY id")
            ).scalars()
        )
    engine.dispose()
    return got


def test_a_purpose_phrased_as_sealed_is_still_sealed(db_url: str) -> None:
    application = Application(Settings(db_url=db_url, clock=lambda: NOW))
    application.documents.init(OP)
    application.records.add_subjects(OP, [(p, "person", "Resident") for p in PEOPLE])
    store = application.store
    disguised = "sealed:v1:boarding check for Wang Wei, seat 12A"
    with store.transaction() as conn:
        key = store.get_key(conn, PEOPLE[0])
        assert key is not None
        genuine = sealing.seal(key, PEOPLE[0], "bulk import")
        row = {"at": NOW.isoformat(), "actor": "v1", "role": "verifier", "action": "probe"}
        store.record_access(
            conn,
            [
                {**row, "subject": PEOPLE[0], "purpose": disguised, "detail": "{}"},
                {**row, "subject": PEOPLE[0], "purpose": Presealed(genuine), "detail": "{}"},
            ],
        )
    stored = _stored_purposes(db_url)
    assert all(sealing.is_sealed(p) for p in stored)
    assert not any("Wang Wei" in p for p in stored)
    assert stored[1] == genuine
    with store.transaction() as conn:
        shown = [r["purpose"] for r in store.access_for(conn, PEOPLE[0]) if r["action"] == "probe"]
    assert shown == [disguised, "bulk import"]
    store.close()

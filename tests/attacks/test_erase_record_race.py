"""Attack on erasure against a concurrent write (issue 12), both stores.

A record reads the subject's key, then appends. An erasure on request that ran in
between (it checks retention, deletes the key, commits) left the record to commit an
entry sealed under a key that no longer exists, recorded *after* the erasure in ledger
order: the subject's new item read ``[erased]`` at once, and the retention that item
should have imposed never held the erasure back. Appends and erasures must be
serialised: either the erasure sees the entry (and is refused by its retention), or the
entry comes after it under a fresh key.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from socialcredit.core.errors import Conflict
from tests.store.test_erasure import NOW, SUBJECT

REF = "EVIDREF-race-k2j3"


def test_a_record_racing_an_erasure_stays_readable(db_url, make_app) -> None:
    writer = make_app(NOW)
    writer.add_subject(SUBJECT, "person", "Racing")
    eraser = make_app(NOW)
    keys_read, erasure_done = threading.Event(), threading.Event()
    real = writer.store.get_keys

    def get_keys_then_wait(conn: Any, subjects: Any) -> Any:
        out = real(conn, subjects)
        if not keys_read.is_set():
            keys_read.set()
            erasure_done.wait(3)  # an erasure that is not held back runs now
        return out

    writer.store.get_keys = get_keys_then_wait  # type: ignore[method-assign]
    recorded: list[int] = []

    def record() -> None:
        recorded.append(
            writer.record(
                SUBJECT,
                "rongcheng",
                "traffic-violation",
                authority="rongcheng-traffic-police",
                evidence_ref=REF,
                occurred=date(2024, 5, 1),
            ).event
        )

    thread = threading.Thread(target=record)
    thread.start()
    assert keys_read.wait(10)
    outcome: Any
    try:
        outcome = eraser.erase(SUBJECT, requested_by_subject=True)
    except Conflict as exc:  # RetentionHolds: the ticket was seen
        outcome = exc
    erasure_done.set()
    thread.join(20)
    writer.store.get_keys = real  # type: ignore[method-assign]
    (event,) = recorded
    history = {e.id: e for e in eraser.history(SUBJECT)}
    assert history[event].evidence_ref == REF, (outcome, history[event].evidence_ref)
    assert eraser.verify()[1] is None

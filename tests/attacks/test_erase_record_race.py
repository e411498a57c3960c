"""Attack on erasure against a concurrent write (issue 12), both stores.

A record appends under the append lock; an erasure on request checked retention and
deleted the key without it. On PostgreSQL a ticket recorded while the erasure's check
ran escaped the check and was erased with the key at once ([erased] before anyone read
it), though its retention should have refused the erasure. The import's workers seal
with keys they read in their own transactions, so an erasure committed before the
parent appended left imported rows sealed under a deleted key (both stores). Either the
erasure sees the entry (and is refused by its retention), or the entry is readable.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from socialcredit.application import Actor
from socialcredit.core.errors import Conflict
from tests.conftest import OP, raw_sql
from tests.store.test_erasure import NOW, SUBJECT

REF = "EVIDREF-race-k2j3"


def test_a_record_racing_an_erasure_stays_readable(db_url, make_app) -> None:
    writer = make_app(NOW)
    writer.records.add_subject(OP, SUBJECT, "person", "Racing")
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
            writer.records.record(
                OP,
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
        outcome = eraser.erasure.erase(OP, SUBJECT, requested_by_subject=True)
    except Conflict as exc:  # RetentionHolds: the ticket was seen
        outcome = exc
    erasure_done.set()
    thread.join(20)
    writer.store.get_keys = real  # type: ignore[method-assign]
    (event,) = recorded
    history = {e.event: e for e in eraser.records.history(OP, SUBJECT)}
    assert history[event].evidence == REF, (outcome, history[event].evidence)
    assert eraser.integrity.verify()[1] is None


def test_an_import_racing_an_erasure_writes_nothing_unreadable(db_url, make_app) -> None:
    """The import's workers seal with the keys they read; the parent appends later.

    An erasure committed in between left imported rows sealed under a deleted key,
    recorded after the erasure: ``[erased]`` from the start. The parent now checks,
    under the append lock, that every key the workers sealed with is still the
    subject's key, and refuses the chunk otherwise (a re-run imports it afresh).
    """
    importer = make_app(NOW)
    importer.records.add_subject(OP, SUBJECT, "person", "Imported")
    eraser = make_app(NOW)
    real = importer.store.transaction
    calls = [0]

    def transaction_after_an_erasure(*a: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] == 2:  # the first chunk's append: the workers have sealed it
            eraser.erasure.erase(OP, SUBJECT, requested_by_subject=True)
        return real(*a, **kw)

    importer.store.transaction = transaction_after_an_erasure  # type: ignore[method-assign]
    chunk = {
        "subject": [SUBJECT],
        "rule": ["traffic-violation"],
        "occurred": ["2024-05-01"],
        "scheme": ["rongcheng"],
        "authority": ["rongcheng-traffic-police"],
        "evidence": [REF],
    }
    try:
        importer.imports.events(Actor.operator("import"), iter([(2, chunk)]), workers=1)
        refused = None
    except Exception as exc:
        refused = exc
    importer.store.transaction = real  # type: ignore[method-assign]
    scores = [e for e in eraser.records.history(OP, SUBJECT) if e.type == "score"]
    assert all(e.evidence_ref == REF for e in scores), (refused, scores)
    assert refused is None or "erased while this import ran" in str(refused)
    assert eraser.integrity.verify()[1] is None


def test_an_import_worker_forgets_a_key_erased_between_its_chunks(db_url, make_app) -> None:
    """A worker keeps the keys it read for the next chunks (issue 16): an erasure between
    two of its chunks must drop the key, or the later chunk would be sealed under a
    deleted key while its own snapshot (after the erasure) gives the parent nothing to
    refuse. The later chunk is refused, naming the erasure; nothing unreadable is written.
    """
    from datetime import date as day

    from socialcredit.core.errors import BadInput
    from tests.store.test_erasure import SUBJECT_15

    importer = make_app(NOW)
    other = "371082196105076068"
    importer.records.add_subject(OP, SUBJECT, "person", "Kept")
    importer.records.add_subject(OP, other, "person", "Other")

    def chunk(subject: str, ref: str) -> dict[str, list[str]]:
        return {
            "subject": [subject],
            "rule": ["traffic-violation"],
            "occurred": ["2024-05-01"],
            "scheme": ["rongcheng"],
            "authority": ["rongcheng-traffic-police"],
            "evidence": [ref],
        }

    def chunks():  # type: ignore[no-untyped-def]
        yield 2, chunk(SUBJECT, "first-k2j3")
        yield 3, chunk(other, "second-k2j3")
        yield 4, chunk(other, "third-k2j3")
        # asked for once the first chunk is written (the parent asks for the next chunk
        # before it writes one): the key goes, retention or not
        with importer.store.transaction() as conn:
            importer.erasure.erase_subject_key(
                conn, OP, SUBJECT, occurred=day(2024, 6, 1), authority="op", reason="test"
            )
        yield 5, chunk(SUBJECT_15, "fourth-k2j3")  # the same person, spelled otherwise

    try:
        importer.imports.events(Actor.operator("import"), chunks(), workers=1)
        refused = None
    except BadInput as exc:
        refused = exc
    assert refused is not None and "row 5: subject" in str(refused), refused
    assert "was erased: record new events" in str(refused)
    # the first three chunks only: nothing of the fourth was written
    assert raw_sql(db_url, "SELECT count(*) FROM events WHERE type = 'score'")[0][0] == 3
    assert importer.integrity.verify()[1] is None

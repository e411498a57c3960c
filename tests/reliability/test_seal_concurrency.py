"""Sealing access batches and signing heads while readers and writers run: no false
alarm. On PostgreSQL an access row gets its id before it commits, so a batch sealed
meanwhile must wait for it (an advisory lock); and `ledger verify` reads one snapshot."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from socialcredit.application import Actor, Application
from socialcredit.settings import Settings
from tests.conftest import OP

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
PEOPLE = ["11010519491231002X", "110105198001010016"]


def test_concurrent_reads_writes_heads_and_verify(db_url: str) -> None:
    base = Application(Settings(db_url=db_url, clock=lambda: NOW))
    base.documents.init(OP)
    for p in PEOPLE:
        base.records.add_subject(OP, p, "person", "Someone")
    errors: list[BaseException] = []
    stop = threading.Event()
    found: list[object] = []

    def loop(fn) -> None:  # type: ignore[no-untyped-def]
        try:
            while not stop.is_set():
                fn()
        except BaseException as exc:
            errors.append(exc)

    counter = iter(range(10**6))

    def write() -> None:
        i = next(counter)
        base.records.record(
            OP,
            PEOPLE[i % 2],
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=f"w/{i}",
            occurred=date(2024, 1, 1 + i % 28),
        )

    audit = Actor.operator("audit")

    def check() -> None:
        _, problem = base.integrity.verify()
        if problem is not None:
            found.append(problem)

    threads = [
        threading.Thread(target=loop, args=(fn,))
        for fn in (
            write,
            lambda: base.records.score(audit, PEOPLE[0], "rongcheng"),
            lambda: base.records.history(audit, PEOPLE[1]),
            base.log.sign_head,
            check,
        )
    ]
    for t in threads:
        t.start()
    stop.wait(4)
    stop.set()
    for t in threads:
        t.join(30)
    base.log.sign_head()
    assert errors == [] and found == []
    assert base.integrity.verify()[1] is None
    assert len(base.log.signed_heads()) > 2
    base.store.close()

"""Attack: the lean dispatch's accounting under concurrent writes, over real HTTP.

Readers export a subject's own record and a verifier checks two subjects, without pause,
while the subject is erased (on its own request) and, on the other, an event is
corrected and a list entry opened and notified (which refuses a flight from then on).
Every answer is a 200 or a refusal (never a 500), every 200 left exactly one access
record and every refusal none; and once a write has committed, no answer begun after it
predates it. Run against the lean service and the plain one, on both stores.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from socialcredit.application import Application
from tests.api.conftest import ME, OTHER, seeded, serve
from tests.conftest import OP

COURT = {
    "case_number": "(2024) 9",
    "court": "Rongcheng",
    "judgment_date": "2024-04-01",
    "obligation": "pay",
}


@pytest.fixture(params=[True, False], ids=["lean", "plain"])
def service(
    request: pytest.FixtureRequest, db_url: str
) -> Iterator[tuple[str, Application, dict[str, str]]]:
    settings, app, tokens = seeded(db_url)
    for url in serve(settings, app.store, lean=request.param):
        yield url, app, tokens
    app.store.close()


def _actions(app: Application) -> collections.Counter[str]:
    with app.store.transaction() as conn:
        return collections.Counter(
            str(r[0]) for r in conn.exec_driver_sql("SELECT action FROM access_log")
        )


def test_reads_and_checks_racing_writes_are_each_recorded_once(
    service: tuple[str, Application, dict[str, str]],
) -> None:
    url, app, tokens = service
    event = app.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    ).event
    before = _actions(app)
    codes: collections.Counter[tuple[str, int]] = collections.Counter()
    late: list[str] = []  # answers begun after a write committed that do not show it
    written = {"erased": threading.Event(), "listed": threading.Event()}
    stop = threading.Event()
    lock = threading.Lock()

    def export() -> None:
        auth = {"Authorization": f"Bearer {tokens['other']}"}
        with httpx.Client(base_url=url, timeout=30, headers=auth) as c:
            while not stop.is_set():
                after = written["erased"].is_set()
                r = c.get(f"/v1/subjects/{OTHER}/record")
                with lock:
                    codes[("export", r.status_code)] += 1
                    if after and r.status_code == 200 and r.json()["name"] != "[erased]":
                        late.append("an export after the erasure shows the name")

    def check(subject: str) -> None:
        auth = {"Authorization": f"Bearer {tokens['verifier']}"}
        body = {"subject": subject, "service": "flight", "purpose": "ticket sale"}
        with httpx.Client(base_url=url, timeout=30, headers=auth) as c:
            while not stop.is_set():
                after = written["listed"].is_set()
                r = c.post("/v1/checks", json=body)
                with lock:
                    codes[("check", r.status_code)] += 1
                    if after and subject == ME and r.json().get("decision") == "allow":
                        late.append("a check after the listing allows the flight")

    threads = [threading.Thread(target=export) for _ in range(2)]
    threads += [threading.Thread(target=check, args=(s,)) for s in (ME, OTHER)]
    for th in threads:
        th.start()
    try:
        time.sleep(0.3)
        app.records.correct(OP, event, reason="wrong plate", authority="rongcheng-traffic-police")
        time.sleep(0.2)
        entry = app.lists.propose(
            OP,
            ME,
            "court-defaulters",
            authority="rongcheng-people-court",
            evidence_ref="judgment/9",
            occurred=date(2024, 5, 1),
            fields=COURT,
        ).event
        time.sleep(0.1)
        app.lists.transition(  # notified: in effect, so a flight is refused from now on
            OP,
            entry,
            "notify",
            authority="rongcheng-people-court",
            evidence_ref="n/1",
            occurred=date(2024, 5, 1),
        )
        written["listed"].set()
        time.sleep(0.2)
        app.erasure.erase(OP, OTHER, requested_by_subject=True)
        written["erased"].set()
        time.sleep(0.3)
    finally:
        stop.set()
        for th in threads:
            th.join()
    assert not late, late[:3]
    assert {code for _, code in codes} <= {200, 403, 404, 409}, codes
    assert codes[("check", 200)] and codes[("export", 200)], codes
    logged = _actions(app) - before
    assert logged["access.export"] == codes[("export", 200)], (logged, codes)
    assert logged["decision"] == codes[("check", 200)], (logged, codes)

"""Attack: a write, then at once a read through the lean dispatch (api/hot.py).

The lean service shares its store -- and so its standing, published and registry caches
and the "registration only" flag of ``subject_state`` -- with the application that
writes; every cache is warmed before the write. Its answer right after the write must be
the one a plain FastAPI service over a store opened afresh (no cache at all) gives: an
event recorded, the event corrected, a list entry opened, a rulebook version published,
the subject erased, and an event recorded by the CLI in another process. Both stores.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialcredit.application import Application
from socialcredit.settings import Settings, utcnow
from tests.api.conftest import ME, OTHER, seeded, serve
from tests.conftest import OP

EXE = str(Path(sys.executable).parent / "socialcredit")


@dataclass
class Setup:
    lean: str
    settings: Settings
    app: Application
    tokens: dict[str, str]
    db: str


@pytest.fixture
def setup(db_url: str) -> Iterator[Setup]:
    db = db_url
    settings, app, tokens = seeded(db)
    for lean in serve(settings, app.store, lean=True):
        yield Setup(lean, settings, app, tokens, db)
    app.store.close()


def _answers(url: str, tokens: dict[str, str], subject: str, own: str) -> dict[str, Any]:
    """A check on ``subject`` and ``own``'s score and record (its access records and the
    decisions they list left out: the fresh service's are longer by the lean one's)."""
    out: dict[str, Any] = {}
    with httpx.Client(base_url=url, timeout=30) as c:
        v = {"Authorization": f"Bearer {tokens['verifier']}"}
        body = {"subject": subject, "service": "flight", "purpose": "ticket sale"}
        r = c.post("/v1/checks", json=body, headers=v)
        out["check"] = (r.status_code, r.json())
        s = {"Authorization": f"Bearer {tokens['subject' if own == ME else 'other']}"}
        r = c.get(f"/v1/subjects/{own}/scores/rongcheng", headers=s)
        out["score"] = (r.status_code, r.json())
        r = c.get(f"/v1/subjects/{own}/record", headers=s)
        record = r.json()
        if isinstance(record, dict):
            record.pop("access_records", None)
            record.pop("decisions", None)
        out["record"] = (r.status_code, record)
    return out


def _fresh(s: Setup, subject: str, own: str) -> dict[str, Any]:
    """The plain FastAPI answers over a store opened now: no cache of any kind."""
    for plain in serve(s.settings, None, lean=False):
        return _answers(plain, s.tokens, subject, own)
    raise AssertionError("unreachable")  # pragma: no cover


def _event(app: Application, subject: str, ref: str, rule: str = "traffic-violation") -> int:
    return app.records.record(
        OP,
        subject,
        "rongcheng",
        rule,
        authority="rongcheng-traffic-police",
        evidence_ref=ref,
        occurred=date(2024, 5, 1),
    ).event


def _same_after(s: Setup, write: Callable[[], None], subject: str, own: str) -> None:
    warm = _answers(s.lean, s.tokens, subject, own)
    assert warm["check"][0] == warm["score"][0] == 200, warm
    write()
    after = _answers(s.lean, s.tokens, subject, own)
    assert after == _fresh(s, subject, own)


def test_a_recorded_event_is_seen_at_once_by_a_registration_only_subject(setup: Setup) -> None:
    s = setup
    # OTHER has nothing but its registration: its standing skipped the ledger read.
    _same_after(s, lambda: _event(s.app, OTHER, "t/other"), OTHER, OTHER)


def test_a_correction_is_seen_at_once(setup: Setup) -> None:
    s = setup
    event = _event(s.app, ME, "t/1")

    def correct() -> None:
        s.app.records.correct(OP, event, reason="wrong plate", authority="rongcheng-traffic-police")

    _same_after(s, correct, ME, ME)


def test_a_list_entry_is_seen_at_once(setup: Setup) -> None:
    s = setup

    def enter() -> None:
        s.app.lists.propose(
            OP,
            OTHER,
            "court-defaulters",
            authority="rongcheng-people-court",
            evidence_ref="judgment/9",
            occurred=date(2024, 5, 1),
            fields={
                "case_number": "(2024) 9",
                "court": "Rongcheng",
                "judgment_date": "2024-04-01",
                "obligation": "pay",
            },
        )

    _same_after(s, enter, OTHER, OTHER)


def test_a_publication_is_seen_at_once(setup: Setup) -> None:
    s = setup
    _event(s.app, ME, "t/1")

    def publish() -> None:
        text = s.app.documents.rulebook("rongcheng")[-1].source
        newer = re.sub(r'^version = ".*"$', 'version = "2024.9"', text, count=1, flags=re.M)
        newer = re.sub(r"^effective = .*$", "effective = 2024-06-01", newer, count=1, flags=re.M)
        s.app.documents.publish(OP, newer)

    _same_after(s, publish, ME, ME)


def test_an_erasure_is_seen_at_once(setup: Setup) -> None:
    s = setup
    gone = s.app.records.pseudonym(OTHER)

    def erase() -> None:
        s.app.erasure.erase(OP, OTHER, requested_by_subject=True)

    warm = _answers(s.lean, s.tokens, OTHER, OTHER)
    assert warm["record"][0] == 200
    erase()
    after = _answers(s.lean, s.tokens, OTHER, gone)
    assert after == _fresh(s, OTHER, gone)
    assert "Li Na" not in repr(after)


def test_a_write_by_the_cli_in_another_process_is_seen_at_once(setup: Setup) -> None:
    # The CLI records on the real clock: so does the service here (with tokens of now).
    s = setup
    real = replace(s.settings, clock=utcnow)
    now = Application(real, s.app.store)
    s.tokens["verifier"] = now.tokens.issue(OP, "verifier", "airline-demo")
    s.tokens["subject"] = now.tokens.issue(OP, "subject", ME)
    for lean in serve(real, s.app.store, lean=True):
        warm = _answers(lean, s.tokens, ME, ME)
        r = subprocess.run(
            [EXE, "--db", s.db, "--purpose", "test", "record", ME, "traffic-violation",
             "--scheme", "rongcheng", "--authority", "rongcheng-traffic-police",
             "--evidence", "cli/1", "--occurred", "2024-05-20"],
            capture_output=True, text=True, env=dict(os.environ), timeout=120,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        after = _answers(lean, s.tokens, ME, ME)
        assert after != warm
        assert after == _fresh(replace(s, settings=real), ME, ME)

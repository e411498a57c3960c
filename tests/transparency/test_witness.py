"""Witnesses against a real server on loopback: a grown log is accepted and recorded; a
rolled-back or forked log is refused (exit 1, nothing written), even when its operator
holds the key and re-signs; `log verify --trusted-head` refuses the same; reads never
sign; bad input is exit 2 with one line and leaves the witness state untouched."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from tests.api.conftest import free_port
from tests.conftest import OP, drop_append_only, raw_sql
from tests.reliability.test_tamper_tables import rechain
from typer.testing import CliRunner

from socialcredit.application import Application
from socialcredit.cli import app as cli
from socialcredit.server import create_app
from socialcredit.settings import Settings
from socialcredit.store.sql import Store
from socialcredit.transparency.merkle import verify_consistency

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
P = "11010519491231002X"
runner = CliRunner()


@dataclass
class Log:
    url: str
    db_url: str
    app: Application
    key: str
    events: list[int]

    def record(self, n: int) -> None:
        for _ in range(n):
            i = len(self.events)
            self.events.append(
                self.app.records.record(
                    OP,
                    P,
                    "rongcheng",
                    "traffic-violation",
                    authority="rongcheng-traffic-police",
                    evidence_ref=f"t/{i}",
                    occurred=date(2024, 1, 1 + i % 28),
                ).event
            )

    def head(self) -> dict:
        return httpx.get(f"{self.url}/v1/log/head", timeout=10).json()


def serve(settings: Settings, store: Store) -> Iterator[str]:
    """tests/api/conftest.py's live uvicorn, over a store we close (PostgreSQL counts)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def log(db_url: str) -> Iterator[Log]:
    settings = Settings(db_url=db_url, clock=lambda: NOW)
    app = Application(settings)
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    _, public = app.log.sign_head()
    for url in serve(settings, app.store):
        live = Log(url, db_url, app, public.hex(), [])
        live.record(3)
        app.log.sign_head()
        yield live
    app.store.close()


def witness(*args: str):
    return runner.invoke(cli, ["witness", *args])


def start(log: Log, tmp_path: Path) -> Path:
    head = tmp_path / "first.json"
    head.write_text(json.dumps(log.head()))
    state = tmp_path / "witness.json"
    res = witness("add", str(head), "--public-key", log.key, "--state", str(state))
    assert res.exit_code == 0, res.output
    return state


def test_a_growing_log_is_witnessed(log: Log, tmp_path: Path) -> None:
    state = start(log, tmp_path)
    res = witness("check", "--from", log.url, "--state", str(state), "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["verdict"] == "same"
    log.record(4)
    log.app.log.sign_head()
    res = witness("check", "--from", log.url, "--state", str(state), "--json")
    body = json.loads(res.stdout)
    assert res.exit_code == 0 and body["verdict"] == "consistent" and body["recorded"]
    held = json.loads(state.read_text())["heads"]
    assert len(held) == 2 and held[1]["size"] > held[0]["size"]
    assert held[-1]["size"] == log.head()["size"] == body["held_size"]


def test_reads_never_sign(log: Log) -> None:
    before = log.app.log.signed_heads()
    log.record(2)  # the log grows; nobody signs
    for path in ("/v1/log/head", "/log", f"/v1/log/inclusion/{log.events[0]}"):
        assert httpx.get(f"{log.url}{path}", timeout=10).status_code == 200, path
    unsigned = httpx.get(f"{log.url}/v1/log/inclusion/{log.events[-1]}", timeout=10)
    assert unsigned.status_code == 404 and "not yet covered" in unsigned.text
    assert log.app.log.signed_heads() == before
    assert log.head()["size"] == before[-1]["size"]


def test_a_rollback_is_refused_and_nothing_written(log: Log, tmp_path: Path) -> None:
    log.record(3)
    log.app.log.sign_head()
    state = start(log, tmp_path)
    held = state.read_bytes()
    old = tmp_path / "old.json"
    old.write_text(json.dumps(log.head()))
    # The operator (who holds the key) deletes the tail and its heads, and re-signs.
    raw_sql(
        log.db_url,
        *drop_append_only(log.db_url, "events"),
        *drop_append_only(log.db_url, "signed_heads"),
        f"DELETE FROM events WHERE id > {log.events[2]}",
        "DELETE FROM signed_heads",
    )
    small = log.app.log.sign_head()[0]
    assert small.size < json.loads(old.read_text())["size"]
    res = witness("check", "--from", log.url, "--state", str(state))
    assert res.exit_code == 1 and "rollback" in res.output
    assert state.read_bytes() == held
    new = tmp_path / "new.json"
    new.write_text(json.dumps(log.head()))
    res = runner.invoke(
        cli,
        ["log", "verify", "--trusted-head", str(old), "--head", str(new), "--public-key", log.key],
    )
    assert res.exit_code == 1 and "rollback" in res.output
    res = runner.invoke(cli, ["--db", log.db_url, "ledger", "verify", "--against", str(old)])
    assert res.exit_code == 1 and "old.json" in res.output and "deleted" in res.output


def test_a_fork_is_refused_even_with_a_self_consistent_proof(log: Log, tmp_path: Path) -> None:
    state = start(log, tmp_path)
    held = state.read_bytes()
    old = tmp_path / "old.json"
    old.write_text(json.dumps(log.head()))
    # Rewrite an early entry, recompute every hash after it, drop the heads, grow, re-sign.
    raw_sql(
        log.db_url,
        *drop_append_only(log.db_url, "events"),
        *drop_append_only(log.db_url, "signed_heads"),
        f"UPDATE events SET points = -500 WHERE id = {log.events[0]}",
        "DELETE FROM signed_heads",
    )
    rechain(log.db_url, log.events[0])
    log.record(2)
    log.app.log.sign_head()
    res = witness("check", "--from", log.url, "--state", str(state), "--json")
    body = json.loads(res.stdout)
    assert res.exit_code == 1 and body["verdict"] == "fork" and not body["recorded"]
    assert state.read_bytes() == held
    # The forked log's proof vouches for its own rewritten past: checked against the
    # old root it carries, it "verifies" (what `log verify` used to accept).
    trusted_size = json.loads(old.read_text())["size"]
    served = httpx.get(f"{log.url}/v1/log/consistency", params={"old": trusted_size}).json()
    p, h = served["proof"], served["head"]
    assert verify_consistency(
        p["old_size"],
        p["new_size"],
        bytes.fromhex(p["old_root"]),
        bytes.fromhex(h["root"]),
        [bytes.fromhex(x) for x in p["path"]],
    )
    both = tmp_path / "both.json"
    both.write_text(json.dumps(served))
    bare = ["log", "verify", "--head", str(both), "--public-key", log.key]
    assert runner.invoke(cli, bare).exit_code == 1
    res = runner.invoke(cli, [*bare, "--trusted-head", str(old)])
    assert res.exit_code == 1 and "fork" in res.output


def test_bad_input_is_exit_2_and_writes_nothing(log: Log, tmp_path: Path) -> None:
    state = start(log, tmp_path)
    held = state.read_bytes()
    dead = f"http://127.0.0.1:{free_port()}"
    for args in (
        ["check", "--from", dead, "--state", str(state)],
        ["check", "--from", "ftp://x", "--state", str(state)],
        ["check", "--from", log.url + "/nowhere", "--state", str(state)],
        ["check", "--from", log.url, "--state", str(state), "--public-key", "00" * 32],
        ["check", "--from", log.url, "--state", str(state), "--public-key", "zz"],
    ):
        res = witness(*args)
        assert res.exit_code == 2, (args, res.output)
        assert res.output.count("\n") == 1 and "Traceback" not in res.output
        assert state.read_bytes() == held
    bad = tmp_path / "bad.json"
    for text in ("not json", "{}", '{"size": 1, "root": "zz"}', "[1]"):
        bad.write_text(text)
        res = witness("add", str(bad), "--state", str(state))
        assert res.exit_code == 2, (text, res.output)
        assert state.read_bytes() == held
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "socialcredit-witness-v1", "public_key": "00", "heads": []}')
    res = witness("check", "--from", log.url, "--state", str(broken))
    assert res.exit_code == 2 and "malformed" in res.output
    fresh = tmp_path / "fresh.json"
    res = witness("check", "--from", log.url, "--state", str(fresh))
    assert res.exit_code == 2 and "--public-key" in res.output and not fresh.exists()
    res = witness("check", "--from", log.url, "--state", str(fresh), "--public-key", log.key)
    assert res.exit_code == 0 and fresh.exists()  # first use pins the key given


def test_a_head_under_another_key_is_refused(log: Log, tmp_path: Path) -> None:
    from socialcredit.transparency.heads import generate_key, head_to_json, sign_head

    state = start(log, tmp_path)
    held = state.read_bytes()
    private, _ = generate_key()
    h = log.head()
    forged = sign_head(private, h["size"] + 1, bytes(32), "2024-06-02T00:00:00+00:00")
    f = tmp_path / "forged.json"
    f.write_text(json.dumps(head_to_json(forged)))
    res = witness("add", str(f), "--state", str(state), "--json")
    assert res.exit_code == 1 and json.loads(res.stdout)["verdict"] == "bad-signature"
    assert state.read_bytes() == held


def test_the_server_signs_on_its_schedule(log: Log) -> None:
    """`serve --sign-every`: the head follows the log without any GET signing."""
    from socialcredit.cli.serve import start_signer

    before = log.head()["size"]
    log.record(2)
    stop = start_signer(log.app, 0.05)
    try:
        deadline = time.monotonic() + 10
        while log.head()["size"] == before:
            assert time.monotonic() < deadline, "the scheduled signer never signed"
            time.sleep(0.05)
    finally:
        stop.set()
    assert log.head()["size"] > before


def test_a_service_signing_with_another_key_is_refused(log: Log, tmp_path: Path) -> None:
    from socialcredit.transparency.heads import generate_key

    state = start(log, tmp_path)
    doc = json.loads(state.read_text())
    doc["public_key"] = generate_key()[1].hex()  # the key this witness pinned long ago
    state.write_text(json.dumps(doc))
    held = state.read_bytes()
    res = witness("check", "--from", log.url, "--state", str(state), "--json")
    assert res.exit_code == 1 and json.loads(res.stdout)["verdict"] == "key-changed"
    assert state.read_bytes() == held

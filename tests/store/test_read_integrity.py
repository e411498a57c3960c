"""Reads verify what they load: a row altered behind the application stops the answer.

Attack tests: the append-only triggers are dropped and a row is changed with raw SQL,
on SQLite and on PostgreSQL; every read that would answer from that row refuses with a
``store-integrity`` error naming the entry, logs it, and computes nothing from it.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from socialcredit.application import Actor
from socialcredit.cli import app as cli
from socialcredit.core.errors import StoreIntegrity
from tests.api.conftest import ME, seeded, serve
from tests.conftest import OP, drop_append_only, raw_sql

PERSON = "11010519491231002X"


def _record(app, n: int) -> list[int]:
    return [
        app.records.record(
            OP,
            PERSON,
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=f"ticket/{i}",
            occurred=date(2024, 1, 10 + i),
        ).event
        for i in range(n)
    ]


@pytest.fixture
def person(app):
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    return PERSON


def test_untampered_reads_answer(app, person) -> None:
    _record(app, 3)
    assert app.records.score(OP, person, "rongcheng", date(2024, 6, 1)).score == 985


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE events SET points = 50 WHERE id = {id}",
        "UPDATE events SET occurred = '2024-01-01' WHERE id = {id}",
        "UPDATE events SET evidence_ref = 'forged' WHERE id = {id}",
        # the idempotency key is derived, not asserted: changing it alone is refused too
        "UPDATE events SET dedup = 'x' WHERE id = {id}",
        "UPDATE events SET data = 'not json' WHERE id = {id}",
        # flip the first hex digit (a fixed 'f' was a no-op when the hash began with 'f')
        "UPDATE events SET prev_hash = CASE WHEN substr(prev_hash, 1, 1) = 'f' THEN 'e' "
        "ELSE 'f' END || substr(prev_hash, 2) WHERE id = {id}",
    ],
)
def test_score_refuses_a_tampered_row_and_names_it(
    app, person, db_url, change, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _record(app, 3)
    target = ids[1]
    raw_sql(db_url, *drop_append_only(db_url, "events"), change.format(id=target))
    before = raw_sql(db_url, "SELECT count(*) FROM access_log")[0][0]
    with (
        caplog.at_level(logging.ERROR, logger="socialcredit.store"),
        pytest.raises(StoreIntegrity, match=f"ledger entry {target} was altered") as exc,
    ):
        app.records.score(OP, person, "rongcheng", date(2024, 6, 1))
    assert exc.value.code == "store-integrity" and exc.value.exit_code == 1
    assert any(f"entry {target}" in r.getMessage() for r in caplog.records)
    # every other path that answers from the subject's entries refuses the same way
    for read in (
        lambda: app.records.history(OP, person),
        lambda: app.lists.entries(OP, person),
        lambda: app.access.export(OP, person).model_dump(mode="json"),
        lambda: app.lists.check(
            Actor("airline-demo", "verifier", "boarding"), person, "flight", as_of=date(2024, 6, 1)
        ),
    ):
        with pytest.raises(StoreIntegrity, match=f"entry {target}"):
            read()
    with pytest.raises(StoreIntegrity):
        app.records.correct(OP, ids[0], reason="typo", authority="rongcheng-traffic-police")
    # nothing was answered, so nothing was recorded as read
    assert raw_sql(db_url, "SELECT count(*) FROM access_log")[0][0] == before


def test_cli_score_exits_1_naming_the_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--db", url, "--purpose", "test", *args])

    assert run("init").exit_code == 0
    assert run("subject", "add", PERSON, "--kind", "person", "--name", "W").exit_code == 0
    rec = run(
        "record", PERSON, "traffic-violation", "--scheme", "rongcheng", "--authority",
        "rongcheng-traffic-police", "--evidence", "t/1", "--occurred", "2024-01-10", "--json",
    )  # fmt: skip
    event = json.loads(rec.stdout)["event"]
    raw_sql(
        url, *drop_append_only(url, "events"), f"UPDATE events SET points = 50 WHERE id = {event}"
    )
    res = run("score", PERSON, "--scheme", "rongcheng", "--json")
    assert res.exit_code == 1
    body = json.loads(res.stdout)
    assert body["error"]["code"] == "store-integrity"
    assert f"ledger entry {event} was altered" in res.stderr
    assert "Traceback" not in res.output


def test_api_score_answers_500_store_integrity(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'api.db'}"
    settings, application, tokens = seeded(url)
    event = application.records.record(
        OP,
        ME,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 1, 10),
    ).event
    raw_sql(
        url, *drop_append_only(url, "events"), f"UPDATE events SET points = 50 WHERE id = {event}"
    )
    for base in serve(settings):
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {tokens['subject']}"}
        ) as c:
            res = c.get(f"/v1/subjects/{ME}/scores/rongcheng")
        assert res.status_code == 500, res.text
        assert res.headers["content-type"].startswith("application/problem+json")
        body = res.json()
        assert body["code"] == "store-integrity"
        assert f"ledger entry {event} was altered" in body["detail"]
    application.store.close()


def test_a_date_that_no_longer_parses_is_named_not_a_crash(tmp_path: Path) -> None:
    """SQLite keeps dates as text: an altered one fails in the driver, before any check."""
    from datetime import UTC, datetime

    from socialcredit.application import Application
    from socialcredit.settings import Settings

    url = f"sqlite:///{tmp_path / 'd.db'}"
    app = Application(Settings(db_url=url, clock=lambda: datetime(2024, 6, 1, tzinfo=UTC)))
    app.documents.init(OP)
    app.records.add_subject(OP, PERSON, "person", "Wang Wei")
    ids = _record(app, 3)
    tamper = f"UPDATE events SET occurred = '2024-13-10' WHERE id = {ids[2]}"
    raw_sql(url, *drop_append_only(url, "events"), tamper)
    with pytest.raises(StoreIntegrity, match=f"ledger entry {ids[2]} was altered: it cannot be"):
        app.records.score(OP, PERSON, "rongcheng", date(2024, 6, 1))
    with pytest.raises(StoreIntegrity, match=f"ledger entry {ids[2]} "):
        app.records.correct(OP, ids[2], reason="typo", authority="rongcheng-traffic-police")
    app.store.close()

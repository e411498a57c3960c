"""The tamper battery of issue 11: every table that can change an answer, attacked with raw
SQL (append-only triggers dropped where there are any), on SQLite and PostgreSQL.

Each attack must be found by ``ledger verify`` (the first bad row and its table named), by
a head signed earlier (``--against``) or by refusing to sign; untouched stores raise no
alarm. The attacker here has the database, not the log's key file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from socialcredit.application import Application
from socialcredit.core.errors import IntegrityError
from socialcredit.core.ledger import GENESIS, chain_hash
from socialcredit.settings import Settings
from socialcredit.transparency.heads import head_to_json
from tests.conftest import OP, drop_append_only, raw_sql

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
P = "11010519491231002X"
Q = "110105198001010016"
R = "110105197001010011"


def open_app(db_url: str) -> Application:
    return Application(Settings(db_url=db_url, clock=lambda: NOW))


def build(db_url: str) -> dict[str, Any]:
    app = open_app(db_url)
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, Q, "person", "Li Na")
    app.records.add_subject(OP, R, "person", "Zhang San")
    events = [
        app.records.record(
            OP,
            [P, Q][i % 2],
            "rongcheng",
            "traffic-violation",
            authority="rongcheng-traffic-police",
            evidence_ref=f"ticket/{i}",
            occurred=date(2024, 1, 1 + i),
        ).event
        for i in range(6)
    ]
    app.tokens.issue(OP, "admin", "city-admin")
    app.tokens.issue(OP, "subject", P)
    app.records.score(OP, P, "rongcheng")
    app.records.history(OP, Q)
    head, _ = app.log.sign_head()  # seals the access records so far, signs
    app.records.score(OP, Q, "rongcheng")  # a read in the newest, open batch
    with app.store.transaction() as conn:
        tip, _ = app.store.tip(conn)
        access = [r["id"] for r in app.store.access_rows(conn, 0)]
        # the rows are keyed by pseudonym (store/pseudonyms.py): the attacker reads them
        ps = {s: app.store.pseudonym(conn, s) for s in (P, Q, R)}
    app.store.close()
    return {"events": events, "tip": tip, "head": head_to_json(head), "access": access, "p": ps}


def rechain(db_url: str, start: int) -> None:
    """What a careful attacker does after an edit: recompute every hash from there on."""
    app = open_app(db_url)
    with app.store.transaction() as conn:
        rows = list(app.store.chain(conn))
    app.store.close()
    prev, updates = GENESIS, []
    for event, _, stored, _ in rows:
        if event.id >= start:
            new = chain_hash(prev, event)
            updates.append({"id": event.id, "p": prev, "h": new})
            prev = new
        else:
            prev = stored
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for u in updates:
            conn.execute(text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :id"), u)
    engine.dispose()


def no_fk(db_url: str) -> list[str]:
    return (
        []
        if db_url.startswith("sqlite")
        else ["ALTER TABLE events DROP CONSTRAINT IF EXISTS events_subject_fkey"]
    )


def _source_swap(db_url: str, only_source: bool) -> None:
    (row,) = raw_sql(
        db_url,
        "SELECT scheme, version, source FROM rulebooks WHERE scheme = 'rongcheng' "
        "ORDER BY version LIMIT 1",
    )
    source = row.source.replace("points = -5\n", "points = -500\n", 1)
    assert source != row.source
    sha = hashlib.sha256(source.encode()).hexdigest()
    sets = "source = :s" if only_source else "source = :s, sha256 = :h"
    raw_sql(
        db_url,
        *drop_append_only(db_url, "rulebooks"),
        f"UPDATE rulebooks SET {sets} WHERE scheme = :sc AND version = :v",
        params={"s": source, "h": sha, "sc": row.scheme, "v": row.version},
    )


Attack = Callable[[str, dict[str, Any]], None]


def ev(sql: str) -> Attack:
    return lambda db, b: raw_sql(
        db, *drop_append_only(db, "events"), sql.format(**b, e=b["events"])
    )


ATTACKS: dict[str, tuple[Attack, str, Callable[[dict[str, Any]], str]]] = {
    # name: (attack, table named, row named)
    "events: edit": (
        ev("UPDATE events SET points = -500 WHERE id = {e[2]}"),
        "events",
        lambda b: str(b["events"][2]),
    ),
    "events: delete": (
        ev("DELETE FROM events WHERE id = {e[2]}"),
        "events",
        lambda b: str(b["events"][2] + 1),
    ),
    "events: insert": (
        ev(
            "INSERT INTO events (id, type, subject, authority, occurred, recorded, points, data,"
            " prev_hash, hash) SELECT id + 1000, type, subject, authority, occurred, recorded, "
            "-900, data, hash, hash FROM events WHERE id = {tip}"
        ),
        "events",
        lambda b: str(b["tip"] + 1000),
    ),
    "events: reorder": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "events"),
            f"UPDATE events SET id = 999999 WHERE id = {b['events'][1]}",
            f"UPDATE events SET id = {b['events'][1]} WHERE id = {b['events'][3]}",
            f"UPDATE events SET id = {b['events'][3]} WHERE id = 999999",
        ),
        "events",
        lambda b: str(b["events"][1]),
    ),
    "events: truncate the tail": (
        ev("DELETE FROM events WHERE id > {e[3]}"),
        "signed_heads",
        lambda b: "",
    ),
    "events: truncate the tail and the heads": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "events"),
            *drop_append_only(db, "signed_heads"),
            f"DELETE FROM events WHERE id > {b['events'][3]}",
            "DELETE FROM signed_heads",
        ),
        "head",
        lambda b: "old-head.json",
    ),
    "events: edit then re-chain": (
        lambda db, b: (
            ev("UPDATE events SET points = -500 WHERE id = {e[2]}")(db, b),
            rechain(db, b["events"][2]),
        ),
        "signed_heads",
        lambda b: "",
    ),
    "events: edit, re-chain, drop the heads": (
        lambda db, b: (
            ev("UPDATE events SET points = -500 WHERE id = {e[2]}")(db, b),
            rechain(db, b["events"][2]),
            raw_sql(db, *drop_append_only(db, "signed_heads"), "DELETE FROM signed_heads"),
        ),
        "head",
        lambda b: "old-head.json",
    ),
    "rulebooks: swap a source (sha too)": (
        lambda db, b: _source_swap(db, only_source=False),
        "rulebooks",
        lambda b: "rongcheng",
    ),
    "rulebooks: swap a source": (
        lambda db, b: _source_swap(db, only_source=True),
        "rulebooks",
        lambda b: "rongcheng",
    ),
    "rulebooks: delete": (
        lambda db, b: raw_sql(
            db, *drop_append_only(db, "rulebooks"), "DELETE FROM rulebooks WHERE kind = 'list'"
        ),
        "rulebooks",
        lambda b: "list",
    ),
    "rulebooks: insert": (
        lambda db, b: raw_sql(
            db,
            "INSERT INTO rulebooks (scheme, version, effective, kind, sha256, source, published)"
            " SELECT scheme, '9.9', effective, kind, sha256, source, published FROM rulebooks "
            "WHERE scheme = 'rongcheng' AND version = (SELECT MIN(version) FROM rulebooks "
            "WHERE scheme = 'rongcheng')",
        ),
        "rulebooks",
        lambda b: "9.9",
    ),
    "authorities: edit": (
        lambda db, b: raw_sql(
            db, "UPDATE authorities SET kind = 'review-board' WHERE id = 'rongcheng-traffic-police'"
        ),
        "authorities",
        lambda b: "rongcheng-traffic-police",
    ),
    "authorities: insert": (
        lambda db, b: raw_sql(
            db,
            "INSERT INTO authorities (id, name, kind, jurisdiction, registered) VALUES "
            "('fake-board', 'Fake', 'review-board', 'CN', '2024-01-01')",
        ),
        "authorities",
        lambda b: "fake-board",
    ),
    "subjects: edit": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "subjects"),
            f"UPDATE subjects SET kind = 'organisation' WHERE id = '{b['p'][P]}'",
        ),
        "subjects",
        lambda b: b["p"][P],
    ),
    "subjects: delete": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "subjects"),
            *no_fk(db),
            f"DELETE FROM subject_keys WHERE subject = '{b['p'][R]}'",
            f"DELETE FROM subjects WHERE id = '{b['p'][R]}'",
        ),
        "subjects",
        lambda b: b["p"][R],
    ),
    "subjects: insert": (
        lambda db, b: raw_sql(
            db,
            "INSERT INTO subjects (id, kind, name, registered) "
            "VALUES ('110105196001010018', 'person', 'x', '2024-01-01')",
        ),
        "subjects",
        lambda b: "110105196001010018",
    ),
    "subject_keys: delete a key": (
        lambda db, b: raw_sql(db, f"DELETE FROM subject_keys WHERE subject = '{b['p'][Q]}'"),
        "subject_keys",
        lambda b: b["p"][Q],
    ),
    "subject_keys: replace a key": (
        lambda db, b: raw_sql(
            db,
            "UPDATE subject_keys SET key = :k WHERE subject = :s",
            params={"k": bytes(32), "s": b["p"][P]},
        ),
        "subject_keys",
        lambda b: b["p"][P],
    ),
    "api_tokens: insert an admin token": (
        lambda db, b: raw_sql(
            db,
            "INSERT INTO api_tokens (token_hash, principal, role, created) VALUES "
            f"('{'ab' * 32}', 'intruder', 'admin', '2024-01-01')",
        ),
        "api_tokens",
        lambda b: "abab",
    ),
    "api_tokens: edit a role": (
        lambda db, b: raw_sql(db, "UPDATE api_tokens SET role = 'admin' WHERE role = 'subject'"),
        "api_tokens",
        lambda b: "",
    ),
    "api_tokens: delete": (
        lambda db, b: raw_sql(db, "DELETE FROM api_tokens WHERE role = 'subject'"),
        "api_tokens",
        lambda b: "",
    ),
    "access_log: edit": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "access_log"),
            f"UPDATE access_log SET purpose = 'nothing to see' WHERE id = {b['access'][1]}",
        ),
        "access_log",
        lambda b: "",
    ),
    "access_log: delete": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "access_log"),
            f"DELETE FROM access_log WHERE id = {b['access'][2]}",
        ),
        "access_log",
        lambda b: "",
    ),
    "signed_heads: edit": (
        lambda db, b: raw_sql(
            db,
            *drop_append_only(db, "signed_heads"),
            f"UPDATE signed_heads SET root = '{'00' * 32}'",
        ),
        "signed_heads",
        lambda b: "",
    ),
    "meta: a signing key back in the store": (
        lambda db, b: raw_sql(
            db, f"INSERT INTO meta (key, value) VALUES ('log_private_key', '{'11' * 32}')"
        ),
        "meta",
        lambda b: "log_private_key",
    ),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_attack_is_detected_and_named(db_url: str, name: str) -> None:
    built = build(db_url)
    clean = open_app(db_url)
    assert clean.integrity.verify([("old-head.json", built["head"])])[1] is None  # 0 false alarms
    clean.store.close()
    attack, table, row = ATTACKS[name]
    attack(db_url, built)
    victim = open_app(db_url)
    try:
        _, found = victim.integrity.verify([("old-head.json", built["head"])])
    finally:
        victim.store.close()
    assert found is not None, name
    assert found.table == table, (name, found)
    assert row(built) in found.row, (name, found)


def test_a_swapped_rulebook_source_is_refused_on_load(db_url: str) -> None:
    """The issue's attack: `points = -5` made -500 in place; loads refuse, nothing scores it."""
    build(db_url)
    _source_swap(db_url, only_source=False)
    victim = open_app(db_url)
    try:
        with pytest.raises(IntegrityError, match="publication entry"):
            victim.records.score(OP, P, "rongcheng")
        with pytest.raises(IntegrityError):
            victim.documents.rulebook("rongcheng")
    finally:
        victim.store.close()


def test_signing_refuses_a_log_that_does_not_extend_its_last_head(db_url: str) -> None:
    built = build(db_url)
    ev("DELETE FROM events WHERE id > {e[3]}")(db_url, built)
    victim = open_app(db_url)
    try:
        with pytest.raises(IntegrityError, match="fewer than"):
            victim.log.sign_head()
    finally:
        victim.store.close()


def test_signing_refuses_a_rewritten_history(db_url: str) -> None:
    built = build(db_url)
    ev("UPDATE events SET points = -500 WHERE id = {e[1]}")(db_url, built)
    rechain(db_url, built["events"][1])
    victim = open_app(db_url)
    try:
        with pytest.raises(IntegrityError, match="rewritten"):
            victim.log.sign_head()
        with pytest.raises(IntegrityError):
            victim.log.prove_consistency(1)  # proofs are never given over a rewritten store
    finally:
        victim.store.close()


def test_no_false_alarms_after_a_full_life(db_url: str) -> None:
    """Reads, writes, heads, erasure: an untouched store always verifies."""
    built = build(db_url)
    app = open_app(db_url)
    try:
        app.upkeep.tick(OP, NOW.date())
        app.log.sign_head()
        app.access.export(OP, P).model_dump(mode="json")
        app.log.sign_head()
        assert app.integrity.verify([("h", built["head"])])[1] is None
        heads = app.log.signed_heads()
        assert [h["size"] for h in heads] == sorted({h["size"] for h in heads})
        assert json.dumps(heads)  # plain data
    finally:
        app.store.close()


def test_a_running_process_refuses_a_source_swapped_under_it(db_url: str) -> None:
    """The server's parse cache is keyed by what it verified, not by the hash alone."""
    build(db_url)
    app = open_app(db_url)
    try:
        app.records.score(OP, P, "rongcheng")  # loads and caches the rulebook
        _source_swap(db_url, only_source=False)
        with pytest.raises(IntegrityError, match="publication entry"):
            app.records.score(OP, P, "rongcheng")
        # lists and memoranda go through the same check
        (row,) = raw_sql(
            db_url,
            "SELECT scheme, version, source FROM rulebooks "
            "WHERE kind = 'list' ORDER BY scheme LIMIT 1",
        )
        other = row.source + "\n# edited\n"
        raw_sql(
            db_url,
            "UPDATE rulebooks SET source = :s, sha256 = :h WHERE scheme = :sc AND version = :v",
            params={
                "s": other,
                "h": hashlib.sha256(other.encode()).hexdigest(),
                "sc": row.scheme,
                "v": row.version,
            },
        )
        with pytest.raises(IntegrityError):
            app.lists.registry()
    finally:
        app.store.close()

"""Keyed pseudonyms (issue 12): the subject ID is in no table but its key row.

Attacks: a raw SQL read of every table for the ID (and its 15-digit form), before and
after erasure; every spelling of one ID reaching one pseudonym; an erased subject's
token; a key row whose ID was swapped; two writers registering one ID at once; writes
that would put an ID on the ledger or a token row without going through the store's
translation.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from socialcredit.application import Actor, Application
from socialcredit.core.errors import Conflict
from socialcredit.settings import Settings
from socialcredit.store import schema as t
from socialcredit.store.pseudonyms import is_pseudonym
from socialcredit.store.sql import Encoded
from tests.conftest import OP, raw_sql
from tests.store.test_erasure import NOW, OTHER, SUBJECT, populate

SUBJECT_15 = "110105491231002"  # the first-generation form of SUBJECT (born 1949)
SUBJECT_LOWER = SUBJECT.lower()  # its check character written 'x'


def every_table(db_url: str) -> dict[str, str]:
    """Each table's rows as one text, read straight from the database."""
    engine = create_engine(db_url)
    out: dict[str, str] = {}
    try:
        with engine.connect() as conn:
            for table in t.metadata.tables:
                rows = conn.execute(text(f"SELECT * FROM {table}")).all()
                out[table] = "\n".join(
                    " ".join(v.hex() if isinstance(v, bytes | memoryview) else str(v) for v in r)
                    for r in rows
                )
    finally:
        engine.dispose()
    return out


def holding(db_url: str, *needles: str) -> set[str]:
    return {name for name, body in every_table(db_url).items() if any(n in body for n in needles)}


def test_the_id_is_in_no_table_but_its_key_row_and_gone_after_erasure(db_url, make_app) -> None:
    app = make_app(NOW)
    seen = populate(app)
    app.tokens.issue(OP, "subject", SUBJECT)
    own = Actor(f"subject:{SUBJECT}", "subject", "")
    app.access.export(own, SUBJECT)  # a subject's own read: actor and subject in the access log
    court = "rongcheng-people-court"
    entry = app.lists.propose(
        OP,
        SUBJECT,
        "court-defaulters",
        authority=court,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields={
            "case_number": "(2024) Lu 1082 Zhi 77",
            "court": "Rongcheng People's Court",
            "judgment_date": "2024-01-01",
            "obligation": "pay 20,000 yuan",
        },
    ).event
    app.lists.transition(
        OP, entry, "notify", authority=court, evidence_ref="notice/1", occurred=date(2024, 3, 5)
    )
    app.lists.check(Actor("airline-demo", "verifier", "ticket sale"), SUBJECT, "flight")
    app.log.sign_head()  # access records sealed into the chain
    assert holding(db_url, SUBJECT, SUBJECT_15) == {"subject_keys"}
    ((stored,),) = raw_sql(
        db_url, "SELECT subject FROM subject_keys WHERE subject_id = :i", params={"i": SUBJECT}
    )
    assert is_pseudonym(stored)
    assert f"subject:{stored}" in every_table(db_url)["access_log"]
    # the list entry (in force) holds SUBJECT's data: delete its key as retention would
    with app.store.transaction() as conn:
        app.erasure.erase_subject_key(
            conn, OP, SUBJECT, occurred=NOW.date(), authority="system:retention", reason="test"
        )
    assert app.store.shred_keys() is not None
    assert holding(db_url, SUBJECT, SUBJECT_15) == set()
    assert app.integrity.verify()[1] is None
    # The ledger names the erased subject by pseudonym; reads by ID still reach it.
    assert stored in every_table(db_url)["events"]
    assert {e.event for e in app.records.history(OP, SUBJECT)} >= {seen["event"]}
    assert app.access.export(OP, OTHER).model_dump(mode="json")["name"] == "Li Na"


def test_every_spelling_of_an_id_reaches_one_pseudonym(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT_15, "person", "Old Card")  # registered by the 15-digit form
    with app.store.transaction() as conn:
        names = {app.store.pseudonym(conn, s) for s in (SUBJECT, SUBJECT_15, SUBJECT_LOWER)}
    assert len(names) == 1 and is_pseudonym(names.pop())
    assert app.records.add_subject(OP, SUBJECT_LOWER, "person", "Old Card") == (SUBJECT, False)
    app.records.record(
        OP,
        SUBJECT_LOWER,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="r/1",
        occurred=date(2024, 5, 1),
    )
    assert app.access.export(OP, SUBJECT_15).model_dump(mode="json")["name"] == "Old Card"
    assert [e.subject for e in app.records.history(OP, SUBJECT_15) if e.type == "score"] == [
        SUBJECT
    ]
    assert raw_sql(db_url, "SELECT count(*) FROM subjects")[0][0] == 1


def test_an_erased_subjects_token_still_works_and_names_its_pseudonym(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT, "person", "Token Holder")
    token = app.tokens.issue(OP, "subject", SUBJECT)
    assert app.tokens.authenticate(token) == (SUBJECT, "subject")
    ((principal,),) = raw_sql(db_url, "SELECT principal FROM api_tokens")
    assert is_pseudonym(principal) and SUBJECT not in principal
    app.erasure.erase(OP, SUBJECT, requested_by_subject=True)  # (shredding: test_erasure.py)
    who = app.tokens.authenticate(token)
    assert who == (principal, "subject")  # no key row maps it back: the pseudonym
    assert app.records.pseudonym(SUBJECT) == principal  # what the API compares a request with
    assert [r["principal"] for r in app.tokens.list()] == [principal]
    # Something recorded later brings the ID back (a fresh key row), and the token with it.
    later = app.records.record(
        OP,
        SUBJECT,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="later/1",
        occurred=date(2024, 5, 1),
    ).event
    assert app.tokens.authenticate(token) == (SUBJECT, "subject")
    mine = Actor(f"subject:{SUBJECT}", "subject", "")
    d = app.disputes.open(
        mine, later, subject=SUBJECT, statement="not my car", evidence_ref=None, occurred=NOW.date()
    )
    assert app.disputes.show(OP, d).statement == "not my car"
    assert app.tokens.revoke(OP, principal=SUBJECT) and app.tokens.authenticate(token) is None
    assert app.integrity.verify()[1] is None


def test_a_key_row_with_a_swapped_id_is_reported(db_url, make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT, "person", "Swapped")
    app.records.add_subject(OP, OTHER, "person", "Li Na")
    raw_sql(
        db_url,
        "UPDATE subject_keys SET subject_id = :o WHERE subject_id = :s",
        params={"o": OTHER, "s": SUBJECT},
    )
    finding = app.integrity.verify()[1]
    assert finding is not None and finding.table == "subject_keys"
    assert "does not match its pseudonym" in finding.message


def test_two_writers_registering_one_id_leave_one_subject(db_url, make_app) -> None:
    apps = [make_app(NOW), make_app(NOW)]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def register(app: Application) -> None:
        barrier.wait()
        try:
            outcomes.append(app.records.add_subject(OP, SUBJECT, "person", "Twice"))
        except Conflict as exc:  # the loser of a race on PostgreSQL: retry, nothing written
            outcomes.append(exc)

    threads = [threading.Thread(target=register, args=(a,)) for a in apps]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert (SUBJECT, True) in outcomes
    assert raw_sql(db_url, "SELECT count(*) FROM subjects")[0][0] == 1
    assert raw_sql(db_url, "SELECT count(*) FROM subject_keys")[0][0] == 1
    assert apps[0].access.export(OP, SUBJECT).name == "Twice"
    assert apps[0].integrity.verify()[1] is None


def test_no_write_path_puts_an_id_on_the_ledger_or_a_token(make_app) -> None:
    app = make_app(NOW)
    app.records.add_subject(OP, SUBJECT, "person", "Guarded")
    with pytest.raises(ValueError, match="pseudonym"), app.store.transaction() as conn:
        rows = Encoded([(None,) * 18], [0], [SUBJECT], [None], ["{}"], ["k"], [b"{}"])
        app.store.append_encoded(conn, rows)
    with pytest.raises(ValueError, match="pseudonym"), app.store.transaction() as conn:
        app.store.insert_token(
            conn,
            {
                "token_hash": "0" * 64,
                "principal": SUBJECT,
                "role": "subject",
                "created": "2024-06-01T12:00:00+00:00",
            },
        )
    assert holding(app.settings.db_url, SUBJECT) == {"subject_keys"}


def test_an_old_store_with_subjects_is_refused_with_a_clear_message(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    app = Application(Settings(db_url=url, clock=lambda: datetime(2024, 6, 1, tzinfo=UTC)))
    app.documents.init(OP)
    app.records.add_subject(OP, SUBJECT, "person", "Old")
    app.store.close()
    # What a schema-1 store looks like: version 1, the ID in clear, no ID column.
    raw_sql(
        url,
        "UPDATE meta SET value = '1' WHERE key = 'schema'",
        "ALTER TABLE subject_keys DROP COLUMN subject_id",
    )
    again = Application(Settings(db_url=url, clock=lambda: datetime(2024, 6, 1, tzinfo=UTC)))
    for attempt in (lambda: again.documents.init(OP), lambda: again.access.export(OP, SUBJECT)):
        with pytest.raises(Exception, match="schema version 1") as refused:
            attempt()
        assert "cannot migrate a store that already holds subjects" in str(refused.value)
    again.store.close()

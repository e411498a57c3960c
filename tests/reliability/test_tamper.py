"""Random raw-SQL mutations of ledger rows (events, list and dispute steps), bypassing the
append-only triggers: every one is detected by `ledger verify`, which names the entry,
and refused by a read of the subject's entries, which names it too; clean stores raise
no false alarm."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

from socialcredit.application import Application
from socialcredit.core.errors import StoreIntegrity
from socialcredit.core.trust import CHAIN_ONLY
from socialcredit.settings import Settings
from tests.conftest import OP

MUTATIONS = 500
NOW = datetime(2024, 6, 1, tzinfo=UTC)
P = "11010519491231002X"
Q = "110105198001010016"
COLUMNS = (
    "type",
    "subject",
    "authority",
    "occurred",
    "recorded",
    "scheme",
    "version",
    "rule",
    "points",
    "ends",
    "cap",
    "evidence_kind",
    "evidence_ref",
    "evidence_sha256",
    "reverses",
    "reason",
    "data",
    "dedup",
    "prev_hash",
    "hash",
)


def build(path: Path) -> Application:
    app = Application(Settings(db_url=f"sqlite:///{path}", clock=lambda: NOW))
    app.documents.init(OP)
    app.records.add_subject(OP, P, "person", "Wang Wei")
    app.records.add_subject(OP, Q, "person", "Li Na")
    rng = random.Random(3)
    first: tuple[int, str] | None = None
    for i in range(40):
        rule, who = rng.choice(
            [
                ("traffic-violation", "rongcheng-traffic-police"),
                ("city-award", "rongcheng-credit-office"),
            ]
        )
        done = app.records.record(
            OP,
            rng.choice([P, Q]),
            "rongcheng",
            rule,
            authority=who,
            evidence_ref=f"d/{i}",
            occurred=date(2024, 1, 1 + i % 28),
        )
        first = first or (done.event, who)
    entry = app.lists.propose(
        OP,
        P,
        "court-defaulters",
        authority="rongcheng-people-court",
        evidence_ref="j/1",
        occurred=date(2024, 2, 1),
        fields={
            "case_number": "1",
            "court": "c",
            "judgment_date": "2024-01-01",
            "obligation": "pay",
        },
    ).event
    app.lists.transition(
        OP,
        entry,
        "notify",
        authority="rongcheng-people-court",
        evidence_ref="n",
        occurred=date(2024, 2, 2),
    )
    d = app.disputes.open(
        OP, entry, subject=P, statement="paid", evidence_ref=None, occurred=NOW.date()
    )
    app.disputes.decide(
        OP,
        d,
        reviewer="rongcheng-review-board",
        outcome="annulled",
        reason="ok",
        occurred=NOW.date(),
    )
    assert first is not None
    app.records.correct(OP, first[0], reason="wrong", authority=first[1])
    return app


def mutate(value: object, rng: random.Random) -> object:
    if value is None:
        return "x"
    if isinstance(value, int):
        return value + rng.choice([-1, 1, 7])
    text = str(value)
    if not text:
        return "x"
    i = rng.randrange(len(text))
    return text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]


def test_every_mutation_is_detected_and_named(tmp_path: Path) -> None:
    clean = tmp_path / "clean.db"
    app = build(clean)
    n, problem = app.integrity.verify()
    assert problem is None and n > 45
    app.store.close()
    rng = random.Random(9)
    detected = 0
    reads: dict[str, int] = {}
    for trial in range(MUTATIONS):
        copy = tmp_path / "t.db"
        shutil.copy(clean, copy)
        for suffix in ("-wal", "-shm"):
            if Path(str(clean) + suffix).exists():
                shutil.copy(Path(str(clean) + suffix), Path(str(copy) + suffix))
        raw = sqlite3.connect(copy)
        raw.execute("DROP TRIGGER events_no_update")
        target = rng.randint(1, n)
        column = rng.choice(COLUMNS)
        old, owner, kind = raw.execute(
            f"SELECT {column}, subject, type FROM events WHERE id = ?", (target,)
        ).fetchone()
        new = mutate(old, rng)
        raw.execute(f"UPDATE events SET {column} = ? WHERE id = ?", (new, target))
        raw.commit()
        raw.close()
        victim = Application(Settings(db_url=f"sqlite:///{copy}", clock=lambda: NOW))
        try:
            _, found = victim.integrity.verify()
        except Exception:
            found = "unreadable"
        # a read of the row's subject refuses too, naming the entry, instead of answering
        # (chain-only entries, e.g. a document's publication, are no subject's entries:
        # `ledger verify` alone names them; a load of the document checks its own)
        reader = str(new) if column == "subject" else owner
        if kind in CHAIN_ONLY:
            refused = "chain-only"
        else:
            try:
                with victim.store.transaction() as conn:
                    victim.store.events_for(conn, reader)
                refused = "answered"
            except StoreIntegrity as exc:
                refused = "refused" if f"ledger entry {target} " in exc.message else exc.message
        reads[refused] = reads.get(refused, 0) + 1
        assert refused in ("refused", "chain-only"), (trial, target, column, old, new, refused)
        victim.store.close()
        assert found is not None, (trial, target, column, old, new)
        if found != "unreadable":
            # prev_hash/hash edits may surface at the entry or at the one that links to it
            assert found.event_id in (target, target + 1), (trial, target, column, found)
        detected += 1
        copy.unlink()
    print(f"\ntamper detection: {detected}/{MUTATIONS} mutations detected; reads: {reads}")
    assert detected == MUTATIONS


def test_no_false_alarms_on_clean_stores(tmp_path: Path) -> None:
    for i in range(5):
        app = build(tmp_path / f"c{i}.db")
        assert app.integrity.verify()[1] is None
        app.store.close()

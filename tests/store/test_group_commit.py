"""Group commit of recorded answers and the per-subject standing cache (issue 16).

Real stores (a SQLite file and a fresh PostgreSQL database), real threads; the
committer and the cache are attacked where they could answer something not durable or
something stale.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime

import pytest

from socialcredit.application import Actor, Application
from socialcredit.application.group_commit import GroupCommitter, Pending, committer_for
from socialcredit.core.errors import Conflict, NotAllowed
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings
from tests.conftest import OP

P = "11010519491231002X"
COURT = "rongcheng-people-court"
FIELDS = {
    "case_number": "(2024) Lu 1082 Zhi 77",
    "court": "Rongcheng People's Court",
    "judgment_date": "2024-01-01",
    "obligation": "pay 20,000 yuan",
}


def decisions(app: Application, subject: str = P) -> list[dict]:
    with app.store.transaction() as conn:
        return [r for r in app.store.access_for(conn, subject) if r["action"] == "decision"]


def test_concurrent_checks_share_commits_and_all_are_recorded(app) -> None:
    people = synthetic_resident_ids(40, 9)
    app.records.add_subjects(OP, [(p, "person", "Resident") for p in people])
    committer = committer_for(app.store)
    before = committer.batches
    answers: list[str] = []
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(15):
                d = app.lists.check(
                    Actor("airline-demo", "verifier", f"t{k}-{i}"),
                    people[(k * 15 + i) % 40],
                    "flight",
                )
                answers.append(d.decision)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) == 120
    with app.store.transaction() as conn:
        rows = [r for p in people for r in app.store.access_for(conn, p)]
    purposes = sorted(r["purpose"] for r in rows if r["action"] == "decision")
    assert purposes == sorted(f"t{k}-{i}" for k in range(8) for i in range(15))
    # fewer commits than checks: they were grouped
    assert committer.batches - before < 120


def test_a_decision_whose_basis_moved_is_computed_again_inside_the_write(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    entry = app.lists.propose(
        OP,
        P,
        "court-defaulters",
        authority=COURT,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields=FIELDS,
    ).event
    app.lists.transition(
        OP, entry, "notify", authority=COURT, evidence_ref="notice/1", occurred=date(2024, 3, 5)
    )
    pending = app.lists.check_prepare(
        Actor("airline-demo", "verifier", "ticket sale"), P, "flight", as_of=date(2024, 5, 1)
    )
    assert pending.result.decision == "deny"
    # the ledger moves for this subject between the snapshot and the commit
    app.lists.transition(
        OP, entry, "remedy", authority=COURT, evidence_ref="receipt/1", occurred=date(2024, 4, 1)
    )
    answered = committer_for(app.store).submit(pending).result(timeout=10)
    assert answered.decision == "allow"
    (row,) = decisions(app)
    assert '"decision": "allow"' in row["detail"]


def test_an_unmoved_snapshot_is_written_as_computed(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    pending = app.lists.check_prepare(Actor("airline-demo", "verifier", "ticket sale"), P, "flight")
    calls = []
    inner = pending.recompute
    assert inner is not None
    pending.recompute = lambda conn: calls.append(1) or inner(conn)  # type: ignore[func-returns-value]
    assert committer_for(app.store).submit(pending).result(timeout=10).decision == "allow"
    assert calls == []
    assert len(decisions(app)) == 1


def test_a_failed_commit_answers_nobody_and_writes_nothing(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    committer = GroupCommitter(app.store, window=0.05)
    try:
        good = app.lists.check_prepare(Actor("airline-demo", "verifier", "good"), P, "flight")
        bad = Pending("x", [{**good.rows[0], "actor": None}])  # NOT NULL violated
        futures = [committer.submit(good), committer.submit(bad)]
        for f in futures:
            with pytest.raises(Conflict):
                f.result(timeout=10)
    finally:
        committer.close()
    assert decisions(app) == []


def test_a_refused_check_leaves_no_record_and_never_reaches_the_committer(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    with pytest.raises(NotAllowed):
        app.lists.check_prepare(Actor("bike-demo", "verifier", "x"), P, "flight")
    assert decisions(app) == []


def test_own_reads_are_recorded_through_group_commit(app) -> None:
    app.records.add_subject(OP, P, "person", "Wang Wei")
    me = Actor(f"subject:{P}", "subject", "")
    app.records.score(me, P, "rongcheng")
    app.access.export(me, P).model_dump(mode="json")
    with app.store.transaction() as conn:
        actions = [r["action"] for r in app.store.access_for(conn, P)]
    assert actions.count("score.read") == 1 and actions.count("access.export") == 1


# -- the standing cache ------------------------------------------------------------------
def record(app: Application, ref: str, rule: str = "volunteer-service") -> None:
    authority = (
        "rongcheng-credit-office" if rule == "volunteer-service" else ("rongcheng-traffic-police")
    )
    app.records.record(
        OP, P, "rongcheng", rule, authority=authority, evidence_ref=ref, occurred=date(2024, 5, 1)
    )


def test_cache_sees_writes_of_another_process(make_app) -> None:
    """Two stores on one database stand for two processes: no shared memory at all."""
    a, b = make_app(), make_app()
    a.records.add_subject(OP, P, "person", "Wang Wei")
    first = a.records.score(OP, P, "rongcheng").score
    assert a.records.score(OP, P, "rongcheng").score == first  # served from the cache
    record(b, "other-process/1")
    assert a.records.score(OP, P, "rongcheng").score != first
    assert a.records.score(OP, P, "rongcheng").score == b.records.score(OP, P, "rongcheng").score


def test_cache_sees_a_publication(make_app) -> None:
    a, b = make_app(), make_app()
    a.records.add_subject(OP, P, "person", "Wang Wei")
    record(a, "r/1")
    before = a.records.score(OP, P, "rongcheng")
    text = b.documents.rulebook("rongcheng")[-1].source
    newer = re.sub(r'^version = ".*"$', 'version = "2024.9"', text, count=1, flags=re.M)
    newer = re.sub(r"^effective = .*$", "effective = 2024-06-01", newer, count=1, flags=re.M)
    b.documents.publish(OP, newer)
    after = a.records.score(OP, P, "rongcheng")
    fresh = make_app().records.score(OP, P, "rongcheng")
    assert after.version == "2024.9" != before.version
    assert after == fresh


def test_cache_is_keyed_by_the_day(make_app) -> None:
    """Deadlines and expiries depend on the date: a new day is a new derivation."""
    a = make_app(datetime(2024, 6, 1, tzinfo=UTC))
    a.records.add_subject(OP, P, "person", "Wang Wei")
    a.records.record(
        OP,
        P,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    )
    today = a.records.score(OP, P, "rongcheng")
    later = Application(  # the same store and cache, another day
        Settings(db_url=a.settings.db_url, clock=lambda: datetime(2031, 6, 1, tzinfo=UTC)),
        a.store,
    )
    years_on = later.records.score(OP, P, "rongcheng")
    fresh = make_app(datetime(2031, 6, 1, tzinfo=UTC)).records.score(OP, P, "rongcheng")
    assert years_on.score == fresh.score
    assert today.as_of != years_on.as_of


@pytest.mark.parametrize("n", [1, 6])
def test_cached_and_uncached_standing_agree(app, n: int) -> None:
    """Differential: every answer through the cache equals a derivation with no cache."""
    app.records.add_subject(OP, P, "person", "Wang Wei")
    for i in range(n):
        record(app, f"d/{i}", "volunteer-service" if i % 2 else "traffic-violation")
        cached = app.records.score(OP, P, "rongcheng")
        app.store.standing_cache.clear()
        uncached = app.records.score(OP, P, "rongcheng")
        assert cached == uncached
        d1 = app.lists.check(Actor("airline-demo", "verifier", "p"), P, "flight")
        app.store.standing_cache.clear()
        d2 = app.lists.check(Actor("airline-demo", "verifier", "p"), P, "flight")
        assert d1 == d2


def test_a_row_altered_after_caching_never_changes_an_answer(app, db_url) -> None:
    """Attack: the triggers dropped and a cached subject's row altered with raw SQL.

    The cached answer was derived from rows checked when loaded, so the alteration
    cannot change it; the first derivation after the entry is invalidated (here: the
    next day) reads the rows again and refuses, naming the entry.
    """
    from socialcredit.core.errors import StoreIntegrity
    from tests.conftest import drop_append_only, raw_sql

    app.records.add_subject(OP, P, "person", "Wang Wei")
    record(app, "t/1", "traffic-violation")
    before = app.records.score(OP, P, "rongcheng")
    (target,) = raw_sql(db_url, "SELECT max(id) FROM events")[0]
    raw_sql(
        db_url,
        *drop_append_only(db_url, "events"),
        f"UPDATE events SET points = 50 WHERE id = {target}",
    )
    assert app.records.score(OP, P, "rongcheng") == before  # not silently changed
    tomorrow = Application(
        Settings(db_url=db_url, clock=lambda: datetime(2024, 6, 2, tzinfo=UTC)), app.store
    )
    with pytest.raises(StoreIntegrity, match=f"ledger entry {target} was altered"):
        tomorrow.records.score(OP, P, "rongcheng")


def test_a_token_look_up_does_not_wait_for_a_writer(app) -> None:
    """Every authenticated request looks its token up first, on the event loop: behind
    the write lock it would wait for whatever the group committer is writing (issue 16).
    A revocation still counts on the very next look-up."""
    import time

    token = app.tokens.issue(OP, "verifier", "airline-demo")
    assert app.tokens.authenticate(token) == ("airline-demo", "verifier")  # the table is current
    entered, release = threading.Event(), threading.Event()

    def writer() -> None:
        with app.store.transaction():
            entered.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert entered.wait(10)
        started = time.monotonic()
        found = app.tokens.authenticate(token)
        took = time.monotonic() - started
    finally:
        release.set()
        t.join()
    assert found == ("airline-demo", "verifier")
    assert took < 5, f"the look-up waited {took:.1f} s for the writer"
    app.tokens.revoke(OP, token=token)
    assert app.tokens.authenticate(token) is None

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

from socialcredit.application import Application
from socialcredit.application.group_commit import GroupCommitter, Pending, committer_for
from socialcredit.core.errors import Conflict, NotAllowed
from socialcredit.core.ids import synthetic_resident_ids
from socialcredit.settings import Settings

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
    app.add_subjects([(p, "person", "Resident") for p in people])
    committer = committer_for(app.store)
    before = committer.batches
    answers: list[str] = []
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(15):
                d = app.check(
                    people[(k * 15 + i) % 40],
                    "flight",
                    verifier="airline-demo",
                    purpose=f"t{k}-{i}",
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
    app.add_subject(P, "person", "Wang Wei")
    entry = app.list_propose(
        P,
        "court-defaulters",
        authority=COURT,
        evidence_ref="judgment/1",
        occurred=date(2024, 3, 1),
        fields=FIELDS,
    ).event
    app.list_transition(
        entry, "notify", authority=COURT, evidence_ref="notice/1", occurred=date(2024, 3, 5)
    )
    pending = app.check_prepare(
        P, "flight", verifier="airline-demo", purpose="ticket sale", as_of=date(2024, 5, 1)
    )
    assert pending.result.decision == "deny"
    # the ledger moves for this subject between the snapshot and the commit
    app.list_transition(
        entry, "remedy", authority=COURT, evidence_ref="receipt/1", occurred=date(2024, 4, 1)
    )
    answered = committer_for(app.store).submit(pending).result(timeout=10)
    assert answered.decision == "allow"
    (row,) = decisions(app)
    assert '"decision": "allow"' in row["detail"]


def test_an_unmoved_snapshot_is_written_as_computed(app) -> None:
    app.add_subject(P, "person", "Wang Wei")
    pending = app.check_prepare(P, "flight", verifier="airline-demo", purpose="ticket sale")
    calls = []
    inner = pending.recompute
    assert inner is not None
    pending.recompute = lambda conn: calls.append(1) or inner(conn)  # type: ignore[func-returns-value]
    assert committer_for(app.store).submit(pending).result(timeout=10).decision == "allow"
    assert calls == []
    assert len(decisions(app)) == 1


def test_a_failed_commit_answers_nobody_and_writes_nothing(app) -> None:
    app.add_subject(P, "person", "Wang Wei")
    committer = GroupCommitter(app.store, window=0.05)
    try:
        good = app.check_prepare(P, "flight", verifier="airline-demo", purpose="good")
        bad = Pending("x", [{**good.rows[0], "actor": None}])  # NOT NULL violated
        futures = [committer.submit(good), committer.submit(bad)]
        for f in futures:
            with pytest.raises(Conflict):
                f.result(timeout=10)
    finally:
        committer.close()
    assert decisions(app) == []


def test_a_refused_check_leaves_no_record_and_never_reaches_the_committer(app) -> None:
    app.add_subject(P, "person", "Wang Wei")
    with pytest.raises(NotAllowed):
        app.check_prepare(P, "flight", verifier="bike-demo", purpose="x")
    assert decisions(app) == []


def test_own_reads_are_recorded_through_group_commit(app) -> None:
    app.add_subject(P, "person", "Wang Wei")
    me = Application(
        Settings(
            db_url=app.settings.db_url,
            actor=f"subject:{P}",
            role="subject",
            purpose="",
            clock=app.settings.clock,
        ),
        app.store,
    )
    me.score(P, "rongcheng")
    me.access(P)
    with app.store.transaction() as conn:
        actions = [r["action"] for r in app.store.access_for(conn, P)]
    assert actions.count("score.read") == 1 and actions.count("access.export") == 1


# -- the standing cache ------------------------------------------------------------------
def record(app: Application, ref: str, rule: str = "volunteer-service") -> None:
    authority = (
        "rongcheng-credit-office" if rule == "volunteer-service" else ("rongcheng-traffic-police")
    )
    app.record(
        P, "rongcheng", rule, authority=authority, evidence_ref=ref, occurred=date(2024, 5, 1)
    )


def test_cache_sees_writes_of_another_process(make_app) -> None:
    """Two stores on one database stand for two processes: no shared memory at all."""
    a, b = make_app(), make_app()
    a.add_subject(P, "person", "Wang Wei")
    first = a.score(P, "rongcheng").score
    assert a.score(P, "rongcheng").score == first  # served from the cache
    record(b, "other-process/1")
    assert a.score(P, "rongcheng").score != first
    assert a.score(P, "rongcheng").score == b.score(P, "rongcheng").score


def test_cache_sees_a_publication(make_app) -> None:
    a, b = make_app(), make_app()
    a.add_subject(P, "person", "Wang Wei")
    record(a, "r/1")
    before = a.score(P, "rongcheng")
    text = b.rulebook("rongcheng")[-1].source
    newer = re.sub(r'^version = ".*"$', 'version = "2024.9"', text, count=1, flags=re.M)
    newer = re.sub(r"^effective = .*$", "effective = 2024-06-01", newer, count=1, flags=re.M)
    b.publish(newer)
    after = a.score(P, "rongcheng")
    fresh = make_app().score(P, "rongcheng")
    assert after.version == "2024.9" != before.version
    assert after == fresh


def test_cache_is_keyed_by_the_day(make_app) -> None:
    """Deadlines and expiries depend on the date: a new day is a new derivation."""
    a = make_app(datetime(2024, 6, 1, tzinfo=UTC))
    a.add_subject(P, "person", "Wang Wei")
    a.record(
        P,
        "rongcheng",
        "traffic-violation",
        authority="rongcheng-traffic-police",
        evidence_ref="t/1",
        occurred=date(2024, 5, 1),
    )
    today = a.score(P, "rongcheng")
    later = Application(  # the same store and cache, another day
        Settings(db_url=a.settings.db_url, clock=lambda: datetime(2031, 6, 1, tzinfo=UTC)),
        a.store,
    )
    years_on = later.score(P, "rongcheng")
    fresh = make_app(datetime(2031, 6, 1, tzinfo=UTC)).score(P, "rongcheng")
    assert years_on.score == fresh.score
    assert today.as_of != years_on.as_of


@pytest.mark.parametrize("n", [1, 6])
def test_cached_and_uncached_standing_agree(app, n: int) -> None:
    """Differential: every answer through the cache equals a derivation with no cache."""
    app.add_subject(P, "person", "Wang Wei")
    for i in range(n):
        record(app, f"d/{i}", "volunteer-service" if i % 2 else "traffic-violation")
        cached = app.score(P, "rongcheng")
        app.store.standing_cache.clear()
        uncached = app.score(P, "rongcheng")
        assert cached == uncached
        d1 = app.check(P, "flight", verifier="airline-demo", purpose="p")
        app.store.standing_cache.clear()
        d2 = app.check(P, "flight", verifier="airline-demo", purpose="p")
        assert d1 == d2


def test_a_row_altered_after_caching_never_changes_an_answer(app, db_url) -> None:
    """Attack: the triggers dropped and a cached subject's row altered with raw SQL.

    The cached answer was derived from rows checked when loaded, so the alteration
    cannot change it; the first derivation after the entry is invalidated (here: the
    next day) reads the rows again and refuses, naming the entry.
    """
    from socialcredit.core.errors import StoreIntegrity
    from tests.conftest import drop_append_only, raw_sql

    app.add_subject(P, "person", "Wang Wei")
    record(app, "t/1", "traffic-violation")
    before = app.score(P, "rongcheng")
    (target,) = raw_sql(db_url, "SELECT max(id) FROM events")[0]
    raw_sql(
        db_url,
        *drop_append_only(db_url, "events"),
        f"UPDATE events SET points = 50 WHERE id = {target}",
    )
    assert app.score(P, "rongcheng") == before  # not silently changed
    tomorrow = Application(
        Settings(db_url=db_url, clock=lambda: datetime(2024, 6, 2, tzinfo=UTC)), app.store
    )
    with pytest.raises(StoreIntegrity, match=f"ledger entry {target} was altered"):
        tomorrow.score(P, "rongcheng")


def test_a_token_look_up_does_not_wait_for_a_writer(app) -> None:
    """Every authenticated request looks its token up first, on the event loop: behind
    the write lock it would wait for whatever the group committer is writing (issue 16).
    A revocation still counts on the very next look-up."""
    import time

    token = app.issue_token("verifier", "airline-demo")
    assert app.authenticate(token) == ("airline-demo", "verifier")  # the table is current
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
        found = app.authenticate(token)
        took = time.monotonic() - started
    finally:
        release.set()
        t.join()
    assert found == ("airline-demo", "verifier")
    assert took < 5, f"the look-up waited {took:.1f} s for the writer"
    app.revoke_token(token=token)
    assert app.authenticate(token) is None

"""Group commit: access records of answers computed apart, written in one durable transaction.

A recorded check used to be one fsync'd transaction of its own; under load the fsyncs,
not the decisions, set the rate. Here callers compute their answer first (from a
read-only snapshot, see ``Store.read``) and hand the access record to one writer
thread, which gathers what arrives within a short window (at most ``window`` seconds,
sooner when ``max_batch`` are queued) and writes it all in one transaction. Each caller
is answered only after that commit returned: nothing is answered that is not durable,
and a crash before the commit loses only answers nobody received.

Isolation. An answer computed from a snapshot slightly older than the commit is the
answer the system would have given had the request arrived those microseconds earlier;
its access record says what was answered and as of which day. One case needs care:
notices (``notices.py``) find past decisions by their access records when an item is
voided. If a correction committed between a decision's snapshot and the batch's commit,
its notice scan could not have seen the decision. So every decision carries the id of
its subject's last ledger entry in its snapshot; inside the batch transaction -- which
holds the ledger's append lock, so no voiding can interleave -- a decision whose
subject has a newer entry is computed again on the current state before it is written.
The recorded answer is then always one the current ledger supports at commit time.

``write_access`` is the one function that writes a list of access rows in one
transaction: anything that must happen to every access record (chaining, say) belongs
there.
"""

from __future__ import annotations

import queue
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.store.sql import Store

WINDOW = 0.002  # seconds: the longest a request waits for others to share its commit
MAX_BATCH = 64  # commit at once when this many are queued
STEP = 0.0005  # seconds: how often a gathering writer looks at the queue

Recompute = Callable[[Connection], tuple[Any, list[dict[str, Any]]]]


@dataclass(eq=False)
class Pending:
    """One answer waiting for its access record to be durable."""

    result: Any
    rows: list[dict[str, Any]]
    subject: str | None = None
    snapshot: int | None = None  # the subject's last ledger id when the answer was computed
    recompute: Recompute | None = None
    future: Future[Any] = field(default_factory=Future)


def write_access(store: Store, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write access rows in the caller's transaction: the single path for batched records."""
    store.record_access(conn, rows)


def commit_batch(store: Store, batch: Sequence[Pending]) -> None:
    """Write a batch in one transaction, then settle every future (result or error)."""
    live = [p for p in batch if p.future.set_running_or_notify_cancel()]
    answers: dict[int, Any] = {}
    failed: dict[int, BaseException] = {}
    try:
        with store.transaction() as conn:
            rows: list[dict[str, Any]] = []
            guarded = [p for p in live if p.snapshot is not None and p.subject is not None]
            if guarded:
                store.lock_ledger(conn)
            for n, p in enumerate(live):
                result, own = p.result, p.rows
                if p.recompute is not None and p in guarded is not None:
                    assert p.subject is not None
                    if store.subject_tip(conn, p.subject) != p.snapshot:
                        try:
                            result, own = p.recompute(conn)
                        except Exception as exc:
                            failed[n] = exc
                            continue
                answers[n] = result
                rows.extend(own)
            write_access(store, conn, rows)
    except BaseException as exc:
        for p in live:
            p.future.set_exception(exc)
        if not isinstance(exc, Exception):
            raise
        return
    for n, p in enumerate(live):
        if n in failed:
            p.future.set_exception(failed[n])
        else:
            p.future.set_result(answers[n])


class GroupCommitter:
    """One writer thread per store; ``submit`` returns a future settled after the commit."""

    def __init__(self, store: Store, window: float = WINDOW, max_batch: int = MAX_BATCH) -> None:
        # A weak reference: the thread ends once its store is gone (tests make many).
        self._store = weakref.ref(store)
        self.window = window
        self.max_batch = max_batch
        self.batches = 0
        self.written = 0
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._expect = 1  # the last batch's size: how many callers are usually waiting
        self._thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def submit(self, pending: Pending) -> Future[Any]:
        self._queue.put(pending)
        return pending.future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=1.0)
            except queue.Empty:
                if self._store() is None:
                    return
                continue
            if first is None:
                return
            batch = [first]
            stop = False
            # Under load, wait up to the window for as many callers as the last batch had
            # (a measure of how many are waiting on commits); alone, commit at once, so a
            # single caller never pays the window and a few never wait for many. The wait
            # is a sleep in short steps, not a blocking get: a get would wake this thread
            # at every arrival, and each wake-up takes the GIL from the event loop that is
            # serving the very requests being gathered.
            if self._expect > 1:
                deadline = time.monotonic() + self.window
                while self._queue.qsize() + 1 < self._expect and time.monotonic() < deadline:
                    time.sleep(STEP)
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._expect = len(batch)
            store = self._store()
            if store is None:  # pragma: no cover - nobody can be waiting on a dropped store
                return
            commit_batch(store, batch)
            del store
            self.batches += 1
            self.written += len(batch)
            if stop:
                return


_committers: weakref.WeakKeyDictionary[Store, GroupCommitter] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def committer_for(store: Store) -> GroupCommitter:
    """The store's group committer, started on first use."""
    with _guard:
        found = _committers.get(store)
        if found is None:
            found = GroupCommitter(store)
            _committers[store] = found
        return found

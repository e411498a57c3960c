"""Bulk import of score events, spread over every core; only the chaining is sequential.

Validating an event against the rulebook version in force, encoding it canonically and
deriving its idempotency key depend on that event alone, so worker processes do them,
each for its own subjects' rows of every chunk (application/import_worker.py: each opens
the store read-only for kinds, rulebooks and keys already recorded). The parent only does
what must happen in order: it gives each fresh event the next id, hashes it onto the
chain and inserts the chunk with its access records, in one transaction per chunk
(issue 16: that ordered path is now mostly the inserts themselves; docs/performance.md).

Resumable: a chunk commits whole or not at all, and every event's idempotency key is
stored with it, so running the same file again after a crash skips what was written
(reported as ``existing``) and writes the rest. A bad row stops the import at its chunk
with the row named; the chunks before it are committed, that chunk is not.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

from socialcredit.application.base import Actor, Part
from socialcredit.application.erasure import ERASED
from socialcredit.application.import_worker import (
    Columns,
    Lines,
    Prepared,
    init_worker,
    parse_lines,
    prepare_chunk,
)
from socialcredit.core.errors import BadInput
from socialcredit.store.sql import Encoded, Store

__all__ = ["CHUNK", "Columns", "ImportResult", "Imports", "Lines", "check_columns", "parse_lines"]

REQUIRED = ("subject", "rule", "occurred", "scheme", "authority")
OPTIONAL = ("event", "evidence", "evidence_kind", "evidence_sha256")
# Rows per transaction: the raw baseline's batch. Each chunk writes an access record per
# subject it names and rewrites the index pages it touches at its commit; at 20,000 rows
# (0.82 records per event in the benchmark, 0.63 at 50,000) the ordered path cost
# 2-3 µs per event more (issue 16). The price: more in flight (a few hundred MB,
# estimated, not measured) and a coarser resume.
CHUNK = 50_000


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    existing: int
    chunks: int
    workers: int


def check_columns(names: Iterable[str]) -> None:
    """Unknown or missing columns are refused before anything is read further."""
    have = list(names)
    unknown = [c for c in have if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise BadInput(
            f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are "
            f"{', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}",
            field="columns",
        )
    missing = [c for c in REQUIRED if c not in have]
    if missing:
        raise BadInput(f"missing column(s) {', '.join(map(repr, missing))}", field="columns")


def _without(seen: set[str], prepared: Prepared) -> Prepared:
    """The chunk without the rows an earlier chunk of this run wrote (workers prepare
    ahead, so a file repeating a row in two chunks near each other reaches here twice)."""
    keep = [i for i, k in enumerate(prepared.rows.dedup) if k not in seen]
    moved = {old: new for new, old in enumerate(keep)}
    access = [
        (p, sealed, [moved[i] for i in at if i in moved]) for p, sealed, at in prepared.access
    ]
    return Prepared(
        prepared.rows.only(keep),
        [a for a in access if a[2]],
        prepared.existing + len(prepared.rows) - len(keep),
        prepared.tip,
        None,
        [prepared.places[i] for i in keep],
    )


def _merge(parts: list[Prepared]) -> Prepared:
    """The workers' parts of a chunk as one, its rows in file order (the chain's order
    is the file's, as ``record_many``'s is its list's, whichever worker prepared a row).

    Each part is in file order already, so the sort merges runs; the columns are then
    picked in C (``itemgetter``), a fraction of a microsecond per row.
    """
    existing = sum(p.existing for p in parts)
    full = [p for p in parts if len(p.rows)]
    if len(full) <= 1:
        one = full[0] if full else parts[0]
        return Prepared(one.rows, one.access, existing, one.tip, None, one.places)
    where = [i for p in full for i in p.places]
    order = sorted(range(len(where)), key=where.__getitem__)
    rank = [0] * len(order)
    for new, old in enumerate(order):
        rank[old] = new
    pick = itemgetter(*order)
    forms: list[tuple[Any, ...]] = []
    form: list[int] = []
    access: list[tuple[str, str, list[int]]] = []
    for p in full:
        form += map(len(forms).__add__, p.rows.form)
        forms += p.rows.forms
    off = 0
    for p in full:
        access += [(s, sealed, [rank[off + j] for j in at]) for s, sealed, at in p.access]
        off += len(p.rows)
    access.sort(key=lambda a: a[2][0])  # first sighting first, as one worker orders them

    def column(name: str) -> list[Any]:
        return list(pick(list(chain.from_iterable(getattr(p.rows, name) for p in full))))

    rows = Encoded(
        forms,
        list(pick(form)),
        column("subject"),
        column("evidence_ref"),
        column("data"),
        column("dedup"),
        column("encoded"),
    )
    return Prepared(rows, access, existing, min(p.tip for p in full), None, sorted(where))


def _still_keyed(store: Store, conn: Any, prepared: Prepared, own: list[tuple[int, int]]) -> None:
    """Refuse a chunk sealed under a key that is no longer its subject's.

    The workers read the keys in their own transactions; an erasure committed before
    the parent appends would leave rows sealed under a deleted key, recorded after the
    erasure and unreadable from the start. Nothing of the chunk is written; a re-run
    skips what was imported and seals the rest afresh.

    A key changes only by erasure, which appends its entry with the deletion, so the
    entries after the tip the workers read tell. Only those this run did not write
    itself (``own``: id ranges) are looked at, usually none: issue 16 found this check
    a tenth of the ordered path when it compared every subject's key, and again when it
    scanned the import's own rows.
    """
    last, _ = store.tip(conn)
    lo, erased = prepared.tip, set()
    for first, end in own:
        if end <= lo:
            continue
        if first > lo + 1:
            erased |= store.entry_subjects_since(conn, lo, ERASED, first - 1)
        lo = max(lo, end)
    if last > lo:
        erased |= store.entry_subjects_since(conn, lo, ERASED, last)
    hit = erased.intersection(p for p, _, _ in prepared.access)
    if hit:
        raise BadInput(
            f"subject {store.subject_shown(conn, min(hit))} was erased while this import "
            "ran; nothing of this chunk was written: run the import again",
            field="row",
        )


def _detail(first: int, at: list[int]) -> str:
    """``json.dumps({"events": ids})`` for the ids of these positions (the same text)."""
    return '{"events": [' + ", ".join([str(first + i) for i in at]) + "]}"


class Imports(Part):
    """Bulk import of recorded events, prepared in worker processes, written in order."""

    def events(
        self,
        actor: Actor,
        chunks: Iterable[tuple[int, Columns | Lines]],
        *,
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Import chunks of rows (first row number, columns) in order; see the module doc.

        Rows are numbered as the caller numbers them (the CLI: file rows from 1).
        """
        # No cyclic collection meanwhile: each walked every row tuple in flight (a tenth
        # of the ordered path, issue 16), and an import makes no cycles.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._import(actor, chunks, workers, progress)
        finally:
            if enabled:
                gc.enable()

    def _import(
        self,
        actor: Actor,
        chunks: Iterable[tuple[int, Columns | Lines]],
        workers: int | None,
        progress: Callable[[int], None] | None,
    ) -> ImportResult:
        purpose = actor.purpose.strip() or "bulk import"
        who, role = actor.principal, actor.role
        today, recorded = self._today(), self._now()
        with self.store.transaction() as conn:
            self._ready(conn)
            # The workers read the store's idempotency secret: create it here if new.
            self.store.secret(conn, "dedup", recorded)
        n_workers = max(1, workers or os.cpu_count() or 1)
        rows = created = existing = n_chunks = 0
        seen: set[str] = set()  # keys written by this run (workers may not see them yet)
        own: list[tuple[int, int]] = []  # ids this run appended (first, last), in order
        # One single-process pool per worker: every chunk goes to all of them, and each
        # prepares the rows of its own subjects (``_part``), so a subject's first-sighting
        # work (ID, pseudonym, key, sealed purpose) is done by one worker, not by each.
        pools = [
            ProcessPoolExecutor(1, initializer=init_worker, initargs=(self.settings.db_url,))
            for _ in range(n_workers)
        ]
        try:
            inflight: list[tuple[int, list[Future[Prepared]]]] = []
            source: Iterator[tuple[int, Columns | Lines]] = iter(chunks)

            def feed() -> None:
                for first, cols in source:
                    n = len(cols["subject"]) if isinstance(cols, Mapping) else cols[1].count(b"\n")
                    inflight.append(
                        (
                            n,
                            [
                                pool.submit(
                                    prepare_chunk,
                                    first,
                                    cols,
                                    today,
                                    recorded,
                                    purpose,
                                    k,
                                    n_workers,
                                )
                                for k, pool in enumerate(pools)
                            ],
                        )
                    )
                    if len(inflight) > 1:
                        return

            feed()
            while inflight:
                n, futures = inflight.pop(0)
                parts = [fut.result() for fut in futures]
                failed = [p.error for p in parts if p.error is not None]
                if failed:
                    for _, others in inflight:
                        for other in others:
                            other.cancel()
                    row, message = min(failed)
                    raise BadInput(f"row {row}: {message}", field="row")
                feed()  # the workers prepare the next chunk while this one is written
                # A part may repeat a row of an earlier chunk, or of an earlier part (another
                # spelling of the same ID): ``seen`` has both (workers prepare ahead).
                for k, part in enumerate(parts):
                    if not seen.isdisjoint(part.rows.dedup):
                        parts[k] = part = _without(seen, part)
                    seen.update(part.rows.dedup)
                prepared = _merge(parts)
                with self.store.transaction() as conn:
                    self.store.lock_appends(conn)
                    _still_keyed(self.store, conn, prepared, own)
                    first = self.store.append_encoded(conn, prepared.rows)
                    self.store.append_access(
                        conn,
                        [
                            (recorded, who, role, "event.record", p, sealed, _detail(first, at))
                            for p, sealed, at in prepared.access
                        ],
                    )
                if len(prepared.rows):
                    last = first + len(prepared.rows) - 1
                    if own and own[-1][1] + 1 == first:
                        own[-1] = (own[-1][0], last)
                    else:
                        own.append((first, last))
                        del own[:-8]  # older than any chunk still in flight
                created += len(prepared.rows)
                existing += prepared.existing
                rows += n
                n_chunks += 1
                if progress:
                    progress(n)
        finally:
            for pool in pools:
                pool.shutdown(cancel_futures=True)
        return ImportResult(rows, created, existing, n_chunks, n_workers)

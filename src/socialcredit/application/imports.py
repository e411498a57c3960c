"""Bulk import of score events, spread over every core; only the chaining is sequential.

Validating an event against the rulebook version in force, encoding it canonically and
deriving its idempotency key depend on that event alone, so worker processes do them
for whole chunks (each opening the store read-only for the subjects' kinds, the
rulebooks and the keys already recorded). The parent only does what must happen in
order: it gives each fresh event the next id, hashes it onto the chain and inserts the
chunk with its access records, in one transaction per chunk.

Resumable: a chunk commits whole or not at all, and every event's idempotency key is
stored with it, so running the same file again after a crash skips what was written
(reported as ``existing``) and writes the rest. A bad row stops the import at its chunk
with the row named; the chunks before it are committed, that chunk is not.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from socialcredit import sealing
from socialcredit.application.base import Actor, Part, normalise_subject
from socialcredit.core.errors import BadInput, NotFound, SocialCreditError
from socialcredit.core.ledger import (
    Event,
    Submission,
    canonical,
    check_text,
    prepare_score_event,
)
from socialcredit.core.periods import parse_date
from socialcredit.core.rulebook import Rulebook
from socialcredit.store.sql import Encoded, Presealed, Store

REQUIRED = ("subject", "rule", "occurred", "scheme", "authority")
OPTIONAL = ("event", "evidence", "evidence_kind", "evidence_sha256")
CHUNK = 20_000

Columns = Mapping[str, Sequence[Any]]
# Raw CSV lines with no quote character (so one line is one record) and their header:
# parsed in the worker, which takes the reading of the file off the ordered path too.
Lines = tuple[tuple[str, ...], bytes]


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    existing: int
    chunks: int
    workers: int


@dataclass(frozen=True)
class Prepared:
    """A worker's answer for one chunk: encoded fresh events, or the first bad row."""

    fresh: list[Encoded]
    existing: int
    error: tuple[int, str] | None = None
    # {stored subject: SHA-256 of the key its rows were sealed with}: the parent checks
    # them under the append lock (an erasure may have come between)
    keys: dict[str, str] = field(default_factory=dict)
    # {pseudonym: the import's purpose sealed under that subject's key}: sealed here,
    # off the ordered path, for the access records the parent writes (issue 16).
    purposes: dict[str, str] = field(default_factory=dict)


def key_digest(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()


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


# -- worker side ---------------------------------------------------------------------
_worker: dict[str, Any] = {}


def _init_worker(url: str) -> None:
    _worker["store"] = Store(url)
    _worker["versions"] = {}
    parent = os.getppid()

    def orphaned() -> None:
        # A parent killed outright (kill -9) cannot stop its workers: they stop themselves.
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value), field="occurred")


def _sealed(
    sealer: sealing.Sealer, subject_key: bytes, e: Event, key: str, stored_as: str
) -> Event:
    """``sealing.seal_event`` of the entry with its idempotency key, for a score event,
    then stored under the subject's pseudonym (sealed under its ID, as every write does).

    The same fields sealed the same way, without the two ``dataclasses.replace`` calls
    (each re-runs the constructor: together a third of a worker's time per event). An
    entry with anything else to seal goes through ``seal_event`` itself.
    """
    if any(k in e.data for k in sealing.SEALED_KEYS) or e.reason is not None:
        sealed = sealing.seal_event(subject_key, replace(e, data={**e.data, "dedup": key}))
        return replace(sealed, subject=stored_as)
    ref = e.evidence_ref
    out = object.__new__(Event)
    out.__dict__.update(
        e.__dict__,
        subject=stored_as,
        data={**e.data, "dedup": key},
        evidence_ref=(ref if ref is None or sealer.sealed(ref) else sealer.seal(ref)),
    )
    return out


def parse_lines(first_row: int, lines: Lines) -> Columns | tuple[int, str]:
    """Columns from raw CSV lines, or the first row whose field count is wrong."""
    header, data = lines
    try:
        records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        return first_row, f"cannot read: {exc}"
    for i, values in enumerate(records):
        if len(values) != len(header):
            return first_row + i, f"{len(values)} fields, the header has {len(header)}"
    return {name: [r[k] for r in records] for k, name in enumerate(header)}


def prepare_chunk(
    first_row: int, cols: Columns | Lines, today: date, recorded: str, purpose: str = ""
) -> Prepared:
    """Validate and encode one chunk (in a worker process); the first bad row stops it."""
    if isinstance(cols, tuple):
        parsed = parse_lines(first_row, cols)
        if isinstance(parsed, tuple):
            return Prepared([], 0, parsed)
        cols = parsed
    store: Store = _worker["store"]
    versions: dict[str, list[Rulebook]] = _worker["versions"]
    iso = store.dialect == "sqlite"
    n = len(cols["subject"])
    none = [None] * n
    evidence = cols.get("evidence", none)
    ev_kind = cols.get("evidence_kind", none)
    ev_sha = cols.get("evidence_sha256", none)
    row = first_row
    try:
        ids: dict[Any, str] = {}
        for i, raw in enumerate(cols["subject"]):
            row = first_row + i
            if raw not in ids:
                ids[raw] = normalise_subject(str(raw or ""))[0]
        with store.read() as conn:
            kinds = store.subject_kinds(conn, ids.values())
            authorities = store.authority_ids(conn)
            for scheme in set(cols["scheme"]):
                if scheme not in versions:
                    found = store.rulebook_versions(conn, str(scheme))
                    if not found:
                        known = ", ".join(store.schemes(conn)) or "none"
                        row = first_row + list(cols["scheme"]).index(scheme)
                        raise NotFound(f"unknown scheme {scheme!r} (published: {known})")
                    versions[scheme] = found
            days: dict[Any, date] = {}
            # What the rulebook makes of a row depends on its scheme, rule, authority,
            # subject kind, date and evidence kind only: validated in full once per such
            # combination, then only the subject and the evidence reference vary.
            templates: dict[tuple[Any, ...], Event] = {}
            events: list[Event] = []
            rows_of: list[int] = []
            for i in range(n):
                row = first_row + i
                sid = ids[cols["subject"][i]]
                kind = kinds.get(sid)
                if kind is None:
                    raise NotFound(f"subject {sid} is not registered", field="subject")
                scheme = cols["scheme"][i]
                raw_day = cols["occurred"][i]
                day = days.get(raw_day)
                if day is None:
                    day = days[raw_day] = _day(raw_day)
                ref = _text(evidence[i])
                sha = _text(ev_sha[i])
                shape = (scheme, cols["rule"][i], cols["authority"][i], kind, day, ev_kind[i])
                template = templates.get(shape) if ref is not None and sha is None else None
                if template is not None:
                    ref = check_text(ref, "evidence")
                    e = object.__new__(Event)
                    e.__dict__.update(template.__dict__, subject=sid, evidence_ref=ref)
                else:
                    e = prepare_score_event(
                        versions[scheme],
                        Submission(
                            sid,
                            kind,
                            str(scheme),
                            str(cols["rule"][i]),
                            str(cols["authority"][i]),
                            ref,
                            day,
                            _text(ev_kind[i]),
                            sha,
                        ),
                        today=today,
                        recorded=recorded,
                        registered_authorities=authorities,
                    )
                    if sha is None:
                        templates[shape] = e
                events.append(e)
                rows_of.append(row)
            # The idempotency digest is keyed (an HMAC under the store secret, from the
            # plaintext), then the personal fields are sealed under each subject's key,
            # exactly as ``Part._seal_all`` does for every other write.
            secret = store.secret(conn, "dedup", recorded)
            keys = [sealing.keyed_dedup(secret, e) or "" for e in events]
            known_keys = store.find_dedup(conn, keys)
            subject_keys = store.get_keys(conn, {e.subject for e in events})
            # rows name the subject as the ledger stores it (store/pseudonyms.py)
            stored_as = {s: store.pseudonym(conn, s) for s in subject_keys}
    except SocialCreditError as exc:
        return Prepared([], 0, (row, exc.message))
    except (TypeError, ValueError) as exc:
        return Prepared([], 0, (row, f"cannot read the row: {exc}"))
    fresh: list[Encoded] = []
    seen: set[str] = set()
    used: dict[str, str] = {}
    # one cipher per subject of the chunk, not one per sealed field
    sealers: dict[str, sealing.Sealer] = {}
    for e, key, row in zip(events, keys, rows_of, strict=True):
        if key in known_keys or key in seen:
            continue
        seen.add(key)
        subject_key = subject_keys.get(e.subject)
        if subject_key is None:
            return Prepared(
                [],
                0,
                (
                    row,
                    f"subject {e.subject} was erased: record new events about it one at a "
                    "time (`socialcredit record`), which gives it a fresh key",
                ),
            )
        sealer = sealers.get(e.subject)
        if sealer is None:
            sealer = sealers[e.subject] = sealing.Sealer(subject_key, e.subject)
        sealed = _sealed(sealer, subject_key, e, key, stored_as[e.subject])
        body = (
            sealed.type,
            sealed.subject,
            sealed.authority,
            sealed.occurred.isoformat() if iso else sealed.occurred,
            sealed.recorded,
            sealed.scheme,
            sealed.version,
            sealed.rule,
            sealed.points,
            (sealed.ends.isoformat() if iso else sealed.ends) if sealed.ends else None,
            sealed.cap,
            sealed.evidence_kind,
            sealed.evidence_ref,
            sealed.evidence_sha256,
            sealed.reverses,
            sealed.reason,
            json.dumps(dict(sealed.data), sort_keys=True) if sealed.data else "{}",
            key,
        )
        fresh.append((body, canonical(sealed)))
        used[stored_as[e.subject]] = key_digest(subject_key)
    purposes = {stored_as[s]: sealer.seal(purpose) for s, sealer in sealers.items()}
    return Prepared(fresh, n - len(fresh), None, used, purposes)


# -- parent side ---------------------------------------------------------------------
def _still_keyed(store: Store, conn: Any, used: Mapping[str, str]) -> None:
    """Refuse a chunk sealed under a key that is no longer its subject's.

    The workers read the keys in their own transactions; an erasure committed before
    the parent appends would leave rows sealed under a deleted key, recorded after the
    erasure and unreadable from the start. Nothing of the chunk is written; a re-run
    skips what was imported and seals the rest afresh.
    """
    now = store.get_keys(conn, set(used))
    for stored, digest in used.items():
        key = now.get(stored)
        if key is None or key_digest(key) != digest:
            raise BadInput(
                f"subject {store.subject_shown(conn, stored)} was erased while this import "
                "ran; nothing of this chunk was written: run the import again",
                field="row",
            )


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
        purpose = actor.purpose.strip() or "bulk import"
        today, recorded = self._today(), self._now()
        with self.store.transaction() as conn:
            self._ready(conn)
            # The workers read the store's idempotency secret: create it here if new.
            self.store.secret(conn, "dedup", recorded)
        n_workers = max(1, workers or os.cpu_count() or 1)
        rows = created = existing = n_chunks = 0
        seen: set[str] = set()  # keys written by this run (workers may not see them yet)
        with ProcessPoolExecutor(
            n_workers, initializer=_init_worker, initargs=(self.settings.db_url,)
        ) as pool:
            inflight: list[tuple[int, Future[Prepared]]] = []
            source: Iterator[tuple[int, Columns | Lines]] = iter(chunks)

            def feed() -> None:
                for first, cols in source:
                    n = len(cols["subject"]) if isinstance(cols, Mapping) else cols[1].count(b"\n")
                    inflight.append(
                        (n, pool.submit(prepare_chunk, first, cols, today, recorded, purpose))
                    )
                    if len(inflight) > n_workers:
                        return

            feed()
            while inflight:
                n, fut = inflight.pop(0)
                prepared = fut.result()
                if prepared.error is not None:
                    for _, other in inflight:
                        other.cancel()
                    row, message = prepared.error
                    raise BadInput(f"row {row}: {message}", field="row")
                feed()  # the workers prepare the next chunks while this one is written
                fresh = [e for e in prepared.fresh if e[0][-1] not in seen]
                with self.store.transaction() as conn:
                    self.store.lock_appends(conn)
                    _still_keyed(self.store, conn, prepared.keys)
                    done = self.store.append_encoded(conn, fresh)
                    by_subject: dict[str, list[int]] = {}
                    for ident, subject in done:
                        by_subject.setdefault(subject, []).append(ident)
                    self.store.record_access(
                        conn,
                        [
                            {
                                "at": recorded,
                                "actor": actor.principal,
                                "role": actor.role,
                                "action": "event.record",
                                "subject": s,
                                "purpose": Presealed(prepared.purposes[s])
                                if s in prepared.purposes
                                else purpose,
                                "detail": json.dumps({"events": ev}),
                            }
                            for s, ev in by_subject.items()
                        ],
                    )
                seen.update(e[0][-1] for e in fresh)
                rows += n
                created += len(fresh)
                existing += n - len(fresh)
                n_chunks += 1
                if progress:
                    progress(n)
        return ImportResult(rows, created, existing, n_chunks, n_workers)

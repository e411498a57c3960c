"""Ledger rows as entries: decoding, and the self-check every read goes through."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    String,
    cast,
    select,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from socialcredit.core.errors import StoreIntegrity
from socialcredit.core.ledger import Event, chain_hash
from socialcredit.store import schema as t
from socialcredit.store.engine import log


@dataclass(frozen=True)
class Encoded:
    """Bulk-import rows before chaining, as columns (application/import_worker.py).

    Row ``i`` is ``forms[form[i]]`` (the column values from ``type`` to ``dedup`` in
    ``_EVENT_COLUMNS`` order, without id, prev_hash and hash) with its subject, evidence
    reference, data and dedup taken from the columns of those names; ``encoded[i]`` is
    its canonical encoding. Columns, because these cross a process boundary: a tuple
    per row cost the ordered path 2.4 µs to unpickle, a few strings per row a fraction
    of it (issue 16).
    """

    forms: list[tuple[Any, ...]] = field(default_factory=list)
    form: list[int] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    evidence_ref: list[str | None] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    dedup: list[str] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.form)

    def only(self, keep: list[int]) -> Encoded:
        """The rows at these positions, in this order."""
        return Encoded(
            self.forms,
            [self.form[i] for i in keep],
            [self.subject[i] for i in keep],
            [self.evidence_ref[i] for i in keep],
            [self.data[i] for i in keep],
            [self.dedup[i] for i in keep],
            [self.encoded[i] for i in keep],
        )


def _event_from_row(r: Row[Any] | Any) -> Event:
    return Event(
        id=r.id,
        type=r.type,
        subject=r.subject or "",
        authority=r.authority,
        occurred=r.occurred,
        recorded=r.recorded,
        scheme=r.scheme,
        version=r.version,
        rule=r.rule,
        points=r.points,
        ends=r.ends,
        cap=r.cap,
        evidence_kind=r.evidence_kind,
        evidence_ref=r.evidence_ref,
        evidence_sha256=r.evidence_sha256,
        reverses=r.reverses,
        reason=r.reason,
        data=json.loads(r.data) if r.data else {},
    )


def _checked_event(r: Row[Any] | Any) -> Event:
    """An entry as loaded, refused unless it still matches its own chain hash and dedup key.

    Every read that answers from entries goes through here, so a row altered in the
    database (triggers dropped, a restore from a doctored dump) stops the answer instead
    of silently changing a score. It costs one SHA-256 of the row (see performance.md).
    A row whose hash was recomputed too is caught by ``ledger verify`` (the next entry's
    ``prev_hash`` no longer links) and by the signed log head, not here.
    """
    try:
        e = _event_from_row(r)
    except ValueError as exc:  # e.g. its data is no longer JSON
        raise _integrity(r.id, f"it cannot be decoded ({exc})") from None
    if chain_hash(r.prev_hash, e) != r.hash:
        raise _integrity(e.id, "its content does not match its hash")
    if e.dedup_key() != r.dedup:
        raise _integrity(e.id, "its idempotency key does not match its content")
    return e


def _integrity(entry: int | None, why: str) -> StoreIntegrity:
    """The refusal of a read from an altered row, logged where operators look."""
    which = f"ledger entry {entry}" if entry is not None else "a ledger entry"
    message = (
        f"store integrity: {which} was altered: {why}; nothing was answered from it "
        "(run `socialcredit ledger verify`)"
    )
    log.error(message)
    return StoreIntegrity(message, field="event")


def _loaded(conn: Connection, rows: Iterable[Any], where: Any) -> Iterator[Event]:
    """Checked entries of a query; a row whose dates no longer decode is named, not a crash.

    SQLite stores dates as text, so an altered row can hold one that does not parse; the
    driver then fails while fetching, before the row can be checked. ``where`` selects
    the same rows again, with their dates as text, to find the entry to name; it may be
    given as a function building it, since only that rare path needs it (building a
    SQL expression cost 4% of a check, issue 16).
    """
    try:
        for r in rows:
            yield _checked_event(r)
    except StoreIntegrity:
        raise
    except ValueError as exc:
        q = (
            select(t.events.c.id, cast(t.events.c.occurred, String), cast(t.events.c.ends, String))
            .where(where if isinstance(where, ColumnElement) else where())
            .order_by(t.events.c.id)
        )
        bad = None
        for ident, *days in conn.execute(q):
            try:
                [date.fromisoformat(d) for d in days if d is not None]
            except ValueError:
                bad = ident
                break
        raise _integrity(bad, f"it cannot be decoded ({exc})") from None


_EVENT_COLUMNS = (
    "id",
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


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)

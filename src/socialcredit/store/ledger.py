"""The ledger: appends that assign ids and chain hashes, and every read of entries.

Appends are serialised (``StoreBase._lock``) because each entry's id and hash depend on
the entry before it; every read that answers from entries checks each row against its
own hash first (``store/rows.py``). Entries are stored, and chained, under the subject's
pseudonym (``store/pseudonyms.py``): ``append`` takes entries naming the ID, and reads
name the ID again where the subject's key row still maps it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import (
    bindparam,
    select,
)
from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.core import trust
from socialcredit.core.errors import Conflict
from socialcredit.core.ledger import GENESIS, Event, chain_hash
from socialcredit.store import schema as t
from socialcredit.store.pseudonyms import Pseudonymous, all_pseudonyms
from socialcredit.store.rows import _EVENT_COLUMNS, Encoded, _event_from_row, _loaded

# Statements on the hot path are built once: constructing a SQL expression costs more
# than executing its cached compiled form. A subject's standing is folded from its
# conduct entries; its registration entry is there for the chain only (core/trust.py).
_Q_EVENTS = (
    select(t.events)
    .where(t.events.c.subject == bindparam("subject"))
    .where(t.events.c.type != trust.REGISTERED)
    .order_by(t.events.c.id)
)
_Q_EVENTS_SCHEME = (
    select(t.events)
    .where(t.events.c.subject == bindparam("subject"))
    .where(t.events.c.scheme == bindparam("scheme"))
    .order_by(t.events.c.id)
)


def _refuse_clear(e: Event) -> None:
    """Refuse a subject's entry with a personal field in clear: it bypassed sealing.

    Use cases write through ``Base._append`` (sealed, keyed dedup); this is the store's
    own guard that no other path (a script, a benchmark, a new use case calling
    ``append`` directly) puts free text about a person on the append-only ledger. The
    erasure entry is the one exception: its reason is the system's own sentence, and the
    key that would seal it is the one being deleted.
    """
    if not e.subject or e.type == trust.ERASED:
        return
    clear = [c for c in sealing.SEALED_COLUMNS if (v := getattr(e, c)) and not sealing.is_sealed(v)]
    clear += [k for k in sealing.SEALED_KEYS if k in e.data and not sealing.is_sealed(e.data[k])]
    if clear:
        raise ValueError(
            f"a {e.type} entry about a subject has {', '.join(clear)} in clear: personal "
            "fields are sealed first (Base._append)"
        )


class LedgerStore(Pseudonymous):
    """Ledger entries: append, chain, reads."""

    def tip(self, conn: Connection) -> tuple[int, str]:
        row = conn.execute(
            select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id.desc()).limit(1)
        ).first()
        return (row.id, row.hash) if row else (0, GENESIS)

    def find_dedup(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        rows = self._fetch_in(
            conn, "SELECT dedup, id FROM events WHERE dedup IN ({})", list(set(keys))
        )
        return {dedup: int(ident) for dedup, ident in rows}

    def append(self, conn: Connection, new: Sequence[Event]) -> list[Event]:
        """Assign ids, chain hashes and insert; the caller's transaction makes it atomic.

        The entry is stored, and its chain hash computed, with the subject's pseudonym;
        the entries returned name the subject as the caller did.
        """
        if not new:
            return []
        self._lock(conn)
        last_id, prev = self.tip(conn)
        iso = self.dialect == "sqlite"  # SQLite stores dates as ISO text, as SQLAlchemy does

        def day(d: date | None) -> date | str | None:
            return d.isoformat() if (iso and d is not None) else d

        rows: list[tuple[Any, ...]] = []
        done: list[Event] = []
        for i, given in enumerate(new, start=1):
            _refuse_clear(given)
            given = Event(**{**given.__dict__, "id": last_id + i})
            e = replace(
                given,
                subject=self._stored_as(conn, given.subject),
                # a subject acting itself (opening a dispute) is named by its pseudonym
                authority=self._stored_actor(conn, given.authority),
            )
            h = chain_hash(prev, e)
            rows.append(
                (
                    e.id,
                    e.type,
                    e.subject or None,
                    e.authority,
                    day(e.occurred),
                    e.recorded,
                    e.scheme,
                    e.version,
                    e.rule,
                    e.points,
                    day(e.ends),
                    e.cap,
                    e.evidence_kind,
                    e.evidence_ref,
                    e.evidence_sha256,
                    e.reverses,
                    e.reason,
                    json.dumps(dict(e.data), sort_keys=True) if e.data else "{}",
                    e.dedup_key(),
                    prev,
                    h,
                )
            )
            prev = h
            done.append(given)
        # The driver's executemany directly: Core's per-row parameter processing would
        # cost more than the insert itself on the bulk path.
        marks = ", ".join(["?" if iso else "%s"] * len(_EVENT_COLUMNS))
        conn.exec_driver_sql(
            f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})",  # noqa: S608 - fixed column names
            rows,
        )
        return done

    def append_encoded(self, conn: Connection, new: Encoded) -> int:
        """Chain and insert rows validated and encoded elsewhere; the id of the first.

        The bulk path of ``append``: only the ids and the hashes are computed here, in
        order, under the same lock; the rows go to the driver's executemany, with
        consecutive ids from the one returned. They must name the subject by its
        pseudonym already (``Store.pseudonym``), in the row and in the encoding: a row
        naming an ID is refused, so no ID reaches the ledger by this path; and their
        evidence reference and reason must be sealed.

        Issue 16: this loop is most of an import's ordered path besides the insert, so
        the checks run over columns (``map``, no Python call per row) and the chain hash
        is ``chain_hash_encoded`` written out (the same bytes, hashed the same way).
        """
        self._lock(conn)
        last_id, prev = self.tip(conn)
        if not len(new):
            return last_id + 1
        if not all_pseudonyms(set(new.subject)) or any(f[1] for f in new.forms):
            raise ValueError("append_encoded: a row names its subject by ID, not pseudonym")
        texts = [r for r in new.evidence_ref if r] + [f[i] for f in new.forms for i in (12, 15)]
        if not all(map(sealing.is_sealed, filter(None, texts))):  # evidence_ref, reason
            raise ValueError("append_encoded: a personal field in clear (seal it first)")
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        sha256 = hashlib.sha256
        forms = new.forms
        ident = last_id
        link = prev.encode("ascii")
        for k, s, ref, data, dedup, encoded in zip(
            new.form, new.subject, new.evidence_ref, new.data, new.dedup, new.encoded, strict=True
        ):
            ident += 1
            h = sha256(b"%s\n%d\n%s" % (link, ident, encoded)).hexdigest()
            f0, _, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, _, f13, f14, f15, _, _ = forms[k]
            # fmt: off
            append((
                ident, f0, s, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, ref, f13, f14, f15,
                data, dedup, prev, h,
            ))
            # fmt: on
            prev, link = h, h.encode("ascii")
        marks = ", ".join(["?" if self.dialect == "sqlite" else "%s"] * len(_EVENT_COLUMNS))
        dbapi: Any = self.engine.dialect.dbapi
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})",  # noqa: S608 - fixed column names
                rows,
            )
        except dbapi.IntegrityError as exc:  # the raw cursor bypasses SQLAlchemy's wrapping
            raise Conflict(f"the write conflicts with what is stored (retry): {exc}") from None
        finally:
            cursor.close()
        return last_id + 1

    def entry_subjects_since(
        self, conn: Connection, after: int, kind: str, upto: int | None = None
    ) -> set[str]:
        """The subjects (as stored) of the entries of type ``kind`` with ids in (after, upto].

        An import asks it for erasures since its workers read the keys: a range of the
        primary key (no DISTINCT: with it SQLite walked a whole index instead, 8x slower).
        """
        rows = self._fetch(
            conn,
            "SELECT subject FROM events WHERE id > ? AND id <= ? AND type = ?",
            (after, 2**62 if upto is None else upto, kind),
        )
        return {str(s) for (s,) in rows if s}

    def get_event(self, conn: Connection, ident: int) -> Event | None:
        if not 0 < ident < 2**62:  # beyond any id, and beyond what a driver can bind
            return None
        where = t.events.c.id == ident
        found = list(_loaded(conn, conn.execute(select(t.events).where(where)), where))
        return self._shown_events(conn, found)[0] if found else None

    def events_for(self, conn: Connection, subject: str, scheme: str | None = None) -> list[Event]:
        """The subject's entries, naming the subject as the caller did."""
        p = self.pseudonym(conn, subject)
        if scheme is None:
            rows = conn.execute(_Q_EVENTS, {"subject": p})
        else:
            rows = conn.execute(_Q_EVENTS_SCHEME, {"subject": p, "scheme": scheme})
        found = list(_loaded(conn, rows, lambda: t.events.c.subject == p))
        if p == subject:
            return found
        # the ID as the caller named it (even for an erased subject), as the actor too
        names = {p: subject}
        return [self._shown_event(e, names) for e in found]

    def chain(
        self, conn: Connection, batch: int = 10_000
    ) -> Iterator[tuple[Event, str, str, str | None]]:
        """Every entry as stored (pseudonyms), with its links: for ``ledger verify``."""
        last = 0
        while True:
            rows = conn.execute(
                select(t.events).where(t.events.c.id > last).order_by(t.events.c.id).limit(batch)
            ).all()
            if not rows:
                return
            for r in rows:
                yield _event_from_row(r), r.prev_hash, r.hash, r.dedup
            last = rows[-1].id

    def events_by_subject(self, conn: Connection) -> Iterator[tuple[str, list[Event]]]:
        """Every subject's entries, one subject at a time (aggregates and batch export)."""
        q = (
            select(t.events)
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))  # standing entries only
            .order_by(t.events.c.subject, t.events.c.id)
        )
        shown = self._all_ids(conn)
        current: str | None = None
        bucket: list[Event] = []
        for r in conn.execute(q):
            e = _event_from_row(r)
            e = self._shown_event(e, shown)
            if e.subject != current:
                if current is not None:
                    yield current, bucket
                current, bucket = e.subject, []
            bucket.append(e)
        if current is not None:
            yield current, bucket

    def events_by_authority(self, conn: Connection, authority: str, limit: int) -> list[Event]:
        q = (
            select(t.events)
            .where(t.events.c.authority == authority)
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))
            .order_by(t.events.c.id.desc())
            .limit(limit)
        )
        found = list(_loaded(conn, conn.execute(q), t.events.c.authority == authority))
        return self._shown_events(conn, found)

    def events_of_types(
        self, conn: Connection, types: Sequence[str], *, stored: bool = False
    ) -> list[Event]:
        """Entries of these types; ``stored`` leaves subjects as stored (pseudonyms)."""
        where = t.events.c.type.in_(list(types))
        q = select(t.events).where(where).order_by(t.events.c.id)
        found = list(_loaded(conn, conn.execute(q), where))
        return found if stored else self._shown_events(conn, found)

    def subjects_with_events(self, conn: Connection) -> list[str]:
        q = (
            select(t.events.c.subject)
            .where(t.events.c.subject.is_not(None))
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))
            .distinct()
            .order_by(t.events.c.subject)
        )
        shown = self._shown(conn, [r.subject for r in conn.execute(q)])
        return sorted(shown.values())

    def last_of_type(self, conn: Connection, kind: str) -> Event | None:
        row = conn.execute(
            select(t.events).where(t.events.c.type == kind).order_by(t.events.c.id.desc()).limit(1)
        ).first()
        return _event_from_row(row) if row else None

    def subject_tip(self, conn: Connection, subject: str) -> int:
        """The id of the subject's last ledger entry (0 if none): a cheap change stamp."""
        p = self.pseudonym(conn, subject)
        rows = self._fetch(conn, "SELECT max(id) FROM events WHERE subject = ?", (p,))
        return int(rows[0][0] or 0)

    def events_since(self, conn: Connection, after: int, subjects: Iterable[str]) -> set[str]:
        """Which of ``subjects`` have ledger entries with an id above ``after``."""
        back = {p: s for s, p in self._pseudonyms_of(conn, subjects).items()}
        subs = list(back)
        out: set[str] = set()
        for i in range(0, len(subs), 500):
            chunk = subs[i : i + 500]
            rows = conn.execute(
                select(t.events.c.subject)
                .where(t.events.c.id > after)
                .where(t.events.c.subject.in_(chunk))
                .distinct()
            )
            out.update(back[r.subject] for r in rows)
        return out

    def score_events(self, conn: Connection, scheme: str) -> Iterator[Event]:
        where = t.events.c.scheme == scheme
        q = select(t.events).where(where).order_by(t.events.c.id)
        shown = self._all_ids(conn)
        for e in _loaded(conn, conn.execute(q), where):
            yield self._shown_event(e, shown)

    def leaf_rows(self, conn: Connection, upto: int | None = None) -> list[tuple[int, str]]:
        q = select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id)
        if upto is not None:
            q = q.where(t.events.c.id <= upto)
        return [(r.id, r.hash) for r in conn.execute(q)]

"""The one store implementation, on SQLAlchemy Core, for SQLite files and PostgreSQL.

Appends are serialised (``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory
lock on PostgreSQL) because each ledger entry's id and hash depend on the entry before
it; readers are never blocked by that lock. Only ``application/`` opens transactions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from socialcredit.core import trust
from socialcredit.core.documents import Document, doc_id, doc_kind, parse_document
from socialcredit.core.errors import BadInput, Conflict, StoreIntegrity
from socialcredit.core.errors import IntegrityError as Tampered
from socialcredit.core.ledger import GENESIS, Event, chain_hash, chain_hash_encoded
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.store import schema as t

# A bulk-import row before chaining: the column values from ``type`` to ``dedup`` (in
# ``_EVENT_COLUMNS`` order, without id, prev_hash and hash) and the canonical encoding.
Encoded = tuple[tuple[Any, ...], bytes]

SCORING_KINDS = ("points", "scorecard")
_PG_LOCK = 0x5C_0C_2E_D1  # advisory-lock key for ledger appends
# Access records: every transaction writing one holds this key shared; sealing a batch
# holds it exclusively, so no access row can commit later with an id inside a sealed
# range (PostgreSQL sequences hand out ids before commit). SQLite serialises anyway.
_PG_ACCESS_LOCK = 0x5C_0C_2E_D2
_SHRED_PENDING = "shred_pending"  # meta key: a deleted subject key awaits shredding
log = logging.getLogger("socialcredit.store")


def _engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise BadInput(f"cannot open store {url!r}: {exc}", field="db") from None
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA cache_size=-65536")
            # Deleted content is overwritten with zeros, so a deleted subject key does not
            # linger in a free slot of a page (the WAL is dealt with by ``shred_keys``).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            # A read-only snapshot (``Store.read``) takes no write lock; WAL readers
            # never wait for the writer.
            if conn.get_execution_options().get("sc_read"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

    elif engine.dialect.name != "postgresql":
        raise BadInput(f"unsupported database {engine.dialect.name!r}: use sqlite or postgresql")
    return engine


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
    the same rows again, with their dates as text, to find the entry to name.
    """
    try:
        for r in rows:
            yield _checked_event(r)
    except StoreIntegrity:
        raise
    except ValueError as exc:
        q = (
            select(t.events.c.id, cast(t.events.c.occurred, String), cast(t.events.c.ends, String))
            .where(where)
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


# Statements on the hot path are built once: constructing a SQL expression costs more
# than executing its cached compiled form.
_Q_SUBJECT = select(t.subjects).where(t.subjects.c.id == bindparam("id"))
# A subject's standing is folded from its conduct entries; its registration entry is
# there for the chain only (core/trust.py).
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
_Q_DOC_SHAS = (
    select(t.rulebooks.c.sha256, t.rulebooks.c.scheme, t.rulebooks.c.version)
    .where(t.rulebooks.c.kind == bindparam("kind"))
    .order_by(t.rulebooks.c.scheme, t.rulebooks.c.effective)
)

_INS_ACCESS = insert(t.access_log)
_ACCESS_COLUMNS = ("at", "actor", "role", "action", "subject", "purpose", "detail")

_Q_TOKEN = select(t.api_tokens).where(t.api_tokens.c.token_hash == bindparam("h"))
_Q_KEY = select(t.subject_keys.c.key).where(t.subject_keys.c.subject == bindparam("subject"))


@dataclass(frozen=True)
class Shredded:
    """What ``Store.shred_keys`` achieved: ``done`` false means a copy may remain."""

    done: bool
    detail: str


# Anything that may still hold back the removal horizon of a deleted key row: a snapshot
# or a transaction older than the erasure, in ANY database of the cluster (measured:
# a concurrent CREATE/DROP DATABASE elsewhere made VACUUM FULL keep the row as "recently
# dead"), a prepared transaction, a replication slot. Conservative: it may only wait.
_PG_OLDER = (
    "WITH h AS (SELECT %(h)s::xid AS x) SELECT "
    "(SELECT count(*) FROM pg_stat_activity, h WHERE pid <> pg_backend_pid() AND "
    "((backend_xmin IS NOT NULL AND age(backend_xmin) > age(h.x)) OR "
    "(backend_xid IS NOT NULL AND age(backend_xid) > age(h.x)))) + "
    "(SELECT count(*) FROM pg_prepared_xacts, h WHERE age(transaction) > age(h.x)) + "
    "(SELECT count(*) FROM pg_replication_slots, h WHERE "
    "(xmin IS NOT NULL AND age(xmin) > age(h.x)) OR "
    "(catalog_xmin IS NOT NULL AND age(catalog_xmin) > age(h.x)))"
)


class Store:
    """Storage for one database URL; every method but ``transaction`` takes a connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        self._books: dict[str, Rulebook] = {}
        self._lock_in_process: AbstractContextManager[Any] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )
        self._docs: dict[str, Document] = {}
        # (kind, id, version, sha256) of rows checked against their publication entries
        self._verified: set[tuple[str, str, str, str]] = set()
        # Shared by every Application on this store (one per HTTP request).
        self.registry_cache: tuple[tuple[str, ...], Any] | None = None
        self.published_cache: tuple[tuple[str, ...], Any] | None = None
        # Derived standings by (subject, day, ...); validated on use (see application).
        self.standing_cache: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
        self._initialised = False
        self._tokens_upgraded = False
        # Public figures materialised per (scheme, day, publication state); see
        # application/service.py ``public_grades``.
        self.grades_cache: dict[tuple[str, str, str], Any] = {}
        self.grades_lock = threading.Lock()
        # Public figures materialised per day in the process: (day, computed at, body).
        self.figures_cache: dict[str, tuple[float, Any]] = {}
        self.figures_lock = threading.Lock()
        self._secrets: dict[str, bytes] = {}
        # How hard ``shred_keys`` tries while readers hold old snapshots.
        self.shred_attempts = 5
        self.shred_wait_s = 2.0

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction. On SQLite, threads of this process queue on a lock first.

        SQLite admits one writer; left to its busy handler, waiting threads sleep and
        retry, which turns a queue into latency spikes of hundreds of milliseconds. A
        lock hands the database over in order. Other processes still meet the busy
        handler, as before.
        """
        try:
            with self._lock_in_process, self.engine.begin() as conn:
                yield conn
        except IntegrityError as exc:
            # A trigger's refusal is a documented promise and says so ("events is
            # append-only"); anything else never names a constraint or a key.
            said = str(exc.orig).splitlines()[0] if exc.orig is not None else ""
            if said.endswith("is append-only"):
                raise Conflict(said) from None
            raise Conflict("the write conflicts with what is stored; retry") from None
        except DatabaseError as exc:
            raise BadInput(f"cannot use store {self.url!r}: {exc.orig}", field="db") from None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction: no in-process lock and, on SQLite, no write lock.

        Used where the answer is computed first and its access record is written after,
        by the group committer (``application/group_commit.py``): a reader must not queue
        behind the writer's fsync. Nothing may be written through this connection.
        """
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sc_read=True)
                with conn.begin():
                    yield conn
        except DatabaseError as exc:
            raise BadInput(f"cannot use store {self.url!r}: {exc.orig}", field="db") from None

    def check_durability(self) -> None:
        """Refuse to serve from a database that may lose an acknowledged write.

        A recorded remedy that vanishes on power loss would leave someone barred from a
        train; so SQLite must run in WAL mode with synchronous=FULL, and PostgreSQL with
        fsync and synchronous_commit on.
        """
        try:
            self._check_durability()
        except DatabaseError as exc:
            raise BadInput(f"cannot use store {self.url!r}: {exc.orig}", field="db") from None

    def _check_durability(self) -> None:
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()
                sync = int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)
                if mode != "wal":
                    raise BadInput(
                        f"SQLite store {self.url!r} runs with journal_mode={mode}, not WAL: use "
                        "a database file on a local filesystem that supports WAL "
                        "(not :memory:, not a network share)",
                        field="db",
                    )
                if sync < 2:
                    raise BadInput(
                        f"SQLite store {self.url!r} runs with synchronous={sync}: it must be "
                        "FULL (2) or EXTRA (3); remove any PRAGMA synchronous override",
                        field="db",
                    )
            else:
                for name in ("fsync", "synchronous_commit"):
                    value = str(conn.exec_driver_sql(f"SHOW {name}").scalar()).lower()
                    if value in ("off", "false", "0"):
                        raise BadInput(
                            f"PostgreSQL runs with {name}={value}: acknowledged writes could be "
                            f"lost; set {name} = on (postgresql.conf, or ALTER DATABASE ... "
                            f"SET {name} = on) and restart the service",
                            field="db",
                        )

    # -- schema -----------------------------------------------------------------------
    def create(self, conn: Connection) -> None:
        t.metadata.create_all(conn)
        t.migrate(conn)
        self.upgrade_tokens(conn)
        t.install_triggers(conn)
        if self.dialect == "postgresql":
            # ANALYZE would copy sample values of a column into pg_statistic (histogram
            # bounds): a key would then outlive its row in a catalog file.
            conn.exec_driver_sql("ALTER TABLE subject_keys ALTER COLUMN key SET STATISTICS 0")
            conn.exec_driver_sql("ALTER TABLE store_secrets ALTER COLUMN value SET STATISTICS 0")
        if conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema")).first() is None:
            conn.execute(insert(t.meta), [{"key": "schema", "value": t.SCHEMA_VERSION}])

    def is_initialised(self, conn: Connection) -> bool:
        # Once initialised, always: the tables are never dropped, so the answer is kept.
        if not self._initialised:
            self._initialised = bool(self.engine.dialect.has_table(conn, "events"))
        return self._initialised

    def _fetch(self, conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
        """A hot read through the driver's cursor (``?`` placeholders, either dialect).

        On the path of every check and own-record read, SQLAlchemy's per-statement
        machinery costs several times the query itself.
        """
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    # -- rulebooks and authorities --------------------------------------------------
    def insert_rulebook(self, conn: Connection, book: Document, published: str) -> bool:
        """Publish a version once; the same version with other content is refused."""
        ident, kind = doc_id(book), doc_kind(book)
        row = conn.execute(
            select(t.rulebooks.c.sha256).where(
                (t.rulebooks.c.scheme == ident) & (t.rulebooks.c.version == book.version)
            )
        ).first()
        if row is not None:
            if row.sha256 != book.sha256:
                raise BadInput(
                    f"{kind} {ident!r} version {book.version} is already published with "
                    "different content; publish a new version instead",
                    field="version",
                )
            return False
        conn.execute(
            insert(t.rulebooks),
            [
                {
                    "scheme": ident,
                    "version": book.version,
                    "effective": book.effective,
                    "kind": kind,
                    "sha256": book.sha256,
                    "source": book.source,
                    "published": published,
                }
            ],
        )
        return True

    def publication_entries(self, conn: Connection) -> dict[tuple[str, str, str], Event]:
        """Each document's publication entry, by (kind, id, version); self-checked.

        An entry whose own chain hash does not match is refused here, so an attacker
        cannot make a load pass by editing the entry too (that breaks ``ledger verify``).
        """
        rows = conn.execute(
            select(t.events).where(t.events.c.type == trust.PUBLISHED).order_by(t.events.c.id)
        ).all()
        out: dict[tuple[str, str, str], Event] = {}
        for r in rows:
            e = _event_from_row(r)
            if chain_hash(r.prev_hash, e) != r.hash:
                raise Tampered(
                    f"events row {e.id}: the publication entry was altered (its content does "
                    "not match its hash); run `socialcredit ledger verify`"
                )
            key = (str(e.data.get("kind")), str(e.data.get("id")), str(e.data.get("version")))
            out.setdefault(key, e)
        return out

    def _checked(self, conn: Connection, rows: Sequence[Any]) -> None:
        """Refuse to load a document unless its source is the one its publication chained.

        Called for sources not yet parsed by this process, so the hot path stays one small
        query; a source edited in place (triggers dropped) is refused on the next load.
        """
        pubs = self.publication_entries(conn)
        for r in rows:
            label = f"{r.kind} {r.scheme!r} version {r.version}"
            actual = hashlib.sha256(r.source.encode("utf-8")).hexdigest()
            entry = pubs.get((r.kind, r.scheme, r.version))
            if entry is None:
                raise Tampered(
                    f"rulebooks row {label}: no publication entry in the chain (run "
                    "`socialcredit init` to chain documents published before; else it was "
                    "inserted behind the application's back)"
                )
            if actual != r.sha256 or actual != entry.data.get("sha256"):
                raise Tampered(
                    f"rulebooks row {label}: its source does not match the SHA-256 of its "
                    f"publication entry {entry.id}; refusing to load it"
                )
        for r in rows:
            self._verified.add((r.kind, r.scheme, r.version, r.sha256))

    def _parse(self, sha: str, source: str) -> Rulebook:
        book = self._books.get(sha)
        if book is None:
            book = parse_rulebook(source)
            self._books[sha] = book
        return book

    def rulebook_versions(self, conn: Connection, scheme: str) -> list[Rulebook]:
        rows = conn.execute(
            select(
                t.rulebooks.c.sha256,
                t.rulebooks.c.source,
                t.rulebooks.c.kind,
                t.rulebooks.c.scheme,
                t.rulebooks.c.version,
            )
            .where(t.rulebooks.c.scheme == scheme)
            .where(t.rulebooks.c.kind.in_(SCORING_KINDS))
            .order_by(t.rulebooks.c.effective)
        ).all()
        fresh = [r for r in rows if (r.kind, r.scheme, r.version, r.sha256) not in self._verified]
        if fresh:
            self._checked(conn, fresh)
        return [self._parse(r.sha256, r.source) for r in rows]

    def documents(self, conn: Connection, kind: str) -> list[Document]:
        """Published lists or memoranda (every version), parsed once per content hash.

        Only the hashes are read on each call; a source is fetched and parsed the first
        time its hash is seen, so the hot path of a check costs one small query.
        """
        listed = conn.execute(_Q_DOC_SHAS, {"kind": kind}).all()
        shas = [r.sha256 for r in listed]
        # A row is checked against its publication entry once per (id, version, hash):
        # a hash moved to another row (a source swapped between versions) is re-checked.
        missing = [
            (r.scheme, r.version)
            for r in listed
            if (kind, r.scheme, r.version, r.sha256) not in self._verified
        ]
        if missing:
            rows = conn.execute(
                select(
                    t.rulebooks.c.sha256,
                    t.rulebooks.c.source,
                    t.rulebooks.c.kind,
                    t.rulebooks.c.scheme,
                    t.rulebooks.c.version,
                )
                .where(t.rulebooks.c.kind == kind)
                .where(t.rulebooks.c.scheme.in_({m[0] for m in missing}))
            ).all()
            rows = [r for r in rows if (r.scheme, r.version) in set(missing)]
            # Parsed before ``_checked`` marks the rows verified: another thread that sees
            # them verified reads ``_docs`` at once (it raised KeyError under concurrent
            # first checks). The cache is content-addressed, so only a source whose own
            # SHA-256 is its key goes in; whether it was published is ``_checked``'s.
            for r in rows:
                own = hashlib.sha256(r.source.encode("utf-8")).hexdigest() == r.sha256
                if r.sha256 not in self._docs and own:
                    self._docs[r.sha256] = parse_document(r.source)
            self._checked(conn, rows)
        return [self._docs[h] for h in shas]

    def _doc(self, sha: str, source: str) -> Document:
        doc = self._docs.get(sha)
        if doc is None:
            doc = parse_document(source)
            self._docs[sha] = doc
        return doc

    def every_document(self, conn: Connection) -> list[Document]:
        """Every published version of every kind: the context a new publication is
        checked against (catalogue, measures, lists, schemes, memoranda)."""
        rows = conn.execute(
            select(t.rulebooks.c.sha256, t.rulebooks.c.source).order_by(
                t.rulebooks.c.scheme, t.rulebooks.c.effective
            )
        )
        return [self._doc(r.sha256, r.source) for r in rows]

    def document_versions(self, conn: Connection, ident: str) -> list[tuple[Document, str]]:
        """Every version of one document of any kind, oldest first, with the moment it
        was registered in this store."""
        rows = conn.execute(
            select(t.rulebooks.c.sha256, t.rulebooks.c.source, t.rulebooks.c.published)
            .where(t.rulebooks.c.scheme == ident)
            .order_by(t.rulebooks.c.effective, t.rulebooks.c.published)
        )
        return [(self._doc(r.sha256, r.source), str(r.published)) for r in rows]

    def document_ids(self, conn: Connection) -> list[tuple[str, str]]:
        rows = conn.execute(
            select(t.rulebooks.c.scheme, t.rulebooks.c.kind)
            .distinct()
            .order_by(t.rulebooks.c.kind, t.rulebooks.c.scheme)
        )
        return [(r.scheme, r.kind) for r in rows]

    def publication_mark(self, conn: Connection) -> str:
        """A short fingerprint of what is published (count and latest publication)."""
        row = conn.execute(
            select(func.count(), func.max(t.rulebooks.c.published)).select_from(t.rulebooks)
        ).one()
        return f"{row[0]}:{row[1]}"

    def publications(self, conn: Connection) -> dict[tuple[str, str], str]:
        """When each (document id, version) was published: for replays as known then."""
        rows = conn.execute(
            select(t.rulebooks.c.scheme, t.rulebooks.c.version, t.rulebooks.c.published)
        )
        return {(r.scheme, r.version): r.published for r in rows}

    def events_by_subject(self, conn: Connection) -> Iterator[tuple[str, list[Event]]]:
        """Every subject's entries, one subject at a time (aggregates and batch export)."""
        q = (
            select(t.events)
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))  # standing entries only
            .order_by(t.events.c.subject, t.events.c.id)
        )
        current: str | None = None
        bucket: list[Event] = []
        for r in conn.execute(q):
            e = _event_from_row(r)
            if e.subject != current:
                if current is not None:
                    yield current, bucket
                current, bucket = e.subject, []
            bucket.append(e)
        if current is not None:
            yield current, bucket

    def schemes(self, conn: Connection) -> list[str]:
        rows = conn.execute(
            select(t.rulebooks.c.scheme)
            .where(t.rulebooks.c.kind.in_(SCORING_KINDS))
            .distinct()
            .order_by(t.rulebooks.c.scheme)
        )
        return [r.scheme for r in rows]

    def insert_authority(
        self, conn: Connection, ident: str, name: str, kind: str, jurisdiction: str, at: str
    ) -> bool:
        if conn.execute(select(t.authorities.c.id).where(t.authorities.c.id == ident)).first():
            return False
        conn.execute(
            insert(t.authorities),
            [
                {
                    "id": ident,
                    "name": name,
                    "kind": kind,
                    "jurisdiction": jurisdiction,
                    "registered": at,
                }
            ],
        )
        return True

    def authority_kind(self, conn: Connection, ident: str) -> str | None:
        row = conn.execute(select(t.authorities.c.kind).where(t.authorities.c.id == ident)).first()
        return str(row.kind) if row else None

    def authority_ids(self, conn: Connection) -> set[str]:
        return {r.id for r in conn.execute(select(t.authorities.c.id))}

    # -- subjects ---------------------------------------------------------------------
    def get_subject(self, conn: Connection, ident: str) -> Row[Any] | None:
        return conn.execute(_Q_SUBJECT, {"id": ident}).first()

    def subject_kinds(self, conn: Connection, idents: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(set(idents))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = conn.execute(
                select(t.subjects.c.id, t.subjects.c.kind).where(t.subjects.c.id.in_(chunk))
            )
            out.update({r.id: r.kind for r in rows})
        return out

    def insert_subjects(self, conn: Connection, rows: Sequence[dict[str, str]]) -> None:
        if rows:
            conn.execute(insert(t.subjects), list(rows))

    # -- ledger -----------------------------------------------------------------------
    def lock_appends(self, conn: Connection) -> None:
        """Serialise with every append (signing reads the tip and must not race one)."""
        self._lock(conn)

    def _lock(self, conn: Connection) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")

    def tip(self, conn: Connection) -> tuple[int, str]:
        row = conn.execute(
            select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id.desc()).limit(1)
        ).first()
        return (row.id, row.hash) if row else (0, GENESIS)

    def find_dedup(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        ks = list(set(keys))
        for i in range(0, len(ks), 500):
            chunk = ks[i : i + 500]
            rows = conn.execute(
                select(t.events.c.dedup, t.events.c.id).where(t.events.c.dedup.in_(chunk))
            )
            out.update({r.dedup: r.id for r in rows})
        return out

    def append(self, conn: Connection, new: Sequence[Event]) -> list[Event]:
        """Assign ids, chain hashes and insert; the caller's transaction makes it atomic."""
        if not new:
            return []
        self._lock(conn)
        last_id, prev = self.tip(conn)
        iso = self.dialect == "sqlite"  # SQLite stores dates as ISO text, as SQLAlchemy does

        def day(d: date | None) -> date | str | None:
            return d.isoformat() if (iso and d is not None) else d

        rows: list[tuple[Any, ...]] = []
        done: list[Event] = []
        for i, e in enumerate(new, start=1):
            e = Event(**{**e.__dict__, "id": last_id + i})
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
            done.append(e)
        # The driver's executemany directly: Core's per-row parameter processing would
        # cost more than the insert itself on the bulk path.
        marks = ", ".join(["?" if iso else "%s"] * len(_EVENT_COLUMNS))
        conn.exec_driver_sql(
            f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})",  # noqa: S608 - fixed column names
            rows,
        )
        return done

    def append_encoded(self, conn: Connection, new: Sequence[Encoded]) -> list[tuple[int, str]]:
        """Chain and insert rows validated and encoded elsewhere; their (id, subject).

        The bulk path of ``append``: only the ids and the hashes are computed here, in
        order, under the same lock; the rows go to the driver's executemany unchanged.
        """
        if not new:
            return []
        self._lock(conn)
        last_id, prev = self.tip(conn)
        rows: list[tuple[Any, ...]] = []
        out: list[tuple[int, str]] = []
        ident = last_id
        for body, encoded in new:
            ident += 1
            h = chain_hash_encoded(prev, ident, encoded)
            rows.append((ident, *body, prev, h))
            out.append((ident, body[1]))
            prev = h
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
        return out

    def get_event(self, conn: Connection, ident: int) -> Event | None:
        if not 0 < ident < 2**62:  # beyond any id, and beyond what a driver can bind
            return None
        where = t.events.c.id == ident
        found = list(_loaded(conn, conn.execute(select(t.events).where(where)), where))
        return found[0] if found else None

    def events_for(self, conn: Connection, subject: str, scheme: str | None = None) -> list[Event]:
        if scheme is None:
            rows = conn.execute(_Q_EVENTS, {"subject": subject})
        else:
            rows = conn.execute(_Q_EVENTS_SCHEME, {"subject": subject, "scheme": scheme})
        return list(_loaded(conn, rows, t.events.c.subject == subject))

    def chain(
        self, conn: Connection, batch: int = 10_000
    ) -> Iterator[tuple[Event, str, str, str | None]]:
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

    def count(self, conn: Connection, table: str) -> int:
        tab = t.metadata.tables[table]
        return int(conn.execute(select(func.count()).select_from(tab)).scalar_one())

    # -- subject keys (erasure) -------------------------------------------------------
    def insert_keys(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            conn.execute(insert(t.subject_keys), list(rows))

    def get_key(self, conn: Connection, subject: str) -> bytes | None:
        row = conn.execute(_Q_KEY, {"subject": subject}).first()
        return bytes(row.key) if row else None

    def get_keys(self, conn: Connection, subjects: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        ids = list(set(subjects))
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(t.subject_keys.c.subject, t.subject_keys.c.key).where(
                    t.subject_keys.c.subject.in_(ids[i : i + 500])
                )
            )
            out.update({r.subject: bytes(r.key) for r in rows})
        return out

    def delete_key(self, conn: Connection, subject: str) -> bool:
        """Delete a subject's key row (the caller records the erasure in the same transaction).

        The row is gone for every reader at commit; copies in files are dealt with after
        the commit by ``shred_keys``.
        """
        res = conn.execute(t.subject_keys.delete().where(t.subject_keys.c.subject == subject))
        return bool(res.rowcount)

    def secret(self, conn: Connection, name: str, at: str) -> bytes:
        """A store-wide secret, created on first use inside the caller's write transaction."""
        if name in self._secrets:
            return self._secrets[name]
        row = conn.execute(
            select(t.store_secrets.c.value).where(t.store_secrets.c.name == name)
        ).first()
        if row is not None:
            # Cached only once read back: a value created in a transaction that then
            # rolls back must not outlive it.
            self._secrets[name] = bytes(row.value)
            return self._secrets[name]
        value = os.urandom(32)
        conn.execute(insert(t.store_secrets), [{"name": name, "value": value, "created": at}])
        return value

    def mark_shred_pending(self, conn: Connection, at: str) -> None:
        """Note, in the erasure's own transaction, that a deleted key awaits shredding.

        A marker in the store rather than a look at the files: PostgreSQL's dead-row
        statistics lag behind, and a crash between commit and shred must not lose it.
        """
        self.meta_put(conn, _SHRED_PENDING, at)

    def shred_pending(self) -> bool:
        """Whether a deleted key may still have a copy in a file (a shred has not run)."""
        with self.transaction() as conn:
            return self.is_initialised(conn) and self.meta_get(conn, _SHRED_PENDING) is not None

    def _shred_marker(self, pending: bool) -> None:
        with self.transaction() as conn:
            conn.execute(t.meta.delete().where(t.meta.c.key == _SHRED_PENDING))
            if pending:
                self.meta_put(conn, _SHRED_PENDING, "retry")

    def shred_keys(self) -> Shredded:
        """After an erasure has committed, leave no copy of a deleted key in any file.

        SQLite: ``secure_delete`` zeroed the row in its page, but the WAL still holds the
        frames of the transaction that inserted the key. ``wal_checkpoint(TRUNCATE)``
        copies the zeroed pages back and truncates the WAL to zero bytes; it cannot
        complete while another connection reads an older snapshot, so it is retried a
        few times (each waits up to ``wait_s`` for readers) and the WAL size is checked.
        PostgreSQL: ``VACUUM FULL`` of the key tables writes fresh files without the dead
        row and truncates the old ones; it runs outside a transaction (AUTOCOMMIT) once no
        transaction older than the erasure is still open, since such a snapshot could
        still see the row and VACUUM would copy it. Returns what was achieved; a caller
        that gets ``done=False`` must say so (the next erasure or tick retries).
        """
        attempts, wait_s = self.shred_attempts, self.shred_wait_s
        # SQLite: the marker is cleared first, so the checkpoint also takes that write
        # out of the WAL; it is set again if the shred fails.
        if self.dialect == "sqlite":
            self._shred_marker(False)
        try:
            if self.dialect == "sqlite":
                done = self._shred_sqlite(attempts, wait_s)
            else:
                done = self._shred_pg(attempts, wait_s)
        except DatabaseError as exc:
            done = Shredded(False, f"could not shred deleted keys: {exc.orig}")
        if not done.done or self.dialect != "sqlite":
            self._shred_marker(not done.done)
        return done

    def _shred_sqlite(self, attempts: int, wait_s: float) -> Shredded:
        path = self.engine.url.database or ""
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
            result: tuple[int, int, int] = (1, -1, -1)
            try:
                for _ in range(attempts):
                    result = tuple(cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
                    wal = path + "-wal"
                    size = os.path.getsize(wal) if path and os.path.exists(wal) else 0
                    if result[0] == 0 and size == 0:
                        return Shredded(True, "WAL checkpointed and truncated to 0 bytes")
                    time.sleep(wait_s / 4)
            finally:
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        finally:
            raw.close()
        return Shredded(
            False,
            f"WAL not truncated after {attempts} attempts (busy, frames, checkpointed = "
            f"{result}): readers held old snapshots; it is retried at the next tick",
        )

    def _shred_pg(self, attempts: int, wait_s: float) -> Shredded:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"SET lock_timeout = '{int(wait_s * 1000)}ms'")
            # Every transaction that deleted a key has committed: its xid is below the
            # next xid to be assigned now.
            horizon = conn.exec_driver_sql(
                "SELECT mod(pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
                "4294967296)::text"
            ).scalar()
            for _ in range(attempts):
                if conn.exec_driver_sql(_PG_OLDER, {"h": horizon}).scalar():
                    time.sleep(wait_s / 4)
                    continue
                try:
                    for table in t.KEY_TABLES:
                        conn.exec_driver_sql(f"VACUUM FULL {table}")
                except DatabaseError:
                    time.sleep(wait_s / 4)
                    continue
                return Shredded(True, "key tables rewritten by VACUUM FULL")
        return Shredded(
            False,
            f"VACUUM FULL of the key tables did not run after {attempts} attempts: "
            "older transactions were open or held locks; it is retried at the next tick",
        )

    def key_dates(self, conn: Connection, subjects: Sequence[str]) -> dict[str, str]:
        """When each of these subjects' current key was created."""
        out: dict[str, str] = {}
        k = t.subject_keys
        for i in range(0, len(subjects), 500):
            rows = conn.execute(
                select(k.c.subject, k.c.created).where(k.c.subject.in_(subjects[i : i + 500]))
            )
            out.update({r.subject: r.created for r in rows})
        return out

    def keyed_without_events(self, conn: Connection) -> list[tuple[str, str, str]]:
        """(id, kind, registered) of subjects with a key and no ledger entry at all."""
        s, k, e = t.subjects, t.subject_keys, t.events
        q = (
            select(s.c.id, s.c.kind, s.c.registered)
            .join(k, k.c.subject == s.c.id)
            .where(
                ~select(e.c.id)
                .where(e.c.subject == s.c.id)
                .where(e.c.type.not_in(trust.CHAIN_ONLY))  # a registration is not a record
                .exists()
            )
            .order_by(s.c.id)
        )
        return [(r.id, r.kind, r.registered) for r in conn.execute(q)]

    def keyed_subjects(self, conn: Connection) -> set[str]:
        return {r.subject for r in conn.execute(select(t.subject_keys.c.subject))}

    # -- API tokens -------------------------------------------------------------------
    def insert_token(self, conn: Connection, row: dict[str, str]) -> None:
        conn.execute(insert(t.api_tokens), [row])

    def find_token(self, conn: Connection, token_hash: str) -> Row[Any] | None:
        return conn.execute(_Q_TOKEN, {"h": token_hash}).first()

    def upgrade_tokens(self, conn: Connection) -> None:
        """Add the token columns newer than a store (once per process; idempotent)."""
        if self._tokens_upgraded or not self.engine.dialect.has_table(conn, "api_tokens"):
            return
        have = {c["name"] for c in inspect(conn).get_columns("api_tokens")}
        for name, ddl in t.TOKEN_COLUMNS_ADDED:
            if name not in have:
                conn.exec_driver_sql(f"ALTER TABLE api_tokens ADD COLUMN {name} {ddl}")
        self._tokens_upgraded = True

    def tokens(
        self, conn: Connection, principal: str | None = None, id_prefix: str | None = None
    ) -> list[Row[Any]]:
        q = select(t.api_tokens).order_by(t.api_tokens.c.created, t.api_tokens.c.token_hash)
        if principal is not None:
            q = q.where(t.api_tokens.c.principal == principal)
        if id_prefix is not None:
            q = q.where(t.api_tokens.c.token_hash.startswith(id_prefix, autoescape=True))
        return list(conn.execute(q))

    def revoke_tokens(
        self, conn: Connection, hashes: Sequence[str], at: str, reason: str
    ) -> None:
        if hashes:
            conn.execute(
                t.api_tokens.update()
                .where(t.api_tokens.c.token_hash.in_(list(hashes)))
                .where(t.api_tokens.c.revoked.is_(None))
                .values(revoked=at, revoked_reason=reason[:200])
            )

    # -- transparency log -------------------------------------------------------------
    def leaf_rows(self, conn: Connection, upto: int | None = None) -> list[tuple[int, str]]:
        q = select(t.events.c.id, t.events.c.hash).order_by(t.events.c.id)
        if upto is not None:
            q = q.where(t.events.c.id <= upto)
        return [(r.id, r.hash) for r in conn.execute(q)]

    def insert_head(self, conn: Connection, row: dict[str, Any]) -> None:
        if conn.execute(
            select(t.tree_heads.c.size).where(t.tree_heads.c.size == row["size"])
        ).first():
            return
        conn.execute(insert(t.tree_heads), [row])

    def heads(self, conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(t.tree_heads).order_by(t.tree_heads.c.size))
        return [dict(r._mapping) for r in rows]

    def insert_signed_head(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(insert(t.signed_heads), [row])

    def signed_heads(self, conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(t.signed_heads).order_by(t.signed_heads.c.id))
        return [dict(r._mapping) for r in rows]

    def latest_signed_head(self, conn: Connection) -> dict[str, Any] | None:
        row = conn.execute(
            select(t.signed_heads).order_by(t.signed_heads.c.size.desc()).limit(1)
        ).first()
        return dict(row._mapping) if row else None

    def signed_head_of_size(self, conn: Connection, size: int) -> dict[str, Any] | None:
        row = conn.execute(select(t.signed_heads).where(t.signed_heads.c.size == size)).first()
        return dict(row._mapping) if row else None

    def meta_delete(self, conn: Connection, key: str) -> None:
        conn.execute(t.meta.delete().where(t.meta.c.key == key))

    def table_rows(self, conn: Connection, table: str) -> list[dict[str, Any]]:
        """Every row of a table in primary-key order (for ``ledger verify``)."""
        tab = t.metadata.tables[table]
        q = select(tab).order_by(*tab.primary_key.columns)
        return [dict(r._mapping) for r in conn.execute(q)]

    def access_rows(
        self, conn: Connection, after: int, upto: int | None = None
    ) -> list[dict[str, Any]]:
        q = select(t.access_log).where(t.access_log.c.id > after).order_by(t.access_log.c.id)
        if upto is not None:
            q = q.where(t.access_log.c.id <= upto)
        return [dict(r._mapping) for r in conn.execute(q)]

    def last_of_type(self, conn: Connection, kind: str) -> Event | None:
        row = conn.execute(
            select(t.events).where(t.events.c.type == kind).order_by(t.events.c.id.desc()).limit(1)
        ).first()
        return _event_from_row(row) if row else None

    def meta_get(self, conn: Connection, key: str) -> str | None:
        row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).first()
        return str(row.value) if row else None

    def meta_put(self, conn: Connection, key: str, value: str) -> None:
        if self.meta_get(conn, key) is None:
            conn.execute(insert(t.meta), [{"key": key, "value": value}])

    def events_by_authority(self, conn: Connection, authority: str, limit: int) -> list[Event]:
        q = (
            select(t.events)
            .where(t.events.c.authority == authority)
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))
            .order_by(t.events.c.id.desc())
            .limit(limit)
        )
        return list(_loaded(conn, conn.execute(q), t.events.c.authority == authority))

    def events_of_types(self, conn: Connection, types: Sequence[str]) -> list[Event]:
        where = t.events.c.type.in_(list(types))
        q = select(t.events).where(where).order_by(t.events.c.id)
        return list(_loaded(conn, conn.execute(q), where))

    def subjects_with_events(self, conn: Connection) -> list[str]:
        q = (
            select(t.events.c.subject)
            .where(t.events.c.subject.is_not(None))
            .where(t.events.c.type.not_in(trust.CHAIN_ONLY))
            .distinct()
            .order_by(t.events.c.subject)
        )
        return [r.subject for r in conn.execute(q)]

    # -- access records ---------------------------------------------------------------
    def record_access(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert access records; many at once through the driver's executemany."""
        if not rows:
            return
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({_PG_ACCESS_LOCK})")
        if len(rows) == 1:
            conn.execute(_INS_ACCESS, list(rows))
            return
        mark = "?" if self.dialect == "sqlite" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO access_log ({', '.join(_ACCESS_COLUMNS)}) "  # noqa: S608 - fixed names
            f"VALUES ({', '.join([mark] * len(_ACCESS_COLUMNS))})",
            [tuple(r[c] for c in _ACCESS_COLUMNS) for r in rows],
        )

    def subject_tip(self, conn: Connection, subject: str) -> int:
        """The id of the subject's last ledger entry (0 if none): a cheap change stamp."""
        rows = self._fetch(conn, "SELECT max(id) FROM events WHERE subject = ?", (subject,))
        return int(rows[0][0] or 0)

    def subject_state(self, conn: Connection, subject: str) -> tuple[str | None, int]:
        """The subject's kind (None if not registered) and last ledger id, in one query."""
        rows = self._fetch(
            conn,
            "SELECT (SELECT kind FROM subjects WHERE id = ?), "
            "(SELECT max(id) FROM events WHERE subject = ?)",
            (subject, subject),
        )
        kind, tip = rows[0]
        return (str(kind) if kind is not None else None), int(tip or 0)

    def documents_stamp(self, conn: Connection) -> tuple[str, ...]:
        """The content hashes of everything published: changes with every publication."""
        return tuple(sorted(r[0] for r in self._fetch(conn, "SELECT sha256 FROM rulebooks", ())))

    def events_since(self, conn: Connection, after: int, subjects: Iterable[str]) -> set[str]:
        """Which of ``subjects`` have ledger entries with an id above ``after``."""
        subs = list(set(subjects))
        out: set[str] = set()
        for i in range(0, len(subs), 500):
            chunk = subs[i : i + 500]
            rows = conn.execute(
                select(t.events.c.subject)
                .where(t.events.c.id > after)
                .where(t.events.c.subject.in_(chunk))
                .distinct()
            )
            out.update(r.subject for r in rows)
        return out

    def lock_ledger(self, conn: Connection) -> None:
        """Serialise with ledger appends (PostgreSQL; SQLite's write lock already does)."""
        self._lock(conn)

    def lock_access(self, conn: Connection) -> None:
        """Wait for every transaction writing access records to end (sealing a batch)."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_ACCESS_LOCK})")

    def snapshot(self, conn: Connection) -> None:
        """Make the rest of this transaction read one snapshot (``ledger verify``)."""
        if self.dialect == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    def decision_counts(self, conn: Connection, before: str) -> dict[tuple[str, str], int]:
        """(service, decision) -> count of decisions recorded before ``before`` (ISO day)."""
        rows = conn.execute(
            select(t.access_log.c.detail)
            .where(t.access_log.c.action == "decision")
            .where(t.access_log.c.at < before)
        )
        out: dict[tuple[str, str], int] = {}
        for r in rows:
            try:
                d = json.loads(r.detail)
            except ValueError:
                continue
            key = (str(d.get("service")), str(d.get("decision")))
            out[key] = out.get(key, 0) + 1
        return out

    def access_for(self, conn: Connection, subject: str) -> list[dict[str, Any]]:
        rows = conn.execute(
            select(t.access_log)
            .where(t.access_log.c.subject == subject)
            .order_by(t.access_log.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def subjects_page(self, conn: Connection, kind: str | None = None) -> list[str]:
        q = select(t.subjects.c.id)
        if kind:
            q = q.where(t.subjects.c.kind == kind)
        return [r.id for r in conn.execute(q.order_by(t.subjects.c.id))]

    def score_events(self, conn: Connection, scheme: str) -> Iterator[Event]:
        where = t.events.c.scheme == scheme
        q = select(t.events).where(where).order_by(t.events.c.id)
        yield from _loaded(conn, conn.execute(q), where)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)

"""The store's engine and the primitives every part of it shares.

One store implementation, on SQLAlchemy Core, for SQLite files and PostgreSQL; its
methods are grouped by noun in the modules of this package and joined into ``Store``
in ``store/sql.py``. Appends are serialised (``BEGIN IMMEDIATE`` on SQLite, a
transaction-scoped advisory lock on PostgreSQL) because each ledger entry's id and hash
depend on the entry before it; readers are never blocked by that lock. Only
``application/`` opens transactions.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    create_engine,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError

from socialcredit.core.documents import Document
from socialcredit.core.errors import BadInput, Conflict
from socialcredit.core.rulebook import Rulebook
from socialcredit.store import schema as t

SCORING_KINDS = ("points", "scorecard")
_PG_LOCK = 0x5C_0C_2E_D1  # advisory-lock key for ledger appends
# Access records: every transaction writing one holds this key shared; sealing a batch
# holds it exclusively, so no access row can commit later with an id inside a sealed
# range (PostgreSQL sequences hand out ids before commit). SQLite serialises anyway.
_PG_ACCESS_LOCK = 0x5C_0C_2E_D2
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
            # never wait for the writer. Sent through the driver's cursor: SQLAlchemy's
            # statement machinery cost more than half of an empty read transaction
            # (52 µs, on every check and own read; issue 16).
            cursor = conn.connection.cursor()
            try:
                cursor.execute(
                    "BEGIN" if conn.get_execution_options().get("sc_read") else "BEGIN IMMEDIATE"
                )
            finally:
                cursor.close()

    elif engine.dialect.name != "postgresql":
        raise BadInput(f"unsupported database {engine.dialect.name!r}: use sqlite or postgresql")
    return engine


class StoreBase:
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
        self._pseudonyms: dict[str, str] = {}  # ID -> pseudonym (store/pseudonyms.py)
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

    def create(self, conn: Connection) -> None:
        t.check_version(conn, upgrade=True)
        t.metadata.create_all(conn)
        t.migrate(conn)
        self.upgrade_tokens(conn)
        t.install_triggers(conn)
        if self.dialect == "postgresql":
            # ANALYZE would copy sample values of a column into pg_statistic (histogram
            # bounds): a key would then outlive its row in a catalog file.
            conn.exec_driver_sql("ALTER TABLE subject_keys ALTER COLUMN key SET STATISTICS 0")
            conn.exec_driver_sql("ALTER TABLE store_secrets ALTER COLUMN value SET STATISTICS 0")
            # nor an identifier outlive its key row as a most-common value
            conn.exec_driver_sql(
                "ALTER TABLE subject_keys ALTER COLUMN subject_id SET STATISTICS 0"
            )
        if conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema")).first() is None:
            conn.execute(insert(t.meta), [{"key": "schema", "value": t.SCHEMA_VERSION}])
        # The key of the subjects' pseudonyms (store/pseudonyms.py): made before the first
        # registration, since changing it later would rewrite every ledger row.
        self.secret(conn, "pseudonym", datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def tokens_upgraded(self) -> bool:
        """Whether ``upgrade_tokens`` has run in this process: token reads need no writer."""
        return self._tokens_upgraded

    def upgrade_tokens(self, conn: Connection) -> None:
        """Add the token columns newer than a store (once per process; idempotent)."""
        if self._tokens_upgraded or not self.engine.dialect.has_table(conn, "api_tokens"):
            return
        have = {c["name"] for c in inspect(conn).get_columns("api_tokens")}
        for name, ddl in t.TOKEN_COLUMNS_ADDED:
            if name not in have:
                conn.exec_driver_sql(f"ALTER TABLE api_tokens ADD COLUMN {name} {ddl}")
        self._tokens_upgraded = True

    def has_ledger(self, conn: Connection) -> bool:
        """Whether the tables exist at all, whatever their schema version (``init``)."""
        return bool(self.engine.dialect.has_table(conn, "events"))

    def is_initialised(self, conn: Connection) -> bool:
        # Once initialised, always: the tables are never dropped, so the answer is kept.
        if not self._initialised:
            self._initialised = bool(self.engine.dialect.has_table(conn, "events"))
            if self._initialised:
                try:
                    t.check_version(conn, upgrade=False)
                except t.OldSchema:
                    self._initialised = False
                    raise
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

    def _fetch_in(
        self, conn: Connection, sql: str, values: Sequence[Any], chunk: int = 500
    ) -> list[Any]:
        """``_fetch`` of a statement with one ``IN ({})`` filled with ``values``, in chunks.

        The bulk paths (an import's chunk names thousands of subjects and keys) pay for
        SQLAlchemy's expanding parameters and row objects several times over the query.
        """
        out: list[Any] = []
        for i in range(0, len(values), chunk):
            part = tuple(values[i : i + chunk])
            out += self._fetch(conn, sql.format(", ".join("?" * len(part))), part)
        return out

    def lock_appends(self, conn: Connection) -> None:
        """Serialise with every append (signing reads the tip and must not race one)."""
        self._lock(conn)

    def _lock(self, conn: Connection) -> None:
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")

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

    def meta_get(self, conn: Connection, key: str) -> str | None:
        row = conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).first()
        return str(row.value) if row else None

    def meta_put(self, conn: Connection, key: str, value: str) -> None:
        if self.meta_get(conn, key) is None:
            conn.execute(insert(t.meta), [{"key": key, "value": value}])

    def meta_delete(self, conn: Connection, key: str) -> None:
        conn.execute(t.meta.delete().where(t.meta.c.key == key))

    def count(self, conn: Connection, table: str) -> int:
        tab = t.metadata.tables[table]
        return int(conn.execute(select(func.count()).select_from(tab)).scalar_one())

    def table_rows(self, conn: Connection, table: str) -> list[dict[str, Any]]:
        """Every row of a table in primary-key order (for ``ledger verify``)."""
        tab = t.metadata.tables[table]
        q = select(tab).order_by(*tab.primary_key.columns)
        return [dict(r._mapping) for r in conn.execute(q)]

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

"""Shredding: after an erasure commits, leave no copy of a deleted key in any file."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError

from socialcredit.store import schema as t
from socialcredit.store.engine import StoreBase

_SHRED_PENDING = "shred_pending"  # meta key: a deleted subject key awaits shredding


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


class ShredStore(StoreBase):
    """Marking, and carrying out, the shredding of deleted keys."""

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

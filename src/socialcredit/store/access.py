"""The access log: who read or wrote what, for which purpose (sealed in batches)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    insert,
    select,
)
from sqlalchemy.engine import Connection

from socialcredit.store import schema as t
from socialcredit.store.engine import _PG_ACCESS_LOCK
from socialcredit.store.pseudonyms import SUBJECT_ACTOR, Pseudonymous

_INS_ACCESS = insert(t.access_log)
_ACCESS_COLUMNS = ("at", "actor", "role", "action", "subject", "purpose", "detail")


class AccessStore(Pseudonymous):
    """Access records."""

    def record_access(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert access records; many at once through the driver's executemany.

        The subject, and a subject acting on its own record, are logged under the
        subject's pseudonym: the access log is append-only, erasure cannot reach it.
        """
        if not rows:
            return
        rows = [
            {
                **r,
                "subject": self._stored_as(conn, r["subject"]) if r["subject"] else r["subject"],
                "actor": self._stored_actor(conn, r["actor"])
                if isinstance(r["actor"], str)
                else r["actor"],
            }
            for r in rows
        ]
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

    def access_rows(
        self, conn: Connection, after: int, upto: int | None = None
    ) -> list[dict[str, Any]]:
        q = select(t.access_log).where(t.access_log.c.id > after).order_by(t.access_log.c.id)
        if upto is not None:
            q = q.where(t.access_log.c.id <= upto)
        return [dict(r._mapping) for r in conn.execute(q)]

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
        """The access records about a subject, naming it (and it as actor) as the caller did."""
        p = self.pseudonym(conn, subject)
        rows = conn.execute(
            select(t.access_log).where(t.access_log.c.subject == p).order_by(t.access_log.c.id)
        )
        own = SUBJECT_ACTOR + p
        return [
            {
                **r._mapping,
                "subject": subject,
                "actor": SUBJECT_ACTOR + subject if r.actor == own else r.actor,
            }
            for r in rows
        ]

"""API tokens: only a SHA-256 of each token is stored, with its principal and role."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    bindparam,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Row

from socialcredit.store import schema as t
from socialcredit.store.pseudonyms import Pseudonymous, is_pseudonym

_Q_TOKEN = select(t.api_tokens).where(t.api_tokens.c.token_hash == bindparam("h"))


class TokenStore(Pseudonymous):
    """API tokens."""

    def insert_token(self, conn: Connection, row: dict[str, str]) -> None:
        """A token row as chained; a subject's token names its pseudonym (refused otherwise)."""
        if row.get("role") == "subject" and not is_pseudonym(str(row.get("principal"))):
            raise ValueError("a subject token's principal must be its pseudonym")
        conn.execute(insert(t.api_tokens), [row])

    def find_token(self, conn: Connection, token_hash: str) -> Row[Any] | None:
        return conn.execute(_Q_TOKEN, {"h": token_hash}).first()

    def find_token_now(self, token_hash: str) -> SimpleNamespace | None:
        """``find_token`` as one statement on a pooled driver connection, in no transaction,
        with ``subject_id``: the ID the principal's key row maps it to (None without one).

        Run before every authenticated request: a snapshot through SQLAlchemy (connect,
        ``BEGIN``, the query, ``COMMIT``) costs six times the look-up (issue 16). On
        SQLite the connection is in autocommit, so the statement is its own read; on
        PostgreSQL the pool rolls back what it began when the connection returns.
        """
        mark = "?" if self.dialect == "sqlite" else "%s"
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                # With the ID a subject's principal (its pseudonym) maps back to while its
                # key row does: a second read, in a transaction of its own, was three
                # quarters of a subject token's authentication (issue 16).
                cursor.execute(
                    "SELECT principal, role, expires, revoked, (SELECT subject_id FROM "  # noqa: S608 - fixed text
                    "subject_keys WHERE subject_keys.subject = api_tokens.principal) "
                    f"FROM api_tokens WHERE token_hash = {mark}",
                    (token_hash,),
                )
                row = cursor.fetchone()
            finally:
                cursor.close()
        finally:
            raw.close()
        if row is None:
            return None
        return SimpleNamespace(
            principal=row[0], role=row[1], expires=row[2], revoked=row[3], subject_id=row[4]
        )

    def tokens(
        self, conn: Connection, principal: str | None = None, id_prefix: str | None = None
    ) -> list[Row[Any]]:
        q = select(t.api_tokens).order_by(t.api_tokens.c.created, t.api_tokens.c.token_hash)
        if principal is not None:  # a subject's tokens by its ID or its pseudonym
            named = {principal, self.pseudonym(conn, principal)}
            q = q.where(t.api_tokens.c.principal.in_(sorted(named)))
        if id_prefix is not None:
            q = q.where(t.api_tokens.c.token_hash.startswith(id_prefix, autoescape=True))
        return list(conn.execute(q))

    def revoke_tokens(self, conn: Connection, hashes: Sequence[str], at: str, reason: str) -> None:
        if hashes:
            conn.execute(
                t.api_tokens.update()
                .where(t.api_tokens.c.token_hash.in_(list(hashes)))
                .where(t.api_tokens.c.revoked.is_(None))
                .values(revoked=at, revoked_reason=reason[:200])
            )

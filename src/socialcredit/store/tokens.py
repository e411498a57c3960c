"""API tokens: only a SHA-256 of each token is stored, with its principal and role."""

from __future__ import annotations

from collections.abc import Sequence
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

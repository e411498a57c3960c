"""Tree heads of the transparency log as signed (append-only: a head is never taken back)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    insert,
    select,
)
from sqlalchemy.engine import Connection

from socialcredit.store import schema as t
from socialcredit.store.engine import StoreBase


class HeadStore(StoreBase):
    """Signed tree heads."""

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

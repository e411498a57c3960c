"""The transparency log over the ledger."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application.base import (
    Base,
    leaf_for,
)
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.transparency import heads, merkle


class TransparencyLog(Base):
    def _log_key(self, conn: Connection) -> bytes:
        value = self.store.meta_get(conn, "log_private_key")
        if value is None:
            private, _ = heads.generate_key()
            self.store.meta_put(conn, "log_private_key", private.hex())
            value = private.hex()
        return bytes.fromhex(value)

    def _tree(self, conn: Connection) -> tuple[merkle.MerkleLog, list[int]]:
        rows = self.store.leaf_rows(conn)
        ids = [r[0] for r in rows]
        return merkle.MerkleLog([leaf_for(i, h) for i, h in rows]), ids

    def log_public_key(self) -> bytes:
        with self.store.transaction() as conn:
            self._ready(conn)
            return heads.public_key_of(self._log_key(conn))

    def log_head(self) -> tuple[heads.TreeHead, bytes]:
        """Sign the current tree head and keep it; publishing it pins history."""
        with self.store.transaction() as conn:
            self._ready(conn)
            key = self._log_key(conn)
            tree, _ = self._tree(conn)
            head = heads.sign_head(key, tree.size, tree.root(), self._now())
            self.store.insert_head(
                conn,
                {
                    "size": head.size,
                    "root": head.root.hex(),
                    "timestamp": head.timestamp,
                    "signature": head.signature.hex(),
                },
            )
        return head, heads.public_key_of(key)

    def log_prove_inclusion(self, event_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """A signed head for the current size and the inclusion proof of one entry."""
        head, _ = self.log_head()
        with self.store.transaction() as conn:
            tree, ids = self._tree(conn)
            if event_id not in ids or ids.index(event_id) >= head.size:
                raise NotFound(f"unknown event {event_id}", field="event")
            index = ids.index(event_id)
            proof = heads.inclusion_json(
                index, head.size, tree.levels[0][index], tree.inclusion_proof(index, head.size)
            )
        return heads.head_to_json(head), proof

    def log_prove_consistency(self, old: int, new: int) -> tuple[dict[str, Any], dict[str, Any]]:
        with self.store.transaction() as conn:
            self._ready(conn)
            key = self._log_key(conn)
            tree, _ = self._tree(conn)
            if not 0 <= old <= new <= tree.size:
                raise BadInput(f"sizes must satisfy 0 <= OLD <= NEW <= {tree.size}", field="size")
            head = heads.sign_head(key, new, tree.root(new), self._now())
            proof = heads.consistency_json(
                old, new, tree.root(old), tree.consistency_proof(old, new)
            )
        return heads.head_to_json(head), proof

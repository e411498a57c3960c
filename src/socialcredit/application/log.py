"""The transparency log over the ledger: heads that cannot be taken back.

A head is signed only on write (``init``, ``log head``, the server's schedule), at most
once per tree size, and only if the tree extends the last head signed: a consistency
proof from that head to the new tree is computed and checked before signing. Reads
(``GET /v1/log/head``, the /log page, proofs) publish heads already signed and never
sign. The signing key lives outside the store (``transparency/signer.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application import chaining
from socialcredit.application.base import (
    Part,
    leaf_for,
)
from socialcredit.core.errors import BadInput, IntegrityError, NotFound
from socialcredit.transparency import heads, merkle
from socialcredit.transparency.signer import (
    KeyFileError,
    Signer,
    load_signer,
    write_key_file,
)

LEGACY_KEY = "log_private_key"  # where stores before issue 11 kept the key: in the store


def signer_of(app: Part) -> Signer:
    """The configured signer; a one-line BadInput when the key is missing or exposed."""
    path = app.settings.log_key_path()
    if not app.settings.log_signer and not path.exists():
        raise BadInput(
            f"log signing key {path} not found: run `socialcredit init` to create it, or set "
            "SOCIALCREDIT_LOG_KEY to its path",
            field="log-key",
        )
    try:
        return load_signer(path, app.settings.log_signer)
    except KeyFileError as exc:
        raise BadInput(str(exc), field="log-key") from None


def ensure_key(app: Part, conn: Connection) -> Path | None:
    """Create the key file (0600) if absent; move a key kept in the store out of it.

    Returns the path when a key file was written. A key found in the store is moved to
    the file only if no file exists; either way it is deleted from the store, which must
    never hold it again (and it should be rotated: see docs/operations.md).
    """
    legacy = app.store.meta_get(conn, LEGACY_KEY)
    if app.settings.log_signer:
        if legacy is not None:
            app.store.meta_delete(conn, LEGACY_KEY)
        return None
    path = app.settings.log_key_path()
    written = None
    if not path.exists():
        private = bytes.fromhex(legacy) if legacy else heads.generate_key()[0]
        try:
            write_key_file(path, private)
        except OSError as exc:
            raise BadInput(
                f"cannot create log signing key {path}: {exc}", field="log-key"
            ) from None
        written = path
    if legacy is not None:
        app.store.meta_delete(conn, LEGACY_KEY)
    signer_of(app)  # refuse now, at init, a key file others can read
    return written


def _tree(app: Part, conn: Connection) -> tuple[merkle.MerkleLog, list[int]]:
    rows = app.store.leaf_rows(conn)
    ids = [r[0] for r in rows]
    return merkle.MerkleLog([leaf_for(i, h) for i, h in rows]), ids


def _stored(row: dict[str, Any]) -> heads.TreeHead:
    return heads.head_from_json(row)


def sign_if_extends(
    app: Part, conn: Connection, *, strict: bool = True
) -> tuple[heads.TreeHead, bytes] | None:
    """Seal pending access records, then sign the tree iff it extends the last head.

    ``strict=False`` (``init``) skips signing instead of raising when the store does not
    extend its last head, so an operator can still open it; ``ledger verify`` reports why.
    """
    signer = signer_of(app)
    public = signer.public_key()
    app.store.lock_appends(conn)
    tree, _ = _tree(app, conn)
    last_row = app.store.latest_signed_head(conn)
    try:
        last = _refuse_unless_extends(tree, last_row, public)
    except IntegrityError:
        if strict:
            raise
        return None
    sealed = chaining.seal_access(app, conn)
    if sealed is not None:
        tip_id, tip_hash = app.store.tip(conn)
        tree.append(leaf_for(tip_id, tip_hash))
    if last is not None and tree.size == last.size:
        return last, public
    head = heads.sign_head_with(signer, tree.size, tree.root(), app._now())
    app.store.insert_signed_head(conn, heads.head_to_json(head) | {"public_key": public.hex()})
    return head, public


def _refuse_unless_extends(
    tree: merkle.MerkleLog, last_row: dict[str, Any] | None, public: bytes
) -> heads.TreeHead | None:
    """The last signed head, after checking the tree extends it (RFC 9162 consistency)."""
    if last_row is None:
        return None
    last = _stored(last_row)
    if last_row["public_key"] != public.hex() or not heads.verify_head(public, last):
        raise IntegrityError(
            f"refusing to sign: the last signed head (size {last.size}) does not verify with "
            f"this log key {public.hex()[:16]}...: the key was replaced, or the head forged"
        )
    if tree.size < last.size:
        raise IntegrityError(
            f"refusing to sign: the log has {tree.size} entries, fewer than the {last.size} "
            "of the last signed head (entries were deleted; run `socialcredit ledger verify`)"
        )
    proof = tree.consistency_proof(last.size)
    if not merkle.verify_consistency(last.size, tree.size, last.root, tree.root(), proof):
        raise IntegrityError(
            f"refusing to sign: the log of {tree.size} entries does not extend the signed "
            f"head of size {last.size} (history was rewritten; run `socialcredit ledger "
            "verify`)"
        )
    return last


class Log(Part):
    """The transparency log: signed tree heads and the proofs under them."""

    def public_key(self) -> bytes:
        return signer_of(self).public_key()

    def sign_head(self) -> tuple[heads.TreeHead, bytes]:
        """Sign the current tree head if it extends the last one, and keep it (a write)."""
        with self.store.transaction() as conn:
            self._ready(conn)
            signed = sign_if_extends(self, conn)
        assert signed is not None  # strict: refusals raise
        return signed

    def latest_head(self) -> tuple[heads.TreeHead, bytes]:
        """The newest head signed so far, with its public key; never signs (a read)."""
        with self.store.transaction() as conn:
            self._ready(conn)
            row = self.store.latest_signed_head(conn)
        if row is None:
            raise NotFound("no tree head has been signed yet: run `socialcredit log head`")
        return _stored(row), bytes.fromhex(row["public_key"])

    def signed_heads(self) -> list[dict[str, Any]]:
        with self.store.transaction() as conn:
            self._ready(conn)
            return self.store.signed_heads(conn)

    def _signed_tree(
        self, conn: Connection, size: int | None
    ) -> tuple[heads.TreeHead, merkle.MerkleLog, list[int]]:
        row = (
            self.store.latest_signed_head(conn)
            if size is None
            else self.store.signed_head_of_size(conn, size)
        )
        if row is None:
            raise NotFound(
                "no tree head has been signed yet: run `socialcredit log head`"
                if size is None
                else f"no signed head of size {size} (proofs are given against signed heads)",
                field="size",
            )
        head = _stored(row)
        tree, ids = _tree(self, conn)
        if head.size > tree.size or tree.root(head.size) != head.root:
            raise IntegrityError(
                f"the store no longer matches its signed head of size {head.size}: run "
                "`socialcredit ledger verify`"
            )
        return head, tree, ids

    def prove_inclusion(
        self, event_id: int, *, sign: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The latest signed head and the inclusion proof of one entry under it.

        ``sign`` (the operator console) signs a new head first; over HTTP (a read) the
        entry must already be covered by a signed head.
        """
        if sign:
            self.sign_head()
        with self.store.transaction() as conn:
            self._ready(conn)
            head, tree, ids = self._signed_tree(conn, None)
            if event_id not in ids:
                raise NotFound(f"unknown event {event_id}", field="event")
            index = ids.index(event_id)
            if index >= head.size:
                raise NotFound(
                    f"entry {event_id} is not yet covered by a signed head (latest size "
                    f"{head.size}); heads are signed by `log head` and on the server's schedule",
                    field="event",
                )
            proof = heads.inclusion_json(
                index, head.size, tree.levels[0][index], tree.inclusion_proof(index, head.size)
            )
        return heads.head_to_json(head), proof

    def prove_consistency(
        self, old: int, new: int | None = None, *, sign: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A signed head (of size ``new``, default the latest) and the proof that it
        extends the first ``old`` entries. Never signs a head for an arbitrary size."""
        if sign:
            self.sign_head()
        with self.store.transaction() as conn:
            self._ready(conn)
            head, tree, _ = self._signed_tree(conn, new)
            if not 0 <= old <= head.size:
                raise BadInput(f"sizes must satisfy 0 <= OLD <= NEW = {head.size}", field="size")
            proof = heads.consistency_json(
                old, head.size, tree.root(old), tree.consistency_proof(old, head.size)
            )
        return heads.head_to_json(head), proof

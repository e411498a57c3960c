"""Chain entries for the things that are not conduct but can still change an answer.

DESIGN principle 6: a published document, a subject's registration, an API token, a key
deletion and the access records are all promises or inputs of a decision, so each is
committed to by an entry of the one hash chain (and so a leaf of the Merkle log). The
table rows stay where they are; the chain holds a digest of each row as written, and
``ledger verify`` recomputes the digests. No personal data goes on the chain in clear:
a registration carries the subject ID (as conduct entries do) and digests, nothing more.

Shards: every entry type here is independent of the others' order, so a later
``chain`` column can route them to separate chains under one signed head (the Merkle
leaf already commits to (entry id, chain hash), see ``application.base.leaf_for``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from socialcredit.core.ledger import Event

PUBLISHED = "document.published"
REGISTERED = "subject.registered"
TOKEN_ISSUED = "token.issued"  # noqa: S105 - an entry type, not a secret
TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an entry type
ACCESS_BATCH = "access.batch"
KEY_ISSUED = "subject.key"  # a fresh data key after an erasure (records made later)
ERASED = "subject.erased"  # written by erasure (due process); the key deletion entry

# Entries that exist for the chain only: never part of a subject's standing.
CHAIN_ONLY = (PUBLISHED, REGISTERED, TOKEN_ISSUED, TOKEN_REVOKED, ACCESS_BATCH, KEY_ISSUED)

_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, date):
        return value.isoformat()
    return value


def digest(row: Mapping[str, Any], columns: Sequence[str] | None = None) -> str:
    """SHA-256 of a canonical encoding of a row (or of the named columns of it)."""
    cols = sorted(row) if columns is None else sorted(columns)
    body = {c: _plain(row.get(c)) for c in cols}
    return hashlib.sha256(_CANON.encode(body).encode()).hexdigest()


def batch_digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """One digest over a batch of access rows, in id order: any edit or deletion shows."""
    h = hashlib.sha256()
    for row in rows:
        h.update(digest(row).encode("ascii"))
        h.update(b"\n")
    return h.hexdigest()


def key_commitment(subject: str, key: bytes, created: str) -> str:
    """Commits to a subject's data key without revealing it (a swapped key shows)."""
    h = hashlib.sha256(b"socialcredit-subject-key-v1\n")
    h.update(f"{subject}\n{created}\n".encode())
    h.update(key)
    return h.hexdigest()


def published(
    kind: str, ident: str, version: str, sha256: str, source: str, *, by: str, on: date, at: str
) -> Event:
    """A document's publication: its SHA-256 and its full source, so loads can be checked."""
    return Event(
        id=0,
        type=PUBLISHED,
        subject="",
        authority=by,
        occurred=on,
        recorded=at,
        data={"kind": kind, "id": ident, "version": version, "sha256": sha256, "source": source},
    )


def registered(subject: str, row: str, key: str, *, by: str, on: date, at: str) -> Event:
    """A subject's registration: its ID and digests of its row and of its data key."""
    return Event(
        id=0,
        type=REGISTERED,
        subject=subject,
        authority=by,
        occurred=on,
        recorded=at,
        data={"row": row, "key": key},
    )


def key_issued(subject: str, key: str, *, by: str, on: date, at: str) -> Event:
    """A subject's fresh data key (after an erasure): a commitment to it, nothing more."""
    return Event(
        id=0,
        type=KEY_ISSUED,
        subject=subject,
        authority=by,
        occurred=on,
        recorded=at,
        data={"key": key},
    )


def token_issued(token_hash: str, row: Mapping[str, Any], *, by: str, on: date, at: str) -> Event:
    """An API token's issue: the digest of its row as written (columns named)."""
    columns = sorted(row)
    return Event(
        id=0,
        type=TOKEN_ISSUED,
        subject="",
        authority=by,
        occurred=on,
        recorded=at,
        data={"token": token_hash, "columns": columns, "row": digest(row, columns)},
    )


def token_revoked(token_hash: str, reason: str, *, by: str, on: date, at: str) -> Event:
    return Event(
        id=0,
        type=TOKEN_REVOKED,
        subject="",
        authority=by,
        occurred=on,
        recorded=at,
        reason=reason,
        data={"token": token_hash},
    )


def access_batch(first: int, last: int, count: int, sha256: str, *, on: date, at: str) -> Event:
    """Seals access records ``first..last`` (ids): their count and batch digest."""
    return Event(
        id=0,
        type=ACCESS_BATCH,
        subject="",
        authority="system:access-log",
        occurred=on,
        recorded=at,
        data={"first": first, "last": last, "count": count, "sha256": sha256},
    )

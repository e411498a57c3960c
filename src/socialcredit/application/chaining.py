"""Putting what is not conduct on the hash chain (DESIGN principle 6, issue 11).

Each function appends the chain entry for one kind of write, in the caller's
transaction, so the row and the entry that commits to it commit or vanish together.
The entry shapes are in ``core/trust.py``; the checks that recompute them are in
``application/integrity.py``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application.base import Actor, Part
from socialcredit.core import trust
from socialcredit.core.documents import Document, doc_id, doc_kind
from socialcredit.core.ledger import Event

SUBJECT_ROW = ("id", "kind", "name", "registered")


def publication(app: Part, conn: Connection, book: Document, actor: Actor) -> Event:
    """Chain a document's publication with its SHA-256 and full source."""
    (done,) = app.store.append(
        conn,
        [
            trust.published(
                doc_kind(book),
                doc_id(book),
                book.version,
                book.sha256,
                book.source,
                by=actor.principal,
                on=app._today(),
                at=app._now(),
            )
        ],
    )
    return done


def registrations(
    app: Part,
    conn: Connection,
    subjects: Sequence[Mapping[str, Any]],
    keys: Sequence[Mapping[str, Any]],
    actor: Actor,
) -> None:
    """Chain each subject's registration: a digest of its row and of its key, as stored.

    The store keeps the subject under its pseudonym (``store/pseudonyms.py``), so the
    digests are of the row and key as stored, which is what ``ledger verify`` re-reads.
    """
    by_subject = {k["subject"]: k for k in keys}
    entries = []
    for row in subjects:
        k = by_subject.get(row["id"])
        p = app.store.pseudonym(conn, row["id"])
        entries.append(
            trust.registered(
                p,
                trust.digest({**row, "id": p}, SUBJECT_ROW),
                trust.key_commitment(p, bytes(k["key"]), k["created"]) if k else "",
                by=actor.principal,
                on=app._today(),
                at=app._now(),
            )
        )
    app.store.append(conn, entries)


def token_issued(app: Part, conn: Connection, row: Mapping[str, Any], actor: Actor) -> None:
    """Chain an API token's issue: call right after inserting its row, same transaction.

    Every column of ``row`` as inserted is committed to (names listed in the entry), so
    a token row edited later (another role, another principal) or inserted behind the
    application's back is reported by ``ledger verify``. Columns added later that change
    after issue (e.g. a revocation time) are simply not part of the issue row.
    """
    app.store.append(
        conn,
        [
            trust.token_issued(
                str(row["token_hash"]), row, by=actor.principal, on=app._today(), at=app._now()
            )
        ],
    )


def token_revoked(app: Part, conn: Connection, token_hash: str, reason: str, actor: Actor) -> None:
    """Chain a token's revocation (for issue 15's revoke: call it in the same transaction
    that marks or deletes the row). After it, ``ledger verify`` no longer requires the
    token's row to exist or to match its issue digest."""
    app.store.append(
        conn,
        [
            trust.token_revoked(
                token_hash, reason, by=actor.principal, on=app._today(), at=app._now()
            )
        ],
    )


def seal_access(app: Part, conn: Connection) -> Event | None:
    """Commit the access records written since the last batch to the chain, if any.

    Each read writes its access row in the read's own transaction (cheap); this seals
    them into one chained ``access.batch`` entry (id range, count, digest). It runs
    before every signed head, so a head covers every access record older than it.
    """
    app.store.lock_access(conn)
    last = app.store.last_of_type(conn, trust.ACCESS_BATCH)
    after = int(last.data["last"]) if last else 0
    rows = app.store.access_rows(conn, after)
    if not rows:
        return None
    (done,) = app.store.append(
        conn,
        [
            trust.access_batch(
                after + 1,
                int(rows[-1]["id"]),
                len(rows),
                trust.batch_digest(rows),
                on=app._today(),
                at=app._now(),
            )
        ],
    )
    return done


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def backfill(app: Part, conn: Connection) -> int:
    """Chain what a store made before issue 11 holds unchained (run by ``init``).

    Documents, subjects and tokens without an entry get one now, as they are: the
    upgrade trusts the store once, at the moment it is run, and from then on any change
    shows. Returns the number of entries written.
    """
    entries: list[Event] = []
    chained = app.store.publication_entries(conn)
    for row in app.store.table_rows(conn, "rulebooks"):
        if (row["kind"], row["scheme"], row["version"]) not in chained:
            entries.append(
                trust.published(
                    row["kind"],
                    row["scheme"],
                    row["version"],
                    row["sha256"],
                    row["source"],
                    by="system:upgrade",
                    on=app._today(),
                    at=app._now(),
                )
            )
    registered = {
        e.subject for e in app.store.events_of_types(conn, [trust.REGISTERED], stored=True)
    }
    keys = {k["subject"]: k for k in app.store.table_rows(conn, "subject_keys")}
    for row in app.store.table_rows(conn, "subjects"):
        if row["id"] not in registered:
            k = keys.get(row["id"])
            entries.append(
                trust.registered(
                    row["id"],
                    trust.digest(row, SUBJECT_ROW),
                    trust.key_commitment(row["id"], bytes(k["key"]), k["created"]) if k else "",
                    by="system:upgrade",
                    on=app._today(),
                    at=app._now(),
                )
            )
    issued = {e.data.get("token") for e in app.store.events_of_types(conn, [trust.TOKEN_ISSUED])}
    for row in app.store.table_rows(conn, "api_tokens"):
        if row["token_hash"] not in issued:
            entries.append(
                trust.token_issued(
                    row["token_hash"], row, by="system:upgrade", on=app._today(), at=app._now()
                )
            )
    app.store.append(conn, entries)
    return len(entries)


def access_each(
    app: Part,
    conn: Connection,
    actor: Actor,
    action: str,
    per_subject: Mapping[str, Mapping[str, Any]],
) -> None:
    """One access record per subject whose data a many-subject view showed (the review
    queue, the registrar desk), so each subject sees the read in their own record; the
    caller still writes its one aggregate record with the count."""
    stated = actor.purpose.strip() or "own record"
    app.store.record_access(
        conn,
        [
            {
                "at": app._now(),
                "actor": actor.principal,
                "role": actor.role,
                "action": action,
                "subject": sid,
                "purpose": stated,
                "detail": json.dumps(dict(detail), sort_keys=True, default=str),
            }
            for sid, detail in sorted(per_subject.items())
        ],
    )

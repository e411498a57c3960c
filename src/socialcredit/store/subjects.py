"""Subjects and their data keys: registration rows, the keys erasure deletes.

Both tables are keyed by the subject's pseudonym (``store/pseudonyms.py``); the key row
alone also holds the identifier, so deleting it (erasure) leaves nothing in the store
that leads back to the person. Every method takes IDs and answers with IDs (or with the
pseudonym of a subject whose key row is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    bindparam,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Row

from socialcredit.core import trust
from socialcredit.store import schema as t
from socialcredit.store.pseudonyms import Pseudonymous, canonical_id, is_pseudonym

_Q_SUBJECT = select(t.subjects).where(t.subjects.c.id == bindparam("id"))
_Q_KEY = select(t.subject_keys.c.key).where(t.subject_keys.c.subject == bindparam("subject"))


class SubjectStore(Pseudonymous):
    """Subjects and per-subject keys."""

    def get_subject(self, conn: Connection, ident: str) -> Row[Any] | None:
        """The subject's row (its ``id`` column holds the pseudonym; ``kind``, ``name``)."""
        return conn.execute(_Q_SUBJECT, {"id": self.pseudonym(conn, ident)}).first()

    def subject_view(
        self, conn: Connection, ident: str
    ) -> tuple[str, str, bytes | None, tuple[str | None, int, bool]] | None:
        """Kind, (sealed) name and key of a registered subject, and its ``subject_state``,
        in one query: what an own-record export reads first (three statements through
        SQLAlchemy cost a third of an export with few records, issue 16).
        """
        p = self.pseudonym(conn, ident)
        rows = self._fetch(
            conn,
            "SELECT kind, name, (SELECT key FROM subject_keys WHERE subject = ?), "
            "(SELECT max(id) FROM events WHERE subject = ?), "
            "(SELECT count(*) FROM events WHERE subject = ? AND type != ?) "
            "FROM subjects WHERE id = ?",
            (p, p, p, trust.REGISTERED, p),
        )
        if not rows:
            return None
        kind, name, key, tip, entries = rows[0]
        state = (str(kind), int(tip or 0), bool(entries))
        return str(kind), str(name), (bytes(key) if key is not None else None), state

    def subject_kinds(self, conn: Connection, idents: Iterable[str]) -> dict[str, str]:
        """{given identifier: kind} of those registered."""
        given = self._pseudonyms_of(conn, idents)
        back = {p: i for i, p in given.items()}
        rows = self._fetch_in(conn, "SELECT id, kind FROM subjects WHERE id IN ({})", list(back))
        return {back[p]: kind for p, kind in rows}

    def insert_subjects(self, conn: Connection, rows: Sequence[dict[str, str]]) -> None:
        """Rows as the application built them (``id`` the ID), stored under pseudonyms."""
        if rows:
            conn.execute(
                insert(t.subjects),
                [{**r, "id": self._stored_as(conn, r["id"])} for r in rows],
            )

    def subject_state(self, conn: Connection, subject: str) -> tuple[str | None, int, bool]:
        """The subject's kind (None if not registered), last ledger id, and whether it has
        entries beyond its registration (what ``events_for`` lists), in one query.

        Most subjects a desk checks have nothing but their registration: knowing it here
        saves the ledger read of a standing computed afresh (issue 16).
        """
        p = self.pseudonym(conn, subject)
        rows = self._fetch(
            conn,
            "SELECT (SELECT kind FROM subjects WHERE id = ?), "
            "(SELECT max(id) FROM events WHERE subject = ?), "
            "(SELECT count(*) FROM events WHERE subject = ? AND type != ?)",
            (p, p, p, trust.REGISTERED),
        )
        kind, tip, entries = rows[0]
        return (str(kind) if kind is not None else None), int(tip or 0), bool(entries)

    def subjects_page(self, conn: Connection, kind: str | None = None) -> list[str]:
        """Registered subjects: IDs, and the pseudonyms of erased ones (IDs first, sorted)."""
        q = select(t.subjects.c.id)
        if kind:
            q = q.where(t.subjects.c.kind == kind)
        shown = self._shown(conn, [r.id for r in conn.execute(q)])
        return sorted(shown.values(), key=lambda v: (is_pseudonym(v), v))

    def insert_keys(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Key rows ``{subject: ID, key, created}``: stored under the pseudonym, with the ID.

        A subject known only by its pseudonym (erased, then written to by the system)
        gets a key row without an ID; it is filled in by nobody, since nobody told the
        store the ID again.
        """
        if rows:
            conn.execute(
                insert(t.subject_keys),
                [
                    {
                        **r,
                        "subject": self._stored_as(conn, r["subject"]),
                        "subject_id": canonical_id(r["subject"]) or "",
                    }
                    for r in rows
                ],
            )

    def get_key(self, conn: Connection, subject: str) -> bytes | None:
        row = conn.execute(_Q_KEY, {"subject": self.pseudonym(conn, subject)}).first()
        return bytes(row.key) if row else None

    def get_keys(self, conn: Connection, subjects: Iterable[str]) -> dict[str, bytes]:
        """{given identifier: key} of those with a key."""
        given = self._pseudonyms_of(conn, subjects)
        back = {p: i for i, p in given.items()}
        rows = self._fetch_in(
            conn, "SELECT subject, key FROM subject_keys WHERE subject IN ({})", list(back)
        )
        return {back[p]: bytes(key) for p, key in rows}

    def delete_key(self, conn: Connection, subject: str) -> bool:
        """Delete a subject's key row (the caller records the erasure in the same transaction).

        The row is gone for every reader at commit, and with it the identifier; copies
        in files are dealt with after the commit by ``shred_keys``.
        """
        p = self.pseudonym(conn, subject)
        res = conn.execute(t.subject_keys.delete().where(t.subject_keys.c.subject == p))
        return bool(res.rowcount)

    def key_dates(self, conn: Connection, subjects: Sequence[str]) -> dict[str, str]:
        """When each of these subjects' current key was created (by the identifier given)."""
        given = self._pseudonyms_of(conn, subjects)
        back = {p: i for i, p in given.items()}
        ps = list(back)
        out: dict[str, str] = {}
        k = t.subject_keys
        for i in range(0, len(ps), 500):
            rows = conn.execute(
                select(k.c.subject, k.c.created).where(k.c.subject.in_(ps[i : i + 500]))
            )
            out.update({back[r.subject]: r.created for r in rows})
        return out

    def keyed_without_events(self, conn: Connection) -> list[tuple[str, str, str]]:
        """(id, kind, registered) of subjects with a key and no ledger entry at all."""
        s, k, e = t.subjects, t.subject_keys, t.events
        q = (
            select(s.c.id, k.c.subject_id, s.c.kind, s.c.registered)
            .join(k, k.c.subject == s.c.id)
            .where(
                ~select(e.c.id)
                .where(e.c.subject == s.c.id)
                .where(e.c.type.not_in(trust.CHAIN_ONLY))  # a registration is not a record
                .exists()
            )
            .order_by(k.c.subject_id)
        )
        return [(r.subject_id or r.id, r.kind, r.registered) for r in conn.execute(q)]

    def keyed_subjects(self, conn: Connection) -> set[str]:
        """Subjects holding a key: IDs (pseudonyms for a key row without one)."""
        k = t.subject_keys
        rows = conn.execute(select(k.c.subject, k.c.subject_id))
        return {r.subject_id or r.subject for r in rows}

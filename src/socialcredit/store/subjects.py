"""Subjects and their data keys: registration rows, the keys erasure deletes."""

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
from socialcredit.store.engine import StoreBase

_Q_SUBJECT = select(t.subjects).where(t.subjects.c.id == bindparam("id"))
_Q_KEY = select(t.subject_keys.c.key).where(t.subject_keys.c.subject == bindparam("subject"))


class SubjectStore(StoreBase):
    """Subjects and per-subject keys."""

    def get_subject(self, conn: Connection, ident: str) -> Row[Any] | None:
        return conn.execute(_Q_SUBJECT, {"id": ident}).first()

    def subject_kinds(self, conn: Connection, idents: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = list(set(idents))
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = conn.execute(
                select(t.subjects.c.id, t.subjects.c.kind).where(t.subjects.c.id.in_(chunk))
            )
            out.update({r.id: r.kind for r in rows})
        return out

    def insert_subjects(self, conn: Connection, rows: Sequence[dict[str, str]]) -> None:
        if rows:
            conn.execute(insert(t.subjects), list(rows))

    def subject_state(self, conn: Connection, subject: str) -> tuple[str | None, int]:
        """The subject's kind (None if not registered) and last ledger id, in one query."""
        rows = self._fetch(
            conn,
            "SELECT (SELECT kind FROM subjects WHERE id = ?), "
            "(SELECT max(id) FROM events WHERE subject = ?)",
            (subject, subject),
        )
        kind, tip = rows[0]
        return (str(kind) if kind is not None else None), int(tip or 0)

    def subjects_page(self, conn: Connection, kind: str | None = None) -> list[str]:
        q = select(t.subjects.c.id)
        if kind:
            q = q.where(t.subjects.c.kind == kind)
        return [r.id for r in conn.execute(q.order_by(t.subjects.c.id))]

    def insert_keys(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            conn.execute(insert(t.subject_keys), list(rows))

    def get_key(self, conn: Connection, subject: str) -> bytes | None:
        row = conn.execute(_Q_KEY, {"subject": subject}).first()
        return bytes(row.key) if row else None

    def get_keys(self, conn: Connection, subjects: Iterable[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        ids = list(set(subjects))
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(t.subject_keys.c.subject, t.subject_keys.c.key).where(
                    t.subject_keys.c.subject.in_(ids[i : i + 500])
                )
            )
            out.update({r.subject: bytes(r.key) for r in rows})
        return out

    def delete_key(self, conn: Connection, subject: str) -> bool:
        """Delete a subject's key row (the caller records the erasure in the same transaction).

        The row is gone for every reader at commit; copies in files are dealt with after
        the commit by ``shred_keys``.
        """
        res = conn.execute(t.subject_keys.delete().where(t.subject_keys.c.subject == subject))
        return bool(res.rowcount)

    def key_dates(self, conn: Connection, subjects: Sequence[str]) -> dict[str, str]:
        """When each of these subjects' current key was created."""
        out: dict[str, str] = {}
        k = t.subject_keys
        for i in range(0, len(subjects), 500):
            rows = conn.execute(
                select(k.c.subject, k.c.created).where(k.c.subject.in_(subjects[i : i + 500]))
            )
            out.update({r.subject: r.created for r in rows})
        return out

    def keyed_without_events(self, conn: Connection) -> list[tuple[str, str, str]]:
        """(id, kind, registered) of subjects with a key and no ledger entry at all."""
        s, k, e = t.subjects, t.subject_keys, t.events
        q = (
            select(s.c.id, s.c.kind, s.c.registered)
            .join(k, k.c.subject == s.c.id)
            .where(
                ~select(e.c.id)
                .where(e.c.subject == s.c.id)
                .where(e.c.type.not_in(trust.CHAIN_ONLY))  # a registration is not a record
                .exists()
            )
            .order_by(s.c.id)
        )
        return [(r.id, r.kind, r.registered) for r in conn.execute(q)]

    def keyed_subjects(self, conn: Connection) -> set[str]:
        return {r.subject for r in conn.execute(select(t.subject_keys.c.subject))}

"""Published documents (rulebooks, lists, memoranda, the catalogue) and authorities.

A document row is loaded only once it matches the SHA-256 its publication entry put on
the chain, so a source edited in the database is refused rather than applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection

from socialcredit.core import trust
from socialcredit.core.documents import Document, doc_id, doc_kind, parse_document
from socialcredit.core.errors import BadInput
from socialcredit.core.errors import IntegrityError as Tampered
from socialcredit.core.ledger import Event, chain_hash
from socialcredit.core.rulebook import Rulebook, parse_rulebook
from socialcredit.store import schema as t
from socialcredit.store.engine import SCORING_KINDS, StoreBase
from socialcredit.store.rows import _event_from_row

_Q_DOC_SHAS = (
    select(t.rulebooks.c.sha256, t.rulebooks.c.scheme, t.rulebooks.c.version)
    .where(t.rulebooks.c.kind == bindparam("kind"))
    .order_by(t.rulebooks.c.scheme, t.rulebooks.c.effective)
)


class DocumentStore(StoreBase):
    """Rulebooks, lists, memoranda and authorities."""

    def insert_rulebook(self, conn: Connection, book: Document, published: str) -> bool:
        """Publish a version once; the same version with other content is refused."""
        ident, kind = doc_id(book), doc_kind(book)
        row = conn.execute(
            select(t.rulebooks.c.sha256).where(
                (t.rulebooks.c.scheme == ident) & (t.rulebooks.c.version == book.version)
            )
        ).first()
        if row is not None:
            if row.sha256 != book.sha256:
                raise BadInput(
                    f"{kind} {ident!r} version {book.version} is already published with "
                    "different content; publish a new version instead",
                    field="version",
                )
            return False
        conn.execute(
            insert(t.rulebooks),
            [
                {
                    "scheme": ident,
                    "version": book.version,
                    "effective": book.effective,
                    "kind": kind,
                    "sha256": book.sha256,
                    "source": book.source,
                    "published": published,
                }
            ],
        )
        return True

    def publication_entries(self, conn: Connection) -> dict[tuple[str, str, str], Event]:
        """Each document's publication entry, by (kind, id, version); self-checked.

        An entry whose own chain hash does not match is refused here, so an attacker
        cannot make a load pass by editing the entry too (that breaks ``ledger verify``).
        """
        rows = conn.execute(
            select(t.events).where(t.events.c.type == trust.PUBLISHED).order_by(t.events.c.id)
        ).all()
        out: dict[tuple[str, str, str], Event] = {}
        for r in rows:
            e = _event_from_row(r)
            if chain_hash(r.prev_hash, e) != r.hash:
                raise Tampered(
                    f"events row {e.id}: the publication entry was altered (its content does "
                    "not match its hash); run `socialcredit ledger verify`"
                )
            key = (str(e.data.get("kind")), str(e.data.get("id")), str(e.data.get("version")))
            out.setdefault(key, e)
        return out

    def _checked(self, conn: Connection, rows: Sequence[Any], *, mark: bool = True) -> None:
        """Refuse to load a document unless its source is the one its publication chained.

        Called for sources not yet parsed by this process, so the hot path stays one small
        query; a source edited in place (triggers dropped) is refused on the next load.
        """
        pubs = self.publication_entries(conn)
        for r in rows:
            label = f"{r.kind} {r.scheme!r} version {r.version}"
            actual = hashlib.sha256(r.source.encode("utf-8")).hexdigest()
            entry = pubs.get((r.kind, r.scheme, r.version))
            if entry is None:
                raise Tampered(
                    f"rulebooks row {label}: no publication entry in the chain (run "
                    "`socialcredit init` to chain documents published before; else it was "
                    "inserted behind the application's back)"
                )
            if actual != r.sha256 or actual != entry.data.get("sha256"):
                raise Tampered(
                    f"rulebooks row {label}: its source does not match the SHA-256 of its "
                    f"publication entry {entry.id}; refusing to load it"
                )
        if mark:
            for r in rows:
                self._verified.add((r.kind, r.scheme, r.version, r.sha256))

    def _parse(self, sha: str, source: str) -> Rulebook:
        book = self._books.get(sha)
        if book is None:
            book = parse_rulebook(source)
            self._books[sha] = book
        return book

    def rulebook_versions(self, conn: Connection, scheme: str) -> list[Rulebook]:
        rows = conn.execute(
            select(
                t.rulebooks.c.sha256,
                t.rulebooks.c.source,
                t.rulebooks.c.kind,
                t.rulebooks.c.scheme,
                t.rulebooks.c.version,
            )
            .where(t.rulebooks.c.scheme == scheme)
            .where(t.rulebooks.c.kind.in_(SCORING_KINDS))
            .order_by(t.rulebooks.c.effective)
        ).all()
        fresh = [r for r in rows if (r.kind, r.scheme, r.version, r.sha256) not in self._verified]
        if fresh:
            self._checked(conn, fresh)
        return [self._parse(r.sha256, r.source) for r in rows]

    def documents(self, conn: Connection, kind: str) -> list[Document]:
        """Published lists or memoranda (every version), parsed once per content hash.

        Only the hashes are read on each call; a source is fetched and parsed the first
        time its hash is seen, so the hot path of a check costs one small query.
        """
        listed = conn.execute(_Q_DOC_SHAS, {"kind": kind}).all()
        shas = [r.sha256 for r in listed]
        # A row is checked against its publication entry once per (id, version, hash):
        # a hash moved to another row (a source swapped between versions) is re-checked.
        missing = [
            (r.scheme, r.version)
            for r in listed
            if (kind, r.scheme, r.version, r.sha256) not in self._verified
        ]
        if missing:
            rows = conn.execute(
                select(
                    t.rulebooks.c.sha256,
                    t.rulebooks.c.source,
                    t.rulebooks.c.kind,
                    t.rulebooks.c.scheme,
                    t.rulebooks.c.version,
                )
                .where(t.rulebooks.c.kind == kind)
                .where(t.rulebooks.c.scheme.in_({m[0] for m in missing}))
            ).all()
            rows = [r for r in rows if (r.scheme, r.version) in set(missing)]
            self._checked(conn, rows, mark=False)
            for r in rows:
                if r.sha256 not in self._docs:
                    self._docs[r.sha256] = parse_document(r.source)
            # Marked checked only once parsed: another thread that skips the check must
            # find the parsed document (it met a KeyError when marked first).
            self._verified.update((r.kind, r.scheme, r.version, r.sha256) for r in rows)
        return [self._docs[h] for h in shas]

    def _doc(self, sha: str, source: str) -> Document:
        doc = self._docs.get(sha)
        if doc is None:
            doc = parse_document(source)
            self._docs[sha] = doc
        return doc

    def every_document(self, conn: Connection) -> list[Document]:
        """Every published version of every kind: the context a new publication is
        checked against (catalogue, measures, lists, schemes, memoranda)."""
        rows = conn.execute(
            select(t.rulebooks.c.sha256, t.rulebooks.c.source).order_by(
                t.rulebooks.c.scheme, t.rulebooks.c.effective
            )
        )
        return [self._doc(r.sha256, r.source) for r in rows]

    def document_versions(self, conn: Connection, ident: str) -> list[tuple[Document, str]]:
        """Every version of one document of any kind, oldest first, with the moment it
        was registered in this store."""
        rows = conn.execute(
            select(t.rulebooks.c.sha256, t.rulebooks.c.source, t.rulebooks.c.published)
            .where(t.rulebooks.c.scheme == ident)
            .order_by(t.rulebooks.c.effective, t.rulebooks.c.published)
        )
        return [(self._doc(r.sha256, r.source), str(r.published)) for r in rows]

    def document_ids(self, conn: Connection) -> list[tuple[str, str]]:
        rows = conn.execute(
            select(t.rulebooks.c.scheme, t.rulebooks.c.kind)
            .distinct()
            .order_by(t.rulebooks.c.kind, t.rulebooks.c.scheme)
        )
        return [(r.scheme, r.kind) for r in rows]

    def publication_mark(self, conn: Connection) -> str:
        """A short fingerprint of what is published (count and latest publication)."""
        row = conn.execute(
            select(func.count(), func.max(t.rulebooks.c.published)).select_from(t.rulebooks)
        ).one()
        return f"{row[0]}:{row[1]}"

    def publications(self, conn: Connection) -> dict[tuple[str, str], str]:
        """When each (document id, version) was published: for replays as known then."""
        rows = conn.execute(
            select(t.rulebooks.c.scheme, t.rulebooks.c.version, t.rulebooks.c.published)
        )
        return {(r.scheme, r.version): r.published for r in rows}

    def schemes(self, conn: Connection) -> list[str]:
        rows = conn.execute(
            select(t.rulebooks.c.scheme)
            .where(t.rulebooks.c.kind.in_(SCORING_KINDS))
            .distinct()
            .order_by(t.rulebooks.c.scheme)
        )
        return [r.scheme for r in rows]

    def documents_stamp(self, conn: Connection) -> tuple[str, ...]:
        """The content hashes of everything published: changes with every publication."""
        return tuple(sorted(r[0] for r in self._fetch(conn, "SELECT sha256 FROM rulebooks", ())))

    def insert_authority(
        self, conn: Connection, ident: str, name: str, kind: str, jurisdiction: str, at: str
    ) -> bool:
        if conn.execute(select(t.authorities.c.id).where(t.authorities.c.id == ident)).first():
            return False
        conn.execute(
            insert(t.authorities),
            [
                {
                    "id": ident,
                    "name": name,
                    "kind": kind,
                    "jurisdiction": jurisdiction,
                    "registered": at,
                }
            ],
        )
        return True

    def authority_kind(self, conn: Connection, ident: str) -> str | None:
        row = conn.execute(select(t.authorities.c.kind).where(t.authorities.c.id == ident)).first()
        return str(row.kind) if row else None

    def authority_ids(self, conn: Connection) -> set[str]:
        return {r.id for r in conn.execute(select(t.authorities.c.id))}

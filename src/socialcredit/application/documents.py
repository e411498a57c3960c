"""Documents: creating the store, publishing rulebooks, memoranda and lists, reading them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from socialcredit.application import chaining, log
from socialcredit.application.base import Actor, InitResult, Part, packaged_rulebooks
from socialcredit.core.documents import (
    Document,
    check_documents,
    doc_id,
    doc_kind,
    parse_document,
    refusal,
)
from socialcredit.core.errors import BadInput, NotFound
from socialcredit.core.rulebook import Rulebook


class Documents(Part):
    """The published documents: what every answer is derived under."""

    def init(self, actor: Actor, sources: Sequence[tuple[str, str]] | None = None) -> InitResult:
        """Create the schema and publish documents; running it again changes nothing.

        Creating a store is the one time a publication date comes from the documents
        themselves (their declared ``published`` date, the publisher's gazette): the
        store has answered nothing yet, so no answer can change. On an existing store
        every new document is published like ``publish``, on the clock's day.
        """
        files = list(sources if sources is not None else packaged_rulebooks())
        books: list[tuple[str, Document]] = []
        for name, text in files:
            try:
                books.append((name, parse_document(text)))
            except BadInput as exc:
                raise type(exc)(f"{name}: {exc.message}") from None
        published: list[str] = []
        already: list[str] = []
        n_auth = 0
        with self.store.transaction() as conn:
            fresh = not self.store.has_ledger(conn)  # (an old schema is checked by create)
            self.store.create(conn)
            log.ensure_key(self, conn)
            chaining.backfill(self, conn)
            stored = self.store.every_document(conn)
            have = {(doc_kind(d), doc_id(d), d.version) for d in stored}
            new = [
                (name, text)
                for (name, text), (_, book) in zip(files, books, strict=True)
                if (doc_kind(book), doc_id(book), book.version) not in have
            ]
            self._gate(new, stored, fresh=fresh)
            for _, book in books:
                label = f"{doc_kind(book)} {doc_id(book)} {book.version}"
                if self.store.insert_rulebook(conn, book, self._now()):
                    chaining.publication(self, conn, book, actor)
                    published.append(label)
                else:
                    already.append(label)
                for a in getattr(book, "authorities", ()):
                    if self.store.insert_authority(
                        conn, a.id, a.name, a.kind, a.jurisdiction, self._now()
                    ):
                        n_auth += 1
            log.sign_if_extends(self, conn, strict=False)
        return InitResult(published, already, n_auth)

    def _gate(
        self, files: Sequence[tuple[str, str]], stored: Sequence[Document], *, fresh: bool
    ) -> None:
        """Refuse, with every reason at once, anything the policy does not allow."""
        if not files:
            return
        findings = check_documents(
            files, stored, today=self._today(), declared_dates=fresh, offline=False
        )
        error = refusal(findings)
        if error is not None:
            raise error

    def publish(self, actor: Actor, text: str, name: str = "document") -> tuple[Document, bool]:
        """Publish a new version after the whole policy check: the catalogue gate, the
        bounds, the wording, its own examples, and dates (it takes effect on or after
        the clock's day, the publication date). The same version again is a no-op."""
        book = parse_document(text)
        with self.store.transaction() as conn:
            self._ready(conn)
            stored = self.store.every_document(conn)
            same = [
                d
                for d in stored
                if (doc_kind(d), doc_id(d), d.version)
                == (doc_kind(book), doc_id(book), book.version)
            ]
            if not same:  # the same version again is a no-op or refused by the store
                self._gate([(name, text)], stored, fresh=False)
            created = self.store.insert_rulebook(conn, book, self._now())
            if created:
                chaining.publication(self, conn, book, actor)
            for a in getattr(book, "authorities", ()):
                self.store.insert_authority(conn, a.id, a.name, a.kind, a.jurisdiction, self._now())
        return book, created

    def documents(self, ident: str) -> list[tuple[Document, str]]:
        """Every published version of a document of any kind, with when it was registered."""
        with self.store.transaction() as conn:
            self._ready(conn)
            versions = self.store.document_versions(conn, ident)
            if not versions:
                known = ", ".join(i for i, _ in self.store.document_ids(conn)) or "none"
                raise NotFound(f"unknown document {ident!r} (published: {known})", field="id")
        return versions

    def document_ids(self) -> list[tuple[str, str]]:
        with self.store.transaction() as conn:
            self._ready(conn)
            return self.store.document_ids(conn)

    def rulebook(self, scheme: str, on: date | None = None) -> list[Rulebook]:
        with self.store.transaction() as conn:
            self._ready(conn)
            versions = self._versions(conn, scheme)
        if on is not None:
            versions = [v for v in versions if v.effective <= on] or versions[:1]
        return versions

    def schemes(self) -> list[str]:
        with self.store.transaction() as conn:
            self._ready(conn)
            return self.store.schemes(conn)

"""``ledger verify``: every table that can change an answer, checked against the chain.

The hash chain proves the entries are as written; the chain-only entries of
``core/trust.py`` carry digests of the rows that are not entries (documents, subjects,
keys, tokens, access records), so this walk recomputes each digest and names the first
row that disagrees, and its table. What the chain alone cannot see (the tail deleted,
or an entry edited and every hash after it recomputed) is caught by the signed heads:
those kept in the store, one passed with ``--against``, or those a witness holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application.base import Part
from socialcredit.application.chaining import SUBJECT_ROW
from socialcredit.application.log import LEGACY_KEY, _tree, signer_of
from socialcredit.core import trust
from socialcredit.core.errors import BadInput
from socialcredit.core.ledger import Event, verify_chain
from socialcredit.transparency import heads

# What a revocation writes to an api_tokens row (``Store.revoke_tokens``).
_REVOCATION_COLUMNS = ("revoked", "revoked_reason")


@dataclass(frozen=True)
class Finding:
    """The first thing that does not verify: its table, its row, and why."""

    table: str
    row: str
    message: str
    event_id: int | None = None


def _by_type(entries: Sequence[Event], kind: str) -> list[Event]:
    return [e for e in entries if e.type == kind]


class Integrity(Part):
    """``ledger verify``: the chain, the signed heads, and every table the chain covers."""

    def verify(self, against: Sequence[tuple[str, object]] = ()) -> tuple[int, Finding | None]:
        """Walk the chain and every table it commits to; the first finding, or None.

        ``against`` holds (name, head JSON) pairs signed earlier (by this log's key): a
        head larger than the store, or whose root the store's prefix does not match,
        shows the tail was deleted or history rewritten.
        """
        with self.store.transaction() as conn:
            self.store.snapshot(conn)  # chain and tables from one snapshot: no false alarm
            self._ready(conn)
            n = self.store.count(conn, "events")
            problem = verify_chain(self.store.chain(conn))
            if problem is None and not self.store.engine.dialect.has_table(conn, "signed_heads"):
                return n, Finding(
                    "meta",
                    "schema",
                    "the store predates the trust model (issue "
                    "11): run `socialcredit init` to upgrade it",
                )
            if problem is not None:
                return n, Finding(
                    "events", str(problem.event_id), problem.message, problem.event_id
                )
            return n, self._tables(conn, against)

    def _public_key(self) -> bytes | None:
        try:
            return signer_of(self).public_key()
        except BadInput:
            return None

    def _tables(self, conn: Connection, against: Sequence[tuple[str, object]]) -> Finding | None:
        # by id, subjects as stored (pseudonyms), as the rows checked against them
        entries = self.store.events_of_types(conn, [*trust.CHAIN_ONLY, trust.ERASED], stored=True)
        found = (
            self._check_heads(conn, against)
            or self._check_documents(conn, entries)
            or self._check_authorities(conn, entries)
            or self._check_subjects(conn, entries)
            or self._check_tokens(conn, entries)
            or self._check_access(conn, entries)
        )
        if found is not None:
            return found
        if self.store.meta_get(conn, LEGACY_KEY) is not None:
            return Finding(
                "meta",
                LEGACY_KEY,
                "the log signing key is still stored in the "
                "database: run `socialcredit init` to move it out, then rotate it",
            )
        return None

    # -- heads ----------------------------------------------------------------------
    def _check_heads(
        self, conn: Connection, against: Sequence[tuple[str, object]]
    ) -> Finding | None:
        tree, _ = _tree(self, conn)
        public = self._public_key()
        last = -1
        for row in self.store.signed_heads(conn):
            name = f"signed head {row['id']} (size {row['size']})"
            head = heads.head_from_json(row)
            if public is not None and row["public_key"] != public.hex():
                return Finding(
                    "signed_heads",
                    str(row["id"]),
                    f"{name} was signed by another key ({row['public_key'][:16]}...)"
                    f", not this log's key ({public.hex()[:16]}...)",
                )
            if not heads.verify_head(bytes.fromhex(row["public_key"]), head):
                return Finding(
                    "signed_heads", str(row["id"]), f"{name}: its signature does not verify"
                )
            if head.size <= last:
                return Finding(
                    "signed_heads",
                    str(row["id"]),
                    f"{name} was signed after a head of size {last}: backwards",
                )
            last = head.size
            found = self._check_matches(tree, head, "signed_heads", str(row["id"]), name)
            if found is not None:
                return found
        for label, doc in against:
            if isinstance(doc, dict) and isinstance(doc.get("head"), dict):
                doc = doc["head"]  # a {head, proof} document as the log prints them
            try:
                head = heads.head_from_json(doc)
            except ValueError as exc:
                raise BadInput(f"{label}: malformed head: {exc}", field="against") from None
            if public is None:
                raise BadInput(
                    "--against needs the log's key (SOCIALCREDIT_LOG_KEY)", field="against"
                )
            if not heads.verify_head(public, head):
                return Finding("head", label, f"{label} was signed by another key (or forged)")
            found = self._check_matches(tree, head, "head", label, label)
            if found is not None:
                return found
        return None

    @staticmethod
    def _check_matches(
        tree: Any, head: heads.TreeHead, table: str, row: str, name: str
    ) -> Finding | None:
        if head.size > tree.size:
            return Finding(
                table,
                row,
                f"{name} covers {head.size} entries but the store has "
                f"{tree.size}: entries {tree.size + 1}.. were deleted",
            )
        if tree.root(head.size) != head.root:
            return Finding(
                table,
                row,
                f"{name} does not match the store's first {head.size} "
                "entries: one of them was changed and the chain recomputed",
            )
        return None

    # -- documents ------------------------------------------------------------------
    def _check_documents(self, conn: Connection, entries: Sequence[Event]) -> Finding | None:
        import hashlib

        pubs = {
            (str(e.data.get("kind")), str(e.data.get("id")), str(e.data.get("version"))): e
            for e in reversed(_by_type(entries, trust.PUBLISHED))
        }
        seen = set()
        for row in self.store.table_rows(conn, "rulebooks"):
            key = (row["kind"], row["scheme"], row["version"])
            label = f"{row['kind']} {row['scheme']} {row['version']}"
            seen.add(key)
            e = pubs.get(key)
            if e is None:
                return Finding(
                    "rulebooks",
                    label,
                    f"rulebooks row {label} has no publication "
                    "entry in the chain: inserted behind the application's back",
                )
            actual = hashlib.sha256(str(row["source"]).encode()).hexdigest()
            if actual != e.data.get("sha256") or row["sha256"] != e.data.get("sha256"):
                return Finding(
                    "rulebooks",
                    label,
                    f"rulebooks row {label}: its source does "
                    f"not match the SHA-256 of its publication entry {e.id}",
                )
        for key, e in pubs.items():
            if key not in seen:
                return Finding(
                    "rulebooks",
                    " ".join(key),
                    f"rulebooks row {' '.join(key)} was deleted (published by entry {e.id})",
                )
        return None

    def _check_authorities(self, conn: Connection, entries: Sequence[Event]) -> Finding | None:
        """Authorities come only from published documents (checked above): each row must
        be one a document declares, as it declares it (the first publication wins)."""
        from socialcredit.core.documents import parse_document

        declared: dict[str, tuple[str, str, str]] = {}
        for e in _by_type(entries, trust.PUBLISHED):  # in publication order
            for a in getattr(parse_document(str(e.data.get("source"))), "authorities", ()):
                declared.setdefault(a.id, (a.name, a.kind, a.jurisdiction))
        stored = {r["id"]: r for r in self.store.table_rows(conn, "authorities")}
        for ident, r in stored.items():
            want = declared.get(ident)
            if want is None:
                return Finding(
                    "authorities",
                    ident,
                    f"authorities row {ident} is declared by no "
                    "published document: inserted behind the application's back",
                )
            if (r["name"], r["kind"], r["jurisdiction"]) != want:
                return Finding(
                    "authorities",
                    ident,
                    f"authorities row {ident} differs from its "
                    "published declaration (name, kind or jurisdiction altered)",
                )
        for ident in declared:
            if ident not in stored:
                return Finding("authorities", ident, f"authorities row {ident} was deleted")
        return None

    # -- subjects and their keys ----------------------------------------------------
    def _check_subjects(self, conn: Connection, entries: Sequence[Event]) -> Finding | None:
        regs: dict[str, Event] = {}
        for e in _by_type(entries, trust.REGISTERED):
            regs.setdefault(e.subject, e)
        rows = {r["id"]: r for r in self.store.table_rows(conn, "subjects")}
        for sid, row in rows.items():
            reg = regs.get(sid)
            if reg is None:
                return Finding(
                    "subjects",
                    sid,
                    f"subjects row {sid} has no registration "
                    "entry in the chain: inserted behind the application's back",
                )
            if trust.digest(row, SUBJECT_ROW) != reg.data.get("row"):
                return Finding(
                    "subjects",
                    sid,
                    f"subjects row {sid} was altered since its registration (entry {reg.id})",
                )
        for sid, e in regs.items():
            if sid not in rows:
                return Finding(
                    "subjects", sid, f"subjects row {sid} was deleted (registered by entry {e.id})"
                )
        # The key each subject should hold now: committed at registration, none after an
        # erasure, a fresh one committed by a `subject.key` entry after that.
        expected: dict[str, tuple[str | None, Event]] = {}
        for e in entries:
            if e.type in (trust.REGISTERED, trust.KEY_ISSUED):
                expected[e.subject] = (str(e.data.get("key") or "") or None, e)
            elif e.type == trust.ERASED:
                expected[e.subject] = (None, e)
        keys = {k["subject"]: k for k in self.store.table_rows(conn, "subject_keys")}
        for sid, k in keys.items():
            # The one mapping back to the ID is not on the chain (it must go with the key),
            # so it is checked against the pseudonym itself: an ID swapped in shows.
            if k["subject_id"] and self.store.pseudonym(conn, str(k["subject_id"])) != sid:
                return Finding(
                    "subject_keys",
                    sid,
                    f"subject_keys row {sid}: its identifier does not match its pseudonym "
                    "(altered behind the application's back)",
                )
            want = expected.get(sid, (None, None))[0]
            commit = trust.key_commitment(sid, bytes(k["key"]), str(k["created"]))
            if commit != want:
                return Finding(
                    "subject_keys",
                    sid,
                    f"subject_keys row {sid}: the key is not the one committed on the chain "
                    "(replaced, or inserted after an erasure without a `subject.key` entry)",
                )
        for sid, (want, e) in expected.items():
            if want is not None and sid not in keys:
                return Finding(
                    "subject_keys",
                    sid,
                    f"subject_keys row {sid} was deleted without an erasure entry "
                    f"(subject.erased; key committed by entry {e.id})",
                )
        return None

    # -- API tokens -----------------------------------------------------------------
    def _check_tokens(self, conn: Connection, entries: Sequence[Event]) -> Finding | None:
        issued = {str(e.data.get("token")): e for e in _by_type(entries, trust.TOKEN_ISSUED)}
        revoked = {str(e.data.get("token")) for e in _by_type(entries, trust.TOKEN_REVOKED)}
        rows = {r["token_hash"]: r for r in self.store.table_rows(conn, "api_tokens")}
        for h, row in rows.items():
            iss = issued.get(h)
            label = f"{h[:12]}..."
            if iss is None:
                return Finding(
                    "api_tokens",
                    label,
                    f"api_tokens row {label} ({row['role']}) "
                    "has no issue entry in the chain: inserted behind the "
                    "application's back",
                )
            cols = [str(c) for c in iss.data.get("columns", [])]
            if h in revoked and not row.get("revoked"):
                return Finding(
                    "api_tokens",
                    label,
                    f"api_tokens row {label} reads live but the chain revoked it: "
                    "un-revoked behind the application's back",
                )
            # A revocation writes only the revocation columns: every other column must
            # still be as issued (an expiry pushed out on a revoked row is caught too).
            as_issued = {**row, **dict.fromkeys(_REVOCATION_COLUMNS)} if h in revoked else row
            if trust.digest(as_issued, cols) != iss.data.get("row"):
                return Finding(
                    "api_tokens",
                    label,
                    f"api_tokens row {label} was altered since its issue (entry {iss.id})",
                )
        for h, e in issued.items():
            if h not in rows and h not in revoked:
                return Finding(
                    "api_tokens",
                    f"{h[:12]}...",
                    f"api_tokens row {h[:12]}... was "
                    f"deleted without a revocation entry (issued by entry {e.id})",
                )
        return None

    # -- access records -------------------------------------------------------------
    def _check_access(self, conn: Connection, entries: Sequence[Event]) -> Finding | None:
        prev = 0
        for e in _by_type(entries, trust.ACCESS_BATCH):
            first, last = int(e.data["first"]), int(e.data["last"])
            if first != prev + 1:
                return Finding(
                    "events",
                    str(e.id),
                    f"entry {e.id}: access batch {first}..{last}"
                    f" does not follow the previous batch (..{prev})",
                    e.id,
                )
            rows = self.store.access_rows(conn, first - 1, last)
            label = f"{first}..{last}"
            if len(rows) != e.data["count"]:
                return Finding(
                    "access_log",
                    label,
                    f"access_log rows {label}: {len(rows)} "
                    f"left of the {e.data['count']} sealed by entry {e.id} "
                    "(deleted or inserted)",
                )
            if trust.batch_digest(rows) != e.data["sha256"]:
                return Finding(
                    "access_log",
                    label,
                    f"access_log rows {label} were altered since sealed by entry {e.id}",
                )
            prev = last
        return None

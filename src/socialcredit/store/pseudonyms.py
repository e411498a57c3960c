"""Keyed pseudonyms: the subject identifier as every ledger table stores it.

An 18-digit resident ID encodes a birth date, a sex and a region, so it must not sit in
clear in tables that erasure cannot touch (the append-only ledger, the access log,
tokens). Every table but ``subject_keys`` stores ``p`` + 17 characters of base32 of
HMAC-SHA256(``store_secrets['pseudonym']``, normalised ID) instead; the one row that maps
a pseudonym back to the ID is the subject's key row, which erasure deletes and shreds.

Translation happens here, at the store boundary: methods take IDs (or pseudonyms, which
pass through unchanged) and answer with IDs where the key row still maps them, and
with the pseudonym of an erased subject. Chain hashes are computed over what is stored
(the pseudonym), so ``ledger verify`` and the Merkle log need no mapping and keep
verifying after erasure. The pseudonym is lower case and ``p``-prefixed, so it is never
a valid (upper-case, digit) resident ID or credit code, and an ID normalised by
``core/ids.py`` (15 digits to 18, ``x`` to ``X``) always reaches the same pseudonym.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.engine import Connection

from socialcredit.core import ids
from socialcredit.core.errors import BadInput
from socialcredit.core.ledger import Event
from socialcredit.store import schema as t
from socialcredit.store.engine import StoreBase

SECRET = "pseudonym"  # noqa: S105 - the name of the store secret the pseudonyms are keyed with
_CACHE_SIZE = 100_000  # ID -> pseudonym, per process (an HMAC is cheap; the dict is cheaper)
SUBJECT_ACTOR = "subject:"  # the access-log actor of a subject's own reads


_B32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 base32, lower case
_PSEUDONYM = re.compile(r"p[a-z2-7]{17}\Z")


def is_pseudonym(value: str) -> bool:
    # A compiled match: asked for every subject a write stores, it was 5% of an import's
    # ordered (parent) path as a set comparison (issue 16).
    return _PSEUDONYM.match(value) is not None


_PSEUDONYM_LINES = re.compile(r"p[a-z2-7]{17}(?:\np[a-z2-7]{17})*\Z")


def all_pseudonyms(values: Collection[str]) -> bool:
    """Whether every value is a pseudonym, in one match over them joined by newlines.

    The bulk paths check every subject of a chunk (issue 16: a call per value was 5% of
    an import's ordered path). A value holding a newline would add a line: the count
    of newlines refuses that, so this is ``all(map(is_pseudonym, values))``
    (tests/store/test_pseudonyms_encoding.py compares the two).
    """
    if not values:
        return True
    joined = "\n".join(values)
    return joined.count("\n") == len(values) - 1 and _PSEUDONYM_LINES.match(joined) is not None


def pseudonym_of(secret: bytes, ident: str) -> str:
    """``p`` + base32(HMAC-SHA256(secret, ID))[:17] (85 bits), lower case."""
    mac = hmac.digest(secret, ident.encode("utf-8"), "sha256")
    # The first 85 bits as 17 base32 digits: what ``b32encode(mac).lower()[:17]`` gives,
    # at half the cost (a pseudonym is computed once per subject per process: 50,000 in
    # an import's worker; tests/store/test_pseudonyms_encoding.py compares the two).
    n = int.from_bytes(mac[:11], "big") >> 3
    return "p" + "".join([_B32[(n >> shift) & 31] for shift in range(80, -1, -5)])


def canonical_id(ident: str) -> str | None:
    """The normalised form of an ID, so every spelling of one ID has one pseudonym.

    The application normalises before it calls the store; this is the store's own
    guarantee. None: the value is no valid ID at all.
    """
    try:
        return ids.normalize_subject_id(ident)[0]
    except ids.IdError:
        return None


def _acting(e: Event) -> bool:
    return e.authority.startswith(SUBJECT_ACTOR)


class Pseudonymous(StoreBase):
    """ID -> pseudonym on the way in, pseudonym -> ID (where a key row maps it) on the way out."""

    def _pseudonym_secret(self, conn: Connection) -> bytes:
        cached = self._secrets.get(SECRET)
        if cached is not None:
            return cached
        row = conn.execute(
            select(t.store_secrets.c.value).where(t.store_secrets.c.name == SECRET)
        ).first()
        if row is None:
            raise BadInput(
                f"store {self.url!r} has no pseudonym secret: run `socialcredit init`",
                field="db",
            )
        self._secrets[SECRET] = bytes(row.value)
        return self._secrets[SECRET]

    def pseudonym(self, conn: Connection, ident: str) -> str:
        """The stored form of a subject identifier ('' stays '', a pseudonym stays itself).

        A value that is no valid ID is kept as it is: no registered subject has it, so it
        can only match a stored value that is no pseudonym either (a row altered behind
        the application's back, which a read then refuses). Writes use ``_stored_as``.
        """
        hit = self._pseudonyms.get(ident)  # IDs only: a pseudonym is never cached
        if hit is None:
            if not ident or is_pseudonym(ident):
                return ident
            canonical = canonical_id(ident)
            if canonical is None:
                return ident
            hit = pseudonym_of(self._pseudonym_secret(conn), canonical)
            if len(self._pseudonyms) >= _CACHE_SIZE:
                self._pseudonyms.clear()
            self._pseudonyms[ident] = hit
        return hit

    def canonical_pseudonyms(
        self, conn: Connection, idents: Iterable[str]
    ) -> dict[str, tuple[str, str] | None]:
        """{given: (normalised ID, pseudonym)}, or None for a value that is no valid ID.

        One normalisation per identifier, for callers that need both forms and keep them:
        an import's workers validated each of 50,000 subjects and the store normalised
        it again to find its pseudonym, a fifth of their time (issue 16). Both spellings
        are then in the cache, so ``pseudonym`` of either is a dict look-up.
        """
        out: dict[str, tuple[str, str] | None] = {}
        cache = self._pseudonyms
        for ident in set(idents):
            canonical = canonical_id(ident)
            if canonical is None:
                out[ident] = None
                continue
            hit = cache.get(canonical)
            if hit is None:
                hit = pseudonym_of(self._pseudonym_secret(conn), canonical)
                if len(cache) >= _CACHE_SIZE - 1:
                    cache.clear()
                cache[canonical] = hit
            cache[ident] = hit
            out[ident] = (canonical, hit)
        return out

    def _stored_as(self, conn: Connection, ident: str) -> str:
        """The pseudonym a write stores; a subject that is no valid ID is refused."""
        p = self.pseudonym(conn, ident)
        if ident and not is_pseudonym(p):
            raise ValueError(f"not a subject identifier: {ident!r} (normalise it first)")
        return p

    def _pseudonyms_of(self, conn: Connection, idents: Iterable[str]) -> dict[str, str]:
        """{given: pseudonym} for many identifiers."""
        return {i: self.pseudonym(conn, i) for i in set(idents)}

    def _ids(self, conn: Connection, pseudonyms: Iterable[str]) -> dict[str, str]:
        """{pseudonym: ID} for the subjects whose key row still maps them."""
        ps = sorted({p for p in pseudonyms if p and is_pseudonym(p)})
        # Through the driver: every authenticated request maps its token's subject back
        # (SQLAlchemy's expanding IN cost 3% of an own read, issue 16).
        rows = self._fetch_in(
            conn, "SELECT subject, subject_id FROM subject_keys WHERE subject IN ({})", ps
        )
        return {p: ident for p, ident in rows if ident}

    def _all_ids(self, conn: Connection) -> dict[str, str]:
        """{pseudonym: ID} of every subject with a key row (for whole-ledger walks)."""
        k = t.subject_keys
        rows = conn.execute(select(k.c.subject, k.c.subject_id))
        return {r.subject: r.subject_id for r in rows if r.subject_id}

    def _shown(self, conn: Connection, pseudonyms: Iterable[str]) -> dict[str, str]:
        """{pseudonym: what a reader sees}: the ID, or the pseudonym of an erased subject."""
        ps = list(pseudonyms)
        found = self._ids(conn, ps)
        return {p: found.get(p, p) for p in ps}

    def subject_shown(self, conn: Connection, stored: str) -> str:
        """What a reader sees for a stored subject: its ID, or its pseudonym once erased."""
        return self._shown(conn, [stored])[stored]

    def _shown_events(self, conn: Connection, events: Sequence[Event]) -> list[Event]:
        """Entries as read, their subject (and a subject as authority) mapped back to the
        ID where it still can be."""
        acting = {e.authority[len(SUBJECT_ACTOR) :] for e in events if _acting(e)}
        names = self._ids(conn, {e.subject for e in events if e.subject} | acting)
        return [self._shown_event(e, names) for e in events]

    @staticmethod
    def _shown_event(e: Event, names: dict[str, str]) -> Event:
        subject = names.get(e.subject, e.subject)
        authority = e.authority
        if _acting(e) and (who := names.get(e.authority[len(SUBJECT_ACTOR) :])):
            authority = SUBJECT_ACTOR + who
        if (subject, authority) == (e.subject, e.authority):
            return e
        return replace(e, subject=subject, authority=authority)

    def _stored_actor(self, conn: Connection, actor: str) -> str:
        """A subject acting on its own record is logged under its pseudonym."""
        if actor.startswith(SUBJECT_ACTOR):
            return SUBJECT_ACTOR + self.pseudonym(conn, actor[len(SUBJECT_ACTOR) :])
        return actor

"""The access log: who read or wrote what, for which purpose (sealed in batches)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    insert,
    select,
)
from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.store import schema as t
from socialcredit.store.engine import _PG_ACCESS_LOCK
from socialcredit.store.pseudonyms import (
    SUBJECT_ACTOR,
    Pseudonymous,
    all_pseudonyms,
    is_pseudonym,
)

_INS_ACCESS = insert(t.access_log)
_ACCESS_COLUMNS = ("at", "actor", "role", "action", "subject", "purpose", "detail")
# What an access record about an erased subject (no key, nothing recorded since) keeps of
# the stated purpose: nothing, since there is no key left to seal it under (issue 12).
PURPOSE_NOT_KEPT = "[not kept: subject erased]"


class Presealed(str):
    """A purpose already sealed under its subject's key by trusted code (an import's
    workers), written as it is. Only this type passes unsealed: a stated purpose that
    merely *looks* sealed (a verifier may type ``sealed:v1:Wang Wei``) is sealed like
    any other text, so no phrasing of a purpose reaches the log in clear."""

    __slots__ = ()


class AccessStore(Pseudonymous):
    """Access records."""

    def record_access(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert access records; many at once through the driver's executemany.

        The subject, and a subject acting on its own record, are logged under the
        subject's pseudonym: the access log is append-only, erasure cannot reach it.
        """
        if not rows:
            return
        # A purpose sealed already (an import's workers seal theirs) needs no key here.
        keys = self._access_keys(
            conn,
            {r["subject"] for r in rows if r["subject"] and type(r["purpose"]) is not Presealed},
        )
        sealers = {s: sealing.Sealer(k, named) for s, (k, named) in keys.items()}
        rows = [
            {
                **r,
                "purpose": self._sealed_purpose(sealers, r["subject"], r["purpose"]),
                "subject": self._stored_as(conn, r["subject"]) if r["subject"] else r["subject"],
                "actor": self._stored_actor(conn, r["actor"])
                if isinstance(r["actor"], str)
                else r["actor"],
            }
            for r in rows
        ]
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({_PG_ACCESS_LOCK})")
        if len(rows) == 1:
            conn.execute(_INS_ACCESS, list(rows))
            return
        mark = "?" if self.dialect == "sqlite" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO access_log ({', '.join(_ACCESS_COLUMNS)}) "  # noqa: S608 - fixed names
            f"VALUES ({', '.join([mark] * len(_ACCESS_COLUMNS))})",
            [tuple(r[c] for c in _ACCESS_COLUMNS) for r in rows],
        )

    def append_access(self, conn: Connection, rows: Sequence[tuple[str, ...]]) -> None:
        """Access records in stored form, ``_ACCESS_COLUMNS`` in order: the bulk path.

        An import's parent writes one per subject and chunk, thousands per transaction
        (issue 16): each names its subject by pseudonym and carries a purpose its
        workers sealed under that subject's key, so nothing is looked up or sealed
        here. A row naming an ID, or with a purpose in clear, is refused: no ID and no
        stated purpose reaches the log in clear by this path either. The actor is
        stored as ``record_access`` stores it.
        """
        if not rows:
            return
        if not all_pseudonyms([r[4] for r in rows]):
            raise ValueError("append_access: a row names its subject by ID, not pseudonym")
        if not all(map(sealing.is_sealed, [r[5] for r in rows])):
            raise ValueError("append_access: a purpose in clear (seal it first)")
        actors = {a: self._stored_actor(conn, a) for a in {r[1] for r in rows}}
        if any(stored != a for a, stored in actors.items()):
            rows = [(r[0], actors[r[1]], *r[2:]) for r in rows]
        if self.dialect == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock_shared({_PG_ACCESS_LOCK})")
        mark = "?" if self.dialect == "sqlite" else "%s"
        cursor = conn.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO access_log ({', '.join(_ACCESS_COLUMNS)}) "  # noqa: S608 - fixed names
                f"VALUES ({', '.join([mark] * len(_ACCESS_COLUMNS))})",
                rows,
            )
        finally:
            cursor.close()

    def _access_keys(self, conn: Connection, subjects: set[str]) -> dict[str, tuple[bytes, str]]:
        """{given identifier: (key, the ID to seal under)}, one batched query.

        A purpose is sealed under the subject's ID, as every sealed field is, so that the
        subject's export opens it: a caller naming the subject by its pseudonym (an
        import's parent names the ledger's rows) still seals under the ID the key row
        maps it to (before issue 16's pass such purposes read ``[erased]`` to the subject).
        """
        if not subjects:
            return {}
        given = self._pseudonyms_of(conn, subjects)
        back = {p: i for i, p in given.items()}
        # Through the driver: on the path of every recorded read (issue 16).
        rows = self._fetch_in(
            conn,
            "SELECT subject, key, subject_id FROM subject_keys WHERE subject IN ({})",
            list(back),
        )
        out: dict[str, tuple[bytes, str]] = {}
        for p, key, ident in rows:
            named = back[p]
            out[named] = (bytes(key), ident if ident and is_pseudonym(named) else named)
        return out

    @staticmethod
    def _sealed_purpose(
        sealers: dict[str, sealing.Sealer], subject: str | None, purpose: str
    ) -> str:
        """A stated purpose about a subject, sealed under that subject's key.

        A verifier's purpose is free text ("boarding check for Wang Wei, seat 12A") and
        may name the person: like every free text about a subject it is sealed, so it
        goes with the key at erasure (issue 12, item 2). Rows with no subject (operator
        actions on the store itself) keep it in clear.
        """
        if isinstance(purpose, Presealed):
            return str(purpose)
        if not subject:
            return purpose
        sealer = sealers.get(subject)
        if sealer is None:
            return PURPOSE_NOT_KEPT
        return sealer.seal(purpose)

    def access_rows(
        self, conn: Connection, after: int, upto: int | None = None
    ) -> list[dict[str, Any]]:
        q = select(t.access_log).where(t.access_log.c.id > after).order_by(t.access_log.c.id)
        if upto is not None:
            q = q.where(t.access_log.c.id <= upto)
        return [dict(r._mapping) for r in conn.execute(q)]

    def decision_counts(self, conn: Connection, before: str) -> dict[tuple[str, str], int]:
        """(service, decision) -> count of decisions recorded before ``before`` (ISO day)."""
        rows = conn.execute(
            select(t.access_log.c.detail)
            .where(t.access_log.c.action == "decision")
            .where(t.access_log.c.at < before)
        )
        out: dict[tuple[str, str], int] = {}
        for r in rows:
            try:
                d = json.loads(r.detail)
            except ValueError:
                continue
            key = (str(d.get("service")), str(d.get("decision")))
            out[key] = out.get(key, 0) + 1
        return out

    def access_for(self, conn: Connection, subject: str) -> list[dict[str, Any]]:
        """The access records about a subject, naming it (and it as actor) as the caller did."""
        p = self.pseudonym(conn, subject)
        # Through the driver's cursor: a subject's own export lists every access record
        # (each own read adds one), and SQLAlchemy's per-row mapping cost several times
        # the query (issue 16).
        names = [c.name for c in t.access_log.columns]
        rows = self._fetch(
            conn,
            f"SELECT {', '.join(names)} FROM access_log WHERE subject = ? ORDER BY id",  # noqa: S608 - fixed names
            (p,),
        )
        own = SUBJECT_ACTOR + p
        found = self._access_keys(conn, {subject}).get(subject)
        opener = sealing.Sealer(found[0] if found else None, subject)
        # an import's purposes sealed under the pseudonym between fe40e23 and issue 16's
        # third pass still open to their subject
        fallback = sealing.Sealer(found[0] if found else None, p)
        out = []
        for r in rows:
            record = dict(zip(names, r, strict=True))
            if sealing.is_sealed(record["purpose"]):
                opened = opener.open(record["purpose"])
                if opened == sealing.ERASED:
                    opened = fallback.open(record["purpose"])
                record["purpose"] = opened
            record["subject"] = subject
            if record["actor"] == own:
                record["actor"] = SUBJECT_ACTOR + subject
            out.append(record)
        return out

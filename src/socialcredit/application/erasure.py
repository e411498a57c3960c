"""Erasure: deleting a subject's key when retention ends, or when the subject asks.

Every personal field is sealed under the subject's key (``sealing``), so erasure is one
deletion in ``erase_subject_key`` plus the record of it; the chain, which covers only
ciphertext, still verifies. What is erased is personal data, not rights: the subject
stays registered under its identifier and what is recorded later is sealed under a
fresh key.

After the transaction commits, ``Store.shred_keys`` removes the copies a database keeps
beyond the row (the SQLite WAL, PostgreSQL's dead tuples).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from socialcredit.application.base import Actor, Part, normalise_subject
from socialcredit.core import lists as lists_core
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import SCORE, Event
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.rulebook import Rulebook, version_for
from socialcredit.store.sql import Shredded

ERASED = "subject.erased"


@dataclass(frozen=True)
class Hold:
    """A published rule that keeps a subject's data: what it is, and until when."""

    rule: str
    until: date | None  # None: until something happens (an entry ends, a dispute is decided)


@dataclass(frozen=True)
class ErasureResult:
    subject: str
    event: int
    shredded: bool
    detail: str


class RetentionHolds(Conflict):
    """Erasure asked while a published retention rule still keeps the data (409 / exit 2)."""

    code = "retention-holds"

    def __init__(self, subject: str, hold: Hold) -> None:
        when = hold.until.isoformat() if hold.until else "it ends"
        super().__init__(
            f"subject {subject} cannot be erased yet: {hold.rule} keeps the data until {when}",
            field="subject",
        )
        self.rule = hold.rule
        self.until = hold.until

    def to_dict(self) -> dict[str, str]:
        out = super().to_dict()
        out["rule"] = self.rule
        out["erasable_from"] = self.until.isoformat() if self.until else ""
        return out


class Erasure(Part):
    """Deleting a subject's key: at their request, or when retention is over."""

    def erase_subject_key(
        self,
        conn: Connection,
        actor: Actor,
        sid: str,
        *,
        occurred: date,
        authority: str,
        reason: str,
    ) -> int | None:
        """THE key deletion: delete the key and record it, in the caller's transaction.

        Every erasure goes through here (retention in ``tick``, the subject's request in
        ``erase``), so whatever else must accompany a key deletion (a log entry, a
        notice) is added in this one place. Returns the ``subject.erased`` entry's id,
        or None when there was no key. The entry is written in clear: it holds nothing
        personal, and the key that would seal it is the one being deleted.
        """
        if not self.store.delete_key(conn, sid):
            return None
        self.store.mark_shred_pending(conn, self._now())
        (done,) = self.store.append(
            conn,
            [
                Event(
                    id=0,
                    type=ERASED,
                    subject=sid,
                    authority=authority,
                    occurred=occurred,
                    recorded=self._now(),
                    reason=reason,
                )
            ],
        )
        self._access(conn, actor, "subject.erase", sid, {"event": done.id, "by": authority})
        return done.id

    def erase(self, actor: Actor, subject: str, *, requested_by_subject: bool) -> ErasureResult:
        """Erase now, at the subject's request, unless a published retention rule holds.

        Refused (nothing written) with the rule and the date from which erasure is
        allowed; a subject with nothing recorded is erased at once. Without the request
        erasure is the business of ``tick`` only.
        """
        sid, _ = normalise_subject(subject)
        if not requested_by_subject:
            raise BadInput(
                "erasure before retention ends is done on the subject's request only "
                "(--requested-by-subject); retention erasures are written by `tick`",
                field="requested_by_subject",
            )
        today = self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            if self.store.get_subject(conn, sid) is None:
                raise NotFound(f"unknown subject {sid}", field="subject")
            if self.store.get_key(conn, sid) is None:
                raise Conflict(
                    f"subject {sid} is already erased and nothing was recorded since",
                    field="subject",
                )
            holds = self._holds(conn, sid, today)
            if holds:
                raise RetentionHolds(sid, _latest(holds))
            event = self.erase_subject_key(
                conn,
                actor,
                sid,
                occurred=today,
                authority="system:erasure-request",
                reason="erased at the subject's request: personal data key deleted",
            )
        assert event is not None
        shred = self.store.shred_keys()
        return ErasureResult(sid, event, shred.done, shred.detail)

    def _erase_due(self, conn: Connection, actor: Actor, as_of: date) -> int:
        """Erase every subject whose retention is over (called by ``tick``)."""
        erased = 0
        keyed = self.store.keyed_subjects(conn)
        for sid in self.store.subjects_with_events(conn):
            if sid in keyed and not self._holds(conn, sid, as_of):
                erased += self._retention_erase(conn, actor, sid, as_of)
        # One answer per kind of subject (the rulebooks do not change in this
        # transaction): asked per subject, a service's start-up tick took a rulebook
        # look-up per registered subject, tens of seconds for a city.
        retention: dict[str, Duration | None] = {}
        for sid, kind, registered in self.store.keyed_without_events(conn):
            if kind not in retention:
                retention[kind] = self._registration_retention(conn, kind, as_of)
            keep = retention[kind]
            since = date.fromisoformat(registered[:10])
            if keep is not None and add_duration(since, keep) <= as_of:
                erased += self._retention_erase(conn, actor, sid, as_of)
        return erased + self._erase_restored(conn, actor, as_of)

    def _erase_restored(self, conn: Connection, actor: Actor, as_of: date) -> int:
        """Delete again a key that a restored backup brought back after its erasure.

        A key created before the subject's latest ``subject.erased`` entry was erased
        once; only a restore can have put it back (a key made after the erasure for new
        entries is created later, and stays).
        """
        last: dict[str, str] = {}
        for e in self.store.events_of_types(conn, (ERASED,)):
            last[e.subject] = max(last.get(e.subject, ""), e.recorded)
        erased = 0
        for sid, created in self.store.key_dates(conn, list(last)).items():
            # Strictly before: a key created in the very second of the erasure may be the
            # fresh one for a new entry, and deleting that would lose the entry's data.
            if created < last[sid]:
                done = self.erase_subject_key(
                    conn,
                    actor,
                    sid,
                    occurred=as_of,
                    authority="system:retention",
                    reason="key restored from a backup after its erasure: deleted again",
                )
                erased += done is not None
        return erased

    def _retention_erase(self, conn: Connection, actor: Actor, sid: str, as_of: date) -> int:
        done = self.erase_subject_key(
            conn,
            actor,
            sid,
            occurred=as_of,
            authority="system:retention",
            reason="retention period over: personal data key deleted",
        )
        return 0 if done is None else 1

    def _shred_after(self, erased: int) -> Shredded | None:
        """Shred after erasures, or retry a shred an earlier erasure could not finish.

        Pending is a marker written in the erasure's own transaction and cleared once a
        shred succeeded, so neither a failed shred nor a crash before it is forgotten.
        """
        if erased or self.store.shred_pending():
            return self.store.shred_keys()
        return None

    def _registration_retention(self, conn: Connection, kind: str, as_of: date) -> Duration | None:
        """How long a registration with nothing recorded is kept: the longest retention
        among the published schemes that apply to the subject's kind (None: no scheme
        publishes one, so nothing allows erasure by time)."""
        longest: Duration | None = None
        for scheme in self.store.schemes(conn):
            book = version_for(self._versions(conn, scheme), as_of)
            if book.subjects not in ("any", kind) or book.retention is None:
                continue
            if longest is None or book.retention.approx_days() > longest.approx_days():
                longest = book.retention
        return longest

    def _holds(self, conn: Connection, sid: str, as_of: date) -> list[Hold]:
        """The published rules that still keep the subject's data on ``as_of``."""
        view = self._standing(conn, sid, as_of)
        out = [
            Hold(f"dispute {d.dispute} (open: the record stays until it is decided)", None)
            for d in view.open_disputes()
        ]
        out += [
            Hold(f"credit repair {r.repair} (pending: decided by {r.decide_by})", r.decide_by)
            for r in view.repairs.values()
            if r.status(as_of) == "pending"
        ]
        if any(e.type == lists_core.PROPOSED for e in view.entries) and not view.lists:
            out.append(Hold("a list entry whose list is not published", None))
        books: dict[str, Rulebook] = {}
        for e in view.entries:
            if e.type != SCORE or not e.scheme:
                continue
            if e.scheme not in books:
                books[e.scheme] = version_for(self._versions(conn, e.scheme), as_of)
            book = books[e.scheme]
            end = view.voided[e.id].since if e.id in view.voided else e.ends
            rule = f"scheme {book.scheme} version {book.version} (event {e.id}, rule {e.rule})"
            if end is None:
                out.append(Hold(f"{rule}: the event does not end", None))
            elif book.retention is None:
                out.append(Hold(f"{rule}: no retention period is published", None))
            elif (until := add_duration(end, book.retention)) > as_of:
                out.append(Hold(f"{rule}: retention {book.retention.iso()} after {end}", until))
        registry = self._registry(conn)
        for entry in view.lists.values():
            d = registry.lists.get(entry.list)
            end = entry.ended()
            what = f"list {entry.list} (entry {entry.entry})"
            if d is None:
                out.append(Hold(f"{what}: the list is not published", None))
            elif end is None:
                out.append(Hold(f"{what}: the entry is in force", None))
            elif (until := add_duration(end, d.retention)) > as_of:
                out.append(Hold(f"{what}: retention {d.retention.iso()} after {end}", until))
        return out


def _latest(holds: list[Hold]) -> Hold:
    """The hold that lasts longest: an open-ended one first, else the latest date."""
    open_ended = [h for h in holds if h.until is None]
    if open_ended:
        return open_ended[0]
    return max(holds, key=lambda h: h.until or date.min)

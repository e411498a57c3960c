"""The shared machinery of the use cases: the context, the actor, access records, loading.

Only this package opens transactions: every write and the access record that says
who made it commit or vanish together. Every part of the application (``Records``,
``Lists``, ``Disputes``...) is a ``Part`` over one shared ``Context`` (the settings and
the store, whose caches and pool all parts share). Who acts is not part of either: it
is an ``Actor`` passed with every call that writes, or reads a subject's data.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.application.context import Actor as Actor
from socialcredit.application.context import Context as Context
from socialcredit.core import disputes as disputes_core
from socialcredit.core import ids, trust
from socialcredit.core import lists as lists_core
from socialcredit.core.disputes import DisputeState
from socialcredit.core.errors import BadInput, InvalidId, NotAllowed, NotFound
from socialcredit.core.ledger import Event
from socialcredit.core.lists import EntryState, ListDef
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.sanctions import Memorandum, Registry
from socialcredit.core.standing import Published, Standing, as_utc, derive
from socialcredit.store.sql import Store
from socialcredit.transparency import merkle

SUBJECT_KINDS = ("person", "organisation")
STANDING_CACHE_SIZE = 50_000  # subjects' standings kept in memory per store
ROLES = ("admin", "registrar", "verifier", "reviewer", "subject", "auditor")
Stamp = tuple[str, ...]  # Store.documents_stamp: the content hashes of what is published

# The latest moment each store (object) has been read or written at: the clock as the
# application sees it never goes below it (``Part._clock``).
_FLOORS: weakref.WeakKeyDictionary[Store, datetime] = weakref.WeakKeyDictionary()
_FLOORS_LOCK = threading.Lock()  # a WeakKeyDictionary is not safe for concurrent writers


def packaged_rulebooks() -> list[tuple[str, str]]:
    """The example rulebooks shipped inside the package, so ``init`` works anywhere."""
    folder = resources.files("socialcredit").joinpath("rulebooks")
    out = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            out.append((entry.name, entry.read_text(encoding="utf-8")))
    return out


def directory_rulebooks(path: Path) -> list[tuple[str, str]]:
    if not path.is_dir():
        raise BadInput(f"rulebook directory {str(path)!r} does not exist", field="rulebooks")
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(path.glob("*.toml"))]


def normalise_subject(
    ident: str, kind: str | None = None, today: date | None = None
) -> tuple[str, str]:
    """The canonical ID and kind, or InvalidId naming the position and the reason.

    ``today`` is the clock's date where a subject is registered (no birth date may be
    after it); look-ups may leave it out, since nobody born later can have been registered.
    """
    try:
        return ids.normalize_subject_id(ident, kind, today)
    except ids.IdError as exc:
        raise InvalidId(str(exc), field="subject") from None


@dataclass(frozen=True)
class TickResult:
    lapsed: int
    erased: int
    shredded: bool | None = None  # None: nothing erased, nothing to shred
    shred_detail: str = ""


@dataclass(frozen=True)
class Recorded:
    event: int
    created: bool
    evidence_sha256: str | None = None


@dataclass(frozen=True)
class BulkResult:
    created: int
    existing: int


@dataclass(frozen=True)
class InitResult:
    published: list[str]
    already: list[str]
    authorities: int


def leaf_for(event_id: int, chain_hash: str) -> bytes:
    """The log's leaf for a ledger entry: its id and chain hash (which commits to all of it)."""
    return merkle.leaf_hash(event_id.to_bytes(8, "big") + bytes.fromhex(chain_hash))


class Part:
    """One group of use cases over the shared context, with the helpers they all use."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.store = ctx.store

    def _clock(self) -> datetime:
        """The clock, never earlier than a moment this store was already used at.

        A clock stepped back (NTP, an operator, a VM restored) would otherwise let a
        reviewer decide a dispute that had already lapsed for the subject, "before" its
        deadline, and record entries that read as known before answers already given
        (tests/attacks/test_standing_timing.py). Kept per store object, so it holds within
        one process (the server); a new process starts from its own clock.
        """
        now = as_utc(self.settings.clock())
        with _FLOORS_LOCK:
            floor = _FLOORS.get(self.store)
            if floor is not None and now < floor:
                return floor
            _FLOORS[self.store] = now
        return now

    def _now(self) -> str:
        return self._clock().isoformat(timespec="seconds")

    def _today(self) -> date:
        return self._clock().date()

    def _access(
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        subject: str | None,
        detail: dict[str, Any] | None = None,
        purpose: str | None = None,
    ) -> None:
        """Record who read or wrote what; a read with no stated purpose is refused.

        Only the subject reading their own record needs no reason.
        """
        self.store.record_access(conn, [self._access_row(actor, action, subject, detail, purpose)])

    def _access_row(
        self,
        actor: Actor,
        action: str,
        subject: str | None,
        detail: dict[str, Any] | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        """The access record ``_access`` writes, for a caller that writes it later."""
        stated = (purpose if purpose is not None else actor.purpose).strip()
        if not stated and actor.role != "subject":
            raise NotAllowed(
                "reading or writing a subject's data needs a stated purpose (--purpose)",
                field="purpose",
            )
        return {
            "at": self._now(),
            "actor": actor.principal,
            "role": actor.role,
            "action": action,
            "subject": subject,
            "purpose": stated or "own record",
            "detail": json.dumps(detail or {}, sort_keys=True, default=str),
        }

    def _recorded(self, pending: Any) -> Any:
        """The answer of a prepared read once its access record is durable (group commit)."""
        from socialcredit.application.group_commit import committer_for

        return committer_for(self.store).submit(pending).result()

    def _ready(self, conn: Connection) -> None:
        if not self.store.is_initialised(conn):
            raise BadInput(
                f"store {self.settings.db_url!r} is not initialised: run `socialcredit init` first",
                field="db",
            )

    def _versions(self, conn: Connection, scheme: str) -> list[Rulebook]:
        versions = self.store.rulebook_versions(conn, scheme)
        if not versions:
            known = ", ".join(self.store.schemes(conn)) or "none"
            raise NotFound(f"unknown scheme {scheme!r} (published: {known})", field="scheme")
        return versions

    def _subject_kind(self, conn: Connection, subject: str) -> str:
        row = self.store.get_subject(conn, subject)
        if row is None:
            raise NotFound(
                f"subject {subject} is not registered (add it with `socialcredit subject add`)",
                field="subject",
            )
        return str(row.kind)

    def _subject_kind_fast(self, conn: Connection, subject: str) -> str:
        """``_subject_kind`` through the driver's cursor, for the per-request hot paths."""
        kind, *_ = self.store.subject_state(conn, subject)
        if kind is None:
            return self._subject_kind(conn, subject)  # raises with the usual message
        return kind

    def _dedup(self, conn: Connection, event: Event) -> str | None:
        """The keyed idempotency digest of a submission (see ``sealing.keyed_dedup``)."""
        if event.dedup_facts() is None:
            return None
        return sealing.keyed_dedup(self.store.secret(conn, "dedup", self._now()), event)

    def _keys_for(self, conn: Connection, subjects: set[str], actor: Actor) -> dict[str, bytes]:
        """Each subject's key, a fresh one created for a subject that has none.

        Erasure removes personal data, not rights: an erased subject stays a known
        identifier, and what is recorded after the erasure is sealed under a fresh key
        (what was sealed under the deleted key stays unreadable).
        """
        keys = self.store.get_keys(conn, subjects)
        fresh = {s: sealing.new_key() for s in sorted(subjects - set(keys))}
        created = self._now()
        self.store.insert_keys(
            conn, [{"subject": s, "key": k, "created": created} for s, k in fresh.items()]
        )
        # each fresh key is committed to on the chain (issue 11: `subject.key`)
        self.store.append(
            conn,
            [
                trust.key_issued(
                    s,
                    # over the pseudonym: the key row as stored, as `ledger verify` reads it
                    trust.key_commitment(self.store.pseudonym(conn, s), k, created),
                    by=actor.principal,
                    on=self._today(),
                    at=created,
                )
                for s, k in fresh.items()
            ],
        )
        keys.update(fresh)
        return keys

    def _sealed(self, conn: Connection, event: Event, actor: Actor) -> Event:
        """One entry keyed and sealed (see ``_append``)."""
        return self._seal_all(conn, [event], actor)[0]

    def _seal_all(self, conn: Connection, events: Sequence[Event], actor: Actor) -> list[Event]:
        """Entries ready to store: idempotency digest keyed, every personal field sealed.

        The digest is computed from the plaintext first (sealing uses a random nonce);
        it rides in the entry's data, under the chain hash.
        """
        if not events:
            return []
        keys = self._keys_for(conn, {e.subject for e in events}, actor)
        out = []
        for e in events:
            if "dedup" not in e.data and e.dedup_facts() is not None:
                e = replace(e, data={**e.data, "dedup": self._dedup(conn, e)})
            out.append(sealing.seal_event(keys[e.subject], e))
        return out

    def _append(self, conn: Connection, events: Sequence[Event], actor: Actor) -> list[Event]:
        """Append entries with their personal fields sealed: the one way use cases write.

        ``actor`` signs for the fresh subject keys the entries may need (chained too).
        """
        return self.store.append(conn, self._seal_all(conn, events, actor))

    def _opened(self, conn: Connection, events: Sequence[Event]) -> list[Event]:
        """Entries (of any subjects) with sealed fields opened, ``[erased]`` without a key."""
        sealed = {e.subject for e in events if sealing.is_sealed_event(e)}
        if not sealed:
            return list(events)
        keys = self.store.get_keys(conn, sealed)
        return [sealing.open_event(keys.get(e.subject), e) for e in events]

    def _events(self, conn: Connection, sid: str) -> list[Event]:
        """The subject's ledger entries with sealed personal fields opened (if not erased)."""
        raw = self.store.events_for(conn, sid)
        if not any(sealing.is_sealed_event(e) for e in raw):
            return raw
        key = self.store.get_key(conn, sid)
        return [sealing.open_event(key, e) for e in raw]

    def _published(
        self, conn: Connection, known_at: datetime | None = None, docs: Stamp | None = None
    ) -> Published:
        """The published documents; with ``known_at``, only those published by then."""
        if known_at is None:  # all published now: kept until a publication changes the stamp
            docs = docs if docs is not None else self.store.documents_stamp(conn)
            cached = self.store.published_cache
            if cached is not None and cached[0] == docs:
                now: Published = cached[1]
                return now
        schemes = {s: self.store.rulebook_versions(conn, s) for s in self.store.schemes(conn)}
        registry = self._registry(conn, docs)
        if known_at is None:
            self.store.published_cache = (docs or (), Published(schemes, registry))
        if known_at is not None:
            limit = as_utc(known_at)
            when = self.store.publications(conn)

            def seen(kind_id: str, version: str) -> bool:
                stamp = when.get((kind_id, version))
                return stamp is not None and as_utc(datetime.fromisoformat(stamp)) <= limit

            schemes = {s: [v for v in vs if seen(s, v.version)] for s, vs in schemes.items()}
            schemes = {s: vs for s, vs in schemes.items() if vs}
            registry = Registry(
                tuple(m for m in registry.memoranda if seen(m.id, m.version)),
                lists_core.as_published(registry.lists, seen, limit.date()),
            )
        return Published(schemes, registry)

    def _standing(
        self,
        conn: Connection,
        sid: str,
        as_of: date,
        known_at: datetime | None = None,
        schemes: Sequence[str] | None = None,
        kind: str | None = None,
        *,
        docs: tuple[str, ...] | None = None,
        state: tuple[str | None, int, bool] | None = None,
    ) -> Standing:
        """The subject's standing from ``core/standing.py``: the one derivation.

        ``known_at`` given means a replay: entries and documents are limited to what was
        recorded and published by then. Otherwise everything recorded so far counts, and
        deadlines are judged on the clock's day. ``docs`` (``Store.documents_stamp``) and
        ``state`` (``Store.subject_state``) are passed when the caller has them already.
        """
        now = known_at if known_at is not None else self._clock()
        if known_at is not None:
            if kind is None:
                row = self.store.get_subject(conn, sid)
                kind = str(row.kind) if row is not None else None
            entries = self._events(conn, sid) if kind is not None else []
            return derive(sid, kind, entries, self._published(conn, known_at), as_of, now, schemes)
        # The standing as of today changes only with the subject's own entries (an
        # append-only ledger: its last id), with publications (every content hash) and
        # with the day (deadlines, expiries): the cache is keyed by all three and checked
        # against the store on each use, so a write by any process -- the CLI, another
        # worker -- is seen at once.
        registered, tip, recorded = (
            state if state is not None else self.store.subject_state(conn, sid)
        )
        kind = kind if kind is not None else registered
        if docs is None:
            docs = self.store.documents_stamp(conn)
        key = (sid, kind, as_of, now.date(), tuple(schemes) if schemes is not None else None)
        stamp = (tip, docs)
        cache = self.store.standing_cache
        hit = cache.get(key)
        if hit is not None and hit[0] == stamp:
            cached: Standing = hit[1]
            return cached
        entries = self._events(conn, sid) if kind is not None and recorded else []  # see state
        published = self._published(conn, None, docs)
        standing = derive(sid, kind, entries, published, as_of, now, schemes)
        if len(cache) >= STANDING_CACHE_SIZE:
            cache.clear()
        cache[key] = (stamp, standing)
        return standing

    def _registry(self, conn: Connection, docs: tuple[str, ...] | None = None) -> Registry:
        """The published memoranda and lists, rebuilt only when a publication changed them."""
        stamp = docs if docs is not None else self.store.documents_stamp(conn)
        today = self._today()
        key = (*stamp, today.isoformat())  # a list's version in force changes with the day
        cached = self.store.registry_cache
        if cached is None or cached[0] != key:
            memos = [
                d for d in self.store.documents(conn, "memorandum") if isinstance(d, Memorandum)
            ]
            lists = lists_core.in_force(
                (d for d in self.store.documents(conn, "list") if isinstance(d, ListDef)), today
            )
            cached = (key, Registry(tuple(memos), lists))
            self.store.registry_cache = cached
        registry: Registry = cached[1]
        return registry

    def _list_def(self, conn: Connection, list_id: str) -> ListDef:
        d = self._registry(conn).lists.get(list_id)
        if d is None:
            known = ", ".join(sorted(self._registry(conn).lists)) or "none"
            raise NotFound(f"unknown list {list_id!r} (published: {known})", field="list")
        return d

    def _entry(self, conn: Connection, entry: int) -> tuple[ListDef, EntryState]:
        first = self.store.get_event(conn, entry)
        if first is None or first.type != lists_core.PROPOSED:
            raise NotFound(f"unknown list entry {entry}", field="entry")
        state = self._standing(conn, first.subject, self._today()).lists[entry]
        return self._list_def(conn, state.list), state

    def _dispute(self, conn: Connection, dispute: int) -> tuple[DisputeState, Standing]:
        first = self.store.get_event(conn, dispute)
        if first is None or first.type != disputes_core.OPENED:
            raise NotFound(f"unknown dispute {dispute}", field="dispute")
        standing = self._standing(conn, first.subject, self._today())
        return standing.disputes[dispute], standing

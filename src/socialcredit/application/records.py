"""Subjects, recording, corrections, scores and histories: the ledger of conduct."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from socialcredit import sealing
from socialcredit.application import chaining
from socialcredit.application.base import (
    SUBJECT_KINDS,
    Actor,
    BulkResult,
    Part,
    Recorded,
    normalise_subject,
)
from socialcredit.application.group_commit import Pending
from socialcredit.application.notices import notify_voided
from socialcredit.application.views import EventView, ScoreReportView
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import (
    Event,
    Submission,
    check_text,
    prepare_reversal,
    prepare_score_event,
)
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.scoring import ScoreReport
from socialcredit.core.standing import as_utc


def evidence_digest(stated: str | None, content: bytes | None) -> str | None:
    """The evidence's SHA-256: computed from the content when given, else as stated."""
    if content is None:
        return stated
    digest = hashlib.sha256(content).hexdigest()
    if stated is not None and stated.strip().lower() != digest:
        raise BadInput(
            f"evidence_sha256 {stated} does not match the evidence content ({digest})",
            field="evidence_sha256",
        )
    return digest


class Records(Part):
    """Who is registered, what they did (evidence-backed), and what it scores."""

    def _check_known_at(self, known_at: datetime | None) -> None:
        """A replay asks what was known then; nobody knows the future yet."""
        if known_at is not None and as_utc(known_at) > self.settings.clock():
            raise BadInput(
                f"--as-known-on {known_at.isoformat()} is in the future", field="known_at"
            )

    def add_subject(self, actor: Actor, ident: str, kind: str, name: str) -> tuple[str, bool]:
        if kind not in SUBJECT_KINDS:
            raise BadInput(f"kind must be person or organisation, got {kind!r}", field="kind")
        subject, _ = normalise_subject(ident, kind, self._today())
        clean = check_text(name, "name", required=True)
        assert clean is not None
        with self.store.transaction() as conn:
            self._ready(conn)
            row = self.store.get_subject(conn, subject)
            if row is not None:
                if row.kind != kind:
                    raise Conflict(f"subject {subject} is already registered as a {row.kind}")
                return subject, False
            key = sealing.new_key()
            keys = [{"subject": subject, "key": key, "created": self._now()}]
            self.store.insert_keys(conn, keys)
            rows = [
                {
                    "id": subject,
                    "kind": kind,
                    "name": sealing.seal(key, subject, clean),
                    "registered": self._now(),
                }
            ]
            self.store.insert_subjects(conn, rows)
            chaining.registrations(self, conn, rows, keys, actor)
            self._access(conn, actor, "subject.register", subject)
        return subject, True

    def add_subjects(self, actor: Actor, rows: Sequence[tuple[str, str, str]]) -> int:
        """Register many subjects at once (demo and bulk loads); existing ones are skipped."""
        clean: dict[str, dict[str, str]] = {}
        today = self._today()
        for ident, kind, name in rows:
            subject, _ = normalise_subject(ident, kind, today)
            n = check_text(name, "name", required=True)
            assert n is not None
            clean[subject] = {"id": subject, "kind": kind, "name": n, "registered": self._now()}
        with self.store.transaction() as conn:
            self._ready(conn)
            known = self.store.subject_kinds(conn, clean)
            fresh = [r for s, r in clean.items() if s not in known]
            keys: list[dict[str, Any]] = [
                {"subject": r["id"], "key": sealing.new_key(), "created": r["registered"]}
                for r in fresh
            ]
            for r, k in zip(fresh, keys, strict=True):
                r["name"] = sealing.seal(k["key"], r["id"], r["name"])
            self.store.insert_keys(conn, keys)
            self.store.insert_subjects(conn, fresh)
            chaining.registrations(self, conn, fresh, keys, actor)
            if fresh:
                self._access(conn, actor, "subject.register-bulk", None, {"count": len(fresh)})
        return len(fresh)

    def record(
        self,
        actor: Actor,
        subject: str,
        scheme: str,
        rule: str,
        *,
        authority: str,
        evidence_ref: str | None,
        occurred: date,
        evidence_kind: str | None = None,
        evidence_sha256: str | None = None,
        evidence_content: bytes | None = None,
    ) -> Recorded:
        """Record an evidence-backed event; the same submission twice is one event.

        ``evidence_content`` is the evidence document itself: its SHA-256 is computed
        here (every adapter gets the same hashing), and must agree with
        ``evidence_sha256`` if both are given.
        """
        evidence_sha256 = evidence_digest(evidence_sha256, evidence_content)
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            kind = self._subject_kind(conn, sid)
            event = prepare_score_event(
                self._versions(conn, scheme),
                Submission(
                    sid,
                    kind,
                    scheme,
                    rule,
                    authority,
                    evidence_ref,
                    occurred,
                    evidence_kind,
                    evidence_sha256,
                ),
                today=self._today(),
                recorded=self._now(),
                registered_authorities=self.store.authority_ids(conn),
            )
            # Key, look up and append under the append lock: identical concurrent
            # submissions then find the one event (and the one dedup secret, created on
            # first use) instead of racing to a unique constraint.
            self.store.lock_appends(conn)
            key = self._dedup(conn, event)
            assert key is not None
            existing = self.store.find_dedup(conn, [key])
            if key in existing:
                return Recorded(existing[key], False, event.evidence_sha256)
            (done,) = self._append(conn, [replace(event, data={"dedup": key})], actor)
            self._access(conn, actor, "event.record", sid, {"event": done.id, "rule": rule})
        return Recorded(done.id, True, event.evidence_sha256)

    def record_many(
        self,
        actor: Actor,
        items: Iterable[dict[str, Any]],
        *,
        chunk: int = 20_000,
        progress: Callable[[int], None] | None = None,
    ) -> BulkResult:
        """Record many events through full validation, one transaction per chunk.

        Each item has the keyword arguments of ``record``. A chunk is all-or-nothing: if
        any item in it is invalid, none of the chunk is written and the error names it.
        """
        created = existing = 0
        batch: list[dict[str, Any]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= chunk:
                c, e = self._record_chunk(actor, batch)
                created, existing = created + c, existing + e
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            c, e = self._record_chunk(actor, batch)
            created, existing = created + c, existing + e
            if progress:
                progress(len(batch))
        return BulkResult(created, existing)

    def _record_chunk(self, actor: Actor, batch: Sequence[dict[str, Any]]) -> tuple[int, int]:
        today, now = self._today(), self._now()
        with self.store.transaction() as conn:
            self._ready(conn)
            subjects: dict[int, str] = {}
            seen_ids: dict[str, str] = {}
            for n, item in enumerate(batch):
                raw = item["subject"]
                if raw not in seen_ids:
                    try:
                        seen_ids[raw] = normalise_subject(raw)[0]
                    except BadInput as exc:
                        raise type(exc)(f"item {n}: {exc.message}", field=exc.field) from None
                subjects[n] = seen_ids[raw]
            kinds = self.store.subject_kinds(conn, subjects.values())
            versions: dict[str, list[Rulebook]] = {}
            authorities = self.store.authority_ids(conn)
            events: list[Event] = []
            for n, item in enumerate(batch):
                sid = subjects[n]
                try:
                    if sid not in kinds:
                        raise NotFound(f"subject {sid} is not registered", field="subject")
                    scheme = item["scheme"]
                    if scheme not in versions:
                        versions[scheme] = self._versions(conn, scheme)
                    events.append(
                        prepare_score_event(
                            versions[scheme],
                            Submission(
                                sid,
                                kinds[sid],
                                scheme,
                                item["rule"],
                                item["authority"],
                                item.get("evidence_ref"),
                                item["occurred"],
                                item.get("evidence_kind"),
                                item.get("evidence_sha256"),
                            ),
                            today=today,
                            recorded=now,
                            registered_authorities=authorities,
                        )
                    )
                except BadInput as exc:
                    raise type(exc)(f"item {n}: {exc.message}", field=exc.field) from None
            self.store.lock_appends(conn)  # as in record(): no race to a constraint
            keys = [self._dedup(conn, e) or "" for e in events]
            known = self.store.find_dedup(conn, keys)
            fresh: list[Event] = []
            seen: set[str] = set()
            for e, k in zip(events, keys, strict=True):
                if k not in known and k not in seen:
                    seen.add(k)
                    fresh.append(replace(e, data={**e.data, "dedup": k}))
            done = self._append(conn, fresh, actor)
            by_subject: dict[str, list[int]] = {}
            for e in done:
                by_subject.setdefault(e.subject, []).append(e.id)
            self.store.record_access(
                conn,
                [
                    {
                        "at": now,
                        "actor": actor.principal,
                        "role": actor.role,
                        "action": "event.record",
                        "subject": s,
                        "purpose": actor.purpose,
                        "detail": json.dumps({"events": ev}),
                    }
                    for s, ev in by_subject.items()
                ],
            )
        return len(done), len(events) - len(done)

    def correct(
        self,
        actor: Actor,
        event_id: int,
        *,
        reason: str,
        authority: str,
        occurred: date | None = None,
        evidence_ref: str | None = None,
    ) -> int:
        with self.store.transaction() as conn:
            self._ready(conn)
            target = self.store.get_event(conn, event_id)
            if target is None:
                raise NotFound(f"unknown event {event_id}", field="event")
            if target.scheme is None:
                raise Conflict(f"event {event_id} is not a score event")
            existing = self.store.events_for(conn, target.subject, target.scheme)
            rev = prepare_reversal(
                target,
                existing,
                versions=self._versions(conn, target.scheme),
                authority=authority,
                reason=reason,
                occurred=occurred or self._today(),
                today=self._today(),
                recorded=self._now(),
                evidence_ref=evidence_ref,
            )
            (done,) = self._append(conn, [rev], actor)
            notify_voided(
                self,
                conn,
                actor,
                target.subject,
                {target.id: f"corrected: {rev.reason}"},
                rev.occurred,
            )
            self._access(conn, actor, "event.correct", target.subject, {"event": done.id})
        return done.id

    def score(
        self,
        actor: Actor,
        subject: str,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> ScoreReportView:
        """One scheme's report from the subject's standing; ``known_at`` replays the past.

        A scheme published for another kind of subject is refused, never scored. The
        answer (the ``ScoreReportView`` every edge shows) is returned once its access
        record is durable (group commit).
        """
        report: ScoreReport = self._recorded(
            self.score_prepare(actor, subject, scheme, as_of, known_at)
        )
        return ScoreReportView.of(report)

    def score_prepare(
        self,
        actor: Actor,
        subject: str,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> Pending:
        """``score`` computed from a read-only snapshot, its access record not yet written."""
        sid, _ = normalise_subject(subject)
        # A replay is asked as of its own day unless told otherwise.
        day = as_of or (as_utc(known_at).date() if known_at is not None else self._today())
        self._check_known_at(known_at)
        # Computed from a read-only snapshot (the standing cached per subject and day);
        # the access record goes through the group committer, answered after its commit.
        with self.store.read() as conn:
            self._ready(conn)
            kind = self._subject_kind_fast(conn, sid)
            if scheme not in self._published(conn).schemes:
                self._versions(conn, scheme)  # names what is published, or it is new
            standing = self._standing(conn, sid, day, known_at, [scheme], kind)
            if scheme in standing.skipped:
                article = "an" if kind[:1] in "aeiou" else "a"
                raise BadInput(
                    f"{standing.skipped[scheme]}; subject {sid} is {article} {kind}",
                    field="scheme",
                )
            if scheme not in standing.reports:
                raise NotFound(
                    f"scheme {scheme!r} was not published yet as known at {known_at}",
                    field="scheme",
                )
            report = standing.reports[scheme]
            detail: dict[str, Any] = {"scheme": scheme, "as_of": day.isoformat()}
            if known_at is not None:
                detail["known_at"] = known_at.isoformat()
            row = self._access_row(actor, "score.read", sid, detail)
        return Pending(report, [row])

    def history(self, actor: Actor, subject: str) -> list[EventView]:
        """Every ledger entry about the subject, in order (personal fields opened)."""
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            events = self._events(conn, sid)
            self._access(conn, actor, "history.read", sid)
        return [EventView.of(e) for e in events]

    def recorded_by(self, actor: Actor, authority: str, limit: int = 200) -> list[EventView]:
        """What one authority recorded, newest first (the registrar's own desk view)."""
        with self.store.transaction() as conn:
            self._ready(conn)
            events = self._opened(conn, self.store.events_by_authority(conn, authority, limit))
            self._access(
                conn, actor, "desk.read", None, {"authority": authority, "count": len(events)}
            )
            shown: dict[str, list[int]] = {}
            for e in events:
                shown.setdefault(e.subject, []).append(e.id)
            chaining.access_each(
                self, conn, actor, "desk.read", {s: {"events": ids} for s, ids in shown.items()}
            )
        return [EventView.of(e) for e in events]

    def subject_exists(self, subject: str) -> bool:
        sid, _ = normalise_subject(subject)
        with self.store.read() as conn:  # no write lock: asked before every own-record read
            self._ready(conn)
            return self.store.get_subject(conn, sid) is not None

    def pseudonym(self, sid: str) -> str:
        """The subject's pseudonym (store/pseudonyms.py): how an erased subject's token
        names it."""
        with self.store.read() as conn:
            self._ready(conn)
            return self.store.pseudonym(conn, sid)

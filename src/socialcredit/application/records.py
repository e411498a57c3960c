"""Rulebooks, subjects, recording, corrections, scores."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from socialcredit import sealing
from socialcredit.application.base import (
    SUBJECT_KINDS,
    Base,
    BulkResult,
    InitResult,
    Recorded,
    normalise_subject,
    packaged_rulebooks,
    version_on,
)
from socialcredit.core.documents import Document, doc_id, doc_kind, parse_document
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import (
    REVERSAL,
    SCORE,
    ChainProblem,
    Event,
    Submission,
    check_text,
    prepare_reversal,
    prepare_score_event,
    verify_chain,
)
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.scoring import ScoreReport, score


class Records(Base):
    def init(self, sources: Sequence[tuple[str, str]] | None = None) -> InitResult:
        """Create the schema and publish rulebooks; running it again changes nothing."""
        books: list[Document] = []
        for name, text in sources if sources is not None else packaged_rulebooks():
            try:
                book = parse_document(text)
            except BadInput as exc:
                raise type(exc)(f"{name}: {exc.message}") from None
            books.append(book)
        published: list[str] = []
        already: list[str] = []
        n_auth = 0
        with self.store.transaction() as conn:
            self.store.create(conn)
            for book in books:
                label = f"{doc_kind(book)} {doc_id(book)} {book.version}"
                if self.store.insert_rulebook(conn, book, self._now()):
                    published.append(label)
                else:
                    already.append(label)
                for a in getattr(book, "authorities", ()):
                    if self.store.insert_authority(
                        conn, a.id, a.name, a.kind, a.jurisdiction, self._now()
                    ):
                        n_auth += 1
        return InitResult(published, already, n_auth)

    def publish(self, text: str) -> tuple[Document, bool]:
        book = parse_document(text)
        with self.store.transaction() as conn:
            self._ready(conn)
            created = self.store.insert_rulebook(conn, book, self._now())
            for a in getattr(book, "authorities", ()):
                self.store.insert_authority(conn, a.id, a.name, a.kind, a.jurisdiction, self._now())
        return book, created

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

    def add_subject(self, ident: str, kind: str, name: str) -> tuple[str, bool]:
        if kind not in SUBJECT_KINDS:
            raise BadInput(f"kind must be person or organisation, got {kind!r}", field="kind")
        subject, _ = normalise_subject(ident, kind)
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
            self.store.insert_keys(conn, [{"subject": subject, "key": key, "created": self._now()}])
            self.store.insert_subjects(
                conn,
                [
                    {
                        "id": subject,
                        "kind": kind,
                        "name": sealing.seal(key, subject, clean),
                        "registered": self._now(),
                    }
                ],
            )
            self._access(conn, "subject.register", subject)
        return subject, True

    def add_subjects(self, rows: Sequence[tuple[str, str, str]]) -> int:
        """Register many subjects at once (demo and bulk loads); existing ones are skipped."""
        clean: dict[str, dict[str, str]] = {}
        for ident, kind, name in rows:
            subject, _ = normalise_subject(ident, kind)
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
            if fresh:
                self._access(conn, "subject.register-bulk", None, {"count": len(fresh)})
        return len(fresh)

    def record(
        self,
        subject: str,
        scheme: str,
        rule: str,
        *,
        authority: str,
        evidence_ref: str | None,
        occurred: date,
        evidence_kind: str | None = None,
        evidence_sha256: str | None = None,
    ) -> Recorded:
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
            key = event.dedup_key()
            assert key is not None
            # Look up and append under the append lock: identical concurrent submissions
            # then find the one event instead of racing to the unique constraint.
            self.store.lock_appends(conn)
            existing = self.store.find_dedup(conn, [key])
            if key in existing:
                return Recorded(existing[key], False)
            (done,) = self.store.append(conn, [event])
            self._access(conn, "event.record", sid, {"event": done.id, "rule": rule})
        return Recorded(done.id, True)

    def record_many(
        self,
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
                c, e = self._record_chunk(batch)
                created, existing = created + c, existing + e
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            c, e = self._record_chunk(batch)
            created, existing = created + c, existing + e
            if progress:
                progress(len(batch))
        return BulkResult(created, existing)

    def _record_chunk(self, batch: Sequence[dict[str, Any]]) -> tuple[int, int]:
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
            keys = [e.dedup_key() or "" for e in events]
            self.store.lock_appends(conn)  # as in record(): no race to the constraint
            known = self.store.find_dedup(conn, keys)
            fresh: list[Event] = []
            seen: set[str] = set()
            for e, k in zip(events, keys, strict=True):
                if k not in known and k not in seen:
                    seen.add(k)
                    fresh.append(e)
            done = self.store.append(conn, fresh)
            by_subject: dict[str, list[int]] = {}
            for e in done:
                by_subject.setdefault(e.subject, []).append(e.id)
            self.store.record_access(
                conn,
                [
                    {
                        "at": now,
                        "actor": self.settings.actor,
                        "role": self.settings.role,
                        "action": "event.record",
                        "subject": s,
                        "purpose": self.settings.purpose,
                        "detail": json.dumps({"events": ev}),
                    }
                    for s, ev in by_subject.items()
                ],
            )
        return len(done), len(events) - len(done)

    def correct(
        self,
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
            (done,) = self.store.append(conn, [rev])
            self._access(conn, "event.correct", target.subject, {"event": done.id})
        return done.id

    def score(self, subject: str, scheme: str, as_of: date | None = None) -> ScoreReport:
        sid, _ = normalise_subject(subject)
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            versions = self._versions(conn, scheme)
            book = version_on(versions, day)
            view = self._view(conn, sid, day)
            report = score(book, sid, view.events, day, view.disputed)
            self._access(conn, "score.read", sid, {"scheme": scheme, "as_of": day.isoformat()})
        return report

    def history(self, subject: str) -> list[Event]:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            events = self._events(conn, sid)
            self._access(conn, "history.read", sid)
        return events

    def grade_distribution(self, scheme: str, as_of: date | None = None) -> Counter[str]:
        """Grades of every subject the scheme applies to: an aggregate, recorded as one read."""
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            book = version_on(self._versions(conn, scheme), day)
            per: dict[str, list[Event]] = {}
            for e in self.store.score_events(conn, scheme):
                per.setdefault(e.subject, []).append(e)
            kinds = None if book.subjects == "any" else book.subjects
            everyone = self.store.subjects_page(conn, kinds)
            dist: Counter[str] = Counter()
            for s in everyone:
                dist[score(book, s, per.get(s, []), day).grade] += 1
            self._access(conn, "aggregate.grades", None, {"scheme": scheme, "as_of": str(day)})
        return dist

    def batch_input(
        self, scheme: str
    ) -> tuple[list[tuple[int, str, str | None, date, int | None]], list[tuple[str, str]]]:
        """A scheme's score events and reversals, and every registered subject, for batch scoring.

        This reads everyone's record at once, so it is recorded as one aggregate read
        (with the stated purpose) rather than silently.
        """
        with self.store.transaction() as conn:
            self._ready(conn)
            events = [
                (e.id, e.subject, e.rule, e.occurred, e.reverses)
                for e in self.store.score_events(conn, scheme)
                if e.type in (SCORE, REVERSAL)
            ]
            people = [
                (s, kind)
                for kind in ("person", "organisation")
                for s in self.store.subjects_page(conn, kind)
            ]
            self._access(
                conn,
                "aggregate.batch-input",
                None,
                {"scheme": scheme, "events": len(events), "subjects": len(people)},
            )
        return events, people

    def verify(self) -> tuple[int, ChainProblem | None]:
        with self.store.transaction() as conn:
            self._ready(conn)
            n = self.store.count(conn, "events")
            problem = verify_chain(self.store.chain(conn))
        return n, problem

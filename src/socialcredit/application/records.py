"""Rulebooks, subjects, recording, corrections, scores."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit import sealing
from socialcredit.application import chaining, log
from socialcredit.application.base import (
    SUBJECT_KINDS,
    Base,
    BulkResult,
    InitResult,
    Recorded,
    normalise_subject,
    packaged_rulebooks,
)
from socialcredit.application.group_commit import Pending
from socialcredit.application.notices import notify_voided
from socialcredit.core.documents import (
    Document,
    check_documents,
    doc_id,
    doc_kind,
    parse_document,
    refusal,
)
from socialcredit.core.errors import BadInput, Conflict, NotFound
from socialcredit.core.ledger import (
    SCORE,
    Event,
    Submission,
    check_text,
    prepare_reversal,
    prepare_score_event,
)
from socialcredit.core.rulebook import Rulebook, version_for
from socialcredit.core.scoring import ScoreReport
from socialcredit.core.standing import Published, as_utc, derive, effective_reversals


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


class Records(Base):
    def _check_known_at(self, known_at: datetime | None) -> None:
        """A replay asks what was known then; nobody knows the future yet."""
        if known_at is not None and as_utc(known_at) > self.settings.clock():
            raise BadInput(
                f"--as-known-on {known_at.isoformat()} is in the future", field="known_at"
            )

    def init(self, sources: Sequence[tuple[str, str]] | None = None) -> InitResult:
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
                    chaining.publication(self, conn, book)
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

    def publish(self, text: str, name: str = "document") -> tuple[Document, bool]:
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
                chaining.publication(self, conn, book)
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

    def add_subject(self, ident: str, kind: str, name: str) -> tuple[str, bool]:
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
            chaining.registrations(self, conn, rows, keys)
            self._access(conn, "subject.register", subject)
        return subject, True

    def add_subjects(self, rows: Sequence[tuple[str, str, str]]) -> int:
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
            chaining.registrations(self, conn, fresh, keys)
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
            (done,) = self._append(conn, [replace(event, data={"dedup": key})])
            self._access(conn, "event.record", sid, {"event": done.id, "rule": rule})
        return Recorded(done.id, True, event.evidence_sha256)

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
            self.store.lock_appends(conn)  # as in record(): no race to a constraint
            keys = [self._dedup(conn, e) or "" for e in events]
            known = self.store.find_dedup(conn, keys)
            fresh: list[Event] = []
            seen: set[str] = set()
            for e, k in zip(events, keys, strict=True):
                if k not in known and k not in seen:
                    seen.add(k)
                    fresh.append(replace(e, data={**e.data, "dedup": k}))
            done = self._append(conn, fresh)
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
            (done,) = self._append(conn, [rev])
            notify_voided(
                self, conn, target.subject, {target.id: f"corrected: {rev.reason}"}, rev.occurred
            )
            self._access(conn, "event.correct", target.subject, {"event": done.id})
        return done.id

    def score(
        self,
        subject: str,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
    ) -> ScoreReport:
        """One scheme's report from the subject's standing; ``known_at`` replays the past.

        A scheme published for another kind of subject is refused, never scored. The
        answer is returned once its access record is durable (group commit).
        """
        report: ScoreReport = self._recorded(self.score_prepare(subject, scheme, as_of, known_at))
        return report

    def score_prepare(
        self,
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
            row = self._access_row("score.read", sid, detail)
        return Pending(report, [row])

    def history(self, subject: str) -> list[Event]:
        sid, _ = normalise_subject(subject)
        with self.store.transaction() as conn:
            self._ready(conn)
            self._subject_kind(conn, sid)
            events = self._events(conn, sid)
            self._access(conn, "history.read", sid)
        return events

    def _everyone(self, conn: Connection) -> Iterator[tuple[str, str, list[Event]]]:
        """(subject, kind, entries) for every registered subject, entries sealed or not."""
        kinds = {
            s: kind for kind in SUBJECT_KINDS for s in self.store.subjects_page(conn, kind)
        }
        with_events: set[str] = set()
        for sid, entries in self.store.events_by_subject(conn):
            with_events.add(sid)
            if sid in kinds:
                yield sid, kinds[sid], entries
        for sid in sorted(set(kinds) - with_events):
            yield sid, kinds[sid], []

    def grade_distribution(
        self, scheme: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> Counter[str]:
        """Grades of every subject the scheme applies to: an aggregate, recorded as one read.

        Each subject's grade comes from the same derivation as their own record, so a
        voided item or a lapsed dispute counts here exactly as it does there.
        """
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            self._versions(conn, scheme)
            published = self._published(conn, known_at)
            now = known_at or self._clock()
            dist: Counter[str] = Counter()
            for sid, kind, entries in self._everyone(conn):
                standing = derive(sid, kind, entries, published, day, now, [scheme])
                if scheme in standing.reports:
                    dist[standing.reports[scheme].grade] += 1
            self._access(conn, "aggregate.grades", None, {"scheme": scheme, "as_of": str(day)})
        return dist

    def subject_counts(self) -> dict[str, int]:
        """How many subjects of each kind are registered: an aggregate, nobody's data.

        Batch scoring uses it to say how many subjects a scheme did not apply to.
        """
        with self.store.transaction() as conn:
            self._ready(conn)
            return {k: len(self.store.subjects_page(conn, k)) for k in SUBJECT_KINDS}

    def batch_input(
        self,
        scheme: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        export: str | None = None,
    ) -> tuple[list[tuple[int, str, str | None, date, int | None]], list[tuple[str, str]]]:
        """A scheme's score events and effective reversals, and every subject it applies to.

        The reversals are what the derivation voids -- corrections, and disputes decided
        for the subject or left undecided past their deadline -- so the batch engines,
        which void any target named by a row with ``reverses``, agree with every online
        path. This reads everyone's record at once, so it is recorded as one aggregate
        read (with the stated purpose) rather than silently.
        """
        day = as_of or self._today()
        with self.store.transaction() as conn:
            self._ready(conn)
            versions = self._versions(conn, scheme)
            book = version_for(versions, day)
            published = Published({scheme: versions}, self._registry(conn))
            now = known_at or self._clock()
            events: list[tuple[int, str, str | None, date, int | None]] = []
            people: list[tuple[str, str]] = []
            for sid, kind, entries in self._everyone(conn):
                if book.subjects not in ("any", kind):
                    continue
                people.append((sid, kind))
                standing = derive(sid, kind, entries, published, day, now, [scheme])
                for e in standing.entries:
                    if e.type == SCORE and e.scheme == scheme:
                        events.append((e.id, sid, e.rule, e.occurred, None))
                scored = {e.id: e for e in standing.entries if e.scheme == scheme}
                for by, target in effective_reversals(standing):
                    if target in scored:
                        hit = scored[target]
                        events.append((by, sid, hit.rule, hit.occurred, target))
            events.sort()
            self._access(
                conn,
                "aggregate.batch-input",
                None,
                {"scheme": scheme, "events": len(events), "subjects": len(people)}
                | ({"export": export} if export else {}),
            )
        return events, people

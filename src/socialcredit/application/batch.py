"""Aggregates over everyone: grade distributions, counts, the batch engines' input.

Each reads every subject's record at once, so each is recorded as one aggregate read
(with the actor's stated purpose) rather than silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy.engine import Connection

from socialcredit.application.base import SUBJECT_KINDS, Actor, Part
from socialcredit.core.ledger import SCORE, Event
from socialcredit.core.rulebook import version_for
from socialcredit.core.standing import Published, derive, effective_reversals


class Batch(Part):
    """Population-wide reads for ``batch`` scoring and the figures."""

    def _everyone(self, conn: Connection) -> Iterator[tuple[str, str, list[Event]]]:
        """(subject, kind, entries) for every registered subject, entries sealed or not."""
        kinds = {s: kind for kind in SUBJECT_KINDS for s in self.store.subjects_page(conn, kind)}
        with_events: set[str] = set()
        for sid, entries in self.store.events_by_subject(conn):
            with_events.add(sid)
            if sid in kinds:
                yield sid, kinds[sid], entries
        for sid in sorted(set(kinds) - with_events):
            yield sid, kinds[sid], []

    def grade_distribution(
        self, actor: Actor, scheme: str, as_of: date | None = None, known_at: datetime | None = None
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
            self._access(
                conn, actor, "aggregate.grades", None, {"scheme": scheme, "as_of": str(day)}
            )
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
        actor: Actor,
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
                actor,
                "aggregate.batch-input",
                None,
                {"scheme": scheme, "events": len(events), "subjects": len(people)}
                | ({"export": export} if export else {}),
            )
        return events, people

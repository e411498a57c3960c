"""Public figures: how many are listed, banned, repaired, and how disputes end.

The reporting gives national totals (6.15 million flight bans in 2017) but nobody could
check them; here anyone can see the figures of this store, computed from the ledger
through the one derivation (so a voided entry or a lapsed dispute counts as it does in
the subject's own record) and the recorded decisions. They are materialised per day in
the process: the first request of a day computes them, every other request is a dict
look-up, and the daily maintenance refreshes them; today's figures are recomputed at
most every ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from socialcredit.application.base import SUBJECT_KINDS, Actor, Context, Part
from socialcredit.application.batch import Batch
from socialcredit.application.own import subject_named
from socialcredit.core import disputes as disputes_core
from socialcredit.core import repair as repair_core
from socialcredit.core.errors import NotFound
from socialcredit.core.ledger import REVERSAL, SCORE
from socialcredit.core.standing import derive
from socialcredit.store import schema

REFRESH_SECONDS = 600.0
# Entries that void an item from the start: a correction, a dispute's decision or lapse.
_VOIDING = (REVERSAL, disputes_core.DECIDED, disputes_core.LAPSED)


class Figures(Part):
    """Public figures and grade distributions, materialised; a subject's score history."""

    def __init__(self, ctx: Context, batch: Batch) -> None:
        super().__init__(ctx)
        self.batch = batch

    def figures(self, actor: Actor, as_of: date | None = None) -> dict[str, Any]:
        """Counts by list, decisions by service, disputes and repairs as of a day."""
        day = as_of or self._today()
        key = day.isoformat()
        cached = self.store.figures_cache.get(key)
        fresh = day < self._today() or (
            cached is not None and time.monotonic() - cached[0] < REFRESH_SECONDS
        )
        if cached is not None and fresh:
            body: dict[str, Any] = cached[1]
            return body
        # One computation at a time: concurrent anonymous requests wait for it and take
        # its result instead of each walking the whole ledger (issue 15).
        with self.store.figures_lock:
            again = self.store.figures_cache.get(key)
            if again is not None and again is not cached:
                done: dict[str, Any] = again[1]
                return done
            body = self._compute_figures(actor, day)
            self.store.figures_cache[key] = (time.monotonic(), body)
        return body

    def score_history(
        self, actor: Actor, subject: str, scheme: str, limit: int = 120
    ) -> list[ScorePoint]:
        """How a subject's score moved: the score on each day an event began or ended to
        count, and today, as the record stands now (corrections and upheld disputes
        applied), naming the events that moved it. At most ``limit`` latest points.
        """
        sid = subject_named(actor, subject)  # an erased subject's own pseudonym too
        today = self._today()
        now = self.settings.clock()
        with self.store.transaction() as conn:
            self._ready(conn)
            kind = self._subject_kind(conn, sid)
            self._versions(conn, scheme)
            entries = self._events(conn, sid)
            published = self._published(conn, None)
            days: dict[date, list[int]] = {}
            for e in entries:
                if e.scheme == scheme and e.type == SCORE:
                    if e.occurred <= today:
                        days.setdefault(e.occurred, []).append(e.id)
                    if e.ends is not None and e.ends <= today:
                        days.setdefault(e.ends, [])
            days.setdefault(today, [])
            points = []
            for day in sorted(days)[-limit:]:
                # The same derivation as every other answer, on each day in turn.
                standing = derive(sid, kind, entries, published, day, now, [scheme])
                r = standing.reports.get(scheme)
                if r is None:
                    raise NotFound(f"scheme {scheme!r} does not score {sid}", field="scheme")
                points.append(ScorePoint(day, r.score, r.grade, tuple(days[day])))
            self._access(conn, actor, "score-history.read", sid, {"scheme": scheme})
        return points

    # -- public figures, materialised --------------------------------------------------
    def public_grades(self, actor: Actor, scheme: str | None = None) -> list[PublicGrades]:
        """Grade distributions today (one scheme, or every published one), computed once
        per (scheme, day, publication state).

        Anonymous readers ask for these constantly and each costs a pass over every
        subject, so they are materialised: the first request of a day, or after a
        publication, computes them (one at a time, through ``grade_distribution``, which
        records the aggregate read); every other request costs one small read of what is
        published. An event recorded today shows in tomorrow's figures.
        """
        day = self._today().isoformat()
        with self.store.transaction() as conn:
            self._ready(conn)
            mark = self.store.publication_mark(conn)
            schemes = self.store.schemes(conn)
        if scheme is not None:
            if scheme not in schemes:
                raise NotFound(
                    f"unknown scheme {scheme!r} (published: {', '.join(schemes)})", field="scheme"
                )
            schemes = [scheme]
        return [self._grades(actor, s, day, mark) for s in schemes]

    def _voided_since(self, figures: PublicGrades) -> bool:
        """Whether an entry that voids an item was recorded after ``figures`` were computed.

        A voided item never counted (SYSTEM.md §6: "in every view"), so figures computed
        earlier today are recomputed; new events and early endings wait for tomorrow's.
        Two small reads: the ledger's last id, and the entries after the figures' own.
        """
        with self.store.read() as conn:
            tip, _ = self.store.tip(conn)
            if tip == figures.tip:
                return False
            hit = conn.execute(
                select(schema.events.c.id)
                .where(schema.events.c.id > figures.tip, schema.events.c.type.in_(_VOIDING))
                .limit(1)
            ).first()
        if hit is None:
            figures.tip = tip  # nothing voided in between: only look past here next time
        return hit is not None

    def _grades(self, actor: Actor, scheme: str, day: str, mark: str) -> PublicGrades:
        key = (scheme, day, mark)
        cache = self.store.grades_cache
        found: PublicGrades | None = cache.get(key)
        if found is not None and not self._voided_since(found):
            return found
        with self.store.grades_lock:
            again: PublicGrades | None = cache.get(key)  # computed meanwhile by another request
            if again is not None and again is not found and not self._voided_since(again):
                return again
            with self.store.read() as conn:
                tip, _ = self.store.tip(conn)
            # The distribution is the batch part's (the one aggregate read, recorded).
            dist = self.batch.grade_distribution(actor, scheme)
            with self.store.transaction() as conn:
                order = tuple(g.grade for g in self._versions(conn, scheme)[-1].grades)
            grades = {g: dist.get(g, 0) for g in order}
            grades.update({g: n for g, n in dist.items() if g not in grades})
            figures = PublicGrades(scheme, day, grades, order, tip=tip)
            for stale in [k for k in cache if k[1] != day or k[2] != mark]:
                del cache[stale]
            cache[key] = figures
        return figures

    def _compute_figures(self, actor: Actor, day: date) -> dict[str, Any]:
        lists: dict[str, Counter[str]] = {}
        disputes: Counter[str] = Counter()
        decide_days: list[int] = []
        repairs: Counter[str] = Counter()
        with self.store.transaction() as conn:
            self._ready(conn)
            published = self._published(conn)
            now = self.settings.clock()
            kinds = {s: k for k in SUBJECT_KINDS for s in self.store.subjects_page(conn, k)}
            for sid, entries in self.store.events_by_subject(conn):
                st = derive(sid, kinds.get(sid), entries, published, day, now, ())
                for entry in st.lists.values():
                    if entry.proposed > day:
                        continue
                    c = lists.setdefault(entry.list, Counter())
                    c["added"] += 1
                    c[entry.status(day).replace("-", "_")] += 1
                    if entry.remedied is not None and entry.remedied <= day:
                        c["remedied"] += 1
                    if entry.entry in st.ended:
                        c["repaired"] += 1
                for d in st.disputes.values():
                    if d.opened > day:
                        continue
                    disputes["opened"] += 1
                    disputes[d.status(day)] += 1
                    if d.decided is not None and d.decided <= day:
                        decide_days.append((d.decided - d.opened).days)
                for r in st.repairs.values():
                    if r.applied > day:
                        continue
                    repairs["applied"] += 1
                    repairs[r.status(day).replace("-", "_")] += 1
            decisions = self.store.decision_counts(conn, (day + timedelta(days=1)).isoformat())
            self._access(conn, actor, "aggregate.figures", None, {"as_of": day.isoformat()})
        by_service: dict[str, dict[str, int]] = {}
        for (service, decision), n in sorted(decisions.items()):
            by_service.setdefault(service, {"allow": 0, "deny": 0, "benefit": 0})[decision] = n
        return {
            "as_of": day.isoformat(),
            "lists": {
                name: {
                    k: c.get(k, 0)
                    for k in (
                        "added",
                        "in_effect",
                        "removed",
                        "expired",
                        "annulled",
                        "remedied",
                        "repaired",
                    )
                }
                for name, c in sorted(lists.items())
            },
            "decisions": by_service,
            "disputes": {
                **{
                    k: disputes.get(k, 0)
                    for k in (
                        "opened",
                        "open",
                        "appealed",
                        disputes_core.UPHELD,
                        disputes_core.ANNULLED,
                        disputes_core.AMENDED,
                        "lapsed",
                    )
                },
                "median_days_to_decision": statistics.median(decide_days) if decide_days else None,
            },
            "repairs": {
                k: repairs.get(k, 0)
                for k in (
                    "applied",
                    "pending",
                    repair_core.GRANTED,
                    repair_core.REFUSED,
                    "granted_by_deadline",
                )
            },
        }


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: int
    grade: str
    events: tuple[int, ...]  # the events that began to count that day


@dataclass
class PublicGrades:
    """One scheme's public grade figures for a day, and its chart once drawn."""

    scheme: str
    as_of: str
    grades: dict[str, int]
    order: tuple[str, ...]
    tip: int = 0  # the ledger's last id when computed (``Figures._voided_since``)
    _svg: bytes | None = field(default=None, repr=False)

    def chart_svg(self) -> bytes:
        """The bar chart, drawn on first use and kept with the figures it shows."""
        if self._svg is None:
            from socialcredit.charts import bar_chart

            self._svg = bar_chart(self.grades, self.order, f"{self.scheme} grades")
        return self._svg

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
from datetime import date, timedelta
from typing import Any

from socialcredit.application.base import SUBJECT_KINDS, Base
from socialcredit.core import disputes as disputes_core
from socialcredit.core import repair as repair_core
from socialcredit.core.standing import derive

REFRESH_SECONDS = 600.0


class Figures(Base):
    def figures(self, as_of: date | None = None) -> dict[str, Any]:
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
            body = self._compute_figures(day)
            self.store.figures_cache[key] = (time.monotonic(), body)
        return body

    def _compute_figures(self, day: date) -> dict[str, Any]:
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
            self._access(conn, "aggregate.figures", None, {"as_of": day.isoformat()})
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

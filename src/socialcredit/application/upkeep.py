"""What time decides, written down: lapsed disputes, then erasures after retention.

No answer depends on it (the standing derives lapses and expiries from the dates);
``tick`` makes the ledger say so, with the notices and the deleted keys. The daily
maintenance of a running service calls it (``maintenance.py``).
"""

from __future__ import annotations

from datetime import date

from socialcredit.application.base import Actor, Context, Part, TickResult
from socialcredit.application.disputes import consequence
from socialcredit.application.erasure import Erasure
from socialcredit.application.notices import notify_voided
from socialcredit.core import disputes as disputes_core
from socialcredit.core.errors import BadInput


class Upkeep(Part):
    """The tick: lapses through the disputes' consequence, erasures through ``Erasure``."""

    def __init__(self, ctx: Context, erasure: Erasure) -> None:
        super().__init__(ctx)
        self.erasure = erasure

    def tick(self, actor: Actor, as_of: date) -> TickResult:
        """Write down what time has already decided: lapsed disputes, then erasures.

        Idempotent: a second run on the same date finds nothing left to write.
        """
        if as_of > self._today():
            raise BadInput(
                f"tick cannot materialise the future ({as_of.isoformat()})", field="as-of"
            )
        lapsed = erased = 0
        with self.store.transaction() as conn:
            self._ready(conn)
            events = self.store.events_of_types(conn, disputes_core.DISPUTE_EVENTS)
            for state in disputes_core.due_lapses(disputes_core.fold(events).values(), as_of):
                view = self._standing(conn, state.subject, as_of)
                lapse = disputes_core.lapse(state, recorded=self._now())
                new = [
                    lapse,
                    *consequence(
                        self,
                        conn,
                        state,
                        view,
                        authority="system:deadline",
                        reason=str(lapse.reason),
                        occurred=lapse.occurred,
                    ),
                ]
                self._append(conn, new, actor)
                notify_voided(
                    self,
                    conn,
                    actor,
                    state.subject,
                    {state.item: str(lapse.reason)},
                    lapse.occurred,
                )
                self._access(
                    conn, actor, "dispute.lapse", state.subject, {"dispute": state.dispute}
                )
                lapsed += 1
            erased = self.erasure._erase_due(conn, actor, as_of)
        shred = self.erasure._shred_after(erased)
        if shred is None:
            return TickResult(lapsed, erased)
        return TickResult(lapsed, erased, shred.done, shred.detail)

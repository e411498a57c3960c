"""Those who were told are told again: notices to verifiers when an item is voided.

A decision's access record keeps the items each reason rested on (its basis). When one
of them is voided -- corrected, or a dispute decided for the subject or left undecided
past its deadline -- every verifier that received a ``deny`` resting on it, or a
``benefit`` now lost, in the two years before gets a notice naming the decision, the
item and why. (US law makes this a duty on request, FCRA §611(d); here it is automatic.)

Notices are ledger entries of the subject (type ``notice``), written in the same
transaction as the voiding, so they are hash-chained, shown in the subject's access
export, and never written twice for the same decision and item.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from socialcredit.application.base import Actor, Part
from socialcredit.application.record_views import NoticeView
from socialcredit.core.errors import BadInput
from socialcredit.core.ledger import Event
from socialcredit.core.sanctions import BENEFIT, DENY

NOTICE = "notice"
LOOKBACK = timedelta(days=2 * 365 + 1)


def notice_json(e: Event) -> dict[str, Any]:
    """The one shape of a notice, for the CLI, the API and the access export."""
    return {
        "notice": e.id,
        "decision": e.data.get("decision"),
        "item": e.data.get("item"),
        "verifier": e.data.get("verifier"),
        "service": e.data.get("service"),
        "subject": e.subject,
        "reason": e.reason,
        "recorded": e.recorded,
    }


def notify_voided(
    app: Part, conn: Connection, actor: Actor, subject: str, items: Mapping[int, str], on: date
) -> list[int]:
    """Append a notice for every past decision resting on a voided item; their ids."""
    if not items:
        return []
    already = {
        (int(e.data.get("decision", 0)), int(e.data.get("item", 0)))
        for e in app.store.events_for(conn, subject)
        if e.type == NOTICE
    }
    since = on - LOOKBACK
    new: list[Event] = []
    for r in app.store.access_for(conn, subject):
        if r["action"] != "decision":
            continue
        detail = json.loads(r["detail"])
        if detail.get("decision") not in (DENY, BENEFIT):
            continue
        try:
            at = datetime.fromisoformat(r["at"]).date()
        except ValueError:
            continue
        if at < since or at > on + timedelta(days=1):
            continue
        basis = {int(i) for ids in detail.get("basis", {}).values() for i in ids}
        for item, why in sorted(items.items()):
            if item not in basis or (int(r["id"]), item) in already:
                continue
            already.add((int(r["id"]), item))
            new.append(
                Event(
                    id=0,
                    type=NOTICE,
                    subject=subject,
                    authority="system:notices",
                    occurred=on,
                    recorded=app._now(),
                    reason=(
                        f"your {detail.get('decision')} for {detail.get('service')} of "
                        f"{r['at']} rested on item {item}, which was voided: {why}"
                    ),
                    data={
                        "decision": int(r["id"]),
                        "item": item,
                        "verifier": r["actor"],
                        "service": detail.get("service"),
                    },
                )
            )
    return [e.id for e in app._append(conn, new, actor)] if new else []


class Notices(Part):
    """What verifiers are told when an item a decision rested on is voided."""

    def read(self, actor: Actor, verifier: str) -> list[NoticeView]:
        """A verifier's notices, oldest first; reading them is recorded per subject."""
        with self.store.transaction() as conn:
            self._ready(conn)
            if verifier not in self._registry(conn).verifiers:
                raise BadInput(f"unknown verifier {verifier!r}", field="verifier")
            found = [
                e
                for e in self.store.events_of_types(conn, (NOTICE,))
                if e.data.get("verifier") == verifier
            ]
            found = self._opened(conn, found)
            for subject in sorted({e.subject for e in found}):
                self._access(
                    conn,
                    actor,
                    "notices.read",
                    subject,
                    {
                        "verifier": verifier,
                        "notices": [e.id for e in found if e.subject == subject],
                    },
                )
        return [NoticeView(**notice_json(e)) for e in found]

"""The views of due process: a dispute and a credit repair, each as of a day.

Part of the one family of read models (``views.py``, docs/results.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from socialcredit.application.results import View
from socialcredit.core.disputes import DisputeState
from socialcredit.core.repair import RepairState


# -- due process --------------------------------------------------------------------------
class DisputeRuling(View):
    """One decision of a dispute (the first, then any appeal), each with its own reason."""

    stage: Literal["first", "appeal"]
    reviewer: str | None
    outcome: str | None
    reason: str | None
    decided: date | None


class DisputeView(View):
    """A dispute and where it stands on a day."""

    dispute: int
    subject: str
    item: int
    item_kind: str
    authority: str
    status: str
    opened: date | None
    statement: Any
    evidence: str | None
    authority_notified: date | None
    notify_by: date | None
    deadline: date | None
    extended: bool
    decided: date | None
    outcome: str | None
    reviewer: str | None
    reason: str | None
    appealed: date | None
    appeal_decided: date | None
    appeal_outcome: str | None
    appeal_reviewer: str | None
    appeal_reason: str | None
    decisions: list[DisputeRuling]
    lapsed: date | None
    events: list[int]

    @classmethod
    def of(cls, d: DisputeState, as_of: date) -> DisputeView:
        return cls(
            dispute=d.dispute,
            subject=d.subject,
            item=d.item,
            item_kind=d.item_kind,
            authority=d.authority,
            status=d.status(as_of),
            opened=(d.opened),
            statement=d.statement,
            evidence=d.evidence,
            authority_notified=(d.notified),
            notify_by=(d.notify_by),
            deadline=(d.deadline()),
            extended=d.extended,
            decided=(d.decided),
            outcome=d.outcome,
            reviewer=d.reviewer,
            reason=d.reason,
            appealed=(d.appealed),
            appeal_decided=(d.appeal_decided),
            appeal_outcome=d.appeal_outcome,
            appeal_reviewer=d.appeal_reviewer,
            appeal_reason=d.appeal_reason,
            decisions=[
                DisputeRuling(
                    stage=r.stage,  # type: ignore[arg-type]
                    reviewer=r.reviewer,
                    outcome=r.outcome,
                    reason=r.reason,
                    decided=r.decided,
                )
                for r in d.rulings
            ],
            lapsed=(d.lapsed),
            events=list(d.events),
        )


class RepairView(View):
    """A credit repair and where it stands on a day."""

    repair: int
    subject: str
    item: int
    item_kind: str
    severity: str
    status: str
    applied: date
    decide_by: date
    decided: date | None
    outcome: str | None
    authority: str | None
    reason: str | None
    apply_again_from: date | None
    granted_from: date | None

    @classmethod
    def of(cls, s: RepairState, day: date) -> RepairView:
        return cls(
            repair=s.repair,
            subject=s.subject,
            item=s.item,
            item_kind=s.item_kind,
            severity=s.severity,
            status=s.status(day),
            applied=s.applied,
            decide_by=s.decide_by,
            decided=s.decided,
            outcome=s.outcome,
            authority=s.decider,
            reason=s.reason,
            apply_again_from=s.again_from,
            granted_from=s.granted_on(day),
        )

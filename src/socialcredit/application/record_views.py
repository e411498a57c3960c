"""The subject's complete record (the access export), as one typed model.

Part of the one family of read models (``views.py``, docs/results.md): ``access`` on the
console, ``GET /v1/subjects/{id}/record`` over HTTP and the record page all show this
model; ``--html`` renders its JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict

from socialcredit.application.case_views import DisputeView
from socialcredit.application.results import View
from socialcredit.application.views import RecordEntry, RecordEvent, ScoreWithChanges


class AccessRecordView(View):
    """Who read or wrote a subject's data, when, in which role and why."""

    id: int
    at: str
    actor: str
    role: str
    action: str
    purpose: str


class AccessRecordDetailed(AccessRecordView):
    """An access record with what it touched (in the subject's own record)."""

    detail: dict[str, Any]


class DecisionGiven(View):
    """A decision a verifier received about the subject, as recorded.

    Beyond the named fields it carries the rest of the recorded detail (the ``basis``
    of each reason, a replay's ``known_at``), which is the subject's to see.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    at: str
    verifier: str
    purpose: str
    service: str
    as_of: str
    decision: str
    reasons: list[str]


class VoidedView(View):
    """An item that never counted, and what voided it."""

    item: int
    kind: str
    cause: str
    by: int
    since: date
    reason: str


class NoticeView(View):
    """A verifier told again that an item a decision rested on was voided."""

    notice: int
    decision: int | None
    item: int | None
    verifier: str | None
    service: str | None
    subject: str
    reason: str | None
    recorded: str


class SubjectRecord(View):
    """Everything recorded about one subject, and who looked (``access``)."""

    subject: str
    kind: str
    name: Any
    as_of: date
    known_at: str | None = None
    events: list[RecordEvent]
    retired_events: int
    voided: list[VoidedView]
    list_entries: list[RecordEntry]
    reports: list[ScoreWithChanges]
    decisions: list[DecisionGiven]
    notices: list[NoticeView]
    disputes: list[DisputeView]
    access_records: list[AccessRecordDetailed]

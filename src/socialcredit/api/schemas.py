"""Wire models of the HTTP API, kept apart from the core's dataclasses.

What a create or a transition answers, and the shapes of the reads (an event, a score
report, a list entry, a decision, a dispute, a repair), are not here: they are shared
with the CLI and the pages in ``application/results.py`` and ``application/views.py``
(one model per shape), and named below under the API's names.

Requests forbid unknown fields, so a typo is a 422 naming the field rather than a
silently ignored value; responses are typed so the OpenAPI document is the contract.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from socialcredit.application import record_views, views

MAX_ID = 2**62
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A ledger id")]
Size = Annotated[int, Query(ge=0, le=MAX_ID, description="A log size")]

Text = Field(min_length=1, max_length=2000)
SubjectId = Field(min_length=1, max_length=40, description="Resident ID or credit code")


# The read shapes, one family for every edge (application/views.py).
EventPublic = views.RecordEvent
ScoreReportPublic = views.ScoreWithChanges
EntryPublic = views.RecordEntry
DecisionPublic = views.DecisionView
DisputePublic = views.DisputeView
RepairPublic = views.RepairView
AccessRecord = record_views.AccessRecordView
AccessRecordDetailed = record_views.AccessRecordDetailed
DecisionGiven = record_views.DecisionGiven
VoidedPublic = record_views.VoidedView
NoticePublic = record_views.NoticeView
SubjectRecord = record_views.SubjectRecord


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None


class SubjectCreate(Strict):
    id: str = SubjectId
    kind: Literal["person", "organisation"]
    name: str = Text


class EventCreate(Strict):
    subject: str = SubjectId
    scheme: str = Field(min_length=1, max_length=64)
    rule: str = Field(min_length=1, max_length=128)
    occurred: date
    evidence: str = Text
    evidence_kind: str | None = Field(default=None, max_length=64)
    evidence_sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")


class CorrectionCreate(Strict):
    reason: str = Text
    occurred: date | None = None
    evidence: str | None = Field(default=None, max_length=2000)


class ListEntryCreate(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: str = SubjectId
    list_id: str = Field(alias="list", min_length=1, max_length=64)
    occurred: date
    evidence: str = Text
    fields: dict[str, str] = Field(default_factory=dict, max_length=20)
    # Sizes the entry when the list declares durations by severity (docs/lists.md).
    severity: Literal["minor", "general", "serious"] | None = None
    # A catalogue conduct the list cites: the catalogue's severity of it sizes the entry
    # (a harsher severity is given only this way; `list propose --conduct` on the console).
    conduct: str | None = Field(default=None, min_length=1, max_length=64)


class ListStep(Strict):
    occurred: date
    evidence: str = Text


KnownAt = Field(
    default=None,
    max_length=40,
    description="Replay as known at this ISO date (end of day, UTC) or datetime; not in the "
    "future. A replayed check is recorded as a read, not as a new decision.",
)


class CheckCreate(Strict):
    subject: str = SubjectId
    service: str = Field(min_length=1, max_length=64)
    purpose: str = Text
    as_of: date | None = None
    known_at: str | None = KnownAt


class DisputeCreate(Strict):
    item: int = Field(ge=1, le=MAX_ID)
    statement: str = Text
    evidence: str | None = Field(default=None, max_length=2000)
    occurred: date


class DisputeInfo(Strict):
    statement: str = Text
    evidence: str | None = Field(default=None, max_length=2000)
    occurred: date


class DisputeDecisionCreate(Strict):
    outcome: Literal["upheld", "annulled", "amended"]
    reason: str = Text
    occurred: date
    excuse: str | None = Field(default=None, max_length=64)
    rule: str | None = Field(default=None, max_length=128)


class ConsentCreate(Strict):
    consent: bool
    occurred: date


class NoticeList(BaseModel):
    notices: list[NoticePublic]


class DocumentVersions(BaseModel):
    id: str
    kind: str
    versions: list[dict[str, Any]]


class DocumentIndex(BaseModel):
    documents: list[dict[str, str]]


class RulebookSummary(BaseModel):
    scheme: str
    versions: list[dict[str, Any]]


class GradeStats(BaseModel):
    scheme: str
    as_of: str
    grades: dict[str, int]
    chart_svg: str | None = None


class TreeHeadPublic(BaseModel):
    size: int
    root: str
    timestamp: str
    signature: str
    public_key: str


class ProofPublic(BaseModel):
    head: dict[str, Any]
    proof: dict[str, Any]


class ServiceList(BaseModel):
    services: list[dict[str, str]]
    verifiers: list[dict[str, Any]]


class WhoAmI(BaseModel):
    principal: str
    role: str


class TickCreate(Strict):
    as_of: date


class LedgerVerified(BaseModel):
    ok: bool
    entries: int
    first_bad: int | None
    message: str | None


class RepairCreate(Strict):
    item: int = Field(ge=1, le=2**62)
    statement: str = Text
    evidence: str = Field(min_length=1, max_length=2000)
    occurred: date


class RepairDecisionCreate(Strict):
    outcome: Literal["granted", "refused"]
    reason: str = Text
    occurred: date


class BoardEntry(BaseModel):
    entry: int
    name: str
    kind: str
    since: str | None
    until: str | None
    citation: str | None


class Board(BaseModel):
    list_id: str = Field(alias="list")
    entries: list[BoardEntry]
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class FiguresPublic(BaseModel):
    as_of: str
    lists: dict[str, dict[str, int]]
    decisions: dict[str, dict[str, int]]
    disputes: dict[str, float | int | None]
    repairs: dict[str, int]

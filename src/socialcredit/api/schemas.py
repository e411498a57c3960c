"""Wire models of the HTTP API, kept apart from the core's dataclasses.

What a create or a transition answers is not here: it is shared with the CLI in
``application/results.py`` (one model per result).

Requests forbid unknown fields, so a typo is a 422 naming the field rather than a
silently ignored value; responses are typed so the OpenAPI document is the contract.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**62
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A ledger id")]
Size = Annotated[int, Query(ge=0, le=MAX_ID, description="A log size")]

Text = Field(min_length=1, max_length=2000)
SubjectId = Field(min_length=1, max_length=40, description="Resident ID or credit code")


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


class EventPublic(BaseModel):
    event: int
    type: str
    subject: str
    scheme: str | None
    version: str | None
    rule: str | None
    points: int
    occurred: str
    ends: str | None
    cap: str | None
    recorded: str
    authority: str
    evidence_kind: str | None
    evidence: str | None
    evidence_sha256: str | None
    reverses: int | None
    reason: str | None
    disputed: int | None = None


class Line(BaseModel):
    event: int
    rule: str
    points: int
    occurred: str
    ends: str | None
    authority: str
    evidence: str | None
    cap: str | None
    disputed: int | None = None


class ScoreReportPublic(BaseModel):
    subject: str
    scheme: str
    version: str
    kind: str
    as_of: str
    base: int
    raw: int
    score: int
    grade: str
    uncapped_grade: str
    capped: bool
    caps: list[dict[str, Any]]
    perks: list[str]
    lines: list[Line]
    excluded: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    changes: list[dict[str, Any]] = []
    list_entries_end: list[dict[str, Any]] = []
    if_ended_today: list[dict[str, Any]] = []


class ListEntryCreate(Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    subject: str = SubjectId
    list_id: str = Field(alias="list", min_length=1, max_length=64)
    occurred: date
    evidence: str = Text
    fields: dict[str, str] = Field(default_factory=dict, max_length=20)
    # Sizes the entry when the list declares durations by severity (docs/lists.md).
    severity: Literal["minor", "general", "serious"] | None = None


class ListStep(Strict):
    occurred: date
    evidence: str = Text


class EntryPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    entry: int
    list_id: str = Field(alias="list")
    subject: str
    status: str
    authority: str
    fields: dict[str, str]
    evidence: str | None
    proposed: str | None
    notified: str | None
    effective_from: str | None
    max_end: str | None
    remedied: str | None
    removed: str | None
    annulled: str | None
    consent: bool
    events: list[int]
    disputed: int | None = None
    remedy: str | None = None
    remedy_evidence: list[str] = []


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


class Reason(BaseModel):
    code: str
    clause: str
    memorandum: str
    basis: str
    until: str | None
    remedy: str
    text: str


class DecisionPublic(BaseModel):
    """All a verifier ever learns: the decision for its service and the reasons."""

    subject: str
    service: str
    as_of: str
    decision: Literal["allow", "deny", "benefit"]
    reasons: list[Reason]


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


class DisputeRuling(BaseModel):
    """One decision of a dispute (the first, then any appeal), each with its own reason."""

    stage: Literal["first", "appeal"]
    reviewer: str | None
    outcome: str | None
    reason: str | None
    decided: str | None


class DisputePublic(BaseModel):
    dispute: int
    subject: str
    item: int
    item_kind: str
    authority: str
    status: str
    opened: str | None
    statement: Any
    evidence: str | None
    authority_notified: str | None
    notify_by: str | None
    deadline: str | None
    extended: bool
    decided: str | None
    outcome: str | None
    reviewer: str | None
    reason: str | None
    appealed: str | None
    appeal_decided: str | None
    appeal_outcome: str | None
    appeal_reviewer: str | None
    appeal_reason: str | None
    decisions: list[DisputeRuling]
    lapsed: str | None
    events: list[int]


class AccessRecord(BaseModel):
    id: int
    at: str
    actor: str
    role: str
    action: str
    purpose: str


class AccessRecordDetailed(AccessRecord):
    detail: dict[str, Any]


class DecisionGiven(BaseModel):
    at: str
    verifier: str
    purpose: str
    service: str
    as_of: str
    decision: str
    reasons: list[str]


class VoidedPublic(BaseModel):
    item: int
    kind: str
    cause: str
    by: int
    since: str
    reason: str


class NoticePublic(BaseModel):
    notice: int
    decision: int | None
    item: int | None
    verifier: str | None
    service: str | None
    subject: str
    reason: str | None
    recorded: str


class NoticeList(BaseModel):
    notices: list[NoticePublic]


class SubjectRecord(BaseModel):
    subject: str
    kind: str
    name: Any
    as_of: str
    known_at: str | None = None
    events: list[EventPublic]
    voided: list[VoidedPublic] = []
    notices: list[NoticePublic] = []
    retired_events: int
    list_entries: list[EntryPublic]
    reports: list[ScoreReportPublic]
    decisions: list[DecisionGiven]
    disputes: list[DisputePublic]
    access_records: list[AccessRecordDetailed]


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


class RepairPublic(BaseModel):
    repair: int
    subject: str
    item: int
    item_kind: str
    severity: str
    status: str
    applied: str
    decide_by: str
    decided: str | None
    outcome: str | None
    authority: str | None
    reason: str | None
    apply_again_from: str | None
    granted_from: str | None


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

"""What a create or a transition answers: one model per result, for the CLI and the API.

The console printed ``{"dispute", "item"}`` where the HTTP API answered ``{"id": 57}`` for
the very same act. Each result is now defined once here; the CLI prints
``model.model_dump(mode="json")`` and the API declares the model as its
``response_model``, so the two cannot drift apart. docs/results.md documents each shape
once and ``tests/test_results.py`` holds that table to these models.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class View(Result):
    """What a read answers (``views.py``): frozen like a result, documented the same way."""


class SubjectRegistered(Result):
    """``subject add`` · ``POST /v1/subjects``"""

    subject: str = Field(description="The normalised ID")
    kind: str = Field(description="person or organisation")
    created: bool = Field(description="False if it was already registered")


class EventRecorded(Result):
    """``record`` · ``POST /v1/events``"""

    event: int = Field(description="The ledger id (the existing one for a resubmission)")
    created: bool
    evidence_sha256: str | None = Field(description="The evidence file's SHA-256, if given")


class CorrectionRecorded(Result):
    """``correct`` · ``POST /v1/events/{event_id}/corrections``"""

    event: int = Field(description="The reversal's ledger id")
    reverses: int = Field(description="The event it reverses")


class EntryProposed(Result):
    """``list propose`` · ``POST /v1/list-entries``"""

    entry: int = Field(description="The entry id (the existing one for a resubmission)")
    created: bool


class EntryStepRecorded(Result):
    """``list notify`` / ``list remedy`` · ``POST /v1/list-entries/{entry}/notify|remedy``"""

    entry: int
    events: list[int] = Field(description="The ledger ids written (a remedy also removes)")


class ConsentRecorded(Result):
    """``list consent`` · ``POST /v1/subjects/{subject_id}/list-entries/{entry}/consent``"""

    entry: int
    event: int
    consent: bool


class DocumentPublished(Result):
    """``rulebook publish`` · ``POST /v1/documents``"""

    id: str = Field(description="The scheme, list or memorandum id")
    version: str
    created: bool = Field(description="False if this version was already published")


class DisputeOpened(Result):
    """``dispute open`` · ``POST /v1/subjects/{subject_id}/disputes``"""

    dispute: int
    item: int


class DisputeStepRecorded(Result):
    """``dispute add-info`` / ``dispute appeal`` · ``POST .../disputes/{dispute}/info|appeal``"""

    dispute: int
    event: int


class DisputeDecided(Result):
    """``dispute decide`` · ``POST /v1/disputes/{dispute}/decision``"""

    dispute: int
    outcome: str
    events: list[int] = Field(description="The decision, then any correction it wrote")


class RepairApplied(Result):
    """``repair apply`` · ``POST /v1/subjects/{subject_id}/repairs``"""

    repair: int
    item: int
    severity: str
    decide_by: str = Field(description="Undecided by this day, the repair is granted")


class RepairDecided(Result):
    """``repair decide`` · ``POST /v1/repairs/{repair}/decision``"""

    repair: int
    event: int
    outcome: str


class TickDone(Result):
    """``tick`` · ``POST /v1/tick``"""

    as_of: str
    lapsed: int
    erased: int
    shredded: bool | None = Field(
        None,
        description="Copies of deleted keys removed from every file (WAL, dead rows); "
        "null when no shred ran",
    )


class SubjectErased(Result):
    """``erase --requested-by-subject`` · ``POST /v1/subjects/{subject_id}/erasure``"""

    subject: str
    event: int = Field(description="The ledger entry recording the erasure")
    shredded: bool = Field(
        description="Copies of the deleted key removed from every file (WAL, dead rows)"
    )
    detail: str


RESULTS: tuple[type[Result], ...] = (
    SubjectRegistered,
    EventRecorded,
    CorrectionRecorded,
    EntryProposed,
    EntryStepRecorded,
    ConsentRecorded,
    DocumentPublished,
    DisputeOpened,
    DisputeStepRecorded,
    DisputeDecided,
    RepairApplied,
    RepairDecided,
    TickDone,
    SubjectErased,
)

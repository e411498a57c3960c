"""What a read answers: one pydantic model per shape, for the CLI, the API and the pages.

The results of writes live in ``results.py``; these are the results of reads, in the
same family (frozen, documented in docs/results.md). Each model is built from the
core's dataclass by its ``of`` constructor, once; the CLI prints
``model.model_dump(mode="json")``, the API declares the model as its response model, and
the pages render the same model, so no edge can drift from another. Dates are ISO
strings, as the JSON says them: the model *is* the published shape.

This replaces ``wire.py`` (dicts built per edge); the field names are unchanged.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from socialcredit.application.results import Result, View
from socialcredit.core.ledger import Event
from socialcredit.core.lists import EntryState, ListDef
from socialcredit.core.sanctions import Decision
from socialcredit.core.scoring import ScoreReport


# -- the ledger ---------------------------------------------------------------------------
class EventView(View):
    """One ledger entry as anyone may see it (``history``, the desk, the access export)."""

    event: int = Field(description="The ledger id")
    type: str
    subject: str
    scheme: str | None
    version: str | None
    rule: str | None
    points: int
    occurred: date
    ends: date | None
    cap: str | None
    recorded: str
    authority: str
    evidence_kind: str | None
    evidence: str | None
    evidence_sha256: str | None
    reverses: int | None
    reason: str | None

    @classmethod
    def of(cls, e: Event) -> EventView:
        return cls(**_event(e))


class RecordEvent(EventView):
    """An entry in the subject's own record: with the dispute open against it, if any."""

    disputed: int | None = None

    @classmethod
    def shown(cls, e: Event, disputed: int | None) -> RecordEvent:
        return cls(**_event(e), disputed=disputed)


def _event(e: Event) -> dict[str, Any]:
    return {
        "event": e.id,
        "type": e.type,
        "subject": e.subject,
        "scheme": e.scheme,
        "version": e.version,
        "rule": e.rule,
        "points": e.points,
        "occurred": e.occurred,
        "ends": e.ends,
        "cap": e.cap,
        "recorded": e.recorded,
        "authority": e.authority,
        "evidence_kind": e.evidence_kind,
        "evidence": e.evidence_ref,
        "evidence_sha256": e.evidence_sha256,
        "reverses": e.reverses,
        "reason": e.reason,
    }


# -- scores -------------------------------------------------------------------------------
class ScoreLine(View):
    event: int
    rule: str
    points: int
    occurred: date
    ends: date | None
    authority: str
    evidence: str | None
    cap: str | None
    disputed: int | None = None


class CapView(View):
    """A grade cap in force: the event that imposes it and until when."""

    grade: str
    event: int
    rule: str
    ends: date | None


class ExcludedView(View):
    """An event that does not count on the day, and why not."""

    event: int
    rule: str
    why: str


class FactorView(View):
    """A scorecard factor: its value, the bin it falls in and the points that gives."""

    code: str
    title: str
    value: int | None
    bin_from: int | None
    points: int
    records: int


class ScoreReportView(View):
    """One scheme's explained score: every line, cap, exclusion and factor."""

    subject: str
    scheme: str
    version: str
    kind: str
    as_of: date
    base: int
    raw: int
    score: int
    grade: str
    uncapped_grade: str
    capped: bool
    caps: list[CapView]
    perks: list[str]
    lines: list[ScoreLine]
    excluded: list[ExcludedView]
    factors: list[FactorView]

    @classmethod
    def of(cls, r: ScoreReport) -> ScoreReportView:
        return cls(**_report(r))


class ScoreWithChanges(ScoreReportView):
    """The report and what changes when (``score`` for the subject, the access export)."""

    changes: list[dict[str, Any]] = Field(default_factory=list)
    list_entries_end: list[dict[str, Any]] = Field(default_factory=list)
    if_ended_today: list[dict[str, Any]] = Field(default_factory=list)

    @classmethod
    def joined(cls, r: ScoreReport, ahead: dict[str, Any]) -> ScoreWithChanges:
        return cls(**(_report(r) | ahead))


def _report(r: ScoreReport) -> dict[str, Any]:
    return {
        "subject": r.subject,
        "scheme": r.scheme,
        "version": r.version,
        "kind": r.kind,
        "as_of": r.as_of,
        "base": r.base,
        "raw": r.raw,
        "score": r.score,
        "grade": r.grade,
        "uncapped_grade": r.uncapped_grade,
        "capped": r.capped,
        "caps": [CapView(grade=c.grade, event=c.event, rule=c.rule, ends=c.ends) for c in r.caps],
        "perks": list(r.perks),
        "lines": [
            ScoreLine(
                event=ln.event,
                rule=ln.rule,
                points=ln.points,
                occurred=ln.occurred,
                ends=ln.ends,
                authority=ln.authority,
                evidence=ln.evidence,
                cap=ln.cap,
                disputed=ln.disputed,
            )
            for ln in r.lines
        ],
        "excluded": [ExcludedView(event=x.event, rule=x.rule, why=x.why) for x in r.excluded],
        "factors": [
            FactorView(
                code=f.code,
                title=f.title,
                value=f.value,
                bin_from=f.bin_from,
                points=f.points,
                records=f.records,
            )
            for f in r.factors
        ],
    }


# -- lists and checks ---------------------------------------------------------------------
class EntryView(View):
    """A list entry and its status on a day."""

    model_config = ConfigDict(frozen=True, extra="forbid", serialize_by_alias=True)

    entry: int
    list_id: str = Field(alias="list")
    subject: str
    status: str
    authority: str
    fields: dict[str, str]
    evidence: str | None
    proposed: date | None
    notified: date | None
    effective_from: date | None
    max_end: date | None
    remedied: date | None
    removed: date | None
    annulled: date | None
    consent: bool
    events: list[int]

    @classmethod
    def of(cls, e: EntryState, as_of: date) -> EntryView:
        return cls(**_entry(e, as_of))


class RecordEntry(EntryView):
    """An entry in the subject's own record: its dispute, how to remedy it, and what its
    term was sized by (the severity, and whether it counted as a first offence or a
    repeat), so the subject can check the ``max_end`` against the list's durations."""

    disputed: int | None = None
    remedy: str | None = None
    remedy_evidence: list[str] = Field(default_factory=list)
    severity: str | None = None  # as proposed, else the list's own
    offence: int | None = None  # 1 first, 2+ repeat; None: not sized (not notified yet)
    conduct: str | None = None  # the catalogue conduct, when the proposal named it

    @classmethod
    def shown(
        cls, e: EntryState, as_of: date, *, disputed: int | None, terms: ListDef | None
    ) -> RecordEntry:
        """The entry with its open dispute and, if its list is published, its remedy."""
        return cls(
            **_entry(e, as_of),
            disputed=disputed,
            remedy=terms.remedy if terms is not None else None,
            remedy_evidence=list(terms.remedy_evidence) if terms is not None else [],
            severity=e.severity or (terms.severity if terms is not None else None),
            offence=e.offence,
            conduct=e.conduct,
        )


def _entry(e: EntryState, as_of: date) -> dict[str, Any]:
    return {
        "entry": e.entry,
        "list": e.list,
        "subject": e.subject,
        "status": e.status(as_of),
        "authority": e.authority,
        "fields": dict(e.fields),
        "evidence": e.evidence,
        "proposed": e.proposed,
        "notified": e.notified,
        "effective_from": e.effective_from,
        "max_end": e.max_end,
        "remedied": e.remedied,
        "removed": e.removed,
        "annulled": e.annulled,
        "consent": e.consent,
        "events": list(e.events),
    }


class ReasonView(View):
    code: str
    clause: str
    memorandum: str
    basis: str
    until: date | None
    remedy: str
    text: str


class DecisionView(View):
    """All a verifier ever learns: the decision for its service and the reasons."""

    subject: str
    service: str
    as_of: date
    decision: Literal["allow", "deny", "benefit"]
    reasons: list[ReasonView]

    @classmethod
    def of(cls, d: Decision) -> DecisionView:
        return cls(
            subject=d.subject,
            service=d.service,
            as_of=d.as_of,
            decision=d.decision,  # type: ignore[arg-type]
            reasons=[
                ReasonView(
                    code=r.code,
                    clause=r.clause,
                    memorandum=r.memorandum,
                    basis=r.basis,
                    until=r.until,
                    remedy=r.remedy,
                    text=r.text,
                )
                for r in d.reasons
            ],
        )


# Disputes' and repairs' views (case_views.py), the documents' (documents_view.py).
from socialcredit.application.case_views import DisputeRuling as DisputeRuling  # noqa: E402
from socialcredit.application.case_views import DisputeView as DisputeView  # noqa: E402
from socialcredit.application.case_views import RepairView as RepairView  # noqa: E402
from socialcredit.application.documents_view import DocumentView as DocumentView  # noqa: E402
from socialcredit.application.documents_view import RulebookView as RulebookView  # noqa: E402

# Every read shape, in the order docs/results.md documents them (tests/test_results.py).
VIEWS: tuple[type[Result], ...] = (
    EventView,
    RecordEvent,
    ScoreReportView,
    ScoreWithChanges,
    EntryView,
    RecordEntry,
    DecisionView,
    DisputeView,
    RepairView,
    RulebookView,
    DocumentView,
)

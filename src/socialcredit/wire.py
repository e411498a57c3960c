"""JSON shapes of core results, shared by the CLI's ``--json`` and (later) the HTTP API.

Kept apart from the core dataclasses so the published output format is a deliberate
contract and not whatever the core's field names happen to be.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from socialcredit.core.disputes import DisputeState
from socialcredit.core.ledger import Event
from socialcredit.core.lists import EntryState
from socialcredit.core.repair import RepairState
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.sanctions import Decision
from socialcredit.core.scoring import ScoreReport


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def report_json(r: ScoreReport) -> dict[str, Any]:
    return {
        "subject": r.subject,
        "scheme": r.scheme,
        "version": r.version,
        "kind": r.kind,
        "as_of": r.as_of.isoformat(),
        "base": r.base,
        "raw": r.raw,
        "score": r.score,
        "grade": r.grade,
        "uncapped_grade": r.uncapped_grade,
        "capped": r.capped,
        "caps": [
            {"grade": c.grade, "event": c.event, "rule": c.rule, "ends": _d(c.ends)} for c in r.caps
        ],
        "perks": list(r.perks),
        "lines": [
            {
                "event": ln.event,
                "rule": ln.rule,
                "points": ln.points,
                "occurred": ln.occurred.isoformat(),
                "ends": _d(ln.ends),
                "authority": ln.authority,
                "evidence": ln.evidence,
                "cap": ln.cap,
                "disputed": ln.disputed,
            }
            for ln in r.lines
        ],
        "excluded": [{"event": x.event, "rule": x.rule, "why": x.why} for x in r.excluded],
        "factors": [
            {
                "code": f.code,
                "title": f.title,
                "value": f.value,
                "bin_from": f.bin_from,
                "points": f.points,
                "records": f.records,
            }
            for f in r.factors
        ],
    }


def event_json(e: Event) -> dict[str, Any]:
    return {
        "event": e.id,
        "type": e.type,
        "subject": e.subject,
        "scheme": e.scheme,
        "version": e.version,
        "rule": e.rule,
        "points": e.points,
        "occurred": e.occurred.isoformat(),
        "ends": _d(e.ends),
        "cap": e.cap,
        "recorded": e.recorded,
        "authority": e.authority,
        "evidence_kind": e.evidence_kind,
        "evidence": e.evidence_ref,
        "evidence_sha256": e.evidence_sha256,
        "reverses": e.reverses,
        "reason": e.reason,
    }


def rulebook_json(b: Rulebook) -> dict[str, Any]:
    return {
        "scheme": b.scheme,
        "title": b.title,
        "version": b.version,
        "effective": b.effective.isoformat(),
        "publisher": b.publisher,
        "legal_basis": b.legal_basis,
        "kind": b.kind,
        "subjects": b.subjects,
        "base": b.base,
        "range": [b.low, b.high],
        "retention": b.retention.iso() if b.retention else None,
        "sha256": b.sha256,
        "grades": [
            {"grade": g.grade, "min": g.low, "max": g.high, "title": g.title} for g in b.grades
        ],
        "rules": [
            {
                "code": r.code,
                "title": r.title,
                "points": r.points,
                "category": r.category,
                "legal_basis": r.legal_basis,
                "evidence": list(r.evidence),
                "lasts": r.lasts.iso() if r.lasts else None,
                "cap_grade": r.cap_grade,
                "authorities": list(r.authorities),
                "excusing": list(r.excusing),
            }
            for r in b.rules
        ],
        "factors": [
            {
                "code": f.code,
                "title": f.title,
                "measure": f.measure,
                "numerator": list(f.numerator),
                "denominator": list(f.denominator),
                "bins": [{"from": x.start, "points": x.points} for x in f.bins],
                "empty_points": f.empty_points,
            }
            for f in b.factors
        ],
        "perks": [
            {"code": p.code, "title": p.title, "grades": list(p.grades), "min_score": p.min_score}
            for p in b.perks
        ],
        "authorities": [
            {"id": a.id, "name": a.name, "kind": a.kind, "jurisdiction": a.jurisdiction}
            for a in b.authorities
        ],
    }


def entry_json(e: EntryState, as_of: date) -> dict[str, Any]:
    return {
        "entry": e.entry,
        "list": e.list,
        "subject": e.subject,
        "status": e.status(as_of),
        "authority": e.authority,
        "fields": dict(e.fields),
        "evidence": e.evidence,
        "proposed": _d(e.proposed),
        "notified": _d(e.notified),
        "effective_from": _d(e.effective_from),
        "max_end": _d(e.max_end),
        "remedied": _d(e.remedied),
        "removed": _d(e.removed),
        "annulled": _d(e.annulled),
        "consent": e.consent,
        "events": list(e.events),
    }


def dispute_json(d: DisputeState, as_of: date) -> dict[str, Any]:
    return {
        "dispute": d.dispute,
        "subject": d.subject,
        "item": d.item,
        "item_kind": d.item_kind,
        "authority": d.authority,
        "status": d.status(as_of),
        "opened": _d(d.opened),
        "statement": d.statement,
        "evidence": d.evidence,
        "authority_notified": _d(d.notified),
        "notify_by": _d(d.notify_by),
        "deadline": _d(d.deadline()),
        "extended": d.extended,
        "decided": _d(d.decided),
        "outcome": d.outcome,
        "reviewer": d.reviewer,
        "reason": d.reason,
        "appealed": _d(d.appealed),
        "appeal_decided": _d(d.appeal_decided),
        "appeal_outcome": d.appeal_outcome,
        "appeal_reviewer": d.appeal_reviewer,
        "appeal_reason": d.appeal_reason,
        "decisions": [
            {
                "stage": r.stage,
                "reviewer": r.reviewer,
                "outcome": r.outcome,
                "reason": r.reason,
                "decided": _d(r.decided),
            }
            for r in d.rulings
        ],
        "lapsed": _d(d.lapsed),
        "events": list(d.events),
    }


def decision_json(d: Decision) -> dict[str, Any]:
    """A verifier's answer: the decision and, per clause, its code, terms and sentences."""
    return {
        "subject": d.subject,
        "service": d.service,
        "as_of": d.as_of.isoformat(),
        "decision": d.decision,
        "reasons": [
            {
                "code": r.code,
                "clause": r.clause,
                "memorandum": r.memorandum,
                "basis": r.basis,
                "until": _d(r.until),
                "remedy": r.remedy,
                "text": r.text,
            }
            for r in d.reasons
        ],
    }


def repair_json(s: RepairState, day: date) -> dict[str, Any]:
    """The one shape of a repair, for the CLI's --json and the API."""
    return {
        "repair": s.repair,
        "subject": s.subject,
        "item": s.item,
        "item_kind": s.item_kind,
        "severity": s.severity,
        "status": s.status(day),
        "applied": s.applied.isoformat(),
        "decide_by": s.decide_by.isoformat(),
        "decided": s.decided.isoformat() if s.decided else None,
        "outcome": s.outcome,
        "authority": s.decider,
        "reason": s.reason,
        "apply_again_from": s.again_from.isoformat() if s.again_from else None,
        "granted_from": (g.isoformat() if (g := s.granted_on(day)) else None),
    }

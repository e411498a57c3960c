"""The bodies of published documents, for ``views.RulebookView`` and ``views.DocumentView``.

A document's body depends on its kind (rules and grades, catalogue entries, a list's
terms, a memorandum's clauses); it is built here, readably, from the parsed document.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ConfigDict

from socialcredit.application.results import Result
from socialcredit.core.rulebook import Rulebook


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def rulebook_body(b: Rulebook) -> dict[str, Any]:
    return {
        "scheme": b.scheme,
        "title": b.title,
        "version": b.version,
        "effective": b.effective.isoformat(),
        "published": _d(b.published),
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
                "conduct": r.conduct,
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


def _authorities(doc: Any) -> list[dict[str, str]]:
    return [
        {"id": a.id, "name": a.name, "kind": a.kind, "jurisdiction": a.jurisdiction}
        for a in getattr(doc, "authorities", ())
    ]


def document_body(doc: Any, registered: str | None = None) -> dict[str, Any]:
    """Any published document, readably: the common head (kind, id, version, legal
    basis, effective and publication dates, when this store registered it) and the
    body of its kind. Rulebooks keep their ``rulebook_body``."""
    from socialcredit.core.documents import doc_id, doc_kind
    from socialcredit.core.lists import ListDef
    from socialcredit.core.policy.catalogue import Catalogue, MeasuresList
    from socialcredit.core.sanctions import Memorandum

    head: dict[str, Any] = {
        "id": doc_id(doc),
        "kind": doc_kind(doc),
        "title": doc.title,
        "version": doc.version,
        "effective": doc.effective.isoformat(),
        "published": _d(doc.published),
        "registered": registered,
        "publisher": doc.publisher,
        "legal_basis": doc.legal_basis,
        "sha256": doc.sha256,
    }
    if isinstance(doc, Rulebook):
        return {**rulebook_body(doc), **head}
    if isinstance(doc, Catalogue):
        head["entries"] = [
            {
                "id": e.id,
                "conduct": e.conduct,
                "legal_basis": e.legal_basis,
                "recorded_by": list(e.recorded_by),
                "whose": e.whose,
                "severity": e.severity,
                "direction": e.direction,
                "most_points": e.most_points,
                "longest": e.longest.iso(),
                "measures": list(e.measures),
            }
            for e in doc.entries
        ]
    elif isinstance(doc, MeasuresList):
        head["measures"] = [
            {
                "id": m.id,
                "title": m.title,
                "effect": m.effect,
                "legal_basis": m.legal_basis,
                "sectors": list(m.sectors),
                "follows": list(m.follows),
            }
            for m in doc.measures
        ]
    elif isinstance(doc, ListDef):
        head.update(
            list_kind=doc.kind,
            subjects=doc.subjects,
            conduct=list(doc.conduct),
            sectors=list(doc.sectors),
            fields=list(doc.fields),
            evidence=list(doc.evidence),
            max_duration=doc.max_duration.iso(),
            notice=doc.notice.iso(),
            remedy=doc.remedy,
            remedy_evidence=list(doc.remedy_evidence),
            authorities=_authorities(doc),
        )
    elif isinstance(doc, Memorandum):
        head["services"] = [
            {"id": x.id, "sector": x.sector, "title": x.title} for x in doc.services
        ]
        head["clauses"] = [
            {
                "id": c.id,
                "effect": c.effect,
                "measure": c.measure,
                "on": f"list {c.list}" if c.list else f"scheme {c.scheme}",
                "services": list(c.services),
                "legal_basis": c.legal_basis,
                "lasts": c.lasts.iso() if c.lasts else None,
            }
            for c in doc.clauses
        ]
    return head


# -- documents ----------------------------------------------------------------------------
class RulebookView(Result):
    """A published rulebook version, readably (its rules, grades, factors, perks)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: str
    title: str
    version: str
    effective: str
    published: str | None
    publisher: str
    legal_basis: Any
    kind: str
    subjects: str
    base: int
    range: list[int]
    retention: str | None
    sha256: str
    grades: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    factors: list[dict[str, Any]]
    perks: list[dict[str, Any]]
    authorities: list[dict[str, Any]]

    @classmethod
    def of(cls, b: Rulebook) -> RulebookView:
        return cls(**rulebook_body(b))


class DocumentView(Result):
    """Any published document: the common head, and the body of its kind.

    The body's members depend on the kind (a rulebook's rules, a catalogue's entries, a
    list's terms, a memorandum's clauses), so they are allowed beyond the head.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    kind: str
    title: str
    version: str
    effective: str
    published: str | None
    registered: str | None
    publisher: str
    legal_basis: Any
    sha256: str

    @classmethod
    def of(cls, doc: Any, registered: str | None = None) -> DocumentView:
        return cls(**document_body(doc, registered))

"""Published documents of every kind, and checking a set of them together.

Rulebooks, list definitions and memoranda are all TOML files with a ``kind``; a
memorandum can only be checked against the lists and schemes it refers to, so checks
run over a whole set at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.core.errors import BadInput
from socialcredit.core.ledger import Event
from socialcredit.core.lint import Finding, LintConfig, lint
from socialcredit.core.lists import (
    NOTIFIED,
    PROPOSED,
    REMEDIED,
    REMOVED,
    ListDef,
    fold,
    lint_list,
    parse_list,
)
from socialcredit.core.rulebook import Rulebook, document_kind, parse_rulebook
from socialcredit.core.sanctions import (
    Decision,
    MemoExample,
    Memorandum,
    Registry,
    Standing,
    check_memorandum,
    decide,
    parse_memorandum,
)

Document = Rulebook | ListDef | Memorandum


def parse_document(text: str) -> Document:
    kind = document_kind(text)
    if kind in ("points", "scorecard"):
        return parse_rulebook(text)
    if kind == "list":
        return parse_list(text)
    if kind == "memorandum":
        return parse_memorandum(text)
    raise BadInput(f"kind: unknown document kind {kind!r} (points, scorecard, list, memorandum)")


def doc_id(doc: Document) -> str:
    return doc.scheme if isinstance(doc, Rulebook) else doc.id


def doc_kind(doc: Document) -> str:
    if isinstance(doc, Rulebook):
        return doc.kind
    return "list" if isinstance(doc, ListDef) else "memorandum"


@dataclass(frozen=True)
class FileFinding:
    file: str
    finding: Finding


def check_documents(
    files: Sequence[tuple[str, str]],
    context: Sequence[Document] = (),
    *,
    config: LintConfig | None = None,
    strict_context: bool = False,
) -> list[FileFinding]:
    """Findings for each file; ``context`` supplies lists and schemes defined elsewhere."""
    parsed: list[tuple[str, Document]] = []
    out: list[FileFinding] = []
    for name, text in files:
        try:
            parsed.append((name, parse_document(text)))
        except BadInput as exc:
            out.append(FileFinding(name, Finding(exc.field or "", "structure", exc.message)))
    everything = [*context, *(d for _, d in parsed)]
    lists = {d.id: d for d in everything if isinstance(d, ListDef)}
    schemes = sorted({d.scheme for d in everything if isinstance(d, Rulebook)})
    services = {s.id: s for d in everything if isinstance(d, Memorandum) for s in d.services}
    max_days = (config or LintConfig()).max_negative_lasts_days
    for name, doc in parsed:
        if isinstance(doc, Rulebook):
            out += [FileFinding(name, f) for f in lint(doc, config)]
        elif isinstance(doc, ListDef):
            out += [FileFinding(name, Finding(p, c, m)) for p, c, m in lint_list(doc, max_days)]
        else:
            for f in check_memorandum(doc, lists, schemes, services, strict_context=strict_context):
                out.append(FileFinding(name, Finding(f.path, f.code, f.message, f.severity)))
    return out


def example_decision(registry: Registry, ex: MemoExample, subject: str = "S") -> Decision:
    """Run one memorandum ``[[examples]]`` case through the real fold and decide."""
    events: list[Event] = []
    for n, (list_id, notified, remedied) in enumerate(ex.lists, start=1):
        entry = n * 10
        events.append(
            Event(
                id=entry,
                type=PROPOSED,
                occurred=notified,
                data={"list": list_id},
                subject=subject,
                authority="example",
                recorded="",
            )
        )
        events.append(
            Event(
                id=entry + 1,
                type=NOTIFIED,
                occurred=notified,
                data={"entry": entry},
                subject=subject,
                authority="example",
                recorded="",
            )
        )
        if remedied is not None:
            for k, kind in enumerate((REMEDIED, REMOVED), start=2):
                events.append(
                    Event(
                        id=entry + k,
                        type=kind,
                        occurred=remedied,
                        data={"entry": entry},
                        subject=subject,
                        authority="example",
                        recorded="",
                    )
                )
    states = fold(events, registry.lists)
    standings = {s: Standing(0, g) for s, g in ex.grades.items()}
    for s, score in ex.scores.items():
        standings[s] = Standing(score, standings[s].grade if s in standings else "")
    return decide(
        registry, subject, ex.subject_kind, ex.service, ex.as_of, states.values(), standings
    )

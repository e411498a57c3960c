"""Published documents of every kind, and checking a set of them together.

Rulebooks, list definitions, memoranda, the conduct catalogue and the measures list are
all TOML files with a ``kind``. A rule can only be checked against the catalogue, a
memorandum against the lists, schemes and measures it refers to, so checks run over a
whole set at once, against ``context`` (what is already published).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from socialcredit.core.errors import BadInput, PolicyRefused, RulebookInvalid, SocialCreditError
from socialcredit.core.lists import ListDef, lint_list, parse_list
from socialcredit.core.policy import examples as ex
from socialcredit.core.policy.bounds import lint
from socialcredit.core.policy.catalogue import (
    Catalogue,
    MeasuresList,
    lint_catalogue,
    lint_measures,
    parse_catalogue,
    parse_measures,
)
from socialcredit.core.policy.dates import check_dates
from socialcredit.core.policy.findings import ERROR, INPUT_CODES, Finding, LintConfig, ordered
from socialcredit.core.policy.gate import (
    context,
    gate_catalogue_pair,
    gate_list,
    gate_memorandum,
    gate_rulebook,
)
from socialcredit.core.policy.keywords import wording
from socialcredit.core.rulebook import Rulebook, document_kind, parse_rulebook
from socialcredit.core.sanctions import Memorandum, Registry, check_memorandum, parse_memorandum

Document = Rulebook | ListDef | Memorandum | Catalogue | MeasuresList
KINDS = ("points", "scorecard", "list", "memorandum", "catalogue", "measures")

# Kept importable from here: tests and the demo run memorandum examples by hand.
example_decision = ex.example_decision


def parse_document(text: str) -> Document:
    kind = document_kind(text)
    if kind in ("points", "scorecard"):
        return parse_rulebook(text)
    if kind == "list":
        return parse_list(text)
    if kind == "memorandum":
        return parse_memorandum(text)
    if kind == "catalogue":
        return parse_catalogue(text)
    if kind == "measures":
        return parse_measures(text)
    raise BadInput(f"kind: unknown document kind {kind!r} ({', '.join(KINDS)})", field="kind")


def doc_id(doc: Document) -> str:
    return doc.scheme if isinstance(doc, Rulebook) else doc.id


def doc_kind(doc: Document) -> str:
    if isinstance(doc, Rulebook):
        return doc.kind
    if isinstance(doc, ListDef):
        return "list"
    if isinstance(doc, Memorandum):
        return "memorandum"
    return "catalogue" if isinstance(doc, Catalogue) else "measures"


@dataclass(frozen=True)
class FileFinding:
    file: str
    finding: Finding


def _wording_of(doc: Document) -> list[Finding]:
    """The second line over lists and memoranda (rulebooks and the catalogue scan their
    own fields): titles of lists, services and clause notes."""
    if isinstance(doc, ListDef):
        return wording("", f"list {doc.id!r}", (("title", doc.title),))
    if isinstance(doc, Memorandum):
        out: list[Finding] = []
        for i, s in enumerate(doc.services):
            # A service is the provider's ("small shopping loan"), not a judgement of the
            # subject's preferences: only grounds and others' conduct apply to it.
            found = wording(
                f"services[{i}]", f"service {s.id!r}", (("id", s.id), ("title", s.title))
            )
            out += [f for f in found if f.code != "preference-profiling"]
        for i, c in enumerate(doc.clauses):
            out += wording(f"clauses[{i}]", f"clause {c.id!r}", (("note", c.note),))
        return [Finding(f.path.lstrip("."), f.code, f.message, f.severity) for f in out]
    return []


def check_documents(
    files: Sequence[tuple[str, str]],
    context_docs: Sequence[Document] = (),
    *,
    today: date,
    declared_dates: bool = True,
    offline: bool = True,
    config: LintConfig | None = None,
) -> list[FileFinding]:
    """Every finding for each file, in one pass: structure, the catalogue gate, bounds,
    wording, publication dates and the file's own examples.

    ``context_docs`` is what is already published; a file replaces a context document
    of the same kind and id. A file is taken as published on the date it declares
    (``published``) or ``today``; with ``declared_dates=False`` (publishing into a
    store) always on ``today``, the publishing clock's day. ``offline`` (a file
    checked on its own) also refuses a declared date after ``today``.
    """
    parsed: list[tuple[str, Document]] = []
    out: list[FileFinding] = []
    for name, text in files:
        try:
            parsed.append((name, parse_document(text)))
        except BadInput as exc:
            path, message = exc.field or "", exc.message
            first = getattr(exc, "findings", None)
            if first and isinstance(first[0], dict):  # the parser names the exact field
                path, message = str(first[0]["path"]), str(first[0]["message"])
            out.append(FileFinding(name, Finding(path, "structure", message)))
    mine = {(doc_kind(d), doc_id(d)) for _, d in parsed}
    base = [d for d in context_docs if (doc_kind(d), doc_id(d)) not in mine]
    everything: list[Document] = [*base, *(d for _, d in parsed)]
    ctx = context(everything)
    lists = {d.id: d for d in everything if isinstance(d, ListDef)}
    schemes: dict[str, Rulebook] = {}
    for d in everything:
        if isinstance(d, Rulebook) and (
            d.scheme not in schemes or d.effective >= schemes[d.scheme].effective
        ):
            schemes[d.scheme] = d
    services = {s.id: s for d in everything if isinstance(d, Memorandum) for s in d.services}
    memos = tuple(d for d in everything if isinstance(d, Memorandum))
    registry = Registry(memos, lists)
    max_days = (config or LintConfig()).max_negative_lasts_days
    cats = [d for _, d in parsed if isinstance(d, Catalogue)]
    mls = [d for _, d in parsed if isinstance(d, MeasuresList)]
    pairs = gate_catalogue_pair(cats, mls, ctx)
    for name, doc in parsed:
        found: list[Finding] = []
        if isinstance(doc, Rulebook):
            found += lint(doc, config) + gate_rulebook(doc, ctx) + ex.rulebook_examples(doc)
        elif isinstance(doc, ListDef):
            found += [Finding(p, c, m) for p, c, m in lint_list(doc, max_days)]
            found += gate_list(doc, ctx) + ex.list_examples(doc)
        elif isinstance(doc, Memorandum):
            sectors = {
                **{k: v.sector for k, v in services.items()},
                **{s.id: s.sector for s in doc.services},
            }
            for f in check_memorandum(doc, lists, sorted(schemes), services):
                found.append(Finding(f.path, f.code, f.message, f.severity))
            found += gate_memorandum(doc, ctx, lists, schemes, sectors)
            found += ex.memo_examples(doc, registry)
        elif isinstance(doc, Catalogue):
            found += lint_catalogue(doc) + ex.catalogue_examples(doc)
        else:
            found += lint_measures(doc) + ex.measures_examples(doc, ctx)
        found += _wording_of(doc)
        found += [
            f
            for ident, f in pairs
            if ident == doc_id(doc) and doc_kind(doc) in ("catalogue", "measures")
        ]
        if not doc.examples:
            found.append(
                Finding(
                    "examples",
                    "no-examples",
                    f"{doc_kind(doc)} {doc_id(doc)!r} carries no [[examples]]",
                )
            )
        # A store seeded on a simulated clock before a document's declared date takes it
        # as published that day (never later than the clock); offline it is an error.
        published_on = min(doc.published, today) if declared_dates and doc.published else today
        earlier = [
            d for d in context_docs if doc_kind(d) == doc_kind(doc) and doc_id(d) == doc_id(doc)
        ]
        found += check_dates(
            f"{doc_kind(doc)} {doc_id(doc)!r} {doc.version}",
            doc.effective,
            published_on,
            doc,
            earlier,
        )
        if offline and declared_dates and doc.published and doc.published > today:
            found.append(
                Finding(
                    "published",
                    "published-in-future",
                    f"declared published {doc.published} is after today {today}",
                )
            )
        out += [FileFinding(name, f) for f in ordered(found)]
    return out


def refusal(findings: Sequence[FileFinding]) -> SocialCreditError | None:
    """The one error for a set of findings, or None if nothing stops publication.

    Every error is in it at once (file, field path, code, message). A malformed document
    or a reference to a catalogue entry or measure that does not exist is bad input
    (exit 2); anything else the policy refuses (exit 1).
    """
    errors = [f for f in findings if f.finding.severity == ERROR]
    if not errors:
        return None
    lines = [
        f"{f.file}: {f.finding.path + ': ' if f.finding.path else ''}{f.finding.code}: "
        f"{f.finding.message}"
        for f in errors
    ]
    message = f"refused, {len(errors)} error(s):\n" + "\n".join(lines)
    details: list[dict[str, str]] = [
        {
            "file": f.file,
            "path": f.finding.path,
            "code": f.finding.code,
            "message": f.finding.message,
        }
        for f in errors
    ]
    if any(f.finding.code in INPUT_CODES for f in errors):
        return RulebookInvalid(message, list(details))
    return PolicyRefused(message, details)

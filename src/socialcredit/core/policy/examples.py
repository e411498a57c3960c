"""One runner for every document's own ``[[examples]]``: a published file proves itself.

``rulebook check`` and ``publish`` both run them (OPA test cases, GoRules zen): an
example expecting a score the rules do not give refuses the document. Each kind's
examples run through the same code the system answers with (``score``, ``fold`` and
``decide``, the gate's own bound checks), never a re-implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from socialcredit.core.ledger import Event
from socialcredit.core.lists import NOTIFIED, PROPOSED, REMEDIED, REMOVED, ListDef, fold
from socialcredit.core.policy.catalogue import Catalogue, MeasuresList
from socialcredit.core.policy.findings import Finding
from socialcredit.core.policy.gate import Context, measure_problems, rule_problems
from socialcredit.core.rulebook import Rulebook
from socialcredit.core.sanctions import (
    Decision,
    MemoExample,
    Memorandum,
    Registry,
    Standing,
    decide,
)
from socialcredit.core.scoring import event_from_terms, score

SUBJECT = "11010519491231002X"


def _fail(i: int, name: str, message: str) -> Finding:
    return Finding(f"examples[{i}]", "example-failed", f"example {name!r}: {message}")


def _list_events(entries: Sequence[tuple[str, date, date | None]], subject: str) -> list[Event]:
    """Ledger events for list entries notified (and perhaps remedied) on given days."""
    events: list[Event] = []
    for n, (list_id, notified, remedied) in enumerate(entries, start=1):
        entry = n * 10
        steps: list[tuple[int, str, date, dict[str, Any]]] = [
            (entry, PROPOSED, notified, {"list": list_id}),
            (entry + 1, NOTIFIED, notified, {"entry": entry}),
        ]
        if remedied is not None:
            steps += [
                (entry + 2, REMEDIED, remedied, {"entry": entry}),
                (entry + 3, REMOVED, remedied, {"entry": entry}),
            ]
        for ident, kind, day, data in steps:
            events.append(
                Event(
                    id=ident,
                    type=kind,
                    occurred=day,
                    data=data,
                    subject=subject,
                    authority="example",
                    recorded="",
                )
            )
    return events


def example_decision(registry: Registry, ex: MemoExample, subject: str = "S") -> Decision:
    """Run one memorandum ``[[examples]]`` case through the real fold and decide."""
    states = fold(_list_events(ex.lists, subject), registry.lists)
    standings = {s: Standing(0, g) for s, g in ex.grades.items()}
    for s, points in ex.scores.items():
        standings[s] = Standing(points, standings[s].grade if s in standings else "")
    return decide(
        registry, subject, ex.subject_kind, ex.service, ex.as_of, states.values(), standings
    )


def rulebook_examples(book: Rulebook) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(book.examples):
        events = []
        for n, ev in enumerate(ex.events, start=1):
            if book.rule(ev.rule) is None:
                out.append(
                    _fail(i, ex.name, f"names rule {ev.rule!r}, which is not one of the rules")
                )
                break
            events.append(
                event_from_terms(book, ev.id or n, SUBJECT, ev.rule, ev.occurred, ev.reverses)
            )
        else:
            r = score(book, SUBJECT, events, ex.as_of)
            got = {"score": r.score, "grade": r.grade, "perks": list(r.perks), "capped": r.capped}
            want = {
                "score": ex.score,
                "grade": ex.grade,
                "perks": None if ex.perks is None else list(ex.perks),
                "capped": ex.capped,
            }
            for key, value in want.items():
                if value is not None and got[key] != value:
                    out.append(_fail(i, ex.name, f"expected {key} {value!r}, got {got[key]!r}"))
    return out


def list_examples(d: ListDef) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(d.examples):
        cases = [(d.id, ex.notified, ex.remedied)]
        if ex.prior is not None:  # an earlier offence on the same list, notified that day
            cases.insert(0, (d.id, ex.prior, None))
        events = _list_events(cases, SUBJECT)
        if ex.severity is not None:
            last = max(e.id for e in events if e.type == PROPOSED)
            events = [
                replace(e, data={**e.data, "severity": ex.severity}) if e.id == last else e
                for e in events
            ]
        states = fold(events, {d.id: d})
        got = states[max(states)].status(ex.as_of)
        if got != ex.expect:
            out.append(_fail(i, ex.name, f"expected status {ex.expect!r}, got {got!r}"))
    return out


def memo_examples(memo: Memorandum, registry: Registry) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(memo.examples):
        missing = [x for x, _, _ in ex.lists if x not in registry.lists]
        if missing:
            out.append(_fail(i, ex.name, f"names unknown list {missing[0]!r}"))
            continue
        d = example_decision(registry, ex)
        if d.decision != ex.expect:
            out.append(_fail(i, ex.name, f"expected {ex.expect!r}, got {d.decision!r}"))
        elif ex.reasons is not None and [r.code for r in d.reasons] != list(ex.reasons):
            got = [r.code for r in d.reasons]
            out.append(_fail(i, ex.name, f"expected reasons {list(ex.reasons)}, got {got}"))
    return out


def _compare(
    i: int, name: str, expect: str, codes: tuple[str, ...] | None, got: list[str]
) -> list[Finding]:
    verdict = "refuse" if got else "accept"
    if verdict != expect:
        return [
            _fail(i, name, f"expected {expect}, got {verdict} ({', '.join(got) or 'no findings'})")
        ]
    if codes is not None and sorted(set(codes)) != sorted(set(got)):
        return [_fail(i, name, f"expected codes {sorted(set(codes))}, got {sorted(set(got))}")]
    return []


def catalogue_examples(c: Catalogue) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(c.examples):
        entry = c.entry(ex.entry)
        if entry is None:
            out.append(_fail(i, ex.name, f"names unknown entry {ex.entry!r}"))
            continue
        got = [
            code
            for _, code, _ in rule_problems(
                entry, ex.points, ex.lasts, [("example", ex.authority_kind)]
            )
        ]
        out += _compare(i, ex.name, ex.expect, ex.codes, got)
    return out


def measures_examples(m: MeasuresList, ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for i, ex in enumerate(m.examples):
        measure = m.measure(ex.measure)
        entry = ctx.entries.get(ex.conduct)
        if measure is None or entry is None:
            what = (
                f"measure {ex.measure!r}" if measure is None else f"catalogue entry {ex.conduct!r}"
            )
            out.append(_fail(i, ex.name, f"names unknown {what}"))
            continue
        got = [code for code, _ in measure_problems(measure, [entry], ex.sector)]
        out += _compare(i, ex.name, ex.expect, ex.codes, got)
    return out

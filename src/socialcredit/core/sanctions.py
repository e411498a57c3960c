"""Memoranda (joint sanctions and rewards) and the yes/no decision a verifier gets.

"If trust is broken in one place, restrictions are imposed everywhere" -- but only by a
published clause with a legal basis, only for services the clause names, only while the
entry is in effect and for at most the clause's duration. A verifier learns the
decision for its own service and the reasons, never the score, grade or record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from socialcredit.core.errors import NotAllowed, NotFound
from socialcredit.core.lists import EntryState, ListDef
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.reasons import Reason, reason_for
from socialcredit.core.rulebook import TableReader, read_toml

DENY = "deny"
BENEFIT = "benefit"
ALLOW = "allow"


@dataclass(frozen=True)
class Service:
    id: str
    sector: str
    title: str = ""


@dataclass(frozen=True)
class Verifier:
    id: str
    title: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class Clause:
    id: str
    effect: str
    services: tuple[str, ...]
    legal_basis: str
    # The measure from the measures list this clause applies (core/policy/gate.py): it
    # decides the sectors a sanction or benefit may reach.
    measure: str = ""
    lasts: Duration | None = None
    list: str | None = None
    scheme: str | None = None
    grades: tuple[str, ...] = ()
    min_score: int | None = None
    subjects: str = "any"
    note: str = ""


@dataclass(frozen=True)
class MemoExample:
    name: str
    as_of: date
    service: str
    expect: str
    reasons: tuple[str, ...] | None
    lists: tuple[tuple[str, date, date | None], ...]  # (list, notified, remedied)
    grades: Mapping[str, str]
    scores: Mapping[str, int]
    subject_kind: str = "person"


@dataclass(frozen=True)
class Memorandum:
    id: str
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    services: tuple[Service, ...]
    verifiers: tuple[Verifier, ...]
    clauses: tuple[Clause, ...]
    examples: tuple[MemoExample, ...] = ()
    published: date | None = None
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)


def _clause(t: TableReader) -> Clause:
    effect = t.str_("effect")
    if effect not in (DENY, BENEFIT):
        raise t.fail("effect", "must be deny or benefit")
    c = Clause(
        id=t.str_("id"),
        effect=effect,
        services=t.strs("services"),
        legal_basis=t.str_("legal_basis", ""),
        measure=t.str_("measure", ""),
        lasts=t.duration("lasts"),
        list=t.opt_str("list"),
        scheme=t.opt_str("scheme"),
        grades=t.strs("grades"),
        min_score=t.opt_int("min_score"),
        subjects=t.str_("subjects", "any"),
        note=t.str_("note", ""),
    )
    if (c.list is None) == (c.scheme is None):
        raise t.fail("list", "a clause names exactly one of list or scheme")
    if c.scheme is not None and not c.grades and c.min_score is None:
        raise t.fail("grades", "a scheme clause needs grades or min_score")
    if not c.services:
        raise t.fail("services", "a clause must name at least one service")
    return c


def _example(t: TableReader) -> MemoExample:
    lists = tuple(
        (e.str_("list"), e.date_("notified"), e.date_("remedied") if e.has("remedied") else None)
        for e in t.tables("entries")
    )
    grades = {k: str(v) for k, v in dict(t.data.get("grades", {})).items()}
    scores = {k: int(v) for k, v in dict(t.data.get("scores", {})).items()}
    return MemoExample(
        name=t.str_("name"),
        as_of=t.date_("as_of"),
        service=t.str_("service"),
        expect=t.str_("expect"),
        reasons=t.strs("expect_reasons") if t.has("expect_reasons") else None,
        lists=lists,
        grades=grades,
        scores=scores,
        subject_kind=t.str_("subject_kind", "person"),
    )


def parse_memorandum(text: str) -> Memorandum:
    r = read_toml(text)
    if r.str_("kind") != "memorandum":
        raise r.fail("kind", 'expected kind = "memorandum"')
    return Memorandum(
        id=r.str_("memorandum"),
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        services=tuple(
            Service(s.str_("id"), s.str_("sector"), s.str_("title", ""))
            for s in r.tables("services")
        ),
        verifiers=tuple(
            Verifier(v.str_("id"), v.str_("title", ""), v.strs("services"))
            for v in r.tables("verifiers")
        ),
        clauses=tuple(_clause(c) for c in r.tables("clauses")),
        examples=tuple(_example(e) for e in r.tables("examples")),
        published=r.opt_date("published"),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


@dataclass(frozen=True)
class Registry:
    """Everything published that decisions depend on, gathered from all memoranda."""

    memoranda: tuple[Memorandum, ...]
    lists: Mapping[str, ListDef]

    # Computed once per registry (it is immutable, and cached by content hash): every
    # check authorises its verifier against these (issue 16). Typed read-only.
    @cached_property
    def services(self) -> Mapping[str, Service]:
        return {s.id: s for m in self.memoranda for s in m.services}

    @cached_property
    def verifiers(self) -> Mapping[str, Verifier]:
        out: dict[str, Verifier] = {}
        for m in self.memoranda:
            for v in m.verifiers:
                prev = out.get(v.id)
                services = tuple(dict.fromkeys((*(prev.services if prev else ()), *v.services)))
                out[v.id] = Verifier(v.id, v.title or (prev.title if prev else ""), services)
        return out

    def clauses_for(self, service: str) -> list[tuple[Memorandum, Clause]]:
        return [(m, c) for m in self.memoranda for c in m.clauses if service in c.services]

    def schemes_needed(self, service: str) -> set[str]:
        return {c.scheme for _, c in self.clauses_for(service) if c.scheme}

    def authorise(self, verifier: str, service: str) -> None:
        """A verifier may only ask about the services it is registered for."""
        if service not in self.services:
            raise NotFound(f"unknown service {service!r}", field="service")
        v = self.verifiers.get(verifier)
        if v is None:
            raise NotFound(f"unknown verifier {verifier!r}", field="verifier")
        if service not in v.services:
            raise NotAllowed(
                f"verifier {verifier!r} is not registered for service {service!r} (registered: "
                f"{', '.join(v.services) or 'none'})",
                field="service",
            )


@dataclass(frozen=True)
class SchemeStanding:
    """The only facts of a score report a clause may look at.

    ``down`` and ``up`` are the items behind the score (negative or capping lines, and
    positive lines): a decision records them as its basis, so that when one of them is
    voided the verifier that was told can be told again.
    """

    score: int
    grade: str
    down: tuple[int, ...] = ()
    up: tuple[int, ...] = ()


Standing = SchemeStanding  # the older name, used by rulebook examples


@dataclass(frozen=True)
class Decision:
    subject: str
    service: str
    as_of: date
    decision: str
    reasons: tuple[Reason, ...]


def decide(
    registry: Registry,
    subject: str,
    subject_kind: str,
    service: str,
    as_of: date,
    entries: Iterable[EntryState],
    standings: Mapping[str, SchemeStanding],
) -> Decision:
    """allow / deny / benefit for one subject and one service, with the clauses that apply.

    A deny outranks a benefit. ``entries`` must be the subject's own list entries and
    ``standings`` the subject's own score and grade by scheme: identity is the exact ID
    number, never a name.
    """
    mine = [e for e in entries if e.subject == subject]
    reasons: list[Reason] = []
    for memo, c in registry.clauses_for(service):
        if c.subjects != "any" and c.subjects != subject_kind:
            continue
        if c.list is not None:
            d = registry.lists.get(c.list)
            for e in mine:
                if e.list != c.list or not e.in_effect(as_of):
                    continue
                until = e.until()
                if c.lasts is not None and e.effective_from is not None:
                    clause_end = add_duration(e.effective_from, c.lasts)
                    until = min(until, clause_end) if until else clause_end
                if until is not None and as_of >= until:
                    continue
                reasons.append(
                    reason_for(
                        memo,
                        c,
                        entry=e.entry,
                        until=until,
                        remedy=d.remedy if d else None,
                        items=(e.entry,),
                    )
                )
        else:
            report = standings.get(c.scheme or "")
            if report is None:
                continue
            ok_grade = not c.grades or report.grade in c.grades
            ok_score = c.min_score is None or report.score >= c.min_score
            if ok_grade and ok_score:
                reasons.append(
                    reason_for(memo, c, items=report.down if c.effect == DENY else report.up)
                )
    denies = tuple(r for r in reasons if r.effect == DENY)
    if denies:
        return Decision(subject, service, as_of, DENY, denies)
    benefits = tuple(r for r in reasons if r.effect == BENEFIT)
    if benefits:
        return Decision(subject, service, as_of, BENEFIT, benefits)
    return Decision(subject, service, as_of, ALLOW, ())


@dataclass(frozen=True)
class MemoFinding:
    path: str
    code: str
    message: str
    severity: str


def check_memorandum(
    memo: Memorandum,
    lists: Mapping[str, ListDef],
    schemes: Sequence[str] | None = None,
    services: Mapping[str, Service] | None = None,
) -> list[MemoFinding]:
    """References and basic policy: a legal basis, known lists, schemes and services, and
    no sanction for a score. Whether a sanction reaches a related sector is the gate's
    (``core/policy/gate.py``): the clause's measure names the sectors it may apply to.
    """
    out: list[MemoFinding] = []
    known = {s.id: s for s in memo.services}
    if services:
        known = {**services, **known}
    if not memo.legal_basis:
        out.append(
            MemoFinding(
                "legal_basis", "no-legal-basis", "a memorandum needs a legal basis", "error"
            )
        )
    for v_i, v in enumerate(memo.verifiers):
        for s in v.services:
            if s not in known:
                out.append(
                    MemoFinding(
                        f"verifiers[{v_i}].services",
                        "unknown-service",
                        f"unknown service {s!r}",
                        "error",
                    )
                )
    for i, c in enumerate(memo.clauses):
        p = f"clauses[{i}]"
        if not c.legal_basis:
            out.append(
                MemoFinding(
                    f"{p}.legal_basis",
                    "no-legal-basis",
                    f"clause {c.id!r} has no legal basis",
                    "error",
                )
            )
        if c.effect == DENY and c.scheme is not None:
            out.append(
                MemoFinding(
                    p,
                    "score-sanction",
                    f"clause {c.id!r} denies a service for a score or grade; sanctions "
                    "follow list entries, with notice and remedy, only",
                    "error",
                )
            )
        if c.list is not None and c.list not in lists:
            out.append(
                MemoFinding(f"{p}.list", "unknown-list", f"unknown list {c.list!r}", "error")
            )
        if c.scheme is not None and schemes is not None and c.scheme not in schemes:
            out.append(
                MemoFinding(
                    f"{p}.scheme", "unknown-scheme", f"unknown scheme {c.scheme!r}", "error"
                )
            )
        for s in c.services:
            if s not in known:
                out.append(
                    MemoFinding(
                        f"{p}.services", "unknown-service", f"unknown service {s!r}", "error"
                    )
                )
    return out

"""A subject's whole standing, derived in one place: every path answers from here.

Before this module, scores, list states and decisions were folded separately by each
path (the record, the verifier's check, the grade distribution, the batch export), and
they disagreed: a dispute left undecided past its deadline read "annulled" in the
subject's own record while the airline was still told "deny". Now one pure function
turns (the subject's ledger entries, the published documents, ``as_of``, ``known_at``)
into a ``Standing``; the application, the pages, the aggregates and the batch export
only render it.

Two kinds of undoing (DESIGN principle 2):

- *voiding* -- a correction, a dispute decided ``annulled`` or ``amended``, a dispute
  left undecided past its deadline: the item never counted. Once the voiding is known,
  the item counts for no ``as_of`` at all, including dates before the voiding.
- *ending early* -- a list remedy, a granted repair (``core/repair.py``): effective
  from its date; the item counted before it.

Knowledge time: only entries recorded at or before ``known_at`` are seen, so any past
answer can be replayed as the system gave it. Deadlines are evaluated on the later of
``as_of`` and the day of ``known_at``: asked today about last year, a dispute that lapsed
last month has voided its item; asked today about next month, an undecided dispute
whose deadline falls before then is projected to lapse (nothing more being recorded).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from socialcredit.core import disputes as disputes_core
from socialcredit.core import lists as lists_core
from socialcredit.core import repair as repair_core
from socialcredit.core.disputes import DisputeState
from socialcredit.core.errors import BadInput
from socialcredit.core.ledger import REVERSAL, SCORE, Event
from socialcredit.core.lists import EntryState
from socialcredit.core.repair import RepairState
from socialcredit.core.rulebook import Rulebook, version_for
from socialcredit.core.sanctions import Decision, Registry, SchemeStanding, decide
from socialcredit.core.scoring import ScoreReport, score

CORRECTION = "correction"
DISPUTE_ANNULLED = "dispute-annulled"
DISPUTE_AMENDED = "dispute-amended"
DISPUTE_LAPSED = "dispute-lapsed"


@dataclass(frozen=True)
class Voided:
    """An item that never counted, and why: the entry or dispute that voided it."""

    item: int
    item_kind: str  # "event" | "entry"
    cause: str  # correction / dispute-annulled / dispute-amended / dispute-lapsed
    by: int  # the reversal entry or the dispute
    since: date  # the day the voiding took effect (became known)
    reason: str


@dataclass(frozen=True)
class Published:
    """The published documents a derivation may use: scheme versions and the registry."""

    schemes: Mapping[str, Sequence[Rulebook]]
    registry: Registry


@dataclass(frozen=True)
class Standing:
    """Everything derived about one subject as of a date and as known at a moment."""

    subject: str
    kind: str | None  # None: a valid ID that is not registered (nothing recorded)
    as_of: date
    known_at: datetime | None
    entries: tuple[Event, ...]  # the entries known at ``known_at``, in id order
    reports: Mapping[str, ScoreReport]  # per scheme that applies to the subject's kind
    lists: Mapping[int, EntryState]
    disputes: Mapping[int, DisputeState]
    disputed: Mapping[int, int]  # item -> open dispute on it
    voided: Mapping[int, Voided]
    skipped: Mapping[str, str] = field(default_factory=dict)  # scheme -> why not scored
    repairs: Mapping[int, RepairState] = field(default_factory=dict)
    ended: Mapping[int, tuple[date, str]] = field(default_factory=dict)  # item -> from, why

    def open_disputes(self) -> list[DisputeState]:
        return [d for d in self.disputes.values() if d.is_open(self.moment)]

    @property
    def moment(self) -> date:
        return evaluation_day(self.as_of, self.known_at)


def recorded_at(e: Event) -> datetime | None:
    """When an entry was recorded (UTC), or None for an entry not from the ledger."""
    if not e.recorded:
        return None
    try:
        when = datetime.fromisoformat(e.recorded)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def known(entries: Sequence[Event], known_at: datetime | None) -> list[Event]:
    """The entries recorded at or before ``known_at`` (all of them when it is None)."""
    if known_at is None:
        return list(entries)
    limit = as_utc(known_at)
    out = []
    for e in entries:
        when = recorded_at(e)
        if when is None or when <= limit:
            out.append(e)
    return out


def evaluation_day(as_of: date, known_at: datetime | None) -> date:
    """The day deadlines are judged on: the later of ``as_of`` and the knowledge day."""
    if known_at is None:
        return as_of
    return max(as_of, as_utc(known_at).date())


def _dispute_cause(s: DisputeState, day: date) -> str:
    status = s.status(day)
    if status == disputes_core.ANNULLED:
        return DISPUTE_ANNULLED
    if status == disputes_core.AMENDED:
        return DISPUTE_AMENDED
    return DISPUTE_LAPSED


def voided_items(
    entries: Sequence[Event], disputes: Mapping[int, DisputeState], day: date
) -> dict[int, Voided]:
    """Every item voided by a known correction or by a dispute's outcome by ``day``."""
    out: dict[int, Voided] = {}
    kinds = {e.id: ("entry" if e.type == lists_core.PROPOSED else "event") for e in entries}
    # A dispute's outcome explains its item best (the reversal or annulment written down
    # for it merely records the same consequence), so disputes come first.
    for item, (since, dispute) in disputes_core.voided_items(disputes.values(), day).items():
        s = disputes[dispute]
        cause = _dispute_cause(s, day)
        if cause == DISPUTE_LAPSED:
            why = f"dispute {dispute} was not decided by its deadline: annulled for the subject"
        else:
            why = f"dispute {dispute} decided {cause.removeprefix('dispute-')}" + (
                f": {s.reason}" if s.reason else ""
            )
        out[item] = Voided(item, kinds.get(item, s.item_kind), cause, dispute, since, why)
    for e in entries:
        if e.type == REVERSAL and e.reverses is not None and e.reverses not in out:
            why = f"corrected by entry {e.id}" + (f": {e.reason}" if e.reason else "")
            out[e.reverses] = Voided(
                e.reverses, kinds.get(e.reverses, "event"), CORRECTION, e.id, e.occurred, why
            )
        elif e.type == lists_core.ANNULLED:
            item = int(e.data.get("entry", 0))
            if item and item not in out:
                why = f"annulled by entry {e.id}" + (f": {e.reason}" if e.reason else "")
                out[item] = Voided(item, "entry", DISPUTE_ANNULLED, e.id, e.occurred, why)
    return out


def applies(book: Rulebook, kind: str | None) -> bool:
    return kind is not None and book.subjects in ("any", kind)


def derive(
    subject: str,
    kind: str | None,
    entries: Sequence[Event],
    published: Published,
    as_of: date,
    known_at: datetime | None = None,
    schemes: Sequence[str] | None = None,
) -> Standing:
    """The one derivation of a subject's standing.

    ``entries`` are the subject's ledger entries (personal fields opened or not: nothing
    here reads them). ``schemes`` limits the score reports to those named (all published
    schemes when None); a scheme published for other subject kinds is skipped, with the
    reason in ``skipped``, never scored.
    """
    seen = known(entries, known_at)
    day = evaluation_day(as_of, known_at)
    disputes = disputes_core.fold(seen)
    voided = voided_items(seen, disputes, day)
    disputed = {d.item: d.dispute for d in disputes.values() if d.is_open(day)}
    repairs = repair_core.fold(seen)
    ended = {
        item: (since, f"ended early by repair {r} granted from {since.isoformat()}")
        for item, (since, r) in repair_core.ended_items(repairs.values(), day).items()
        if item not in voided
    }
    states = lists_core.fold(seen, published.registry.lists)
    for item, v in voided.items():
        st = states.get(item)
        if st is not None:
            states[item] = replace(st, annulled=st.annulled or v.since, voided=True)
    if voided:  # an entry voided by a dispute is no earlier offence: re-size the rest
        states = lists_core.size_entries(states, published.registry.lists)
    for item, (since, _) in ended.items():
        st = states.get(item)
        if st is not None and (st.removed is None or since < st.removed):
            states[item] = replace(st, removed=since)
    reports: dict[str, ScoreReport] = {}
    skipped: dict[str, str] = {}
    names = list(published.schemes) if schemes is None else list(schemes)
    for scheme in names:
        versions = published.schemes.get(scheme)
        if not versions:
            continue
        book = version_for(versions, as_of)
        if not applies(book, kind):
            skipped[scheme] = f"scheme {scheme!r} applies to {book.subjects}s only"
            continue
        mine = [e for e in seen if e.scheme == scheme and e.type in (SCORE, REVERSAL)]
        why = {i: v.reason for i, v in voided.items()}
        reports[scheme] = score(book, subject, mine, as_of, disputed, voided=why, ended=ended)
    return Standing(
        subject=subject,
        kind=kind,
        as_of=as_of,
        known_at=known_at,
        entries=tuple(seen),
        reports=reports,
        lists=states,
        disputes=disputes,
        disputed=disputed,
        voided=voided,
        skipped=skipped,
        repairs=repairs,
        ended=ended,
    )


def scheme_standings(standing: Standing) -> dict[str, SchemeStanding]:
    """What a memorandum clause may look at: score, grade and the items behind them."""
    out = {}
    for scheme, r in standing.reports.items():
        down = tuple(ln.event for ln in r.lines if ln.points < 0 or ln.cap is not None)
        up = tuple(ln.event for ln in r.lines if ln.points > 0)
        out[scheme] = SchemeStanding(r.score, r.grade, down, up)
    return out


def service_kinds(published: Published, registry: Registry, service: str, on: date) -> set[str]:
    """The subject kinds a service's clauses are about ("any" among them: every kind).

    A clause's own ``subjects`` says it; a clause without one that reads a scheme is
    about the kind that scheme scores (the enterprise scheme's grades say nothing about a
    person); a list clause without one is about any kind.
    """
    kinds: set[str] = set()
    for _, c in registry.clauses_for(service):
        if c.subjects != "any":
            kinds.add(c.subjects)
        elif c.scheme and published.schemes.get(c.scheme):
            kinds.add(version_for(published.schemes[c.scheme], on).subjects)
        else:
            kinds.add("any")
    return kinds


def refuse_other_kind(
    published: Published, registry: Registry, service: str, subject: str, kind: str, on: date
) -> None:
    """BadInput when none of the service's clauses is about the subject's kind.

    A replay (``known_at``) is also held to today's documents: as known before the
    service's clauses were published it had none, and answered a bare ``allow`` (and
    recorded a read) for a person asked about an organisations-only service.
    """
    kinds = service_kinds(published, registry, service, on)
    if kinds and "any" not in kinds and kind not in kinds:
        raise BadInput(
            f"service {service!r} is decided only for {' and '.join(sorted(kinds))} "
            f"subjects; {subject} is {'an' if kind[:1] in 'aeiou' else 'a'} {kind}, "
            "so no clause of it applies",
            field="service",
        )


def decision(
    standing: Standing,
    registry: Registry,
    service: str,
    fallback_kind: str,
    published: Published | None = None,
) -> Decision:
    """A verifier's yes/no for one service, from the standing and nothing else.

    With ``published``, a service none of whose clauses is about the subject's kind (a
    public-tender fast track asked about a person) is refused with a precise message
    instead of answering a bare ``allow``: the clauses were skipped, not passed, and a
    verifier told ``allow`` would read it as "nothing against them" (issue 18).
    """
    kind = standing.kind or fallback_kind
    if published is not None:
        refuse_other_kind(published, registry, service, standing.subject, kind, standing.as_of)
    return decide(
        registry,
        standing.subject,
        kind,
        service,
        standing.as_of,
        standing.lists.values(),
        scheme_standings(standing),
    )


def effective_reversals(standing: Standing) -> list[tuple[int, int]]:
    """(reversal id, target) for every voided score event: what the batch engines need.

    A correction is exported as itself; a dispute's void as a row carrying the dispute's
    id, so DuckDB and Spark, which void any target named by a row with ``reverses``,
    reach the same scores as the core.
    """
    scored = {e.id for e in standing.entries if e.type == SCORE}
    return sorted((v.by, v.item) for v in standing.voided.values() if v.item in scored)

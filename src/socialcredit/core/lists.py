"""Blacklists and red lists: published definitions and the entry lifecycle.

An entry's life is a sequence of ledger events (proposed, notified, remedied, removed,
annulled, consent) and its status on any date is *computed* from them and ``as_of``:
nobody has to run a job for an entry to take effect after its notice period or to expire
at its maximum end, and nobody can forget to. Transitions are pure functions that
validate and return the events to append.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.ledger import Event, check_text
from socialcredit.core.periods import Duration, add_duration
from socialcredit.core.rulebook import Authority, TableReader, parse_authorities, read_toml

PROPOSED = "list.proposed"
NOTIFIED = "list.notified"
REMEDIED = "list.remedied"
REMOVED = "list.removed"
ANNULLED = "list.annulled"
CONSENT = "list.consent"
LIST_EVENTS = (PROPOSED, NOTIFIED, REMEDIED, REMOVED, ANNULLED, CONSENT)

MAX_FIELD = 500
DEFAULT_RETENTION = Duration(months=36)  # shown for 3 years after an entry ends


@dataclass(frozen=True)
class ListDef:
    id: str
    kind: str  # "black" | "red"
    title: str
    version: str
    effective: date
    publisher: str
    legal_basis: str
    subjects: str
    sectors: tuple[str, ...]
    fields: tuple[str, ...]
    evidence: tuple[str, ...]
    max_duration: Duration
    notice: Duration
    remedy: str
    remedy_evidence: tuple[str, ...]
    authorities: tuple[Authority, ...]
    public_board: bool = False
    retention: Duration = DEFAULT_RETENTION
    severity: str = "general"  # minor / general / serious: sets the credit-repair periods
    repair_business_days: int = 5  # the deciding authority's deadline for a repair
    sha256: str = ""
    source: str = field(default="", repr=False, compare=False)

    @property
    def authority_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.authorities)


def _severity(r: TableReader) -> str:
    value = str(r.str_("severity", "general"))
    if value not in ("minor", "general", "serious"):
        raise r.fail("severity", "must be minor, general or serious")
    return value


def parse_list(text: str) -> ListDef:
    r = read_toml(text)
    if r.str_("kind") != "list":
        raise r.fail("kind", 'expected kind = "list"')
    kind = r.str_("list_kind")
    if kind not in ("black", "red"):
        raise r.fail("list_kind", "must be black or red")
    max_duration = r.duration("max_duration")
    if max_duration is None or max_duration.is_zero:
        raise r.fail("max_duration", "is required: every entry has a maximum lifetime")
    notice = r.duration("notice") or Duration()
    subjects = r.str_("subjects", "any")
    if subjects not in ("person", "organisation", "any"):
        raise r.fail("subjects", "must be person, organisation or any")
    return ListDef(
        id=r.str_("list"),
        kind=kind,
        title=r.str_("title"),
        version=r.str_("version"),
        effective=r.date_("effective"),
        publisher=r.str_("publisher"),
        legal_basis=r.str_("legal_basis", ""),
        subjects=subjects,
        sectors=r.strs("sectors"),
        fields=r.strs("fields"),
        evidence=r.strs("evidence"),
        max_duration=max_duration,
        notice=notice,
        remedy=r.str_("remedy", ""),
        remedy_evidence=r.strs("remedy_evidence"),
        authorities=parse_authorities(r),
        public_board=bool(r.bool_("public_board")),
        retention=r.duration("retention") or DEFAULT_RETENTION,
        severity=_severity(r),
        repair_business_days=r.int_("repair_business_days", 5),
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        source=text,
    )


def lint_list(d: ListDef, max_days: int = 5 * 366) -> list[tuple[str, str, str]]:
    """Policy problems of a list definition as (path, code, message)."""
    out = []
    if not d.legal_basis:
        out.append(("legal_basis", "no-legal-basis", "a list needs a legal basis"))
    if not d.evidence:
        out.append(("evidence", "no-evidence", "proposing an entry must require evidence"))
    if d.kind == "black" and not d.remedy:
        out.append(("remedy", "no-remedy", "a blacklist must say how an entry is remedied"))
    if d.kind == "black" and not d.remedy_evidence:
        out.append(("remedy_evidence", "no-remedy-evidence", "say what evidence proves a remedy"))
    if d.max_duration.approx_days() > max_days:
        out.append(("max_duration", "penalty-too-long", f"{d.max_duration.iso()} is too long"))
    if not d.authorities:
        out.append(("authorities", "no-authority", "no authority may maintain this list"))
    return out


@dataclass(frozen=True)
class EntryState:
    """Everything recorded about one list entry, folded from its events."""

    entry: int
    list: str
    subject: str
    authority: str
    proposed: date
    fields: Mapping[str, str]
    evidence: str | None
    notified: date | None = None
    effective_from: date | None = None
    max_end: date | None = None
    remedied: date | None = None
    removed: date | None = None
    annulled: date | None = None
    consent: bool = False
    events: tuple[int, ...] = ()
    voided: bool = False  # annulled from the start: it never restricted anyone

    def status(self, as_of: date) -> str:
        """proposed / notified / in-effect / removed / expired / annulled / not-yet.

        An annulment voids the entry from the start (it was wrong on every day), unlike
        a remedy or removal, which end it from their date.
        """
        if as_of < self.proposed:
            return "not-yet"
        if self.voided or (self.annulled is not None and self.annulled <= as_of):
            return "annulled"
        if self.removed is not None and self.removed <= as_of:
            return "removed"
        if self.notified is None or self.notified > as_of:
            return "proposed"
        assert self.effective_from is not None and self.max_end is not None
        if as_of < self.effective_from:
            return "notified"
        if as_of >= self.max_end:
            return "expired"
        return "in-effect"

    def in_effect(self, as_of: date) -> bool:
        return self.status(as_of) == "in-effect"

    def ended(self) -> date | None:
        """When the entry stopped restricting or honouring, if it has (for retention)."""
        ends = [d for d in (self.removed, self.annulled, self.max_end) if d is not None]
        return min(ends) if ends else None

    def until(self) -> date | None:
        """The last moment the entry can restrict: its maximum end (exclusive)."""
        return self.max_end


def fold(events: Iterable[Event], defs: Mapping[str, ListDef]) -> dict[int, EntryState]:
    """Entry states from list events in id order; events of unknown entries are ignored."""
    states: dict[int, EntryState] = {}
    for e in sorted(events, key=lambda x: x.id):
        if e.type == PROPOSED:
            states[e.id] = EntryState(
                entry=e.id,
                list=str(e.data.get("list", "")),
                subject=e.subject,
                authority=e.authority,
                proposed=e.occurred,
                # Sealed (or erased) fields arrive as an opaque string: nothing to show.
                fields=dict(raw) if isinstance(raw := e.data.get("fields", {}), Mapping) else {},
                evidence=e.evidence_ref,
                events=(e.id,),
            )
            continue
        if e.type not in LIST_EVENTS:
            continue
        ident = int(e.data.get("entry", 0))
        s = states.get(ident)
        if s is None:
            continue
        changes: dict[str, Any] = {"events": (*s.events, e.id)}
        if e.type == NOTIFIED:
            d = defs.get(s.list)
            start = add_duration(e.occurred, d.notice) if d else e.occurred
            changes.update(
                notified=e.occurred,
                effective_from=start,
                max_end=add_duration(start, d.max_duration) if d else start,
            )
        elif e.type == REMEDIED:
            changes["remedied"] = e.occurred
        elif e.type == REMOVED:
            changes["removed"] = e.occurred
        elif e.type == ANNULLED:
            changes.update(annulled=e.occurred, voided=True)
        elif e.type == CONSENT:
            changes["consent"] = bool(e.data.get("consent"))
        states[ident] = EntryState(**{**s.__dict__, **changes})
    return states


def _event(
    kind: str,
    subject: str,
    authority: str,
    occurred: date,
    recorded: str,
    evidence: str | None,
    data: Mapping[str, Any],
    evidence_kind: str | None = None,
    reason: str | None = None,
) -> Event:
    return Event(
        id=0,
        type=kind,
        subject=subject,
        authority=authority,
        occurred=occurred,
        recorded=recorded,
        evidence_kind=evidence_kind,
        evidence_ref=evidence,
        reason=reason,
        data=dict(data),
    )


def _dates(occurred: date, today: date, after: date | None, what: str) -> None:
    if occurred > today:
        raise BadInput(f"occurred date {occurred.isoformat()} is in the future", field="occurred")
    if after is not None and occurred < after:
        raise BadInput(
            f"{what} cannot predate the entry's previous step ({after.isoformat()})",
            field="occurred",
        )


def _authority(d: ListDef, authority: str) -> None:
    if authority not in d.authority_ids:
        raise NotAllowed(
            f"authority {authority!r} may not maintain list {d.id!r} (allowed: "
            f"{', '.join(d.authority_ids) or 'none'})",
            field="authority",
        )


def _evidence(ref: str | None, what: str, kinds: Sequence[str]) -> str:
    text = check_text(ref, "evidence")
    if text is None:
        need = " or ".join(kinds) or "a document"
        raise BadInput(
            f"{what} requires evidence ({need}): give an evidence reference", field="evidence"
        )
    return text


def propose(
    d: ListDef,
    *,
    subject: str,
    subject_kind: str,
    authority: str,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
    fields: Mapping[str, str],
) -> Event:
    """Open an entry. It restricts nothing until the subject is notified and the notice ends."""
    _authority(d, authority)
    if d.subjects != "any" and d.subjects != subject_kind:
        raise BadInput(
            f"list {d.id!r} holds {d.subjects}s; {subject} is a {subject_kind}", field="subject"
        )
    if occurred < d.effective:
        raise BadInput(
            f"occurred date {occurred.isoformat()} is before list {d.id!r} took effect on "
            f"{d.effective.isoformat()}",
            field="occurred",
        )
    _dates(occurred, today, None, "a proposal")
    ref = _evidence(evidence, f"an entry on {d.id!r}", d.evidence)
    missing = [f for f in d.fields if not (fields.get(f) or "").strip()]
    if missing:
        raise BadInput(
            f"list {d.id!r} entries must carry {', '.join(missing)} (use --field KEY=VALUE)",
            field="fields",
        )
    unknown = sorted(set(fields) - set(d.fields))
    if unknown:
        raise BadInput(
            f"list {d.id!r} has no field {unknown[0]!r} (fields: {', '.join(d.fields)})",
            field="fields",
        )
    clean = {}
    for k, v in fields.items():
        text = check_text(v, f"field {k}", required=True)
        assert text is not None
        if len(text) > MAX_FIELD:
            raise BadInput(f"field {k} is longer than {MAX_FIELD} characters", field="fields")
        clean[k] = text
    return _event(
        PROPOSED, subject, authority, occurred, recorded, ref, {"list": d.id, "fields": clean}
    )


def notify(
    d: ListDef,
    s: EntryState,
    *,
    authority: str,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """Record that the subject was told; the entry takes effect after the notice period."""
    _authority(d, authority)
    _dates(occurred, today, s.proposed, "a notice")
    status = s.status(occurred)
    if s.notified is not None or status != "proposed":
        raise Conflict(f"entry {s.entry} is {status}; only a proposed entry can be notified")
    ref = _evidence(evidence, "a notice", ("a notice of listing",))
    return _event(
        NOTIFIED, s.subject, authority, occurred, recorded, ref, {"entry": s.entry, "list": d.id}
    )


def remedy(
    d: ListDef,
    s: EntryState,
    *,
    authority: str,
    evidence: str | None,
    occurred: date,
    today: date,
    recorded: str,
) -> list[Event]:
    """Record fulfilment and the removal it causes: two entries, one transaction."""
    _authority(d, authority)
    status = s.status(occurred)
    if status not in ("notified", "in-effect"):
        raise Conflict(
            f"entry {s.entry} is {status} on {occurred.isoformat()}; only a notified or "
            "in-effect entry can be remedied"
        )
    _dates(occurred, today, s.notified, "a remedy")
    ref = _evidence(evidence, "a remedy", d.remedy_evidence)
    data = {"entry": s.entry, "list": d.id}
    return [
        _event(REMEDIED, s.subject, authority, occurred, recorded, ref, data),
        _event(REMOVED, s.subject, authority, occurred, recorded, ref, data, reason="remedied"),
    ]


def annul(
    s: EntryState,
    *,
    authority: str,
    reason: str,
    occurred: date,
    today: date,
    recorded: str,
    evidence: str | None = None,
) -> Event:
    """Void an entry (a dispute upheld for the subject); it never restricted rightly."""
    if s.annulled is not None:
        raise Conflict(f"entry {s.entry} was already annulled")
    _dates(occurred, today, s.proposed, "an annulment")
    text = check_text(reason, "reason", required=True)
    return _event(
        ANNULLED,
        s.subject,
        authority,
        occurred,
        recorded,
        check_text(evidence, "evidence"),
        {"entry": s.entry, "list": s.list},
        reason=text,
    )


def set_consent(
    d: ListDef,
    s: EntryState,
    *,
    subject: str,
    consent: bool,
    occurred: date,
    today: date,
    recorded: str,
) -> Event:
    """Only the subject decides whether a red-list entry appears on a public board."""
    if subject != s.subject:
        raise NotAllowed("only the listed subject can give or withdraw consent", field="subject")
    if d.kind != "red":
        raise Conflict(f"list {d.id!r} is not a red list; there is no public board to consent to")
    _dates(occurred, today, s.proposed, "consent")
    return _event(
        CONSENT,
        s.subject,
        f"subject:{subject}",
        occurred,
        recorded,
        None,
        {"entry": s.entry, "list": d.id, "consent": consent},
    )


def public_board(states: Iterable[EntryState], d: ListDef, as_of: date) -> list[EntryState]:
    """Red-list entries in effect whose subjects consented; nobody else is ever shown."""
    return [s for s in states if s.list == d.id and s.consent and s.in_effect(as_of)]

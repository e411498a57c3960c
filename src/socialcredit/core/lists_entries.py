"""List entries: the state of one entry, folded from its ledger events, and its size.

An entry's life is a sequence of ledger events (proposed, notified, remedied, removed,
annulled, consent) and its status on any date is *computed* from them and ``as_of``:
nobody has to run a job for an entry to take effect after its notice period or to expire
at its maximum end, and nobody can forget to.

Its end is *sized* from the ``[[durations]]`` (``core/lists_defs.py``) of the list's
version in force on the entry's own date (``ListDef.on``; a later version never resizes
it, nor the clock's day): by the
severity the proposal gave and by whether an earlier entry of the same subject on the
same list, notified and never voided, was proposed within the list's repeat window
(recorded before it, dated no later, notified by its date: a term never grows after it
was given).
Sizing runs over all the subject's entries at once (``size_entries``), after voiding,
so an annulled earlier entry never makes a later one a repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from socialcredit.core.ledger import Event
from socialcredit.core.lists_defs import ListDef
from socialcredit.core.periods import add_duration

PROPOSED = "list.proposed"
NOTIFIED = "list.notified"
REMEDIED = "list.remedied"
REMOVED = "list.removed"
ANNULLED = "list.annulled"
CONSENT = "list.consent"
LIST_EVENTS = (PROPOSED, NOTIFIED, REMEDIED, REMOVED, ANNULLED, CONSENT)


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
    severity: str | None = None  # as proposed; None: the list's own severity
    conduct: str | None = None  # the catalogue conduct it is for, when the proposal named it
    # 1 for a first offence, 2+ for a repeat within the list's window; None until sized
    # (not notified yet, or on a list that sizes no terms: every entry lasts its maximum)
    offence: int | None = None

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


def _offence(s: EntryState, d: ListDef, states: Iterable[EntryState]) -> int:
    """1 + the earlier entries of the subject on the list within the repeat window."""
    if d.repeat_within is None:
        return 1
    earlier = 0
    for o in states:
        if o.entry == s.entry or o.list != s.list or o.subject != s.subject:
            continue
        if o.voided or o.notified is None:
            continue
        # A term is fixed when the entry is made: only an entry recorded before it
        # (ledger order), dated no later and notified by its date makes it a repeat.
        # Stated dates alone let a backdated later entry, or an old one notified late,
        # lengthen a ban already notified as a first offence.
        before = o.entry < s.entry and o.proposed <= s.proposed and o.notified <= s.proposed
        if before and add_duration(o.proposed, d.repeat_within) > s.proposed:
            earlier += 1
    return 1 + earlier


def size_entries(
    states: Mapping[int, EntryState], defs: Mapping[str, ListDef]
) -> dict[int, EntryState]:
    """Every notified entry's maximum end, sized by severity and repetition."""
    out = dict(states)
    for ident, s in states.items():
        d = defs.get(s.list)
        if d is None or s.effective_from is None:
            continue
        d = d.on(s.proposed)  # the version it was proposed under: a new one never resizes it
        if not d.durations:  # that version lasts its maximum
            continue
        offence = _offence(s, d, states.values())
        end = add_duration(s.effective_from, d.duration_for(s.severity, offence))
        out[ident] = replace(s, max_end=end, offence=offence)
    return out


def fold(events: Iterable[Event], defs: Mapping[str, ListDef]) -> dict[int, EntryState]:
    """Entry states from list events in id order; events of unknown entries are ignored."""
    states: dict[int, EntryState] = {}
    for e in sorted(events, key=lambda x: x.id):
        if e.type == PROPOSED:
            severity = e.data.get("severity")
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
                severity=str(severity) if isinstance(severity, str) else None,
                conduct=str(c) if isinstance(c := e.data.get("conduct"), str) else None,
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
            d = defs[s.list].on(s.proposed) if s.list in defs else None
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
    return size_entries(states, defs)

"""Blacklists and red lists: the transitions of an entry, and the one import for lists.

Definitions live in ``core/lists_defs.py`` and entry states in ``core/lists_entries.py``
(split by noun to keep each module small); this module holds the transitions -- pure
functions that validate and return the events to append -- and re-exports the rest, so
``from socialcredit.core import lists`` still reaches everything about lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from socialcredit.core.errors import BadInput, Conflict, NotAllowed
from socialcredit.core.ledger import Event, check_text
from socialcredit.core.lists_defs import (
    DEFAULT_RETENTION,
    SEVERITIES,
    ListDef,
    ListExample,
    Sizing,
    as_published,
    in_force,
    lint_durations,
    lint_list,
    parse_list,
)
from socialcredit.core.lists_entries import (
    ANNULLED,
    CONSENT,
    LIST_EVENTS,
    NOTIFIED,
    PROPOSED,
    REMEDIED,
    REMOVED,
    EntryState,
    fold,
    size_entries,
)

__all__ = [
    "ANNULLED",
    "CONSENT",
    "DEFAULT_RETENTION",
    "LIST_EVENTS",
    "MAX_FIELD",
    "NOTIFIED",
    "PROPOSED",
    "REMEDIED",
    "REMOVED",
    "SEVERITIES",
    "EntryState",
    "ListDef",
    "ListExample",
    "Sizing",
    "annul",
    "as_published",
    "fold",
    "in_force",
    "lint_durations",
    "lint_list",
    "notify",
    "parse_list",
    "propose",
    "public_board",
    "remedy",
    "same_proposal",
    "set_consent",
    "size_entries",
]

MAX_FIELD = 500


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


def _check_severity(d: ListDef, severity: str | None) -> None:
    if severity is None:
        return
    if severity not in SEVERITIES:
        raise BadInput(
            f"unknown severity {severity!r} (one of {', '.join(SEVERITIES)})", field="severity"
        )
    if not d.durations:  # it would only move the repair periods, unchecked
        raise BadInput(
            f"list {d.id!r} does not size its entries by severity: leave --severity out",
            field="severity",
        )
    sized = d.sized_severities()
    if sized is not None and severity not in sized:
        raise BadInput(
            f"list {d.id!r} sizes entries of severity {', '.join(sized)}; not {severity}",
            field="severity",
        )


def _from_conduct(
    d: ListDef, conduct: str | None, conduct_severity: str | None, severity: str | None
) -> str | None:
    """The severity an entry is sized by: its conduct's, as the catalogue gives it.

    An entry names no conduct unless told (``--conduct``), and a list may cite conducts
    of several severities (transport misconduct: a disruption is general, a false
    terrorism threat serious), so a severity given alone could be any of them: smoking
    on a train proposed as "serious" would be banned a year instead of 180 days. Without
    a conduct only the list's own severity may be given; with one, the catalogue's
    severity of it is taken, and a different one given beside it is refused. Entries
    recorded before entries named their conduct are folded as they were.
    """
    if conduct is None:
        if severity is not None and d.conduct and severity != d.severity:
            raise BadInput(
                f"a {severity} entry on {d.id!r} must name its conduct (--conduct, one of "
                f"{', '.join(d.conduct)}): the catalogue gives the severity, not the proposal",
                field="severity",
            )
        return severity
    if conduct not in d.conduct:
        cited = ", ".join(d.conduct) or "no catalogue conduct"
        raise BadInput(f"list {d.id!r} is for {cited}; not {conduct!r}", field="conduct")
    if conduct_severity is None:  # cited by the list, yet not in the catalogue in force
        raise BadInput(
            f"the catalogue in force when it occurred has no conduct {conduct!r}", field="conduct"
        )
    if severity is not None and severity != conduct_severity:
        raise BadInput(
            f"the catalogue makes {conduct} {conduct_severity}, not {severity}: leave "
            "--severity out",
            field="severity",
        )
    # Kept on an unsized list too: the term is then the list's maximum either way, but
    # the record and credit repair's periods (Order 58) follow the conduct's severity, so
    # a false terrorism threat is not repaired on a disruption's shorter terms.
    return conduct_severity


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
    severity: str | None = None,
    conduct: str | None = None,
    conduct_severity: str | None = None,
) -> Event:
    """Open an entry. It restricts nothing until the subject is notified and the notice ends.

    ``severity`` sizes the entry when the list declares durations by severity; it is
    refused when the list sizes no such severity, so no entry falls back silently to
    the longest term. ``conduct`` names the catalogue conduct the entry is for, and its
    ``conduct_severity`` (the catalogue's) is the severity then (``_from_conduct``)."""
    _authority(d, authority)
    _check_severity(d, severity)
    severity = _from_conduct(d, conduct, conduct_severity, severity)
    if d.durations:  # the conduct's severity must be one the list sizes
        _check_severity(d, severity)
    if d.subjects != "any" and d.subjects != subject_kind:
        raise BadInput(
            f"list {d.id!r} holds {d.subjects}s; {subject} is a {subject_kind}", field="subject"
        )
    since = d.since or d.effective
    if occurred < since:
        raise BadInput(
            f"occurred date {occurred.isoformat()} is before list {d.id!r} took effect on "
            f"{since.isoformat()}",
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
    data: dict[str, Any] = {"list": d.id, "fields": clean}
    if severity is not None:
        data["severity"] = severity
    if conduct is not None:
        data["conduct"] = conduct
    return _event(PROPOSED, subject, authority, occurred, recorded, ref, data)


def same_proposal(existing: Event, again: Event) -> None:
    """A proposal with the facts of ``existing`` (its decision, date, authority, list) is
    that entry submitted again, unless it sizes it otherwise: Conflict then.

    Answered "already proposed" with the first entry, the same decision proposed as a
    false terrorism threat left the 180-day disruption on the ledger, unsaid.
    """
    for key in ("conduct", "severity"):
        was, now = existing.data.get(key), again.data.get(key)
        if was != now:
            raise Conflict(
                f"entry {existing.id} was proposed for these facts with {key} {was or 'none'}, "
                f"not {now or 'none'}: the same decision is one entry",
                field=key,
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

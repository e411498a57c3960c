"""Ledger entries: what one event says, how it is validated, and how it is chained.

The ledger is the truth (DESIGN principle 2): an entry is never changed; a mistake is
fixed by a new entry that reverses it. Validation lives here, in the pure core, so the
CLI, the HTTP API and the bulk loader all refuse exactly the same things. Each entry's
hash covers the previous entry's hash and a canonical encoding of the entry, so any
later edit of a stored row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from socialcredit.core.errors import BadInput, Conflict, NotAllowed, NotFound
from socialcredit.core.periods import add_duration
from socialcredit.core.rulebook import Rulebook, in_force

GENESIS = "0" * 64

SCORE = "score"
REVERSAL = "reversal"

MAX_TEXT = 2_000

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_CANON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Event:
    """One ledger entry as the core sees it (ids and hashes are assigned on append)."""

    id: int
    type: str
    subject: str
    authority: str
    occurred: date
    recorded: str
    scheme: str | None = None
    version: str | None = None
    rule: str | None = None
    points: int = 0
    ends: date | None = None
    cap: str | None = None
    evidence_kind: str | None = None
    evidence_ref: str | None = None
    evidence_sha256: str | None = None
    reverses: int | None = None
    reason: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def dedup_facts(self) -> str | None:
        """The facts that identify a submission (plaintext: hash or key them before storing)."""
        if self.type not in (SCORE, "list.proposed"):
            return None
        return "\x1f".join(
            [
                self.type,
                str(self.data.get("list", "")),
                self.subject,
                self.scheme or "",
                self.rule or "",
                self.authority,
                self.evidence_ref or "",
                self.occurred.isoformat(),
            ]
        )

    def dedup_key(self) -> str | None:
        """Identity of a submission: the same facts submitted twice are one event.

        An entry whose data carries a keyed digest (``data["dedup"]``, an HMAC computed
        before sealing, see ``sealing.keyed_dedup``) is identified by it: the chain hash
        covers the data, so the stored value is as trustworthy as the entry. Otherwise
        (entries recorded before the digest was keyed) it is the plain digest.
        """
        keyed = self.data.get("dedup")
        if keyed is not None:
            return str(keyed)
        facts = self.dedup_facts()
        if facts is None:
            return None
        # A fixed-size digest keeps the unique index small whatever the reference length.
        return hashlib.sha256(facts.encode()).hexdigest()[:40]


def canonical(event: Event) -> bytes:
    """A stable byte encoding of everything an entry asserts, excluding its id and hash."""
    body = {
        "type": event.type,
        "subject": event.subject,
        "authority": event.authority,
        "occurred": event.occurred.isoformat(),
        "recorded": event.recorded,
        "scheme": event.scheme,
        "version": event.version,
        "rule": event.rule,
        "points": event.points,
        "ends": event.ends.isoformat() if event.ends else None,
        "cap": event.cap,
        "evidence_kind": event.evidence_kind,
        "evidence_ref": event.evidence_ref,
        "evidence_sha256": event.evidence_sha256,
        "reverses": event.reverses,
        "reason": event.reason,
        "data": dict(event.data),
    }
    return _CANON.encode(body).encode()


def chain_hash(prev_hash: str, event: Event) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(str(event.id).encode("ascii"))
    h.update(b"\n")
    h.update(canonical(event))
    return h.hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    message: str


def verify_chain(rows: Iterable[tuple[Event, str, str, str | None]]) -> ChainProblem | None:
    """Walk (event, prev_hash, hash) rows in id order; name the first entry that is wrong."""
    prev = GENESIS
    last_id = 0
    for event, stored_prev, stored_hash, stored_dedup in rows:
        if event.id <= last_id:
            return ChainProblem(event.id, f"entry {event.id} is out of order after {last_id}")
        if stored_prev != prev:
            return ChainProblem(
                event.id, f"entry {event.id} does not link to the entry before it (prev_hash)"
            )
        if chain_hash(prev, event) != stored_hash:
            return ChainProblem(
                event.id, f"entry {event.id} was altered: its content does not match its hash"
            )
        if stored_dedup != event.dedup_key():
            # The idempotency key is derived, not asserted; a changed one would let a
            # duplicate submission through, so it is checked like the content.
            return ChainProblem(event.id, f"entry {event.id} was altered: its idempotency key")
        prev = stored_hash
        last_id = event.id
    return None


def check_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    """Free text is bounded and printable so no payload can smuggle control bytes in."""
    if value is None or not value.strip():
        if required:
            raise BadInput(f"{what} is required", field=what)
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise BadInput(f"{what} is longer than {MAX_TEXT} characters", field=what)
    if _CONTROL.search(value):
        raise BadInput(f"{what} contains control characters", field=what)
    return value


def check_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().lower()
    if len(v) != 64 or any(c not in "0123456789abcdef" for c in v):
        raise BadInput("evidence_sha256 must be 64 hexadecimal characters", field="evidence_sha256")
    return v


def refuse_other_kind(book: Rulebook, subject: str, kind: str) -> None:
    """A scheme applies only to the subject kinds it is published for.

    Scoring a company under a scheme published for persons (or the reverse) would give a
    number with no meaning, so recording and scoring refuse it with the scheme's kinds.
    """
    if book.subjects not in ("any", kind):
        article = "an" if kind[:1] in "aeiou" else "a"
        raise BadInput(
            f"scheme {book.scheme!r} applies to {book.subjects}s only; subject {subject} is "
            f"{article} {kind}",
            field="subject",
        )


@dataclass(frozen=True)
class Submission:
    """What an authority submits: everything but ids, hashes and the published terms."""

    subject: str
    subject_kind: str
    scheme: str
    rule: str
    authority: str
    evidence_ref: str | None
    occurred: date
    evidence_kind: str | None = None
    evidence_sha256: str | None = None


def prepare_score_event(
    versions: Sequence[Rulebook],
    sub: Submission,
    *,
    today: date,
    recorded: str,
    registered_authorities: Iterable[str] | None = None,
) -> Event:
    """Validate a submission against the rulebook version in force on its date.

    The points, end date and cap are copied from that version into the event, so the
    entry states the terms as published when the conduct happened, and a later rulebook
    version can never silently re-price past conduct.
    """
    if not versions:
        raise NotFound(f"unknown scheme {sub.scheme!r}", field="scheme")
    first = min(v.effective for v in versions)
    if sub.occurred > today:
        raise BadInput(
            f"occurred date {sub.occurred.isoformat()} is in the future (today is "
            f"{today.isoformat()})",
            field="occurred",
        )
    if sub.occurred < first:
        raise BadInput(
            f"occurred date {sub.occurred.isoformat()} is before scheme {sub.scheme!r} took "
            f"effect on {first.isoformat()}",
            field="occurred",
        )
    book = in_force(versions, sub.occurred)
    assert book is not None
    refuse_other_kind(book, sub.subject, sub.subject_kind)
    rule = book.rule(sub.rule)
    if rule is None:
        raise NotFound(
            f"unknown rule {sub.rule!r} in scheme {sub.scheme!r} version {book.version} "
            f"(in force on {sub.occurred.isoformat()})",
            field="rule",
        )
    if registered_authorities is not None and sub.authority not in set(registered_authorities):
        raise NotFound(f"unknown authority {sub.authority!r}", field="authority")
    if sub.authority not in rule.authorities:
        raise NotAllowed(
            f"authority {sub.authority!r} may not issue rule {rule.code!r} (allowed: "
            f"{', '.join(rule.authorities) or 'none'})",
            field="authority",
        )
    ref = check_text(sub.evidence_ref, "evidence")
    if ref is None:
        raise BadInput(
            f"rule {rule.code!r} requires evidence ({' or '.join(rule.evidence) or 'a document'}):"
            " give an evidence reference",
            field="evidence",
        )
    kind = sub.evidence_kind
    if kind is None:
        if rule.evidence:
            kind = rule.evidence[0]
    elif rule.evidence and kind not in rule.evidence:
        raise BadInput(
            f"evidence kind {kind!r} does not satisfy rule {rule.code!r} (needs one of: "
            f"{', '.join(rule.evidence)})",
            field="evidence_kind",
        )
    return Event(
        id=0,
        type=SCORE,
        subject=sub.subject,
        authority=sub.authority,
        occurred=sub.occurred,
        recorded=recorded,
        scheme=book.scheme,
        version=book.version,
        rule=rule.code,
        points=rule.points,
        ends=add_duration(sub.occurred, rule.lasts) if rule.lasts else None,
        cap=rule.cap_grade,
        evidence_kind=kind,
        evidence_ref=ref,
        evidence_sha256=check_sha256(sub.evidence_sha256),
    )


def prepare_reversal(
    target: Event,
    existing: Sequence[Event],
    *,
    versions: Sequence[Rulebook],
    authority: str,
    reason: str | None,
    occurred: date,
    today: date,
    recorded: str,
    evidence_ref: str | None = None,
) -> Event:
    """A correction: a new entry that cancels exactly one earlier score entry.

    Only the issuing authority, or another authority allowed to issue the same rule, may
    correct an entry; a reason is mandatory because a silent correction is as
    unaccountable as a silent penalty.
    """
    text = check_text(reason, "reason", required=True)
    if target.type != SCORE:
        raise Conflict(
            f"event {target.id} is a {target.type} entry; only score events can be corrected"
        )
    for e in existing:
        if e.type == REVERSAL and e.reverses == target.id:
            raise Conflict(f"event {target.id} was already reversed by event {e.id}")
    if occurred > today:
        raise BadInput(f"occurred date {occurred.isoformat()} is in the future", field="occurred")
    if occurred < target.occurred:
        raise BadInput(
            f"a correction cannot predate the event it corrects ({target.occurred.isoformat()})",
            field="occurred",
        )
    book = in_force(versions, target.occurred)
    rule = book.rule(target.rule or "") if book else None
    allowed = {target.authority} | set(rule.authorities if rule else ())
    if authority not in allowed:
        raise NotAllowed(
            f"authority {authority!r} may not correct event {target.id} (issued by "
            f"{target.authority!r})",
            field="authority",
        )
    return Event(
        id=0,
        type=REVERSAL,
        subject=target.subject,
        authority=authority,
        occurred=occurred,
        recorded=recorded,
        scheme=target.scheme,
        version=target.version,
        rule=target.rule,
        points=0,
        evidence_ref=check_text(evidence_ref, "evidence"),
        reverses=target.id,
        reason=text,
    )

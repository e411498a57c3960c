"""The reasons a verifier is given: a code naming the clause, and sentences to read.

Kept apart from the decision logic so every reason, whichever clause and case produced
it, is rendered by one function from the clause's published fields, and a test can
render every shipped clause's reason in every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socialcredit.core.sanctions import Clause, Memorandum

DENY = "deny"


@dataclass(frozen=True)
class Reason:
    """Why a clause applies: a code naming the clause, its terms, and sentences to read.

    ``text`` is the whole reason as sentences (what, why, until when, how it ends, how to
    dispute it); ``remedy`` is the part that says how it ends. Both are generated from the
    clause's fields by :func:`reason_for`, never assembled by the callers.
    """

    code: str
    effect: str
    clause: str
    memorandum: str
    basis: str
    until: date | None
    remedy: str
    text: str = ""
    items: tuple[int, ...] = ()  # the ledger items this reason rests on


DISPUTE_HINT = (
    "If it is wrong, dispute it with the issuing authority, who must answer by a deadline."
)


def _clause_text(value: str) -> str:
    """A published phrase as the body of a sentence: trimmed, without its own final stop."""
    return value.strip().rstrip(".;:, ").strip()


def reason_for(
    memo: Memorandum,
    clause: Clause,
    *,
    entry: int | None = None,
    until: date | None = None,
    remedy: str | None = None,
    items: tuple[int, ...] = (),
) -> Reason:
    """The reason a clause gives, as sentences built from the clause's own fields.

    One function renders every case (a list entry or a standing; with or without an end
    date; with or without a published remedy) so no caller can produce "until while it
    holds" or a reason that names another clause. The code is ``effect:clause-id``.
    """
    verb = "Refused" if clause.effect == DENY else "Granted"
    head = f"{verb} under clause {clause.id} of memorandum {memo.id}"
    if clause.list is not None:
        which = (
            f"entry {entry} on list {clause.list}" if entry is not None else f"list {clause.list}"
        )
        when = f" until {until.isoformat()}" if until else "; no end date is set"
        sentences = [f"{head}, because {which} is in effect{when}."]
    else:
        sentences = [f"{head}, because of your standing under scheme {clause.scheme}."]
    basis = _clause_text(clause.legal_basis)
    if basis:
        sentences.append(f"Legal basis: {basis}.")
    published = _clause_text(remedy or "")
    if clause.scheme is not None:
        how = [f"It lasts while your standing under scheme {clause.scheme} holds."]
    elif clause.effect != DENY:
        how = ["It lasts while the entry is in effect."]
    elif published:
        how = [f"To end it: {published}."]
    else:
        how = [f"List {clause.list} publishes no remedy."]
    if clause.effect == DENY:
        how.append(DISPUTE_HINT)
    sentences += how
    return Reason(
        code=f"{clause.effect}:{clause.id}",
        effect=clause.effect,
        clause=clause.id,
        memorandum=memo.id,
        basis=clause.legal_basis,
        until=until,
        remedy=" ".join(how),
        text=" ".join(sentences),
        items=items,
    )

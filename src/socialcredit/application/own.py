"""What a subject may name as its own: itself (by ID, or by its pseudonym once erased),
and its items.

An erased subject's token names its pseudonym: erasure deleted the one row that mapped
it back to the ID, so a page that knows the subject only by its session (the counter)
has nothing else to pass. The API is given the ID in its path and compares it by
pseudonym (``http/auth.own_subject``); here the same promise holds one layer down, for
callers that hold only the principal: a subject acting itself may name its own
pseudonym, and any other pseudonym it names is the same "unknown subject" whether
someone is registered under it or not. Nobody else may name a pseudonym: to an
operator, a verifier or an auditor it stays what it was, no valid ID.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from socialcredit.application.base import Part, normalise_subject
from socialcredit.application.context import Actor
from socialcredit.core.errors import NotFound
from socialcredit.core.ledger import Event
from socialcredit.store.pseudonyms import SUBJECT_ACTOR, is_pseudonym


def subject_named(actor: Actor, subject: str) -> str:
    """The canonical ID, or the acting subject's own pseudonym as given.

    InvalidId for what is neither; NotFound for a pseudonym a subject names that is not
    its own (registered or not: one answer, so nothing is learned about who exists).
    """
    if actor.role == "subject" and is_pseudonym(subject):
        if actor.principal == SUBJECT_ACTOR + subject:
            return subject
        raise NotFound(f"unknown subject {subject}", field="subject")
    return normalise_subject(subject)[0]


def own_item(part: Part, conn: Connection, subject: str, item: int) -> Event:
    """The ledger entry ``item`` of a registered ``subject`` (a dispute's or a repair's
    target), NotFound otherwise.

    One message for "no such item" and "someone else's", so a subject probing item
    numbers learns nothing about others' records. The subject may be named by its ID
    after its erasure too (the API's path): its items then name it by its pseudonym,
    which the caller goes on with (``target.subject``).
    """
    part._subject_kind(conn, subject)
    target = part.store.get_event(conn, item)
    # Compared as stored: an erased subject's items read back under its pseudonym, and
    # compared with the ID the API is given, its own were "unknown" to it (no dispute,
    # no repair), while the pages, naming the pseudonym, reached them.
    if target is None or not same_subject(part, conn, target.subject, subject):
        raise NotFound(f"unknown item {item} for subject {subject}", field="item")
    return target


def same_subject(part: Part, conn: Connection, one: str, other: str) -> bool:
    """Whether two names are one subject, compared as stored (by pseudonym): a record read
    back names an erased subject by its pseudonym, the API's path by its ID."""
    return part.store.pseudonym(conn, one) == part.store.pseudonym(conn, other)

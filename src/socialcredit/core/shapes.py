"""The encodings of many entries that differ only in subject, evidence and digest.

An import's chunk holds thousands of score events that share everything but the
subject, the evidence reference and the idempotency digest (issue 16). Encoding each
one canonically (``ledger.canonical``: a sorted-key JSON of seventeen fields), its
``data`` column and its idempotency facts cost an import's workers about a fifth of
their time per event. A ``Shape`` encodes one template entry once, with markers in the
three open places, and keeps the result as ``%`` formats; filling one is a single
string formatting. Nothing about the encodings changes: a filled shape is byte for
byte what ``canonical``, ``json.dumps(..., sort_keys=True)`` and ``Event.dedup_facts``
give for the entry (tests/core/test_shapes.py compares them on generated entries).

That holds for values that JSON leaves as they are, and the three filled in are such by
construction: the subject's pseudonym (``p`` + base32), a sealed reference
(``sealed:v1:`` + base64, ours or one that decrypted under the subject's key after a
strict base64 decoding) and a hex digest (``inert`` states the rule; the tests hold the
three to it). The facts are not JSON and take any text.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from socialcredit.core.ledger import Event, canonical

# Markers for the open places: plain ASCII (JSON keeps it as it is), never produced by a
# validated entry in practice; a template that does contain one is refused (ValueError)
# and its entries are encoded one by one, as before.
_SUBJECT, _REF, _KEY = "@@sc-subject@@", "@@sc-evidence@@", "@@sc-dedup@@"
_MARKS = re.compile(f"({re.escape(_SUBJECT)}|{re.escape(_REF)}|{re.escape(_KEY)})")
# What JSON encodes as itself: letters, digits and a few marks, no quote, backslash,
# control or non-ASCII character.
_INERT = re.compile(r"[A-Za-z0-9+/=:_.-]*\Z")


def inert(value: str) -> bool:
    """Whether JSON encodes ``value`` (inside quotes) as the very same characters."""
    return _INERT.match(value) is not None


def _format(text: str, order: tuple[str, ...]) -> str:
    pieces = _MARKS.split(text)
    if tuple(pieces[1::2]) != order:
        raise ValueError("a template field contains a marker, or a place is missing")
    return "".join(p.replace("%", "%%") if i % 2 == 0 else "%s" for i, p in enumerate(pieces))


class Shape:
    """One template entry's encodings with the subject, reference and digest open.

    ``canonical % (digest, reference, pseudonym)`` (then UTF-8) is ``canonical(entry)``,
    ``data % digest`` the entry's ``data`` column, ``facts % (id, plaintext reference)``
    its ``dedup_facts()``, for the entry with those three values and ``data["dedup"]``
    the digest. The order follows the sorted keys: data < evidence_ref < subject.
    """

    __slots__ = ("canonical", "data", "facts")

    def __init__(self, template: Event) -> None:
        data = {**template.data, "dedup": _KEY}
        probe = replace(template, subject=_SUBJECT, evidence_ref=_REF, data=data)
        self.canonical = _format(canonical(probe).decode(), (_KEY, _REF, _SUBJECT))
        self.data = _format(json.dumps(data, sort_keys=True), (_KEY,))
        facts = probe.dedup_facts()
        if facts is None:
            raise ValueError(f"entries of type {template.type!r} have no idempotency facts")
        self.facts = _format(facts, (_SUBJECT, _REF))

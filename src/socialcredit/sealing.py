"""Personal fields sealed with a per-subject key, so erasure is deleting one key.

The ledger must stay verifiable forever, yet personal data must go after its retention
period. Sealing resolves the two: personal fields are stored as AES-GCM ciphertext
under a key that belongs to the subject alone; the hash chain covers the ciphertext;
erasure deletes the key. The subject ID is the associated data, so a ciphertext moved
to another subject's row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from binascii import b2a_base64
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from socialcredit.core.ledger import Event

_encode_str = json.encoder.encode_basestring  # what json.dumps(str, ensure_ascii=False) uses

PREFIX = "sealed:v1:"
ERASED = "[erased]"


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


class Sealer:
    """One subject's key with its cipher built once, for sealing or opening many values.

    Building the AES-GCM object costs about what one encryption does; an export opens
    every access record's purpose and an import seals several fields per entry under
    the same key (issue 16). Held for one call only: no key outlives its use in memory.
    """

    __slots__ = ("_ad", "_aes")

    def __init__(self, key: bytes | None, subject: str) -> None:
        self._aes = AESGCM(key) if key is not None else None
        self._ad = subject.encode()

    def seal(self, value: Any) -> str:
        if self._aes is None:
            raise ValueError("no key to seal under")
        nonce = os.urandom(12)
        plain = json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
        return PREFIX + base64.b64encode(nonce + self._aes.encrypt(nonce, plain, self._ad)).decode(
            "ascii"
        )

    def seal_text(self, text: str, nonce: bytes) -> str:
        """``seal(text)`` with the nonce given: the bulk path (an import seals a reference
        per entry, issue 16). The nonce must be 12 fresh random bytes, never used
        before: ``Nonces`` hands them out from one ``os.urandom`` call per chunk instead
        of one call each. The plaintext is what ``seal`` encodes, a JSON string (the C
        encoder ``json.dumps`` uses for a ``str``, without its per-call set-up).
        """
        if self._aes is None:
            raise ValueError("no key to seal under")
        plain = _encode_str(text).encode()
        return PREFIX + b2a_base64(
            nonce + self._aes.encrypt(nonce, plain, self._ad), newline=False
        ).decode("ascii")

    def open(self, token: str) -> Any:
        """The plaintext, or ``ERASED`` when the key is gone (or the token is not ours)."""
        if self._aes is None or not token.startswith(PREFIX):
            return ERASED
        try:  # binascii.Error is a ValueError: a malformed token reads as not ours
            raw = base64.b64decode(token[len(PREFIX) :], validate=True)
            return json.loads(self._aes.decrypt(raw[:12], raw[12:], self._ad))
        except (InvalidTag, ValueError):
            return ERASED

    def sealed(self, value: object) -> bool:
        """Whether ``value`` opens under this key (see ``sealed_by``)."""
        if self._aes is None or not is_sealed(value):
            return False
        assert isinstance(value, str)
        try:
            raw = base64.b64decode(value[len(PREFIX) :], validate=True)
            self._aes.decrypt(raw[:12], raw[12:], self._ad)
        except (InvalidTag, ValueError):
            return False
        return True


class Nonces:
    """Fresh 12-byte AES-GCM nonces, drawn from ``os.urandom`` many at a time.

    Each nonce is 96 random bits, as one ``os.urandom(12)`` call gives, and none is
    handed out twice; only the system calls are fewer (one per ``batch`` nonces).
    """

    __slots__ = ("_at", "_batch", "_pool")

    def __init__(self, batch: int = 4096) -> None:
        self._batch = batch
        self._pool = b""
        self._at = 0

    def take(self) -> bytes:
        at = self._at
        if at + 12 > len(self._pool):
            self._pool, at = os.urandom(12 * self._batch), 0
        self._at = at + 12
        return self._pool[at : at + 12]


def seal(key: bytes, subject: str, value: Any) -> str:
    return Sealer(key, subject).seal(value)


def open_sealed(key: bytes | None, subject: str, token: str) -> Any:
    """The plaintext, or ``ERASED`` when the key is gone (or the token is not ours)."""
    return Sealer(key, subject).open(token)


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def sealed_by(key: bytes, subject: str, value: object) -> bool:
    """Whether ``value`` is a ciphertext that opens under this subject's key.

    The prefix alone proves nothing: anyone can write ``sealed:v1:`` before a name, and
    such a text skipped sealing (and survived erasure in clear). Only a value that
    decrypts here is left as it is; anything else is plaintext and is sealed.
    """
    return Sealer(key, subject).sealed(value)


SEALED_KEYS = ("fields", "statement")


def seal_data(key: bytes, subject: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Seal the personal keys of an event's data; the rest stays readable for indexing."""
    out = dict(data)
    for k in SEALED_KEYS:
        if k in out and not sealed_by(key, subject, out[k]):
            out[k] = seal(key, subject, out[k])
    return out


def open_data(key: bytes | None, subject: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The personal keys of an event's data opened; ``{}``/``ERASED`` once the key is gone."""
    out = dict(data)
    for k in SEALED_KEYS:
        if is_sealed(out.get(k)):
            value = open_sealed(key, subject, out[k])
            out[k] = ({} if k == "fields" else ERASED) if value == ERASED else value
            if value == ERASED:
                out["erased"] = True
    return out


# Free-text columns of a ledger entry: evidence references (a case number names a
# person's file), reviewer and correction reasons, notices quoting them.
SEALED_COLUMNS = ("evidence_ref", "reason")


def seal_event(key: bytes, event: Event) -> Event:
    """The entry with every personal field sealed under the subject's key.

    Only what the derivation needs in clear stays in clear: types, dates, rules,
    points, authorities, the ids of items, disputes and list entries.
    """
    sealer = Sealer(key, event.subject)
    changes: dict[str, Any] = {
        c: sealer.seal(v)
        for c in SEALED_COLUMNS
        if (v := getattr(event, c)) is not None and not sealer.sealed(v)
    }
    if any(k in event.data for k in SEALED_KEYS):
        data = dict(event.data)
        for k in SEALED_KEYS:
            if k in data and not sealer.sealed(data[k]):
                data[k] = sealer.seal(data[k])
        changes["data"] = data
    return replace(event, **changes) if changes else event


def is_sealed_event(event: Event) -> bool:
    return any(is_sealed(getattr(event, c)) for c in SEALED_COLUMNS) or any(
        is_sealed(event.data.get(k)) for k in SEALED_KEYS
    )


def open_event(key: bytes | None, event: Event) -> Event:
    """The entry with its sealed fields opened, or reading ``[erased]`` without the key."""
    if not is_sealed_event(event):
        return event
    changes: dict[str, Any] = {}
    opener = Sealer(key, event.subject)
    for c in SEALED_COLUMNS:
        v = getattr(event, c)
        if is_sealed(v):
            opened = opener.open(v)
            changes[c] = opened if isinstance(opened, str) else ERASED
    if any(is_sealed(event.data.get(k)) for k in SEALED_KEYS):
        changes["data"] = open_data(key, event.subject, event.data)
    return replace(event, **changes)


class DedupDigest:
    """``keyed_dedup``'s digest of many facts under one secret: HMAC-SHA256 (RFC 2104)
    with the two padded keys hashed once, not once per call.

    ``hmac.digest`` pads and hashes the key anew each time, a third of the cost of a
    short message; an import keys every row (issue 16). Only the keyed prefix states are
    kept and copied; the output is ``hmac.new(secret, facts, sha256)``'s, which
    tests/core/test_shapes.py checks on generated secrets and facts.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, secret: bytes) -> None:
        key = hashlib.sha256(secret).digest() if len(secret) > 64 else secret
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, facts: str) -> str:
        inner = self._inner.copy()
        inner.update(facts.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:40]


def keyed_dedup(secret: bytes, event: Event) -> str | None:
    """The idempotency digest of a submission: an HMAC of its facts under a store secret.

    The plain digest of the facts would let anyone holding a copy of the ledger confirm
    a guessed evidence reference for a known subject (the facts are few and guessable);
    keyed, it confirms nothing without the secret, which is kept with the subject keys.
    The digest is computed from the plaintext *before* sealing (a sealed reference has a
    random nonce, so the same submission would never match itself) and stored inside
    the entry's data, which the chain hash covers: ``verify_chain`` then checks the
    stored column against that covered value instead of recomputing it from plaintext
    that erasure may have made unreadable. Rewriting the column alone breaks that
    check, rewriting the data breaks the chain.
    """
    facts = event.dedup_facts()
    if facts is None:
        return None
    return hmac.new(secret, facts.encode(), hashlib.sha256).hexdigest()[:40]

"""Personal fields sealed with a per-subject key, so erasure is deleting one key.

The ledger must stay verifiable forever, yet personal data must go after its retention
period. Sealing resolves the two: personal fields are stored as AES-GCM ciphertext
under a key that belongs to the subject alone; the hash chain covers the ciphertext;
erasure deletes the key. The subject ID is the associated data, so a ciphertext moved
to another subject's row does not open.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "sealed:v1:"
ERASED = "[erased]"


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, subject: str, value: Any) -> str:
    nonce = os.urandom(12)
    plain = json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    ct = AESGCM(key).encrypt(nonce, plain, subject.encode())
    return PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def open_sealed(key: bytes | None, subject: str, token: str) -> Any:
    """The plaintext, or ``ERASED`` when the key is gone (or the token is not ours)."""
    if key is None or not token.startswith(PREFIX):
        return ERASED
    raw = base64.b64decode(token[len(PREFIX) :])
    try:
        return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], subject.encode()))
    except (InvalidTag, ValueError):
        return ERASED


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


SEALED_KEYS = ("fields", "statement")


def seal_data(key: bytes, subject: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Seal the personal keys of an event's data; the rest stays readable for indexing."""
    out = dict(data)
    for k in SEALED_KEYS:
        if k in out and not is_sealed(out[k]):
            out[k] = seal(key, subject, out[k])
    return out


def open_data(key: bytes | None, subject: str, data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for k in SEALED_KEYS:
        if is_sealed(out.get(k)):
            value = open_sealed(key, subject, out[k])
            out[k] = ({} if k == "fields" else ERASED) if value == ERASED else value
            if value == ERASED:
                out["erased"] = True
    return out

"""Signed tree heads (Ed25519) and self-contained proof documents.

A third party needs only three things to check the log: a signed head, a proof and the
log's public key. ``verify_proof_document`` is that check; it never raises on garbage,
it says why it refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from socialcredit.transparency.merkle import HASH_SIZE, verify_consistency, verify_inclusion

DOMAIN = b"socialcredit-sth-v1\n"


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    timestamp: str
    signature: bytes


def _message(size: int, root: bytes, timestamp: str) -> bytes:
    return DOMAIN + f"{size}\n{root.hex()}\n{timestamp}".encode()


def generate_key() -> tuple[bytes, bytes]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private.private_bytes_raw(), public


def public_key_of(private_key: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(private_key)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def sign_head(private_key: bytes, size: int, root: bytes, timestamp: str) -> TreeHead:
    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return TreeHead(size, root, timestamp, key.sign(_message(size, root, timestamp)))


def verify_head(public_key: bytes, head: TreeHead) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            head.signature, _message(head.size, head.root, head.timestamp)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _hex(value: object, what: str, size: int | None = HASH_SIZE) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what}: expected a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ValueError(f"{what}: not valid hex") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"{what}: expected {size} bytes, got {len(raw)}")
    return raw


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what}: expected a non-negative integer")
    return value


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{what}: expected a JSON object")
    return value


def head_to_json(head: TreeHead) -> dict[str, Any]:
    return {
        "size": head.size,
        "root": head.root.hex(),
        "timestamp": head.timestamp,
        "signature": head.signature.hex(),
    }


def head_from_json(d: object) -> TreeHead:
    obj = _obj(d, "head")
    ts = obj.get("timestamp")
    if not isinstance(ts, str):
        raise ValueError("head.timestamp: expected a string")
    return TreeHead(
        _int(obj.get("size"), "head.size"),
        _hex(obj.get("root"), "head.root"),
        ts,
        _hex(obj.get("signature"), "head.signature", 64),
    )


def inclusion_json(index: int, tree_size: int, leaf: bytes, path: list[bytes]) -> dict[str, Any]:
    return {
        "kind": "inclusion",
        "index": index,
        "tree_size": tree_size,
        "leaf_hash": leaf.hex(),
        "path": [p.hex() for p in path],
    }


def consistency_json(
    old_size: int, new_size: int, old_root: bytes, path: list[bytes]
) -> dict[str, Any]:
    return {
        "kind": "consistency",
        "old_size": old_size,
        "new_size": new_size,
        "old_root": old_root.hex(),
        "path": [p.hex() for p in path],
    }


def _path(value: object) -> list[bytes]:
    if not isinstance(value, list) or len(value) > 64:
        raise ValueError("proof.path: expected a list of at most 64 hashes")
    return [_hex(p, f"proof.path[{i}]") for i, p in enumerate(value)]


def parse_documents(head_json: object, proof_json: object) -> None:
    """Raise ValueError naming the field when either document is malformed."""
    head_from_json(head_json)
    proof = _obj(proof_json, "proof")
    kind = proof.get("kind")
    if kind == "inclusion":
        _int(proof.get("tree_size"), "proof.tree_size")
        _int(proof.get("index"), "proof.index")
        _hex(proof.get("leaf_hash"), "proof.leaf_hash")
    elif kind == "consistency":
        _int(proof.get("old_size"), "proof.old_size")
        _int(proof.get("new_size"), "proof.new_size")
        _hex(proof.get("old_root"), "proof.old_root")
    else:
        raise ValueError("proof.kind: expected inclusion or consistency")
    _path(proof.get("path"))


def verify_proof_document(
    public_key: bytes, head_json: object, proof_json: object
) -> tuple[bool, str]:
    """Check a signed head and a proof against it; (ok, reason), never an exception."""
    try:
        head = head_from_json(head_json)
        proof = _obj(proof_json, "proof")
        if not verify_head(public_key, head):
            return False, "the tree head's signature does not verify with this public key"
        kind = proof.get("kind")
        if kind == "inclusion":
            size = _int(proof.get("tree_size"), "proof.tree_size")
            if size != head.size:
                return False, f"the proof is for size {size}, the head is for {head.size}"
            ok = verify_inclusion(
                _hex(proof.get("leaf_hash"), "proof.leaf_hash"),
                _int(proof.get("index"), "proof.index"),
                size,
                _path(proof.get("path")),
                head.root,
            )
            return (True, "included") if ok else (False, "the inclusion proof does not verify")
        if kind == "consistency":
            new = _int(proof.get("new_size"), "proof.new_size")
            if new != head.size:
                return False, f"the proof is for size {new}, the head is for {head.size}"
            ok = verify_consistency(
                _int(proof.get("old_size"), "proof.old_size"),
                new,
                _hex(proof.get("old_root"), "proof.old_root"),
                head.root,
                _path(proof.get("path")),
            )
            return (True, "consistent") if ok else (False, "the consistency proof does not verify")
        return False, "proof.kind: expected inclusion or consistency"
    except ValueError as exc:
        return False, str(exc)

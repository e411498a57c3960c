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
from socialcredit.transparency.signer import Signer

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


def sign_head_with(signer: Signer, size: int, root: bytes, timestamp: str) -> TreeHead:
    """Sign through any ``Signer`` (key file, KMS, PKCS#11): the key never enters here."""
    return TreeHead(size, root, timestamp, signer.sign(_message(size, root, timestamp)))


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
            # The proof's own "old_root" is the log's claim about its past: trusting it
            # would let a rewritten log vouch for itself (issue 11). Only a head the
            # verifier already holds can anchor a consistency check.
            return False, (
                "a consistency proof is only checked against a head you already trust: "
                "give --trusted-head OLD.json"
            )
        return False, "proof.kind: expected inclusion or consistency"
    except ValueError as exc:
        return False, str(exc)


# Verdicts of ``check_extension``: only CONSISTENT and SAME let a verifier move on.
CONSISTENT = "consistent"
SAME = "same"
ROLLBACK = "rollback"
FORK = "fork"
BAD_SIGNATURE = "bad-signature"


def check_extension(
    public_key: bytes, trusted: TreeHead, new: TreeHead, proof_json: object | None
) -> tuple[str, str]:
    """Does ``new`` extend the head the verifier already trusts? (verdict, reason).

    RFC 9162 section 2.1.4.2: the consistency proof is checked against the verifier's
    OWN copy of the old root (``trusted.root``), never the copy carried in the proof,
    so a log that rewrote its history cannot vouch for itself. A smaller tree is a
    rollback; a proof that does not verify, or an equal size with another root, a fork.
    Raises ValueError only for a malformed proof document.
    """
    if not verify_head(public_key, trusted):
        return BAD_SIGNATURE, "the trusted head's signature does not verify with this public key"
    if not verify_head(public_key, new):
        return BAD_SIGNATURE, "the new head's signature does not verify with this public key"
    if new.size < trusted.size:
        return ROLLBACK, (
            f"rollback: the new head has {new.size} entries, fewer than the "
            f"{trusted.size} of the trusted head"
        )
    if new.size == trusted.size:
        if new.root == trusted.root:
            return SAME, f"the new head is the trusted head (size {new.size})"
        return FORK, f"fork: two different roots signed for size {new.size}"
    if trusted.size == 0:
        return CONSISTENT, f"consistent: {new.size} entries extend the empty log"
    if proof_json is None:
        raise ValueError(f"a consistency proof from size {trusted.size} to {new.size} is needed")
    proof = _obj(proof_json, "proof")
    if proof.get("kind") != "consistency":
        raise ValueError("proof.kind: expected consistency")
    old_size = _int(proof.get("old_size"), "proof.old_size")
    new_size = _int(proof.get("new_size"), "proof.new_size")
    path = _path(proof.get("path"))
    if (old_size, new_size) != (trusted.size, new.size):
        return FORK, (
            f"the proof is from size {old_size} to {new_size}, the heads are of sizes "
            f"{trusted.size} and {new.size}"
        )
    if not verify_consistency(trusted.size, new.size, trusted.root, new.root, path):
        return FORK, (
            f"fork: the head of size {new.size} does not extend the trusted head of size "
            f"{trusted.size} (the consistency proof does not verify against the trusted root)"
        )
    return CONSISTENT, f"consistent: size {new.size} extends the trusted size {trusted.size}"

"""Signed tree heads and the documents a third party verifies alone."""

from __future__ import annotations

import copy

import pytest

from socialcredit.transparency.heads import (
    TreeHead,
    consistency_json,
    generate_key,
    head_from_json,
    head_to_json,
    inclusion_json,
    sign_head,
    verify_head,
    verify_proof_document,
)
from socialcredit.transparency.merkle import MerkleLog, leaf_hash

PRIVATE, PUBLIC = generate_key()
LOG = MerkleLog([leaf_hash(bytes([i])) for i in range(11)])


def head(size: int = 11) -> TreeHead:
    return sign_head(PRIVATE, size, LOG.root(size), "2024-06-01T12:00:00+00:00")


def test_sign_and_verify_and_tampering() -> None:
    h = head()
    assert verify_head(PUBLIC, h)
    for change in (
        {"size": 10},
        {"root": LOG.root(10)},
        {"timestamp": "2024-06-02"},
        {"signature": bytes(64)},
    ):
        assert not verify_head(PUBLIC, TreeHead(**{**h.__dict__, **change}))
    other, _ = generate_key()
    assert not verify_head(generate_key()[1], h)
    assert not verify_head(b"nonsense", h)
    assert other != PRIVATE


def test_json_round_trip_and_malformed() -> None:
    h = head()
    assert head_from_json(head_to_json(h)) == h
    for bad in (
        None,
        [],
        {"size": -1},
        {**head_to_json(h), "root": "zz"},
        {**head_to_json(h), "signature": "00"},
        {**head_to_json(h), "timestamp": 3},
    ):
        with pytest.raises(ValueError):
            head_from_json(bad)


def test_proof_documents_verify_and_any_mutation_fails() -> None:
    h = head_to_json(head())
    inc = inclusion_json(4, 11, LOG.levels[0][4], LOG.inclusion_proof(4))
    con = consistency_json(6, 11, LOG.root(6), LOG.consistency_proof(6))
    assert verify_proof_document(PUBLIC, h, inc) == (True, "included")
    assert verify_proof_document(PUBLIC, h, con) == (True, "consistent")
    for doc in (inc, con):
        for key in doc:
            bad = copy.deepcopy(doc)
            if key == "path":
                bad["path"][0] = "00" * 32
            elif isinstance(bad[key], int):
                bad[key] += 1
            elif key == "kind":
                bad[key] = "other"
            else:
                bad[key] = "11" * 32
            ok, reason = verify_proof_document(PUBLIC, h, bad)
            assert not ok and reason
    assert not verify_proof_document(PUBLIC, {**h, "size": 12}, inc)[0]
    assert not verify_proof_document(PUBLIC, "garbage", inc)[0]
    assert not verify_proof_document(PUBLIC, h, {"kind": "inclusion", "path": "x"})[0]

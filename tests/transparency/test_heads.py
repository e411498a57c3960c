"""Signed tree heads and the documents a third party verifies alone."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialcredit.transparency.heads import (
    BAD_SIGNATURE,
    CONSISTENT,
    FORK,
    ROLLBACK,
    SAME,
    TreeHead,
    check_extension,
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
    # issue 11: a consistency proof alone is never "consistent": its old root is the
    # log's own claim; only a head the verifier already trusts can anchor it.
    ok, reason = verify_proof_document(PUBLIC, h, con)
    assert not ok and "--trusted-head" in reason
    for doc in (inc,):
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


def test_check_extension_against_the_trusted_head_only() -> None:
    old, new = head(6), head(11)
    con = consistency_json(6, 11, LOG.root(6), LOG.consistency_proof(6))
    assert check_extension(PUBLIC, old, new, con)[0] == CONSISTENT
    assert check_extension(PUBLIC, new, new, None)[0] == SAME
    assert check_extension(PUBLIC, new, old, None)[0] == ROLLBACK
    # A rewritten log: entry 3 differs. Its proof carries ITS old root, which verifies
    # on its own; against the root the verifier already holds it is a fork.
    forked = MerkleLog([leaf_hash(bytes([i if i != 3 else 99])) for i in range(11)])
    fork_head = sign_head(PRIVATE, 11, forked.root(), "2024-06-02T00:00:00+00:00")
    fork_proof = consistency_json(6, 11, forked.root(6), forked.consistency_proof(6))
    assert check_extension(PUBLIC, old, fork_head, fork_proof)[0] == FORK
    same_size_fork = sign_head(PRIVATE, 6, forked.root(6), "2024-06-02T00:00:00+00:00")
    assert check_extension(PUBLIC, old, same_size_fork, None)[0] == FORK
    # Every mutation of an honest proof is refused.
    for key in con:
        bad = copy.deepcopy(con)
        if key == "path":
            bad["path"][0] = "00" * 32
        elif isinstance(bad[key], int):
            bad[key] += 1
        else:
            continue
        assert check_extension(PUBLIC, old, new, bad)[0] == FORK
    other_private, other_public = generate_key()
    assert check_extension(other_public, old, new, con)[0] == BAD_SIGNATURE
    assert other_private != PRIVATE
    with pytest.raises(ValueError):
        check_extension(PUBLIC, old, new, None)
    with pytest.raises(ValueError):
        check_extension(PUBLIC, old, new, {"kind": "inclusion"})


@given(st.integers(1, 40), st.integers(0, 40), st.data())
def test_check_extension_accepts_every_honest_growth(n: int, m: int, data: st.DataObject) -> None:
    m = min(m, n)
    log = MerkleLog([leaf_hash(i.to_bytes(2, "big")) for i in range(n)])
    old = sign_head(PRIVATE, m, log.root(m), "t")
    new = sign_head(PRIVATE, n, log.root(n), "t")
    con = consistency_json(m, n, log.root(m), log.consistency_proof(m, n))
    assert check_extension(PUBLIC, old, new, con)[0] in (CONSISTENT, SAME)
    if n > m > 0:
        i = data.draw(st.integers(0, m - 1))
        changed = MerkleLog([leaf_hash(b"x" if j == i else j.to_bytes(2, "big")) for j in range(n)])
        liar = sign_head(PRIVATE, n, changed.root(), "t")
        lie = consistency_json(m, n, changed.root(m), changed.consistency_proof(m, n))
        assert check_extension(PUBLIC, old, liar, lie)[0] == FORK

"""RFC 9162 structure on known trees; every proof verifies; every mutation fails."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.transparency.merkle import (
    EMPTY_ROOT,
    MerkleLog,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
RFC6962_ROOT_8 = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def by_definition(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursively, as the reference."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(by_definition(leaves[:k]), by_definition(leaves[k:]))


def test_hash_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_known_small_tree_shapes() -> None:
    lv = [leaf_hash(bytes([i])) for i in range(8)]
    assert root(lv[:1]) == lv[0]
    assert root(lv[:2]) == node_hash(lv[0], lv[1])
    assert root(lv[:3]) == node_hash(node_hash(lv[0], lv[1]), lv[2])
    assert root(lv[:4]) == node_hash(node_hash(lv[0], lv[1]), node_hash(lv[2], lv[3]))
    assert root(lv[:5]) == node_hash(root(lv[:4]), lv[4])
    assert root(lv[:7]) == node_hash(root(lv[:4]), node_hash(node_hash(lv[4], lv[5]), lv[6]))
    for n in range(9):
        assert root(lv[:n]) == by_definition(lv[:n])


def test_rfc6962_reference_vector() -> None:
    leaves = [leaf_hash(x) for x in RFC6962_LEAVES]
    assert root(leaves).hex() == RFC6962_ROOT_8
    assert by_definition(leaves).hex() == RFC6962_ROOT_8


def test_rfc_inclusion_path_for_leaf_d0_in_tree_of_seven() -> None:
    # RFC 9162 §2.1.5: the path for d0 in the 7-leaf tree is [b, h, l].
    lv = [leaf_hash(bytes([i])) for i in range(7)]
    b, h = lv[1], node_hash(lv[2], lv[3])
    i_ = node_hash(node_hash(lv[4], lv[5]), lv[6])
    assert inclusion_proof(lv, 0) == [b, h, i_]
    # consistency between 3 and 7: [c, d, g, l] in the RFC's naming
    c, d = lv[2], lv[3]
    g = node_hash(lv[0], lv[1])
    assert consistency_proof(lv, 3) == [c, d, g, i_]


sizes = st.integers(min_value=1, max_value=300)


@given(sizes, st.data())
@settings(max_examples=80)
def test_every_inclusion_proof_verifies_and_mutations_fail(n, data) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    log = MerkleLog(leaves)
    r = log.root()
    assert r == by_definition(leaves)
    i = data.draw(st.integers(0, n - 1))
    proof = log.inclusion_proof(i)
    assert proof == inclusion_proof(leaves, i)
    assert verify_inclusion(leaves[i], i, n, proof, r)
    # mutations
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        flipped = bytearray(proof[k])
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert not verify_inclusion(
            leaves[i], i, n, [*proof[:k], bytes(flipped), *proof[k + 1 :]], r
        )
        assert not verify_inclusion(leaves[i], i, n, proof[:-1], r)
    assert not verify_inclusion(leaves[i], i, n, [*proof, leaves[0]], r)
    if n > 1:
        assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, r)
        assert not verify_inclusion(leaves[(i + 1) % n], i, n, proof, r)
    # A wrong size fails whenever it changes the path's shape (same shape = a valid claim
    # about a different tree with the same root, which RFC 9162 cannot and need not tell).
    bigger = MerkleLog([*leaves, leaf_hash(b"extra")])
    if len(bigger.inclusion_proof(i)) != len(proof):
        assert not verify_inclusion(leaves[i], i, n + 1, proof, r)
    assert not verify_inclusion(leaves[i], i, n, proof, hashlib.sha256(r).digest())
    assert not verify_inclusion(leaves[i], n, n, proof, r)


@given(sizes, st.data())
@settings(max_examples=80)
def test_every_consistency_proof_verifies_and_mutations_fail(n, data) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    log = MerkleLog(leaves)
    m = data.draw(st.integers(1, n))
    proof = log.consistency_proof(m)
    assert proof == consistency_proof(leaves, m)
    old, new = log.root(m), log.root()
    assert old == by_definition(leaves[:m])
    assert verify_consistency(m, n, old, new, proof)
    if m < n:
        assert proof
        k = data.draw(st.integers(0, len(proof) - 1))
        flipped = bytearray(proof[k])
        flipped[0] ^= 1
        assert not verify_consistency(m, n, old, new, [*proof[:k], bytes(flipped), *proof[k + 1 :]])
        assert not verify_consistency(m, n, old, new, proof[:-1])
        assert not verify_consistency(m, n, old, new, [*proof, old])
        assert not verify_consistency(m, n, hashlib.sha256(old).digest(), new, proof)
        assert not verify_consistency(m, n, old, hashlib.sha256(new).digest(), proof)
        bigger = MerkleLog([*leaves, leaf_hash(b"extra")])
        if bigger.consistency_proof(m) != proof and len(bigger.consistency_proof(m)) != len(proof):
            assert not verify_consistency(m, n + 1, old, new, proof)
        if m > 1:
            assert not verify_consistency(m - 1, n, old, new, proof)


@given(st.integers(0, 200))
def test_incremental_root_equals_full_root_at_every_size(n) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    log = MerkleLog()
    for i, h in enumerate(leaves):
        log.append(h)
        assert log.root() == by_definition(leaves[: i + 1])
    for size in range(n + 1):
        assert log.root(size) == by_definition(leaves[:size])


def test_malformed_inputs_are_refused_not_raised() -> None:
    lv = [leaf_hash(bytes([i])) for i in range(5)]
    r = root(lv)
    assert not verify_inclusion(lv[0], 0, 0, [], r)
    assert not verify_inclusion(lv[0], -1, 5, inclusion_proof(lv, 0), r)
    assert not verify_inclusion(lv[0], 0, 5, [b"short"], r)
    assert not verify_consistency(6, 5, r, r, [])
    assert not verify_consistency(2, 5, r, r, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, r, [])
    with pytest.raises(ValueError):
        MerkleLog(lv).inclusion_proof(5)
    with pytest.raises(ValueError):
        MerkleLog(lv).consistency_proof(6)

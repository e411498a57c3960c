"""The pseudonym's fast encoding is the documented one: ``p`` + base32(HMAC)[:17], lower case.

Stored pseudonyms must never change (every ledger row and chain hash names them), so
the arithmetic encoding is compared with the library's base32 on many inputs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random

from hypothesis import given
from hypothesis import strategies as st

from socialcredit.store.pseudonyms import is_pseudonym, pseudonym_of


def _reference(secret: bytes, ident: str) -> str:
    mac = hmac.new(secret, ident.encode("utf-8"), hashlib.sha256).digest()
    return "p" + base64.b32encode(mac).decode("ascii").lower()[:17]


def test_the_fast_encoding_equals_base32() -> None:
    rng = random.Random(16)
    for _ in range(5_000):
        secret = os.urandom(32)
        ident = "".join(rng.choice("0123456789X") for _ in range(18))
        got = pseudonym_of(secret, ident)
        assert got == _reference(secret, ident)
        assert is_pseudonym(got)


@given(
    st.lists(
        st.text("abcdefghijklmnopqrstuvwxyz234567", min_size=17, max_size=17).map(lambda s: "p" + s)
        | st.text("pabz27\nP8 ", max_size=40),
        max_size=6,
    )
)
def test_all_pseudonyms_is_is_pseudonym_of_each(values: list[str]) -> None:
    """The bulk check (one match over the joined values) answers as the check of each."""
    from socialcredit.store.pseudonyms import all_pseudonyms, is_pseudonym

    assert all_pseudonyms(values) == all(map(is_pseudonym, values))

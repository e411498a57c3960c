"""Attack on the sign-in ``next`` target (issue 15) with encodings and odd characters.

tests/api/test_hardening.py holds the plain cases through a live server; these are the
phrasings meant to slip past a prefix check. Whatever is returned is sent as the
``Location`` of a 303, so it must be a path on this site as a browser reads it.
"""

from __future__ import annotations

import pytest

from socialcredit.web.defences import safe_next

OFF_SITE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    " /evil.example",
    "https:evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\u2215\u2215evil.example",  # division slashes
    "/\u0009/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_are_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target",
    ["/%2F%2Fevil.example", "/%5Cevil.example", "/counter?next=//evil.example"],
)
def test_encoded_slashes_stay_a_path_on_this_site(target: str) -> None:
    # kept as given: a browser does not decode %2F or %5C in a Location path, and a
    # query string is not where it goes
    kept = safe_next(target)
    assert kept is None or (kept.startswith("/") and not kept.startswith(("//", "/\\")))

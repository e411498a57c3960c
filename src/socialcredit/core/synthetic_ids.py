"""Synthetic identifiers for tests, demos and benchmarks: valid, distinct, never real people.

Split from ``ids.py`` (which re-exports these names) to keep each module under about 400
lines; only the check characters are needed to build a valid ID.
"""

from __future__ import annotations

import random
from datetime import date

from socialcredit.core.check_chars import (
    DEFAULT_REGION,
    USCC_ALPHABET,
    organisation_check_char,
    resident_check_char,
    uscc_check_char,
)


class IdGenerator:
    """Deterministic, unique, valid synthetic IDs for tests and demos (never real people)."""

    def __init__(self, seed: int, region: str = DEFAULT_REGION) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
        self.region = region
        self._issued: set[str] = set()

    def resident(self, birth_year_range: tuple[int, int] = (1940, 2005)) -> str:
        lo = date(birth_year_range[0], 1, 1).toordinal()
        hi = date(birth_year_range[1], 12, 31).toordinal()
        while True:
            born = date.fromordinal(self._rng.randint(lo, hi))
            body = f"{self.region}{born:%Y%m%d}{self._rng.randrange(1000):03d}"
            rid = body + resident_check_char(body)
            if rid not in self._issued:
                self._issued.add(rid)
                return rid

    def organisation(self) -> str:
        while True:
            org = "".join(self._rng.choice(USCC_ALPHABET) for _ in range(8))
            body = f"91{self.region}{org}{organisation_check_char(org)}"
            code = body + uscc_check_char(body)
            if code not in self._issued:
                self._issued.add(code)
                return code


def synthetic_resident_ids(n: int, seed: int, region: str = DEFAULT_REGION) -> list[str]:
    """``n`` distinct valid resident IDs, fast: one birth date per 1,000 sequence numbers.

    Distinctness is by construction (date, sequence) rather than by retrying, so a
    million IDs take a couple of seconds.
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    start = date(1940, 1, 1).toordinal()
    span = date(2005, 12, 31).toordinal() - start
    out: list[str] = []
    days = rng.sample(range(span), k=min(span, max(1, n // 50 + 1)))
    per_day = -(-n // len(days))
    for d in days:
        born = date.fromordinal(start + d).strftime("%Y%m%d")
        prefix = region + born
        for seq in rng.sample(range(1000), k=min(1000, per_day)):
            body = f"{prefix}{seq:03d}"
            out.append(body + resident_check_char(body))
            if len(out) == n:
                return out
    return out


def synthetic_usccs(n: int, seed: int, region: str = DEFAULT_REGION) -> list[str]:
    """``n`` distinct valid credit codes: a seeded permutation of sequence numbers, each
    made an organisation code by its GB 11714 check character."""
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    base = len(USCC_ALPHABET)
    out = []
    for k in rng.sample(range(base**5), k=n):
        digits = []
        for _ in range(8):
            k, r = divmod(k, base)
            digits.append(USCC_ALPHABET[r])
        org = "".join(reversed(digits))
        body = f"91{region}{org}{organisation_check_char(org)}"
        out.append(body + uscc_check_char(body))
    return out

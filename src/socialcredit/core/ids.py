"""Resident ID numbers (GB 11643) and Unified Social Credit Codes (GB 32100).

Identity is the exact ID number, never a name (SYSTEM.md §5), so every ID entering the
system is checked here, including its check character: a single mistyped character is
always caught, and the error says which character and what was expected.
"""

from __future__ import annotations

import operator
import random
from datetime import date

RESIDENT_CHECK = "10X98765432"
RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
DEFAULT_REGION = "371082"  # Rongcheng, Weihai, Shandong


class IdError(ValueError):
    """What is wrong with an ID and where (``position`` is 0-based, messages 1-based)."""

    def __init__(self, message: str, code: str, position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.position = position


def _ascii_digits(text: str) -> bool:
    """str.isdigit() also accepts '¹' and other Unicode digits that int() refuses."""
    return text.isascii() and text.isdigit()


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "...")


def resident_check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), RESIDENT_WEIGHTS))
    return RESIDENT_CHECK[total % 11]


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _length(value: str, what: str) -> None:
    if not isinstance(value, str):
        raise IdError(f"{what}: expected text, got {type(value).__name__}", "length")
    if len(value) != 18:
        raise IdError(f"{what} {_shown(value)} has {len(value)} characters, expected 18", "length")


def normalize_resident_id(value: str) -> str:
    """Return the canonical (uppercase check) form or raise IdError."""
    _length(value, "resident ID")
    for i, c in enumerate(value[:17] if not _ascii_digits(value[:17]) else ""):
        if c not in "0123456789":
            raise IdError(
                f"resident ID {_shown(value)}: character {i + 1} is {c!r}, expected a digit",
                "character",
                i,
            )
    check = value[17].upper() if value[17].isascii() else value[17]
    if check not in frozenset("0123456789X"):
        raise IdError(
            f"resident ID {_shown(value)}: character 18 is {value[17]!r}, expected a digit or X",
            "character",
            17,
        )
    digits = value[6:14]
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    try:
        if year < 1900:
            raise ValueError
        date(year, month, day)
    except ValueError:
        raise IdError(
            f"resident ID {_shown(value)}: birth date {digits} (characters 7-14) is not a "
            "valid date",
            "birth-date",
            6,
        ) from None
    expected = resident_check_char(value[:17])
    if check != expected:
        raise IdError(
            f"resident ID {_shown(value)}: check character is {value[17]!r}, expected {expected!r}",
            "check",
            17,
        )
    return value[:17] + check


def normalize_uscc(value: str) -> str:
    """Return the canonical uppercase form of a Unified Social Credit Code or raise."""
    _length(value, "credit code")
    for i, c in enumerate(value):
        # Only ASCII is upper-cased: 'ǰ'.upper() is two characters and would shift positions.
        if (c.upper() if c.isascii() else c) not in USCC_VALUES:
            raise IdError(
                f"credit code {_shown(value)}: character {i + 1} is {c!r}, not in the "
                "code alphabet (digits and letters except I, O, S, V, Z)",
                "character",
                i,
            )
    upper = value.upper()
    expected = uscc_check_char(upper[:17])
    if upper[17] != expected:
        raise IdError(
            f"credit code {_shown(value)}: check character is {value[17]!r}, expected {expected!r}",
            "check",
            17,
        )
    return upper


def normalize_subject_id(value: str, kind: str | None = None) -> tuple[str, str]:
    """Validate an ID as ``kind`` ("person"/"organisation") or detect which it is."""
    if kind == "person":
        return normalize_resident_id(value), "person"
    if kind == "organisation":
        return normalize_uscc(value), "organisation"
    if kind is not None:
        raise IdError(f"unknown subject kind {kind!r}", "kind")
    if isinstance(value, str) and len(value) == 18 and _ascii_digits(value[:17]):
        try:
            return normalize_resident_id(value), "person"
        except IdError as person_error:
            try:
                return normalize_uscc(value), "organisation"
            except IdError:
                raise person_error from None
    if isinstance(value, str) and len(value) == 18:
        return normalize_uscc(value), "organisation"
    _length(value, "subject ID")
    raise AssertionError("unreachable")  # pragma: no cover


def birth_date(resident_id: str) -> date:
    rid = normalize_resident_id(resident_id)
    return date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))


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
            org = "".join(self._rng.choice(USCC_ALPHABET) for _ in range(9))
            body = f"91{self.region}{org}"
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
    """``n`` distinct valid credit codes: a seeded permutation of sequence numbers."""
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    base = len(USCC_ALPHABET)
    out = []
    for k in rng.sample(range(base**5), k=n):
        digits = []
        for _ in range(9):
            k, r = divmod(k, base)
            digits.append(USCC_ALPHABET[r])
        body = f"91{region}{''.join(reversed(digits))}"
        out.append(body + uscc_check_char(body))
    return out

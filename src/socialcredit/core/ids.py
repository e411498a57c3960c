"""Identifiers of subjects: resident IDs, foreign permanent resident IDs, credit codes.

Identity is the exact ID number, never a name (SYSTEM.md §5), so every ID entering the
system is checked here against the standard that defines it (docs/identifiers.md says
which editions): not just its check character but every part that has a defined set of
values, so that a well-formed fake is refused as surely as a typo. Each refusal says
which character(s) and why.

- GB 11643-1999 citizen ID: region (GB/T 2260), birth date, sequence, check character;
  a first-generation 15-digit ID (GB 11643-1989) is accepted and converted to 18 digits.
- Foreign permanent resident ID card, 2023 edition: 9, province, nationality (ISO 3166-1
  numeric), birth date, sequence, check character computed as for citizens.
- GB 32100-2015 credit code: department and category (positions 1-2), division code
  (3-8), GB 11714-1997 organisation code with its own check character (9-17), check (18).

Seam for other deployments: ``PERSON_VALIDATORS`` and ``KIND_VALIDATORS`` map a leading
character / a subject kind to its normaliser; a deployment with opaque IDs (say, an
``"opaque"`` kind) registers its normaliser in ``KIND_VALIDATORS`` and adds the kind to
``application.base.SUBJECT_KINDS``; nothing else assumes the Chinese formats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from socialcredit.core.check_chars import (
    DEFAULT_REGION,
    ORG_VALUES,
    ORG_WEIGHTS,
    RESIDENT_CHECK,
    RESIDENT_WEIGHTS,
    USCC_ALPHABET,
    USCC_VALUES,
    USCC_WEIGHTS,
    organisation_check_char,
    resident_check_char,
    uscc_check_char,
)
from socialcredit.core.codelists import (
    NATIONAL_REGISTRATION_CODE,
    USCC_CATEGORIES,
    country_codes,
    division_codes,
    province_codes,
)
from socialcredit.core.synthetic_ids import (
    IdGenerator,
    synthetic_resident_ids,
    synthetic_usccs,
)

EARLIEST_BIRTH = date(1900, 1, 1)
FOREIGN_MARK = "9"

# Re-exported from the modules split off this one, so callers keep one import place.
__all__ = [
    "DEFAULT_REGION",
    "EARLIEST_BIRTH",
    "FOREIGN_MARK",
    "KIND_VALIDATORS",
    "ORG_VALUES",
    "ORG_WEIGHTS",
    "PERSON_VALIDATORS",
    "RESIDENT_CHECK",
    "RESIDENT_WEIGHTS",
    "USCC_ALPHABET",
    "USCC_VALUES",
    "USCC_WEIGHTS",
    "IdError",
    "IdGenerator",
    "birth_date",
    "first_generation_to_18",
    "normalize_foreign_resident_id",
    "normalize_person_id",
    "normalize_resident_id",
    "normalize_subject_id",
    "normalize_uscc",
    "organisation_check_char",
    "resident_check_char",
    "synthetic_resident_ids",
    "synthetic_usccs",
    "uscc_check_char",
]


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


def _length(value: str, what: str, also: str = "") -> None:
    if not isinstance(value, str):
        raise IdError(f"{what}: expected text, got {type(value).__name__}", "length")
    if len(value) != 18:
        raise IdError(
            f"{what} {_shown(value)} has {len(value)} characters, expected 18{also}", "length"
        )


def _digits(value: str, n: int, what: str) -> None:
    """The first ``n`` characters must be ASCII digits; name the first that is not."""
    if _ascii_digits(value[:n]):
        return
    for i, c in enumerate(value[:n]):
        if c not in "0123456789":
            raise IdError(
                f"{what} {_shown(value)}: character {i + 1} is {c!r}, expected a digit",
                "character",
                i,
            )


def _check_digit(value: str, what: str) -> str:
    """The 18th character of a resident-style ID: a digit or X (either case)."""
    check = value[17].upper() if value[17].isascii() else value[17]
    if check not in frozenset("0123456789X"):
        raise IdError(
            f"{what} {_shown(value)}: character 18 is {value[17]!r}, expected a digit or X",
            "character",
            17,
        )
    return check


def _birth(value: str, digits: str, today: date | None, what: str) -> None:
    """A real date, not before 1900-01-01 and not after ``today`` (the day of registration,
    passed in by the caller: the core has no clock). ``digits`` is YYYYMMDD; in ``value``
    it starts at character 7, as YYMMDD in a 15-digit ID."""
    shown = value[6:12] if len(value) == 15 else digits
    where = f"characters 7-{6 + len(shown)}"
    at = 6
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise IdError(
            f"{what} {_shown(value)}: birth date {shown} ({where}) is not a valid date",
            "birth-date",
            at,
        ) from None
    if born < EARLIEST_BIRTH:
        raise IdError(
            f"{what} {_shown(value)}: birth date {shown} ({where}) is before 1900-01-01",
            "birth-date",
            at,
        )
    if today is not None and born > today:
        raise IdError(
            f"{what} {_shown(value)}: birth date {shown} ({where}) is after the day of "
            f"registration {today.isoformat()}",
            "birth-date",
            at,
        )


def _resident_region(value: str, what: str) -> None:
    """GB 11643-1999 5.2: the address code is a GB/T 2260 code (any ever assigned)."""
    if value[:6] not in division_codes():
        raise IdError(
            f"{what} {_shown(value)}: region code {value[:6]} (characters 1-6) is not a "
            "GB/T 2260 administrative division code",
            "region",
            0,
        )


def _final_check(value: str, check: str, what: str) -> str:
    expected = resident_check_char(value[:17])
    if check != expected:
        raise IdError(
            f"{what} {_shown(value)}: check character is {value[17]!r}, expected {expected!r}",
            "check",
            17,
        )
    return value[:17] + check


def first_generation_to_18(value: str) -> str:
    """The 18-digit form of a valid 15-digit ID: century 19 inserted, check computed."""
    body = value[:6] + "19" + value[6:15]
    return body + resident_check_char(body)


def _normalize_first_generation(value: str, today: date | None) -> str:
    """GB 11643-1989 15-digit ID: region, YYMMDD (born 19YY), sequence; no check digit."""
    what = "first-generation resident ID"
    _digits(value, 15, what)
    _resident_region(value, what)
    _birth(value, "19" + value[6:12], today, what)
    return first_generation_to_18(value)


def normalize_resident_id(value: str, today: date | None = None) -> str:
    """A citizen's ID (GB 11643-1999, or the 15-digit first generation) in its canonical
    18-character form (uppercase X), or IdError. ``today`` bounds the birth date."""
    if isinstance(value, str) and len(value) == 15:
        return _normalize_first_generation(value, today)
    what = "resident ID"
    _length(value, what, " (or 15 for a first-generation ID)")
    _digits(value, 17, what)
    check = _check_digit(value, what)
    _resident_region(value, what)
    _birth(value, value[6:14], today, what)
    return _final_check(value, check, what)


def normalize_foreign_resident_id(value: str, today: date | None = None) -> str:
    """The 2023 foreign permanent resident ID card number: 9, a 2-digit province code
    (where the card was applied for), a 3-digit ISO 3166-1 numeric nationality code, birth
    date, a 3-digit sequence and a MOD 11-2 check character exactly as for citizens."""
    what = "foreign permanent resident ID"
    _length(value, what)
    _digits(value, 17, what)
    check = _check_digit(value, what)
    if value[0] != FOREIGN_MARK:
        raise IdError(
            f"{what} {_shown(value)}: character 1 is {value[0]!r}, expected 9", "character", 0
        )
    if value[1:3] not in province_codes():
        raise IdError(
            f"{what} {_shown(value)}: province code {value[1:3]} (characters 2-3) is not a "
            "GB/T 2260 province",
            "region",
            1,
        )
    if value[3:6] not in country_codes():
        raise IdError(
            f"{what} {_shown(value)}: nationality code {value[3:6]} (characters 4-6) is not "
            "an ISO 3166-1 numeric country code",
            "nationality",
            3,
        )
    _birth(value, value[6:14], today, what)
    return _final_check(value, check, what)


# The person formats, told apart by their first character: citizens' region codes start
# 1-8, foreign permanent residents' IDs start with 9.
PERSON_VALIDATORS: dict[str, Callable[[str, date | None], str]] = {
    FOREIGN_MARK: normalize_foreign_resident_id,
}


def normalize_person_id(value: str, today: date | None = None) -> str:
    """Any person's ID: a citizen's (18 or 15 digits) or a foreign permanent resident's."""
    if isinstance(value, str) and len(value) == 18:
        special = PERSON_VALIDATORS.get(value[0])
        if special is not None:
            return special(value, today)
    return normalize_resident_id(value, today)


def normalize_uscc(value: str, today: date | None = None) -> str:
    """A Unified Social Credit Code (GB 32100-2015) in canonical uppercase form, or IdError.

    ``today`` is accepted for symmetry with the person formats and not used.
    """
    what = "credit code"
    _length(value, what)
    for i, c in enumerate(value):
        # Only ASCII is upper-cased: 'ǰ'.upper() is two characters and would shift positions.
        if (c.upper() if c.isascii() else c) not in USCC_VALUES:
            raise IdError(
                f"{what} {_shown(value)}: character {i + 1} is {c!r}, not in the "
                "code alphabet (digits and letters except I, O, S, V, Z)",
                "character",
                i,
            )
    upper = value.upper()
    categories = USCC_CATEGORIES.get(upper[0])
    if categories is None:
        raise IdError(
            f"{what} {_shown(value)}: character 1 is {value[0]!r}, not a registration "
            f"department code ({', '.join(USCC_CATEGORIES)})",
            "department",
            0,
        )
    if upper[1] not in categories:
        raise IdError(
            f"{what} {_shown(value)}: character 2 is {value[1]!r}, not an institution "
            f"category of department {upper[0]} ({', '.join(sorted(categories))})",
            "category",
            1,
        )
    _digits_at(value, 2, 8, what, "the administrative division code")
    region = upper[2:8]
    if region != NATIONAL_REGISTRATION_CODE and region not in division_codes():
        raise IdError(
            f"{what} {_shown(value)}: division code {region} (characters 3-8) is not a "
            "GB/T 2260 administrative division code (nor 100000, national)",
            "region",
            2,
        )
    org_check = organisation_check_char(upper[8:16])
    if upper[16] != org_check:
        raise IdError(
            f"{what} {_shown(value)}: character 17 is {value[16]!r}, the check character of "
            f"the organisation code {upper[8:16]} (GB 11714) is {org_check!r}",
            "organisation-check",
            16,
        )
    expected = uscc_check_char(upper[:17])
    if upper[17] != expected:
        raise IdError(
            f"{what} {_shown(value)}: check character is {value[17]!r}, expected {expected!r}",
            "check",
            17,
        )
    return upper


def _digits_at(value: str, start: int, end: int, what: str, part: str) -> None:
    for i in range(start, end):
        if value[i] not in "0123456789":
            raise IdError(
                f"{what} {_shown(value)}: character {i + 1} is {value[i]!r}, expected a digit "
                f"(characters {start + 1}-{end} are {part})",
                "character",
                i,
            )


KIND_VALIDATORS: dict[str, Callable[[str, date | None], str]] = {
    "person": normalize_person_id,
    "organisation": normalize_uscc,
}


def normalize_subject_id(
    value: str, kind: str | None = None, today: date | None = None
) -> tuple[str, str]:
    """Validate an ID as ``kind`` ("person"/"organisation") or detect which it is.

    ``today`` is the day of registration (or of the look-up): no birth date may be after
    it. The application passes its clock's date; None leaves only the 1900 lower bound.
    """
    if kind is not None:
        validator = KIND_VALIDATORS.get(kind)
        if validator is None:
            raise IdError(f"unknown subject kind {kind!r}", "kind")
        return validator(value, today), kind
    if isinstance(value, str) and len(value) == 15:
        return normalize_resident_id(value, today), "person"
    if (
        isinstance(value, str)
        and len(value) == 18
        and _ascii_digits(value[:17])
        and value[17] in "0123456789Xx"
    ):
        try:
            return normalize_person_id(value, today), "person"
        except IdError as person_error:
            try:
                return normalize_uscc(value), "organisation"
            except IdError:
                raise person_error from None
    if isinstance(value, str) and len(value) == 18:
        return normalize_uscc(value), "organisation"
    _length(value, "subject ID", " (or 15 for a first-generation resident ID)")
    raise AssertionError("unreachable")  # pragma: no cover


def birth_date(resident_id: str) -> date:
    rid = normalize_person_id(resident_id)
    return date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))

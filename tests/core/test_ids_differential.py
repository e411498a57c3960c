"""Our identifier checks against python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``).

stdnum is a test-only oracle: an independent implementation by other people. Every
identifier below -- valid ones built from their parts, single-character mutations of
them, and random strings, from a seeded corpus and from Hypothesis -- must get the same
verdict from both, or the disagreement must be one of the named differences in
``DIFFERENCES``, each of which cites the clause we follow. Where the standard and stdnum
differ, the project follows the standard. Each named difference must actually occur in
the corpus, so the list cannot go stale.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.core import ids
from socialcredit.core.codelists import (
    USCC_CATEGORIES,
    country_codes,
    division_codes,
    division_names,
    province_codes,
)

ric = pytest.importorskip("stdnum.cn.ric")
uscc = pytest.importorskip("stdnum.cn.uscc")

TODAY = date(2024, 6, 1)
REGIONS = sorted(division_codes())
PROVINCES = sorted(province_codes())
COUNTRIES = sorted(country_codes())
DEPARTMENT_CATEGORIES = sorted((d, c) for d, cs in USCC_CATEGORIES.items() for c in cs)

DIFFERENCES = {
    "county-years": (
        "GB 11643-1999 5.2: the address code is the county of the household registration "
        "when the number is assigned, which need not have existed when the person was "
        "born; stdnum refuses a code outside the years it was in use at the birth year. "
        "We accept any code ever in GB/T 2260."
    ),
    "birth-bounds": (
        "GB 11643-1999 5.3: a birth date; stdnum accepts any calendar date, we also refuse "
        "one before 1900-01-01 or after the day of registration (issue 17)."
    ),
    "first-generation": (
        "GB 11643-1989 15-digit IDs: stdnum.cn.ric takes only 18 digits; we convert (19 "
        "inserted, check computed) and the 18-digit form must satisfy stdnum."
    ),
    "foreign-permanent-resident": (
        "2023 foreign permanent resident ID (National Immigration Administration): leading "
        "9, province, nationality; stdnum knows no region 9x and refuses them all."
    ),
    "uscc-letter-department": (
        "GB 32100-2015 4.1: position 1 is a digit or letter (Y other, A military, N "
        "agriculture); stdnum requires the first 8 characters to be digits."
    ),
    "uscc-department-category": (
        "GB 32100-2015 4.1 and its code table: positions 1-2 are a registration department "
        "and one of its institution categories; stdnum does not check them."
    ),
    "uscc-division": (
        "GB 32100-2015 4.1: positions 3-8 are a GB/T 2260 code (or 100000, national); "
        "stdnum checks only that they are digits."
    ),
    "uscc-organisation-check": (
        "GB 32100-2015 4.1 / GB 11714-1997: positions 9-17 are an organisation code with "
        "its own check character; stdnum does not check it."
    ),
}


def stdnum_ric(value: str) -> bool:
    """stdnum raises KeyError('county') for an unknown county under a known province
    (e.g. 119999...): a crash in the oracle, counted as a refusal (we refuse it too)."""
    try:
        return bool(ric.is_valid(value))
    except KeyError:
        return False


def _county_years_exclude(region: str, year: int) -> bool:
    """Whether stdnum's birth-year rule refuses ``region`` for someone born in ``year``."""
    spans = []
    for name in division_names()[region].split(","):
        if not name.startswith("["):
            return False
        start, end = name[1:].split("]")[0].split("-")
        spans.append((int(start) if start else 0, int(end) if end else 9999))
    return not any(lo <= year <= hi for lo, hi in spans)


def ours(value: str, kind: str) -> ids.IdError | None:
    try:
        ids.normalize_subject_id(value, kind, TODAY)
    except ids.IdError as exc:
        return exc
    return None


def explain_person(value: str) -> str | None:
    """None when we and stdnum agree; else the name of the difference that explains it
    (an AssertionError if none does)."""
    error = ours(value, "person")
    if len(value) == 18 and value[0] == "9" and value[:17].isdigit():
        # Not stdnum's format at all: check against the card's rules spelled out here.
        expected_ok = (
            value[1:3] in province_codes()
            and value[3:6] in country_codes()
            and _real_date_in_bounds(value[6:14])
            and value[17].upper() == ric.calc_check_digit(value[:17] + "0")
        )
        assert (error is None) == expected_ok, (value, error)
        return "foreign-permanent-resident" if error is None else None
    if len(value) == 15 and value.isdigit():
        if error is None:
            converted = ids.first_generation_to_18(value)
            assert explain_person(converted) in (None, "county-years"), value
            return "first-generation"
        return None
    theirs = stdnum_ric(value)
    if (error is None) == theirs:
        return None
    if error is None:
        year = int(value[6:10])
        assert _county_years_exclude(value[:6], year), (value, "stdnum refuses, we accept")
        return "county-years"
    assert error.code == "birth-date" and _real_date(value[6:14]), (value, error)
    assert not _real_date_in_bounds(value[6:14])
    return "birth-bounds"


def _real_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def _real_date_in_bounds(digits: str) -> bool:
    if not _real_date(digits):
        return False
    return date(1900, 1, 1) <= date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])) <= TODAY


def gb11714_check(body: str) -> str:
    """GB 11714-1997, spelled out independently of the code under test."""
    values = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    c9 = 11 - sum(values.index(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def explain_uscc(value: str) -> str | None:
    error = ours(value, "organisation")
    theirs = bool(uscc.is_valid(value))
    if (error is None) == theirs:
        return None
    if error is None:
        assert not value[:1].isdigit(), (value, "stdnum refuses, we accept")
        return "uscc-letter-department"
    code = value.upper()
    if error.code in ("department", "category"):
        assert (code[0], code[1]) not in DEPARTMENT_CATEGORIES
        return "uscc-department-category"
    if error.code == "region":
        assert code[2:8] not in division_codes() and code[2:8] != "100000"
        return "uscc-division"
    assert error.code == "organisation-check", (value, error)
    assert gb11714_check(code[8:16]) != code[16]
    return "uscc-organisation-check"


# --- making identifiers --------------------------------------------------------------


def _birth(rng: random.Random) -> str:
    first = date(1900, 1, 1).toordinal()
    return date.fromordinal(rng.randint(first, TODAY.toordinal())).strftime("%Y%m%d")


def resident(rng: random.Random) -> str:
    body = f"{rng.choice(REGIONS)}{_birth(rng)}{rng.randrange(1000):03d}"
    return body + ids.resident_check_char(body)


def first_generation(rng: random.Random) -> str:
    born = date.fromordinal(
        rng.randint(date(1900, 1, 1).toordinal(), date(1999, 12, 31).toordinal())
    )
    return f"{rng.choice(REGIONS)}{born:%y%m%d}{rng.randrange(1000):03d}"


def foreign(rng: random.Random) -> str:
    body = f"9{rng.choice(PROVINCES)}{rng.choice(COUNTRIES)}{_birth(rng)}{rng.randrange(1000):03d}"
    return body + ids.resident_check_char(body)


def credit_code(rng: random.Random) -> str:
    dept, cat = rng.choice(DEPARTMENT_CATEGORIES)
    region = rng.choice([*REGIONS, "100000"])
    org = "".join(rng.choice(ids.USCC_ALPHABET) for _ in range(8))
    body = f"{dept}{cat}{region}{org}{gb11714_check(org)}"
    return body + ids.uscc_check_char(body)


def mutate(value: str, rng: random.Random, alphabet: str) -> str:
    """One typo: a substitution, a transposition of neighbours, or a date-like edit."""
    chars = list(value)
    i = rng.randrange(len(chars))
    roll = rng.random()
    if roll < 0.6:
        chars[i] = rng.choice(alphabet)
    elif roll < 0.85 and i + 1 < len(chars):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        chars[6:10] = rng.choice(["1899", "3000", "2099", "0001", "1900", "2024"])
        if len(chars) == 18 and chars[:17] and all(c.isdigit() for c in chars[:17]):
            chars[17] = ids.resident_check_char("".join(chars[:17]))
    return "".join(chars)


PERSON_ALPHABET = string.digits + "Xx"
USCC_RANDOM_ALPHABET = ids.USCC_ALPHABET + "IOSVZabcxy"


def recheck(code: str) -> str:
    """A well-formed fake: whatever the first 17 characters, a correct final check."""
    upper = code.upper()
    if len(upper) != 18 or any(c not in ids.USCC_VALUES for c in upper[:17]):
        return code
    return upper[:17] + ids.uscc_check_char(upper[:17])


def corpus(seed: int, n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    people: list[str] = []
    codes: list[str] = []
    for _ in range(n):
        for make in (resident, foreign):
            valid = make(rng)
            people += [valid, mutate(valid, rng, PERSON_ALPHABET)]
        old = first_generation(rng)
        people += [old, mutate(old, rng, string.digits)]
        people.append(
            "".join(rng.choice(string.digits) for _ in range(17)) + rng.choice("0123456789X")
        )
        valid = credit_code(rng)
        typo = mutate(valid, rng, USCC_RANDOM_ALPHABET)
        codes += [valid, typo, recheck(typo)]
        codes.append(recheck("".join(rng.choice(ids.USCC_ALPHABET) for _ in range(18))))
        digits8 = "".join(rng.choice(string.digits) for _ in range(8))
        codes.append(recheck(digits8 + "".join(rng.choice(ids.USCC_ALPHABET) for _ in range(10))))
    return people, codes


def test_seeded_corpus_agrees_with_stdnum_but_for_named_differences() -> None:
    people, codes = corpus(seed=17, n=4000)
    seen: Counter[str] = Counter()
    verdicts: Counter[bool] = Counter()
    for value in people:
        seen[explain_person(value) or "agree"] += 1
        verdicts[ours(value, "person") is None] += 1
    for value in codes:
        seen[explain_uscc(value) or "agree"] += 1
        verdicts[ours(value, "organisation") is None] += 1
    print(f"\nidentifier corpus: {sum(seen.values()):,} compared; {dict(seen)}")
    assert set(DIFFERENCES) <= set(seen), set(DIFFERENCES) - set(seen)
    assert seen["agree"] > sum(seen.values()) / 2
    assert verdicts[True] > 5000 and verdicts[False] > 5000


def test_known_examples_of_each_difference() -> None:
    """One hand-made case per named difference, so each is readable on its own."""
    assert explain_person("110111194912310027") == "county-years"  # Fangshan code from 1986
    beijing = "11010518991231002"
    assert explain_person(beijing + ids.resident_check_char(beijing)) == "birth-bounds"
    assert explain_person("110105491231002") == "first-generation"
    assert explain_person("932682198501010017") == "foreign-permanent-resident"
    y1 = "Y1110000600037341"
    assert explain_uscc(y1 + ids.uscc_check_char(y1)) == "uscc-letter-department"
    b = "94110000600037341"
    assert explain_uscc(b + ids.uscc_check_char(b)) == "uscc-department-category"
    c = "91999999600037341"
    assert explain_uscc(c + ids.uscc_check_char(c)) == "uscc-division"
    d = "91110000600037342"
    assert explain_uscc(d + ids.uscc_check_char(d)) == "uscc-organisation-check"
    assert explain_uscc("91110000600037341L") is None  # stdnum's own example
    assert explain_person("360426199101010071") is None  # stdnum's own example


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), st.sampled_from(["resident", "foreign", "old"]))
def test_hypothesis_people(rng: random.Random, make: str) -> None:
    valid = {"resident": resident, "foreign": foreign, "old": first_generation}[make](rng)
    assert ours(valid, "person") is None or explain_person(valid) is None
    explain_person(mutate(valid, rng, PERSON_ALPHABET if make != "old" else string.digits))


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_hypothesis_credit_codes(rng: random.Random) -> None:
    valid = credit_code(rng)
    assert ours(valid, "organisation") is None
    explain_uscc(valid)
    typo = mutate(valid, rng, USCC_RANDOM_ALPHABET)
    explain_uscc(typo)
    explain_uscc(recheck(typo))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.digits + "X", min_size=18, max_size=18))
def test_hypothesis_random_people(value: str) -> None:
    explain_person(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ids.USCC_ALPHABET, min_size=18, max_size=18))
def test_hypothesis_random_credit_codes(value: str) -> None:
    explain_uscc(value)
    explain_uscc(recheck(value))


def test_generators_make_ids_valid_under_both() -> None:
    """The synthetic IDs of the demo, tests and benchmarks are valid by both checks (up to
    the county-years difference: Rongcheng's code dates from 1989)."""
    for rid in ids.synthetic_resident_ids(300, 3):
        assert ours(rid, "person") is None and explain_person(rid) in (None, "county-years")
    for code in ids.synthetic_usccs(300, 3):
        assert ours(code, "organisation") is None and uscc.is_valid(code)
    gen = ids.IdGenerator(4)
    for _ in range(100):
        assert explain_person(gen.resident()) in (None, "county-years")
        assert explain_uscc(gen.organisation()) is None

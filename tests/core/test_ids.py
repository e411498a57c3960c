"""Identifier rules one by one: each refusal names the position and the reason (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcredit.core import codelists, ids

TODAY = date(2024, 6, 1)
WANG = "11010519491231002X"  # Beijing Chaoyang, born 1949-12-31 (the README tour's resident)


def refused(value: str, kind: str | None = None, today: date | None = TODAY) -> ids.IdError:
    with pytest.raises(ids.IdError) as info:
        ids.normalize_subject_id(value, kind, today)
    return info.value


def with_check(body17: str) -> str:
    return body17 + ids.resident_check_char(body17)


def uscc(body17: str) -> str:
    return body17 + ids.uscc_check_char(body17)


@pytest.mark.parametrize(
    ("value", "code", "position", "words"),
    [
        (with_check("99010519491231002"), "region", 1, "province code 90 (characters 2-3)"),
        (with_check("11999919491231002"), "region", 0, "region code 119999 (characters 1-6)"),
        (with_check("11010530000101002"), "birth-date", 6, "after the day of registration"),
        (with_check("11010518991231002"), "birth-date", 6, "before 1900-01-01"),
        (with_check("11010519490229002"), "birth-date", 6, "19490229 (characters 7-14) is not"),
        ("11010519491231002Y", "character", 17, "character 18 is 'Y'"),
        ("1101051949123100A2", "character", 16, "character 17 is 'A'"),
        ("110105194912310021", "check", 17, "expected 'X'"),
        ("110105491231002", None, None, None),
        ("11010549123100A", "character", 14, "character 15 is 'A'"),
        ("119999491231002", "region", 0, "first-generation resident ID"),
        ("110105490229002", "birth-date", 6, "490229 (characters 7-12)"),
        (with_check("93299919850101001"), "nationality", 3, "nationality code 999"),
        (with_check("93268230000101001"), "birth-date", 6, "after the day of registration"),
        ("932682198501010018", "check", 17, "expected '7'"),
    ],
)
def test_person_refusals_name_position_and_reason(
    value: str, code: str | None, position: int | None, words: str | None
) -> None:
    if code is None:
        assert ids.normalize_subject_id(value, "person", TODAY) == (WANG, "person")
        return
    # Without a kind, only what can be a person's ID (17 digits, then a digit or X; or 15
    # characters) is refused as one; anything else is taken for a credit code.
    person_like = len(value) == 15 or (value[:17].isdigit() and value[17] in "0123456789X")
    kinds = ("person", None) if person_like else ("person",)
    for kind in kinds:
        error = refused(value, kind)
        assert (error.code, error.position) == (code, position), error.message
        assert words is not None and words in error.message


@pytest.mark.parametrize(
    ("value", "code", "position", "words"),
    [
        (uscc("B1110000600037341"), "department", 0, "character 1 is 'B'"),
        (uscc("94110000600037341"), "category", 1, "not an institution category of department 9"),
        (uscc("Y2110000600037341"), "category", 1, "category of department Y (1)"),
        (uscc("91A10000600037341"), "character", 2, "characters 3-8 are the administrative"),
        (uscc("91999999600037341"), "region", 2, "division code 999999 (characters 3-8)"),
        (uscc("91110000600037342"), "organisation-check", 16, "60003734 (GB 11714) is '1'"),
        ("91110000600037341M", "check", 17, "expected 'L'"),
        ("91110000600O37341L", "character", 11, "character 12 is 'O'"),
    ],
)
def test_credit_code_refusals_name_position_and_reason(
    value: str, code: str, position: int, words: str
) -> None:
    person_like = value[:17].isdigit() and value[17] in "0123456789X"
    for kind in ("organisation",) if person_like else ("organisation", None):
        error = refused(value, kind)
        assert (error.code, error.position) == (code, position), error.message
        assert words in error.message


def test_valid_identifiers_of_every_kind() -> None:
    assert ids.normalize_subject_id(WANG.lower(), None, TODAY) == (WANG, "person")
    assert ids.normalize_subject_id("932682198501010017") == ("932682198501010017", "person")
    for code in (
        "91110000600037341L",  # an enterprise registered in Beijing
        uscc("Y1110000600037341"),  # "other" department: a letter in position 1
        uscc("12100000600037341"),  # a public institution registered nationally (100000)
        uscc(f"31{'110103'}E0001789{ids.organisation_check_char('E0001789')}"),  # withdrawn code
    ):
        assert ids.normalize_subject_id(code.lower(), None, TODAY) == (code, "organisation")


def test_withdrawn_division_codes_are_still_accepted() -> None:
    """IDs outlive divisions: 110103 (Chongwen) was merged away in 2010."""
    assert "[-2010]" in codelists.division_names()["110103"]
    rid = with_check("11010319800101001")
    assert ids.normalize_subject_id(rid, "person", TODAY) == (rid, "person")


def test_the_day_of_registration_is_the_upper_bound() -> None:
    born_today = with_check("11010520240601001")
    assert ids.normalize_resident_id(born_today, TODAY) == born_today
    assert refused(born_today, "person", date(2024, 5, 31)).code == "birth-date"
    assert ids.normalize_resident_id(born_today) == born_today  # no day given: format only


def test_first_generation_and_its_18_digit_form_are_the_same_subject() -> None:
    assert ids.first_generation_to_18("110105491231002") == WANG
    assert ids.normalize_resident_id("110105491231002") == WANG
    assert ids.birth_date("110105491231002") == date(1949, 12, 31)


def test_unknown_kind_and_wrong_lengths() -> None:
    assert refused(WANG, "opaque").code == "kind"
    for value in ("", "1101051949123100", "91110000600037341L0"):
        error = refused(value)
        assert error.code == "length" and "expected 18" in error.message


def test_code_lists_are_loaded_once_and_hold_what_the_standards_need() -> None:
    assert "110105" in codelists.division_codes() and "371082" in codelists.division_codes()
    assert {"11", "37", "65"} <= codelists.province_codes()
    assert "100000" not in codelists.division_codes()
    assert {"156", "682", "840"} <= codelists.country_codes()
    assert codelists.division_codes() is codelists.division_codes()


ORG_BODY = st.text(alphabet=ids.USCC_ALPHABET, min_size=8, max_size=8)


@settings(max_examples=200, deadline=None)
@given(ORG_BODY, st.sampled_from(sorted(codelists.division_codes())))
def test_built_credit_codes_are_valid_and_every_single_substitution_is_caught(
    body: str, region: str
) -> None:
    code = uscc(f"91{region}{body}{ids.organisation_check_char(body)}")
    assert ids.normalize_uscc(code) == code
    for i in range(18):
        for c in "0A":
            if code[i] != c:
                with pytest.raises(ids.IdError):
                    ids.normalize_uscc(code[:i] + c + code[i + 1 :])


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(codelists.division_codes())),
    st.dates(date(1900, 1, 1), date(1999, 12, 31)),
    st.integers(0, 999),
)
def test_first_generation_round_trip(region: str, born: date, seq: int) -> None:
    old = f"{region}{born:%y%m%d}{seq:03d}"
    new = ids.normalize_resident_id(old, TODAY)
    assert new == ids.normalize_resident_id(new, TODAY)
    assert new[:6] == region and ids.birth_date(new) == born and new[14:17] == f"{seq:03d}"


def test_another_deployment_can_add_an_opaque_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The documented seam: a kind with its own normaliser, the Chinese formats untouched."""

    def opaque(value: str, today: date | None) -> str:
        if not (value.isascii() and value.isalnum() and 4 <= len(value) <= 64):
            raise ids.IdError(f"opaque ID {value!r}: 4-64 letters or digits", "character")
        return value

    monkeypatch.setitem(ids.KIND_VALIDATORS, "opaque", opaque)
    assert ids.normalize_subject_id("7abc", "opaque") == ("7abc", "opaque")
    assert refused("no spaces", "opaque").code == "character"
    assert ids.normalize_subject_id(WANG, None, TODAY) == (WANG, "person")

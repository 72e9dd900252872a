"""全国地方公共団体コード and 法人番号: check digits, normalisation, error codes."""

import pytest
from django.core.exceptions import ValidationError

from partners.validators import (
    local_government_check_digit,
    municipality_corporate_number,
    normalize_corporate_number,
    normalize_local_government_code,
    validate_corporate_number,
    validate_local_government_code,
)

KAWASAKI = "141305"
HIGASHIKURUME = "132225"
KAWASAKI_WARDS = ["141313", "141321", "141330", "141348", "141356", "141364", "141372"]
OTHER_REAL_CODES = [
    "130001",  # 東京都
    "010006",  # 北海道
    "131121",  # 世田谷区
    "011011",  # 札幌市中央区: weighted sum divisible by 11, so the check digit is 1
]


def _code_of(call) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.code


# --- local government codes -----------------------------------------------------------------------


@pytest.mark.parametrize("code", [KAWASAKI, HIGASHIKURUME, *KAWASAKI_WARDS, *OTHER_REAL_CODES])
def test_real_local_government_codes_are_valid(code):
    assert local_government_check_digit(code[:5]) == code[5]
    validate_local_government_code(code)


def test_a_remainder_of_one_gives_check_digit_zero():
    # 中原区 14133: 1·6 + 4·5 + 1·4 + 3·3 + 3·2 = 45, 45 mod 11 = 1 → (11 - 1) mod 10 = 0.
    assert local_government_check_digit("14133") == "0"


@pytest.mark.parametrize("code", ["141306", "141300", "132220", "141314", "011010"])
def test_wrong_check_digit_of_a_local_government_code(code):
    assert _code_of(lambda: validate_local_government_code(code)) == "invalid_check_digit"


@pytest.mark.parametrize("code", ["14130", "1413055", "14130a", "", "一四一三〇五"])
def test_local_government_code_must_be_six_ascii_digits(code):
    assert _code_of(lambda: validate_local_government_code(code)) == "invalid_length"


@pytest.mark.parametrize("typed", ["１４１３０５", " 141305 ", "14-1305", "１４１-３０５"])
def test_local_government_code_is_normalised_before_checking(typed):
    assert normalize_local_government_code(typed) == KAWASAKI
    validate_local_government_code(typed)


# --- corporate numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "number"),
    [
        ("130001", "8000020130001"),  # 東京都
        (KAWASAKI, "7000020141305"),
        (HIGASHIKURUME, "3000020132225"),  # 9 - (24 mod 9) = 3
    ],
)
def test_municipality_corporate_number_follows_from_its_code(code, number):
    assert municipality_corporate_number(code) == number
    validate_corporate_number(number)


@pytest.mark.parametrize("number", ["8000020130001", "7000012050002"])  # 東京都, 国税庁
def test_real_corporate_numbers_are_valid(number):
    validate_corporate_number(number)


@pytest.mark.parametrize(
    "typed",
    ["８０００-０２０-１３０００１", "8000-020-130001", "8000 020 130001", "８０００　０２０　１３０００１"],
)
def test_full_width_and_hyphenated_corporate_numbers_normalise_and_validate(typed):
    assert normalize_corporate_number(typed) == "8000020130001"
    validate_corporate_number(typed)


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_corporate_number_is_allowed(empty):
    assert normalize_corporate_number(empty) == ""
    validate_corporate_number(empty)


@pytest.mark.parametrize("number", ["9000020130001", "8000020130002", "１０００-０２０-１３０００１"])
def test_wrong_check_digit_of_a_corporate_number(number):
    assert _code_of(lambda: validate_corporate_number(number)) == "invalid_check_digit"


@pytest.mark.parametrize("number", ["800002013000", "80000201300011", "800002013000A", "八〇〇〇〇二〇一三〇〇〇一"])
def test_corporate_number_must_be_thirteen_ascii_digits(number):
    assert _code_of(lambda: validate_corporate_number(number)) == "invalid_length"

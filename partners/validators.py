"""Validators for Japanese public identifiers: 全国地方公共団体コード and 法人番号."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.jp import cn

from kyodo_portal.text import normalize_line


def local_government_check_digit(first_five: str) -> str:
    """The sixth digit of a 全国地方公共団体コード (weights 6..2, modulus 11)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_five, range(6, 1, -1), strict=True))
    remainder = total % 11
    return str((11 - remainder) % 10) if remainder else "1"


def normalize_local_government_code(value: str) -> str:
    return normalize_line(value).replace("-", "").replace(" ", "")


def validate_local_government_code(value: str) -> None:
    code = normalize_local_government_code(value)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(_("A local government code has six digits (e.g. 141305)."), code="invalid_length")
    if local_government_check_digit(code[:5]) != code[5]:
        raise ValidationError(
            _("The check digit of local government code %(code)s is wrong."),
            code="invalid_check_digit",
            params={"code": code},
        )


def normalize_corporate_number(value: str | None) -> str:
    """Full-width digits, hyphens and spaces accepted: ８０００-０２０-１３０００１ → 8000020130001."""
    if not value:
        return ""
    return cn.compact(normalize_line(value))


def validate_corporate_number(value: str) -> None:
    number = normalize_corporate_number(value)
    if not number:
        return
    if len(number) != 13 or not number.isascii() or not number.isdigit():
        raise ValidationError(_("A corporate number (法人番号) has 13 digits."), code="invalid_length")
    try:
        cn.validate(number)
    except StdnumValidationError:
        raise ValidationError(
            _("The check digit of corporate number %(number)s is wrong."),
            code="invalid_check_digit",
            params={"number": number},
        ) from None


def municipality_corporate_number(code: str) -> str:
    """A local government's 法人番号 is its check digit, 000020 and its six-digit code."""
    base = f"000020{code}"
    return cn.calc_check_digit(base) + base

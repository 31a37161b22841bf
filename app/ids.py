"""Identifiers of the domain: My Number (個人番号), application ID (申請書ID), resident-record code.

Pure functions, no I/O. The My Number is special personal information: :func:`mask_my_number` is
the only way it is shown by default, and nothing here logs it.
"""

from __future__ import annotations

import re

from app.errors import MadoguchiError

_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_DIGITS12 = re.compile(r"^[0-9]{12}$")


class InvalidMyNumber(MadoguchiError, ValueError):
    """A My Number that is not 12 digits or whose check digit is wrong. The message never
    contains the number itself."""

    code = "ids.invalid_my_number"


def my_number_check_digit(first11: str) -> int:
    """Check digit of a My Number from its first 11 digits (d1..d11, left to right).

    r = Σ weight·digit mod 11 with weights 6,5,4,3,2,7,6,5,4,3,2; check = 0 if r ≤ 1 else 11 − r.
    """
    if len(first11) != 11 or not first11.isascii() or not first11.isdigit():
        raise InvalidMyNumber("個人番号の先頭11桁は数字11桁です / the first 11 digits must be digits")
    # on the ASCII codes (an import checks a million numbers): each digit is its code minus 48
    d = first11.encode()
    r = (6 * d[0] + 5 * d[1] + 4 * d[2] + 3 * d[3] + 2 * d[4] + 7 * d[5] + 6 * d[6] + 5 * d[7]
         + 4 * d[8] + 3 * d[9] + 2 * d[10] - 48 * sum(_WEIGHTS)) % 11
    return 0 if r <= 1 else 11 - r


def normalize_my_number(text: str) -> str:
    """Strip spaces and hyphens, fold full-width digits; does not validate."""
    import unicodedata

    return re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", text or ""))


def validate_my_number(text: str) -> str:
    """Return the normalised 12-digit My Number or raise :class:`InvalidMyNumber`."""
    number = normalize_my_number(text)
    if not _DIGITS12.match(number):
        raise InvalidMyNumber("個人番号は12桁の数字です / a My Number has 12 digits")
    if my_number_check_digit(number[:11]) != int(number[11]):
        raise InvalidMyNumber(
            "個人番号の検査用数字が一致しません。番号を確認してください / "
            "the check digit of this My Number is wrong: check the number"
        )
    return number


def is_valid_my_number(text: str) -> bool:
    try:
        validate_my_number(text)
    except InvalidMyNumber:
        return False
    return True


def mask_my_number(number: str | None) -> str:
    """Display form: only the last four digits, e.g. ``********1234``."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def is_application_id(text: str) -> bool:
    """申請書ID: 23 digits."""
    return bool(re.fullmatch(r"[0-9]{23}", normalize_my_number(text)))


def is_resident_code(text: str) -> bool:
    """住民票コード: 11 digits."""
    return bool(re.fullmatch(r"[0-9]{11}", normalize_my_number(text)))

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


def resident_code_check_digit(first10: str) -> int:
    """検査数字 of a 住民票コード from its first 10 digits (the randomly made part, left to right).

    Source: 住民基本台帳法施行令 第30条の2 (a resident-record code is ten randomly made digits and
    one check digit "computed by the formula the ordinance of the Ministry of Internal Affairs and
    Communications sets") and 住民基本台帳法施行規則 (平成11年自治省令第35号) 第1条, the formula:
    11 − (Σ_{n=1..10} Pn·Qn mod 11), and 0 where that remainder is ≤ 1; Pn is the n-th digit counted
    from the lowest (n = 1 is the digit just before the check digit), Qn = n + 1 for 1 ≤ n ≤ 6 and
    n − 5 for 7 ≤ n ≤ 10 — the same modulus-11 rule, weights 2…7 from the right, that the My
    Number ordinance (平成26年総務省令第85号 第5条) later took for its eleven digits. Read left to
    right the weights are 5,4,3,2,7,6,5,4,3,2. The public sources reachable when this was written
    confirmed the article and the code's structure (ten random digits, one check digit) but not the
    formula's own wording; check it against the text of 施行規則第1条 before go-live (the importer's
    refusal can be switched off in resources/import/layout.json, ``file.resident_code_check_digit``).
    """
    if len(first10) != 10 or not first10.isascii() or not first10.isdigit():
        raise ValueError("住民票コードの先頭10桁は数字10桁です / the first 10 digits must be digits")
    d = first10.encode()
    r = (5 * d[0] + 4 * d[1] + 3 * d[2] + 2 * d[3] + 7 * d[4] + 6 * d[5] + 5 * d[6] + 4 * d[7]
         + 3 * d[8] + 2 * d[9] - 48 * sum(_WEIGHTS[1:])) % 11
    return 0 if r <= 1 else 11 - r


def is_resident_code(text: str) -> bool:
    """住民票コード: 11 digits, the last one its check digit (:func:`resident_code_check_digit`)."""
    code = normalize_my_number(text)
    return bool(re.fullmatch(r"[0-9]{11}", code)) and resident_code_check_digit(code[:10]) == int(code[10])

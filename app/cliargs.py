"""Reading what the person at the terminal gives the ``madoguchi`` command: argument types and
prompts, shared by every package's ``cli`` module (which must not import :mod:`app.cli`).

Each refuses bad input with a :class:`app.errors.UserError` (or argparse's usage error) worded in
Japanese and English, never a traceback: impossible dates, prompts with no terminal or an empty
stdin, text that is not UTF-8.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.errors import UserError

if TYPE_CHECKING:
    import datetime as _dt


def iso_date(text: str) -> _dt.date:
    """argparse ``type=`` for ``YYYY-MM-DD`` (a real calendar day: 2026-02-30 is refused)."""
    import datetime as _dt        # here: the card diagnostics take no date (benchmarks/startup.py)

    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日付は YYYY-MM-DD の実在する日です / a date is a real day written YYYY-MM-DD, not {text!r}") from None


def seconds(text: str) -> float:
    """argparse ``type=`` for a waiting time: a number of seconds, more than 0, at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 86_400:         # NaN fails both comparisons
        raise argparse.ArgumentTypeError(
            f"秒数は 0 より大きく 86400 以下の数です / seconds must be a number above 0 and at most 86400, not {text!r}")
    return value


#: the most rows a listing shows (``--limit``): beyond a 64-bit integer SQLite refuses the query
MAX_LIMIT = 10_000_000


def limit(text: str) -> int:
    """argparse ``type=`` for ``--limit``: how many rows at most, 1 to :data:`MAX_LIMIT`."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(
            f"件数は 1〜{MAX_LIMIT:,} の整数です / a limit is a whole number from 1 to {MAX_LIMIT:,}, not {text!r}")
    return value


def read_line(prompt: str) -> str:
    """One answer typed at the terminal or piped in (``input``); refused when stdin is closed
    or ends before the answer."""
    if sys.stdin is None or sys.stdin.closed:
        _need_terminal("")
    try:
        return input(prompt)
    except EOFError:
        raise UserError("入力が終わりました（端末が閉じられました） / input ended (the terminal was closed)") from None


def read_secret(prompt: str, *, from_stdin: bool, option: str, confirm: bool = False,
                what: tuple[str, str] = ("パスワード", "password")) -> str:
    """A password or PIN: the first line of stdin with ``option`` (e.g. ``--password-stdin``),
    else typed at the terminal without echo (twice with ``confirm``). Never logged or printed."""
    ja, en = what
    if from_stdin:
        try:
            line = sys.stdin.readline()
            line.encode("utf-8")       # a POSIX locale reads bad bytes as lone surrogates
        except UnicodeError:
            raise UserError(f"標準入力の{ja}が UTF-8 ではありません / the {en} on stdin is not UTF-8") from None
        if not line:
            raise UserError(f"標準入力に{ja}がありません / no {en} on stdin")
        return line.rstrip("\r\n")
    _need_terminal(option)
    import getpass

    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Again / もう一度: ") != first:
            raise UserError(f"{ja}が一致しません / the {en}s do not match")
    except EOFError:
        raise UserError("入力が終わりました（端末が閉じられました） / input ended (the terminal was closed)") from None
    return first


def _need_terminal(option: str) -> None:
    if not (sys.stdin and sys.stdin.isatty()):
        hint_ja = f"{option} を使ってください" if option else "引数で指定してください"
        hint_en = f"use {option}" if option else "give the values as arguments"
        raise UserError(f"質問する端末がありません。{hint_ja} / no terminal to ask on: {hint_en}")

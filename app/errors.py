"""Errors that a clerk or IT staff can see: one base, :class:`MadoguchiError`, for all of them.

This module is on the ground floor: it imports nothing of the app, so every package (card,
store, rules, security, sync, printing, workflows, the window) may raise these errors without
importing the command line (``app.cli``) or each other.

Every such error carries

- ``code`` — a stable identifier (``"card.no_reader"``, ``"auth.locked"``...) for logs, JSON
  output and tests; never shown as the only text;
- ``ja`` / ``en`` — the words for the person at the counter or the terminal, each complete;
- ``detail`` — technical detail for the log only (a status word, a path), never a PIN;
- ``exit_status`` — the exit status of the ``madoguchi`` command when the error ends it.

``str(error)`` is ``"ja / en"`` (one text when both are the same), plus ``[detail]`` if any.
Older call sites pass one message already written as ``"日本語 / English"``; it is split at the
first ``" / "`` so ``ja`` and ``en`` are filled and ``str()`` stays exactly what was passed.

Errors that are *not* meant for a person (a bug, a broken invariant) stay ordinary Python
exceptions; the top-level handlers (:func:`app.cli.main`, :func:`app.ui.main.run`) log those
with an incident number and show only that number (see :mod:`app.incident`).
"""

from __future__ import annotations

__all__ = ["MadoguchiError", "UserError", "split_bilingual"]

_SEPARATOR = " / "


def split_bilingual(text: str) -> tuple[str, str]:
    """``"日本語 / English"`` → ``("日本語", "English")``; a text without the separator is both."""
    ja, sep, en = str(text).partition(_SEPARATOR)
    return (ja, en) if sep else (ja, ja)


class MadoguchiError(Exception):
    """Base of every error worded for a clerk or IT staff (see the module docstring)."""

    code: str = "error"
    ja: str = "処理を完了できませんでした。"
    en: str = "The operation could not be completed."
    exit_status: int = 2

    def __init__(self, ja: str | None = None, en: str | None = None, *, code: str | None = None,
                 detail: str = "", exit_status: int | None = None):
        if ja is not None and en is None:
            ja, en = split_bilingual(ja)
        if ja is not None:
            self.ja = str(ja)
        if en is not None:
            self.en = str(en)
        if code is not None:
            self.code = code
        if exit_status is not None:
            self.exit_status = int(exit_status)
        self.detail = detail
        super().__init__(self.text())

    def text(self) -> str:
        """The bilingual one-line text (what ``str()`` gives)."""
        words = self.ja if self.ja == self.en else f"{self.ja}{_SEPARATOR}{self.en}"
        return words + (f" [{self.detail}]" if self.detail else "")

    def __str__(self) -> str:
        return self.text()

    def message(self, lang: str = "ja") -> str:
        """The words in one language (``"ja"`` or ``"en"``)."""
        return self.ja if lang == "ja" else self.en

    def to_json(self) -> dict:
        return {"code": self.code, "ja": self.ja, "en": self.en, "detail": self.detail}


class UserError(MadoguchiError):
    """An error of the ``madoguchi`` command, worded for the person at the terminal.

    ``UserError(message, code=3)``: for compatibility the second argument is the exit status
    (an ``int``), as it was when this class lived in ``app.cli``. ``code`` afterwards is the
    class's identifier; the exit status is ``exit_status``.
    """

    code = "cli.user_error"

    def __init__(self, message: str, code: int | str | None = None, *, en: str | None = None,
                 detail: str = "", exit_status: int | None = None):
        ident = None
        if isinstance(code, int):
            exit_status = code if exit_status is None else exit_status
        elif code is not None:
            ident = code
        super().__init__(message, en, code=ident, detail=detail, exit_status=exit_status)

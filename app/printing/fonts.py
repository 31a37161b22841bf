"""The Japanese fonts every printed document embeds: IPAex Gothic and IPAex Mincho, shipped in
``resources/fonts/`` with their licence (IPA Font License v1.0).

Fonts are registered with reportlab once per process (loading a 6 MB TrueType file is the
expensive part); reportlab embeds a subset of each font in every PDF. This module must not fall
back to a system font or to a non-embedded standard font: a document that cannot embed its font
is not printed.
"""

from __future__ import annotations

import threading

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.paths import resource

GOTHIC = "IPAexGothic"
MINCHO = "IPAexMincho"

FONT_FILES = {GOTHIC: "ipaexg.ttf", MINCHO: "ipaexm.ttf"}
LICENCE_FILE = "IPA_Font_License_Agreement_v1.0.txt"

_lock = threading.Lock()
_registered = False


class FontMissingError(RuntimeError):
    """The bundled font files are missing: the installation is incomplete."""


def register_fonts() -> None:
    """Register both fonts with reportlab (idempotent, thread-safe)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in FONT_FILES.items():
            path = resource("fonts", filename)
            if not path.is_file():
                raise FontMissingError(
                    f"印刷用フォントがありません: {path}。アプリを再インストールしてください。"
                    f" / The printing font {path} is missing; reinstall the application."
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        _registered = True

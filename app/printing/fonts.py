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

from app.errors import MadoguchiError
from app.paths import resource

GOTHIC = "IPAexGothic"
MINCHO = "IPAexMincho"

FONT_FILES = {GOTHIC: "ipaexg.ttf", MINCHO: "ipaexm.ttf"}
LICENCE_FILE = "IPA_Font_License_Agreement_v1.0.txt"

_lock = threading.Lock()
_registered = False


class FontMissingError(MadoguchiError, RuntimeError):
    """The bundled font files are missing: the installation is incomplete."""

    code = "print.font_missing"


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
            font = TTFont(name, str(path))
            _cache_tables(font.face)
            pdfmetrics.registerFont(font)
        _registered = True


def _cache_tables(face) -> None:
    """Keep the font's tables once read. reportlab slices each table out of the whole file again
    for every subset it embeds (the glyph table of IPAex is several MB); the tables never change,
    so one copy per process serves every document."""
    read = face.get_table
    tables: dict[str, bytes] = {}

    def get_table(tag: str) -> bytes:
        data = tables.get(tag)
        if data is None:
            data = tables[tag] = read(tag)
        return data

    face.get_table = get_table

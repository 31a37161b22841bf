"""Languages of the window (Japanese by default, English), switched at run time through Qt's
translation system.

Source strings in the code are English (``self.tr("...")``); ``resources/translations/madoguchi_ja.ts``
holds the Japanese, built to ``.qm`` by ``make translations`` and loaded with a QTranslator, plus
Qt's own ``qtbase`` translations for standard dialogs. Every widget with text has a
``translateUI()`` that sets all of its texts, registered with :func:`translate_ui` (as in
Frescobaldi), so switching the language re-labels every open widget in place.

Texts that come from the rules (a :class:`app.rules.core.Reason`) already carry ja and en; widgets
pick one with :func:`current`. This module holds no widget of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator, Signal

from app.paths import resource

log = logging.getLogger(__name__)

LANGUAGES = ("ja", "en")
CATALOG = "madoguchi"


def qm_path(lang: str) -> Path:
    return resource("translations", f"{CATALOG}_{lang}.qm")


class Language(QObject):
    """The current language and the translators installed for it."""

    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.lang = "en"
        self._translators: list[QTranslator] = []

    def set(self, lang: str) -> bool:
        """Switch to ``lang``; return False (and stay in English) if its catalogue is missing."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        app = QCoreApplication.instance()
        for tr in self._translators:
            app.removeTranslator(tr)
        self._translators = []
        ok = True
        if lang != "en":
            own = QTranslator(self)
            if own.load(str(qm_path(lang))):
                self._translators.append(own)
            else:
                log.error("translation catalogue %s missing; run `make translations`", qm_path(lang))
                ok = False
                lang = "en"
            qt = QTranslator(self)
            if ok and qt.load(QLocale(lang), "qtbase", "_",
                              QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
                self._translators.append(qt)
            for tr in self._translators:
                app.installTranslator(tr)
        self.lang = lang
        QLocale.setDefault(QLocale(QLocale.Language.Japanese if lang == "ja" else QLocale.Language.English))
        self.changed.emit(lang)
        return ok


_language: Language | None = None


def language() -> Language:
    global _language
    if _language is None:
        _language = Language()
    return _language


def current() -> str:
    return language().lang


def translate_ui(widget: QObject) -> None:
    """Call ``widget.translateUI()`` now and again after every language switch."""
    widget.translateUI()
    language().changed.connect(widget.translateUI)


def pick(ja: str, en: str) -> str:
    """Choose between a ja/en pair carried by the data (rules, workflow steps)."""
    return en if current() == "en" and en else ja


def text_of(obj, attr_ja: str = "ja", attr_en: str = "en") -> str:
    """Text of anything with ``ja``/``en`` attributes or keys (a Reason, a step's label)."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return pick(obj.get(attr_ja, ""), obj.get(attr_en, ""))
    return pick(getattr(obj, attr_ja, ""), getattr(obj, attr_en, ""))


Translate = Callable[[str], str]

"""Helpers shared by the window tests (not fixtures: plain functions the tests import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

REPO = Path(__file__).resolve().parents[2]
TS = REPO / "resources" / "translations" / "madoguchi_ja.ts"


def ensure_catalogue() -> Path:
    """Build the .qm from the .ts when it is missing or older (``make translations`` does the same)."""
    qm = TS.with_suffix(".qm")
    if not qm.exists() or qm.stat().st_mtime < TS.stat().st_mtime:
        lrelease = Path(sys.executable).parent / "pyside6-lrelease"
        subprocess.run([str(lrelease), "-silent", str(TS), "-qm", str(qm)], check=True)
    return qm


def dispose(*widgets) -> None:
    """Delete windows now (not at interpreter exit), so no language switch reaches a window
    whose store is already closed."""
    from PySide6.QtCore import QCoreApplication, QEvent

    for w in widgets:
        if w is not None:
            w.close()
            w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def press(window, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key as the window system delivers it (so window shortcuts apply, as for the clerk)."""
    from PySide6.QtTest import QTest

    QTest.keyClick(window.windowHandle(), key, modifier)


def fill(qtbot, page, field_id, value):
    """Type into a field the way the clerk does (text: type + Tab; choice: pick the entry)."""
    from PySide6.QtWidgets import QComboBox, QLineEdit

    editor = page.editors[field_id][0]
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(editor.findData(value))
        editor.activated.emit(editor.currentIndex())
    elif isinstance(editor, QLineEdit):
        editor.setFocus()
        editor.clear()
        if value.isascii():
            qtbot.keyClicks(editor, value)
        else:
            editor.insert(value)             # what the input method commits for kanji/kana
        qtbot.keyClick(editor, Qt.Key.Key_Return)   # Enter (or leaving the field) records it
    qtbot.waitUntil(lambda: page.view.fields and any(
        f.id == field_id and f.value not in (None, "") for f in page.view.fields), timeout=3000)


def tick(qtbot, page, item_id):
    box = page.item_boxes[item_id][0]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any(i.id == item_id and i.checked for i in page.view.items), timeout=3000)

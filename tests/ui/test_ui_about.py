"""Help ▸ About: the support information (version, store path, reader, sync, config paths) for
the window's own store, gathered off the GUI thread, selectable, and copied with one button."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from tests.ui.uihelpers import dispose

pytestmark = pytest.mark.gui


def test_about_shows_version_and_store_and_copies(qtbot, window):
    from app import __version__

    services = window.controller.services
    window.help_menu.act_about.trigger()
    dialog = window.help_menu.dialog
    assert dialog.isVisible() and dialog.windowTitle() == "窓口について"
    qtbot.waitUntil(dialog.copy_button.isEnabled, timeout=15000)
    text = dialog.text.toPlainText()
    assert f"Madoguchi {__version__}" in text
    assert str(services.store_path) in text
    assert "config / 設定:" in text and "sync / 同期:" in text
    assert dialog.info["store"]["exists"] and dialog.info["qt"]
    assert dialog.text.isReadOnly() and dialog.text.textInteractionFlags()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    assert dialog.message.text() == "クリップボードにコピーしました。"
    dispose(dialog)

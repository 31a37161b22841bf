"""The application shell: bundled font, training banner, run-time language switch, the card
bridge delivering on the GUI thread, and the windows fitting a 1366×768 counter screen."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QLabel

pytestmark = pytest.mark.gui


def test_bundled_japanese_font_is_the_application_font(qapp):
    family = QApplication.font().family()
    assert "IPAex" in family
    assert QFontDatabase.hasFamily(family)


def _services(store, training=True):
    from app.config import OfficeConfig
    from app.ui.services import Services

    return Services(store=store, config=OfficeConfig(), training=training)


def test_sign_in_window_banner_and_language_switch(qtbot, store, lang_ja):
    from app.ui import i18n
    from app.ui.signin import SignInWindow

    window = SignInWindow(_services(store))
    qtbot.addWidget(window)
    window.prepare(None)
    window.show()
    banner = window.findChild(QLabel, "TrainingBanner")
    assert banner is not None and banner.isVisible() and "研修モード" in banner.text()
    assert window.pw_button.text() == "サインイン"
    i18n.language().set("en")
    assert window.pw_button.text() == "Sign in"
    assert "研修モード" in banner.text() and "TRAINING" in banner.text()
    i18n.language().set("ja")
    assert window.pw_button.text() == "サインイン"


def test_no_training_banner_in_live_mode(qtbot, store):
    from app.ui.signin import SignInWindow

    window = SignInWindow(_services(store, training=False))
    qtbot.addWidget(window)
    assert window.findChild(QLabel, "TrainingBanner") is None


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_windows_fit_a_1366x768_screen(qtbot, store, lang):
    from app.ui import i18n
    from app.ui.mainwindow import MainWindow
    from app.ui.signin import SignInWindow

    i18n.language().set(lang)
    try:
        for cls in (SignInWindow, MainWindow):
            window = cls(_services(store))
            qtbot.addWidget(window)
            hint = window.minimumSizeHint()
            assert hint.width() <= 1366 and hint.height() <= 740, (cls.__name__, hint)
    finally:
        i18n.language().set("ja")


def test_card_bridge_delivers_on_the_gui_thread(qtbot):
    from app.ui.cardbridge import CardBridge

    bridge = CardBridge()
    gui = threading.get_ident()
    seen = []
    bridge.event.connect(lambda ev: seen.append((ev, threading.get_ident())))
    with qtbot.waitSignal(bridge.event, timeout=15000):
        threading.Thread(target=bridge.on_card_event, args=("card_inserted",)).start()
    assert seen == [("card_inserted", gui)]

    results = []
    with ThreadPoolExecutor(1, thread_name_prefix="card") as pool:
        future = pool.submit(lambda: threading.get_ident())
        bridge.when_done(future, lambda f: results.append((f.result(), threading.get_ident())))
        qtbot.waitUntil(lambda: bool(results), timeout=15000)
    card_thread, delivered_on = results[0]
    assert card_thread != gui and delivered_on == gui

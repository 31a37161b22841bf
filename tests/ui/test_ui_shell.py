"""The application shell: bundled font, training banner, run-time language switch, the card
bridge delivering on the GUI thread, and the windows fitting a 1366×768 counter screen."""

from __future__ import annotations

import datetime as dt
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
    from app.ui.cardpanel import CardView
    from app.ui.mainwindow import MainWindow
    from app.ui.signin import SignInWindow

    i18n.language().set(lang)
    try:
        for cls in (SignInWindow, MainWindow):
            window = cls(_services(store))
            qtbot.addWidget(window)
            hint = window.minimumSizeHint()
            assert hint.width() <= 1366 and hint.height() <= 740, (cls.__name__, hint)
        # the home screen's renewal offer for a card on the reader (its longest words) fits too
        soon = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        window.home.show_card(CardView(state="mynumber", certificates={
            "auth": {"serial": "01", "not_before": "2021-01-01", "not_after": soon}, "sign": {"present": True}}))
        window.show()
        qtbot.waitUntil(window.home.renew_offer.isVisible, timeout=5000)
        assert soon in window.home.renew_offer.text()
        window.resize(1366, 740)
        qtbot.waitUntil(lambda: window.home.renew_offer.height() >= window.home.renew_offer.minimumSizeHint().height(),
                        timeout=5000)
        home = window.home
        assert window.width() <= 1366 and home.width() >= home.minimumSizeHint().width(), (window.size(), home.size())
        i18n.language().set("en" if lang == "ja" else "ja")      # the offer follows the language
        qtbot.waitUntil(lambda: ("Renew" in window.home.renew_offer.text()) == (lang == "ja"), timeout=5000)
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


def test_a_worker_thread_never_reaches_a_deleted_widget(qtbot):
    """A result that arrives after its window was closed and deleted is dropped on the GUI thread;
    a card event emitted while its bridge is being deleted never touches the dead object."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from app.ui.cardbridge import CardBridge, post

    label = QLabel()
    shown = []
    label.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    worker = threading.Thread(target=post, args=(label, shown.append, "late result"))
    worker.start()
    worker.join()
    alive = QLabel()
    qtbot.addWidget(alive)
    threading.Thread(target=post, args=(alive, shown.append, "in time")).start()
    qtbot.waitUntil(lambda: shown == ["in time"], timeout=15000)

    stop = threading.Event()
    bridges = [CardBridge() for _ in range(50)]
    delivered = []
    for bridge in bridges:
        bridge.event.connect(delivered.append)

    def card_thread():
        while not stop.is_set():
            for bridge in bridges:
                bridge.on_card_event("card_inserted")

    thread = threading.Thread(target=card_thread)
    thread.start()
    try:
        qtbot.waitUntil(lambda: len(delivered) > 0, timeout=15000)
        for bridge in bridges[1:]:              # deleted on the GUI thread while the card thread emits
            bridge.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            QCoreApplication.processEvents()
        delivered.clear()
        qtbot.waitUntil(lambda: len(delivered) > 0, timeout=15000)   # the one left still hears
    finally:
        stop.set()
        thread.join()
    assert set(delivered) == {"card_inserted"}


def test_closing_the_controller_removes_its_idle_watcher_and_timer(qtbot, training_store, lang_ja):
    from PySide6.QtCore import QCoreApplication, QEvent
    from shiboken6 import isValid

    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             with_card=False)
    controller = Controller(services)
    controller.start()
    qtbot.waitUntil(lambda: services.store is not None, timeout=15000)
    idle, timer, signin = controller.idle, controller.lock_timer, controller.signin
    controller.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not any(isValid(o) for o in (controller, idle, timer, signin))
    services.close()


def test_a_mute_card_is_not_called_not_a_my_number_card(qtbot, lang_ja):
    from app.card.errors import CardDoesNotAnswer, UnknownCard
    from app.ui.cardpanel import CardPanel, CardView

    panel = CardPanel()
    qtbot.addWidget(panel)
    panel.show_view(CardView(reader="R", readers=["R"], state="unknown_card", detail=CardDoesNotAnswer()))
    assert panel.state_label.text() == "カードが応答しません" and "再交付" in panel.detail_label.text()
    panel.show_view(CardView(reader="R", readers=["R"], state="unknown_card", detail=UnknownCard()))
    assert panel.state_label.text() == "マイナンバーカードではありません"

"""Sign-in, the idle lock and the flow into the main window, on a real store with the training
accounts (Argon2id passwords, audited sign-ins) of ``app.security``."""

from __future__ import annotations

import pytest

from tests.ui.uihelpers import dispose

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot, training_store, lang_ja):
    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             with_card=False)
    c = Controller(services)
    c.start()
    qtbot.addWidget(c.signin)
    yield c
    dispose(c)
    services.close()


def sign_in(qtbot, signin, login, password):
    signin.login.setText(login)
    signin.password.setText(password)
    qtbot.keyClick(signin.password, "\r")


def test_wrong_password_is_refused_in_plain_words(qtbot, controller):
    sign_in(qtbot, controller.signin, "clerk1", "wrong-password")
    assert controller.window is None
    assert "パスワードが違います" in controller.signin.message.text()
    assert controller.signin.password.text() == ""       # never left in the field


def test_password_sign_in_opens_the_main_window_and_idle_lock_needs_the_same_person(qtbot, controller):
    sign_in(qtbot, controller.signin, "clerk1", "clerk1-kenshu")
    window = controller.window
    assert window is not None and window.isVisible() and not controller.signin.isVisible()
    assert "窓口 一郎" in window.staff_label.text()

    controller.services.session.idle_seconds = 0          # the clerk walked away
    controller._check_idle()
    assert not window.isVisible() and controller.signin.isVisible()
    assert controller.signin.login.isReadOnly() and controller.signin.login.text() == "clerk1"
    assert "窓口 一郎" in controller.signin.subtitle.text()

    # another person cannot take over the locked session
    controller.signin.login.setReadOnly(False)
    sign_in(qtbot, controller.signin, "clerk2", "clerk2-kenshu")
    assert not window.isVisible()
    assert "本人だけ" in controller.signin.message.text()

    controller.services.session.idle_seconds = 300
    controller.signin.prepare(controller.services.staff)
    sign_in(qtbot, controller.signin, "clerk1", "clerk1-kenshu")
    assert window.isVisible()

"""Fixtures for the window tests (pytest-qt, offscreen): one QApplication for the session, set up
exactly as the app sets itself up (bundled font, style, Japanese catalogue built from the .ts)."""

from __future__ import annotations

import pytest

from tests.ui.uihelpers import dispose, ensure_catalogue


@pytest.fixture(scope="session")
def qapp():
    ensure_catalogue()
    from app.ui.main import create_application

    return create_application([], lang="ja")


@pytest.fixture
def lang_ja(qapp):
    from app.ui import i18n

    i18n.language().set("ja")
    yield
    i18n.language().set("ja")


@pytest.fixture
def window(qtbot, tmp_path, lang_ja, request):
    """The main window after a real password sign-in (clerk1, or the login given by
    ``@pytest.mark.parametrize("window", ["dual1"], indirect=True)``)."""
    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=tmp_path / "demo.db")
    controller = Controller(services)
    controller.start()
    qtbot.addWidget(controller.signin)
    login = getattr(request, "param", "clerk1")
    controller.signin.login.setText(login)
    controller.signin.password.setText(f"{login}-kenshu")
    controller.signin.sign_in_with_password()
    w = controller.window
    qtbot.addWidget(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)   # shortcuts need the active window
    w.controller = controller
    yield w
    dispose(w, controller.signin)
    services.close()

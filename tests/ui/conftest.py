"""Fixtures for the window tests (pytest-qt, offscreen): one QApplication for the session, set up
exactly as the app sets itself up (bundled font, style, Japanese catalogue built from the .ts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.uihelpers import dispose, ensure_catalogue


@pytest.fixture(scope="session")
def qapp():
    ensure_catalogue()
    from app.ui.main import create_application

    return create_application([], lang="ja")


@pytest.fixture(scope="session")
def _training_store_template(tmp_path_factory):
    """A training store with the training accounts, made once (their Argon2id hashes are slow);
    each test gets its own copy."""
    from app.config import OfficeConfig
    from app.ui.services import Services

    path = tmp_path_factory.mktemp("training-template") / "demo.db"
    services = Services.open(config=OfficeConfig(), training=True, store_path=path, with_card=False)
    services.prepare()
    services.close()
    return path


@pytest.fixture
def training_store(tmp_path, _training_store_template):
    import shutil

    return Path(shutil.copy(_training_store_template, tmp_path / "demo.db"))


@pytest.fixture
def lang_ja(qapp):
    from app.ui import i18n

    i18n.language().set("ja")
    yield
    i18n.language().set("ja")


@pytest.fixture
def window(qtbot, training_store, lang_ja, request):
    """The main window after a real password sign-in (clerk1, or the login given by
    ``@pytest.mark.parametrize("window", ["dual1"], indirect=True)``)."""
    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             with_card=False)
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
    qtbot.waitUntil(w.isActiveWindow, timeout=15000)   # shortcuts need the active window
    w.controller = controller
    yield w
    dispose(controller)
    services.close()


@pytest.fixture
def card_window(qtbot, training_store, lang_ja, pcsc_stack, card_file):
    """The main window on a store holding the test card's holder (a resident with the card's My
    Number and a card row pointing at the test card file), with the real reader service on the
    session's PC/SC stack; the training tray puts the card on "Virtual PCD 00 00"."""
    from app.config import OfficeConfig
    from app.ui.main import Controller
    from app.ui.services import Services
    from tests.ui.uihelpers import add_card_holder

    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             stack=pcsc_stack)
    services.prepare()
    holder_id = add_card_holder(services.store, card_file)
    controller = Controller(services)
    controller.start()
    qtbot.addWidget(controller.signin)
    qtbot.waitUntil(lambda: services.card_service is not None, timeout=15000)
    controller.signin.login.setText("clerk1")
    controller.signin.password.setText("clerk1-kenshu")
    controller.signin.sign_in_with_password()
    w = controller.window
    qtbot.addWidget(w)
    w.holder_id = holder_id
    yield w
    pcsc_stack.remove(0)
    dispose(controller)
    services.close()

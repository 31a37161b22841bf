"""File → Change my password: the signed-in clerk changes her own password in the window; the
dialog says what is wrong (in the window's language) and keeps nothing it was given."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.gui


def test_a_clerk_changes_her_own_password_from_the_file_menu(qtbot, window):
    from app.security import keys
    from app.security.staff import AuthError, authenticate_password
    from app.ui.passworddialog import ChangePasswordDialog

    store = window.services.store
    pub_before = store.conn.execute("SELECT sign_pub FROM staff WHERE login = 'clerk1'").fetchone()[0]
    assert window.act_password.text() == "パスワードの変更(&P)…"
    assert window.act_password in window.file_menu.actions()
    said = []

    def answer(dialog, old, new, again):
        dialog.old.setText(old)
        dialog.new.setText(new)
        dialog.again.setText(again)
        dialog.buttons.accepted.emit()
        said.append(dialog.message.text())
        assert (dialog.old.text(), dialog.new.text(), dialog.again.text()) == ("", "", "")

    def drive():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChangePasswordDialog):
            QTimer.singleShot(20, drive)          # the dialog is not up yet
            return
        assert dialog.windowTitle() == "パスワードの変更"
        answer(dialog, "clerk1-kenshu", "clerk1-changed", "clerk1-other")      # two new differ
        answer(dialog, "not-my-password", "clerk1-changed", "clerk1-changed")
        answer(dialog, "clerk1-kenshu", "short", "short")
        assert dialog.isVisible()                                               # still asking
        answer(dialog, "clerk1-kenshu", "clerk1-changed", "clerk1-changed")

    QTimer.singleShot(0, drive)
    assert window.change_password() is True
    assert said[0] == "新しいパスワードが一致しません。"
    assert said[1] == "ログインIDまたはパスワードが違います。"
    assert "10文字以上" in said[2]
    assert said[3] == ""
    assert window.statusBar().currentMessage() == "パスワードを変更しました。"
    with pytest.raises(AuthError):
        authenticate_password(store, "clerk1", "clerk1-kenshu", terminal_id="T")
    auth = authenticate_password(store, "clerk1", "clerk1-changed", terminal_id="T")
    pub_after = store.conn.execute("SELECT sign_pub FROM staff WHERE login = 'clerk1'").fetchone()[0]
    assert pub_after == pub_before                                  # the same signing key
    assert keys.public_hex(auth.signing_key) == keys.current_public(pub_after)


def test_cancel_changes_nothing(qtbot, window):
    from app.security.staff import authenticate_password
    from app.ui.passworddialog import ChangePasswordDialog

    def drive():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChangePasswordDialog):
            QTimer.singleShot(20, drive)
            return
        dialog.old.setText("clerk1-kenshu")
        dialog.buttons.rejected.emit()

    QTimer.singleShot(0, drive)
    assert window.change_password() is False
    authenticate_password(window.services.store, "clerk1", "clerk1-kenshu", terminal_id="T")



def _sign_in_after_a_reset(qtbot, training_store, temporary, answer):
    """Sign clerk1 in with the temporary password an administrator set; ``answer(dialog)`` is
    called once the due dialog is up (inside its own event loop); returns when it has closed."""
    from app.config import OfficeConfig
    from app.security.staff import reset_password
    from app.store import open_store
    from app.ui.main import Controller
    from app.ui.passworddialog import ChangePasswordDialog
    from app.ui.services import Services

    with open_store(training_store) as store:          # `madoguchi staff reset-password clerk1`
        reset_password(store, "clerk1", temporary, actor_id=None, terminal_id="T")
    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             with_card=False)
    controller = Controller(services)
    controller.start()
    qtbot.addWidget(controller.signin)
    seen = []

    def drive():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChangePasswordDialog):
            QTimer.singleShot(20, drive)          # the dialog is not up yet
            return
        seen.append(dialog)
        answer(dialog)

    QTimer.singleShot(0, drive)
    controller.signin.login.setText("clerk1")
    controller.signin.password.setText(temporary)
    controller.signin.sign_in_with_password()
    qtbot.addWidget(controller.window)
    qtbot.waitUntil(lambda: bool(seen) and not seen[0].isVisible(), timeout=30000)
    return controller, services, seen[0]


def test_after_an_administrators_reset_she_chooses_her_own_at_sign_in(qtbot, training_store, lang_ja):
    from app.security.staff import authenticate_password, own_password_due
    from tests.ui.uihelpers import dispose

    def answer(dialog):
        dialog.old.setText("temporary-pass-1")
        dialog.new.setText("clerk1-own-choice")
        dialog.again.setText("clerk1-own-choice")
        dialog.buttons.accepted.emit()

    controller, services, dialog = _sign_in_after_a_reset(qtbot, training_store, "temporary-pass-1", answer)
    try:
        assert dialog.due and "管理者がパスワードを再設定しました" in dialog.lead.text()
        store = services.store
        assert not own_password_due(store.conn, services.staff.id) and controller.window.isVisible()
        authenticate_password(store, "clerk1", "clerk1-own-choice", terminal_id="T")
    finally:
        dispose(controller)
        services.close()


def test_cancelling_the_due_change_signs_her_out(qtbot, training_store, lang_ja):
    from app.security.staff import own_password_due
    from tests.ui.uihelpers import dispose

    controller, services, _dialog = _sign_in_after_a_reset(
        qtbot, training_store, "temporary-pass-2", lambda dialog: dialog.buttons.rejected.emit())
    try:
        qtbot.waitUntil(lambda: services.staff is None, timeout=15000)
        assert controller.signin.isVisible() and not controller.window.isVisible()
        clerk = services.store.conn.execute("SELECT id FROM staff WHERE login = 'clerk1'").fetchone()[0]
        assert own_password_due(services.store.conn, clerk)                # still to be chosen
    finally:
        dispose(controller)
        services.close()

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

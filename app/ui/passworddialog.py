"""パスワードの変更: the signed-in person changes their own password (File → Change my password).

Old password, the new one twice. Opened from the File menu, or at sign-in when an administrator
reset the password on this terminal (``due``: then Cancel signs the person out). The rules, the proof and the re-wrapping of the signing key are
``app.security.staff.change_own_password``'s (through ``Desk.change_own_password``); the dialog
only collects the three fields, hands them on and clears them, whatever the answer. Nothing here
keeps or logs a password.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from app.ui import i18n


class ChangePasswordDialog(QDialog):
    def __init__(self, services, parent: QWidget | None = None, *, due: bool = False) -> None:
        super().__init__(parent)
        self.services = services
        self.due = due
        self.setObjectName("ChangePasswordDialog")
        self.setModal(True)
        form = QFormLayout(self)
        self.lead = QLabel(self)
        self.lead.setWordWrap(True)
        self.lead.setVisible(due)
        form.addRow(self.lead)
        self.old, self.new, self.again = (self._field(name) for name in ("old", "new", "again"))
        self.old_label, self.new_label, self.again_label = QLabel(self), QLabel(self), QLabel(self)
        form.addRow(self.old_label, self.old)
        form.addRow(self.new_label, self.new)
        form.addRow(self.again_label, self.again)
        self.message = QLabel(self)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.change)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._error = None
        self.resize(560, 240)
        i18n.translate_ui(self)

    def _field(self, name: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Change my password"))
        self.lead.setText(self.tr("Your password was reset by an administrator. Choose your own "
                                  "to go on; Cancel signs you out."))
        self.old_label.setText(self.tr("Current password"))
        self.new_label.setText(self.tr("New password"))
        self.again_label.setText(self.tr("New password again"))
        self.message.setText(i18n.text_of(self._error))

    def change(self) -> None:
        old, new, again = self.old.text(), self.new.text(), self.again.text()
        for edit in (self.old, self.new, self.again):
            edit.clear()
        result = self.services.change_own_password(old, new, again)
        del old, new, again
        if result.ok:
            self._error = None
            self.message.clear()
            self.accept()
            return
        self._error = result.error
        self.message.setText(i18n.text_of(result.error))
        self.old.setFocus()

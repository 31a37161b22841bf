"""The resident's PIN dialog (暗証番号入力): shown to the resident, who types the card PIN
themselves (a turned screen or a second display at the counter).

The value is never shown (password echo), never logged, never kept: :meth:`ResidentPinDialog.ask`
hands it to the caller, which passes it straight to the card thread, and clears the field. Digits
are laid out as a large on-screen pad too, for a resident who cannot use the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtCore import QRegularExpression
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.ui import i18n, theme


class ResidentPinDialog(QDialog):
    """Four-digit PIN of the card-info input-support application, typed by the resident."""

    def __init__(self, parent: QWidget | None = None, digits: int = 4) -> None:
        super().__init__(parent)
        self.setObjectName("ResidentPinDialog")
        self.setModal(True)
        self.digits = digits
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setFont(theme.scaled(6, bold=True))
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setFont(theme.scaled(3))
        layout.addWidget(self.hint)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("pin")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(digits)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{digits}}}"), self))
        self.edit.setFont(theme.scaled(14, bold=True))
        self.edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        layout.addWidget(self.edit)
        pad = QGridLayout()
        for i, label in enumerate("123456789"):
            pad.addWidget(self._key(label), i // 3, i % 3)
        self.clear_key = QPushButton(self)
        self.clear_key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.clear_key.clicked.connect(self.edit.clear)
        pad.addWidget(self.clear_key, 3, 0)
        pad.addWidget(self._key("0"), 3, 1)
        layout.addLayout(pad)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.edit.returnPressed.connect(self._accept)
        self.resize(520, 560)
        i18n.translate_ui(self)

    def _key(self, label: str) -> QPushButton:
        key = QPushButton(label, self)
        key.setFont(theme.scaled(10, bold=True))
        key.setMinimumHeight(56)
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.clicked.connect(lambda: self.edit.insert(label))
        return key

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("PIN — for the resident"))
        self.title.setText(self.tr("Please type your card's 4-digit PIN\n(券面事項入力補助用)"))
        self.hint.setText(self.tr("Only you type it. Staff never see it and it is not kept. "
                                  "A wrong PIN uses one of your 3 tries."))
        self.clear_key.setText(self.tr("Clear"))

    def _accept(self) -> None:
        if len(self.edit.text()) == self.digits:
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> str | None:
        """Show the dialog; return the PIN typed, or None if cancelled. Tests replace this."""
        return _typed(cls(parent))


def _typed(dialog) -> str | None:
    """Run a dialog with one secret field ``edit``: what was typed, or None; the field is cleared."""
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.edit.text()
    finally:
        dialog.edit.clear()
        dialog.deleteLater()


#: what a new secret looks like (CARD.md): secret → (regular expression, max length, digits only)
NEW_PIN_RULES = {
    "sign": ("[A-Z0-9]{6,16}", 16, False),
    "auth": ("[0-9]{4}", 4, True),
    "juki": ("[0-9]{4}", 4, True),
    "input": ("[0-9]{4}", 4, True),
}


class NewPinDialog(QDialog):
    """The holder sets a new PIN (after a reset): typed twice, never shown, never kept."""

    def __init__(self, secret: str, secret_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NewPinDialog")
        self.setModal(True)
        self.secret_label = secret_label
        pattern, length, digits = NEW_PIN_RULES[secret]
        self.pattern = QRegularExpression(f"^{pattern}$")
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setFont(theme.scaled(5, bold=True))
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.edits = []
        for name in ("new_pin", "new_pin_again"):
            edit = QLineEdit(self)
            edit.setObjectName(name)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMaxLength(length)
            edit.setFont(theme.scaled(10, bold=True))
            edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            edit.setValidator(QRegularExpressionValidator(QRegularExpression(
                f"[0-9]{{0,{length}}}" if digits else f"[A-Z0-9]{{0,{length}}}"), self))
            edit.textChanged.connect(self._update)
            layout.addWidget(edit)
            self.edits.append(edit)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, 360)
        i18n.translate_ui(self)
        self._update()

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("New PIN — for the holder"))
        self.title.setText(self.tr("Type your new {secret}, then once more").format(secret=self.secret_label))
        self.hint.setText(self.tr("Only you type it. Staff never see it and it is not kept."))

    def _update(self) -> None:
        a, b = (e.text() for e in self.edits)
        ok = bool(self.pattern.match(a).hasMatch()) and a == b
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    @classmethod
    def ask(cls, secret: str, secret_label: str, parent: QWidget | None = None) -> str | None:
        """The new PIN typed twice by the holder, or None. Tests replace this."""
        dialog = cls(secret, secret_label, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.edits[0].text()
        finally:
            for e in dialog.edits:
                e.clear()
            dialog.deleteLater()


class SigningPasswordDialog(QDialog):
    """The holder types the signing password (6–16 upper-case letters and digits) so that the
    signing certificate can be read: never shown, never kept. Cancel reads without it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SigningPasswordDialog")
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setFont(theme.scaled(5, bold=True))
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("password")
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setMaxLength(16)
        self.edit.setFont(theme.scaled(10, bold=True))
        self.edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression("[A-Z0-9]{0,16}"), self))
        layout.addWidget(self.edit)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, 300)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Signing password — for the holder"))
        self.title.setText(self.tr("Please type the password of your signing certificate\n(署名用電子証明書)"))
        self.hint.setText(self.tr("Only you type it. Staff never see it and it is not kept. A wrong password "
                                  "uses one of your 5 tries. Cancel: the signing certificate is not read."))

    def _accept(self) -> None:
        if QRegularExpression("^(?=.*[A-Z])(?=.*[0-9])[A-Z0-9]{6,16}$").match(self.edit.text()).hasMatch():
            self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> str | None:
        """The password typed by the holder, or None (cancelled). Tests replace this."""
        return _typed(cls(parent))

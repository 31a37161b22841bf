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
        dialog = cls(parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.edit.text()
        finally:
            dialog.edit.clear()
            dialog.deleteLater()

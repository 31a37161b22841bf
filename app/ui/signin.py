"""Staff sign-in (職員サインイン): by password, or with the staff member's own My Number card.

Shown at start and when the session locks after idle time (then only the same person, or a
sign-out, can continue). The password and the card PIN are passed straight to the security layer
and the fields are cleared; nothing here keeps or logs them. Card sign-in runs on the card thread;
this window only waits for the callback.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QMainWindow, QPushButton, QVBoxLayout, QWidget)

from app.ui import i18n, theme
from app.ui.widgets import LanguageMenu, TrainingBanner


class SignInWindow(QMainWindow):
    signed_in = Signal(object)   # the staff member (services' Staff)

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.locked_staff = None
        self.setObjectName("SignInWindow")
        self.menuBar().addMenu(LanguageMenu(self, on_change=services.remember_language))

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        if services.training:
            outer.addWidget(TrainingBanner(central))
        body = QVBoxLayout()
        body.setContentsMargins(40, 20, 40, 20)
        outer.addLayout(body, 1)

        self.title = QLabel(central)
        self.title.setObjectName("Title")
        self.title.setFont(theme.scaled(8, bold=True))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.addWidget(self.title)
        self.subtitle = QLabel(central)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        body.addWidget(self.subtitle)

        row = QHBoxLayout()
        body.addLayout(row)

        self.pw_box = QGroupBox(central)
        form = QFormLayout(self.pw_box)
        self.login = QLineEdit(self.pw_box)
        self.login.setObjectName("login")
        self.password = QLineEdit(self.pw_box)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.pw_button = QPushButton(self.pw_box)
        self.pw_button.setDefault(True)
        self.login_label, self.password_label = QLabel(), QLabel()
        form.addRow(self.login_label, self.login)
        form.addRow(self.password_label, self.password)
        form.addRow(self.pw_button)
        row.addWidget(self.pw_box, 1)

        self.card_box = QGroupBox(central)
        cform = QFormLayout(self.card_box)
        self.card_hint = QLabel(self.card_box)
        self.card_hint.setWordWrap(True)
        self.card_pin = QLineEdit(self.card_box)
        self.card_pin.setObjectName("card_pin")
        self.card_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.card_pin.setMaxLength(4)
        self.card_pin.setInputMask("")
        self.card_button = QPushButton(self.card_box)
        self.card_pin_label = QLabel()
        cform.addRow(self.card_hint)
        cform.addRow(self.card_pin_label, self.card_pin)
        cform.addRow(self.card_button)
        row.addWidget(self.card_box, 1)

        self.message = QLabel(central)
        self.message.setObjectName("Reason")
        self.message.setWordWrap(True)
        self.message.setFont(theme.scaled(2, bold=True))
        body.addWidget(self.message)

        self.sign_out_button = QPushButton(central)
        self.sign_out_button.hide()
        body.addWidget(self.sign_out_button, 0, Qt.AlignmentFlag.AlignRight)
        body.addStretch(1)
        self.setCentralWidget(central)

        self.pw_button.clicked.connect(self.sign_in_with_password)
        self.login.returnPressed.connect(self.password.setFocus)
        self.password.returnPressed.connect(self.sign_in_with_password)
        self.card_pin.returnPressed.connect(self.sign_in_with_card)
        self.card_button.clicked.connect(self.sign_in_with_card)
        self.sign_out_button.clicked.connect(self._abandon_lock)
        QShortcut(QKeySequence("Ctrl+K"), self, activated=self.card_pin.setFocus)
        self.setTabOrder(self.login, self.password)
        self.setTabOrder(self.password, self.pw_button)
        self.setTabOrder(self.pw_button, self.card_pin)
        self.setTabOrder(self.card_pin, self.card_button)
        self.resize(1000, 600)
        self._error = None
        i18n.translate_ui(self)

    # ------------------------------------------------------------------------------------------
    def prepare(self, locked_staff=None) -> None:
        """Reset the form; when the session is locked, only ``locked_staff`` may unlock."""
        self.locked_staff = locked_staff
        self.password.clear()
        self.card_pin.clear()
        self._error = None
        if locked_staff is not None:
            self.login.setText(locked_staff.login)
            self.login.setReadOnly(True)
            self.password.setFocus()
        else:
            self.login.setReadOnly(False)
            self.login.clear()
            self.login.setFocus()
        self.sign_out_button.setVisible(locked_staff is not None)
        self.translateUI()

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Madoguchi — staff sign-in"))
        self.title.setText(self.tr("Madoguchi counter terminal"))
        if self.locked_staff is not None:
            self.subtitle.setText(self.tr("Locked after inactivity. {name}, sign in again to continue.")
                                  .format(name=self.locked_staff.display_name))
        else:
            self.subtitle.setText(self.tr("Sign in with your own account before serving a resident."))
        self.pw_box.setTitle(self.tr("Password"))
        self.login_label.setText(self.tr("Staff ID"))
        self.password_label.setText(self.tr("Password"))
        self.pw_button.setText(self.tr("Sign in"))
        self.card_box.setTitle(self.tr("Your own My Number card"))
        self.card_hint.setText(self.tr("Put your own card on the reader and type your "
                                       "user-authentication PIN (4 digits)."))
        self.card_pin_label.setText(self.tr("PIN"))
        self.card_button.setText(self.tr("Sign in with card (Ctrl+K)"))
        self.sign_out_button.setText(self.tr("Sign out instead"))
        self.message.setText(i18n.text_of(self._error) if self._error else "")

    # ------------------------------------------------------------------------------------------
    def _show_error(self, error) -> None:
        self._error = error
        self.message.setText(i18n.text_of(error))

    def sign_in_with_password(self) -> None:
        login, password = self.login.text().strip(), self.password.text()
        self.password.clear()
        if not login or not password:
            self._show_error({"ja": "職員IDとパスワードを入力してください。",
                              "en": "Type your staff ID and password."})
            return
        result = self.services.sign_in_password(login, password, only=self.locked_staff)
        self._finish(result)

    def sign_in_with_card(self) -> None:
        pin = self.card_pin.text()
        self.card_pin.clear()
        if len(pin) != 4 or not pin.isdigit():
            self._show_error({"ja": "暗証番号は数字4桁です。", "en": "The PIN is 4 digits."})
            return
        self.card_button.setEnabled(False)
        self._show_error({"ja": "カードを確認しています…", "en": "Checking the card…"})
        self.services.sign_in_card(pin, self._card_done, only=self.locked_staff)

    def _card_done(self, result) -> None:
        self.card_button.setEnabled(True)
        self._finish(result)

    def _finish(self, result) -> None:
        """``result`` is the signed-in staff member or an error with ja/en text."""
        if getattr(result, "ok", False):
            staff = result.staff
            self._error = None
            self.message.clear()
            self.signed_in.emit(staff)
        else:
            self._show_error(result.error)

    def _abandon_lock(self) -> None:
        self.services.sign_out()
        self.prepare(None)

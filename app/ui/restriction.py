"""The restriction warning (支援措置の警告) and the support officer's sign-off dialog (解除・拒否).

A case whose scope touches a person under a DV/stalking support measure stops: the warning fills
the width of the case page in white on deep red, has no close button and stays for as long as the
engine says the case awaits release. The only way on is :class:`SignOffDialog`: a second person
signs in on the spot (password or own card), sees the request summary, ticks the identity checks
and the scope, and releases or refuses. Whether that person may release (never the handling
clerk, a support officer, fresh sign-in) is decided by ``app.security``; the dialog shows its
answer. While a release is in force, its remaining time is shown and counts down.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from app.desk.gate import OFFICER_CHECKS
from app.ui import i18n, theme
from app.ui.widgets import ReasonBox
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

class RestrictionWarning(QWidget):
    """Full-width block on the case page; cannot be dismissed."""

    released = Signal()          # re-render (a release expired)
    decided = Signal(str)        # the officer released or refused: "release" / "refuse"

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.view = None
        self.release = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setObjectName("RestrictionWarning")
        self.label.setWordWrap(True)
        self.label.setFont(theme.scaled(4, bold=True))
        layout.addWidget(self.label)
        # the requester channel, apart from the staff warning: the neutral sentence to say
        self.said_box = ReasonBox(self)
        self.said_box.setObjectName("Notes")
        layout.addWidget(self.said_box)
        row = QHBoxLayout()
        self.sign_off_button = QPushButton(self)
        self.sign_off_button.setObjectName("sign_off")
        self.sign_off_button.setFont(theme.scaled(2, bold=True))
        row.addWidget(self.sign_off_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.release_label = QLabel(self)
        self.release_label.setObjectName("release_time")
        self.release_label.setWordWrap(True)
        self.release_label.setFont(theme.scaled(2, bold=True))
        self.release_label.setStyleSheet(f"background: #fff3cd; color: {theme.WARN}; border: 2px solid {theme.WARN}; padding: 6px;")
        layout.addWidget(self.release_label)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.sign_off_button.clicked.connect(self.sign_off)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, activated=self.sign_off)
        self.hide()
        i18n.translate_ui(self)

    def show_view(self, view) -> None:
        self.view = view
        self.release = self.services.active_release(view)
        blocked = view.status == "awaiting_release"
        self.label.setVisible(blocked)
        self.sign_off_button.setVisible(blocked)
        self.release_label.setVisible(self.release is not None)
        self.setVisible(blocked or self.release is not None)
        if self.release is not None:
            self.timer.start()
        else:
            self.timer.stop()
        self.translateUI()

    def translateUI(self) -> None:  # noqa: N802
        if self.view is None:
            return
        from app.rules.core import requester_channel

        reasons = (self.view.gate or {}).get("decision", {}).get("reasons", [])
        staff = self.services.staff
        outsourced = bool(getattr(staff, "outsourced", False))
        self.sign_off_button.setVisible(not outsourced)     # 委託: hand over, never signed off
        if outsourced:
            text = self.tr("⚠ This request is handled by a municipal employee. Do not go on: call the "
                           "employee in charge and hand the case over.")
        else:
            text = self.tr("FOR YOU ONLY (staff) — do not read aloud, show or print.") + "\n"
            text += self.tr("⚠ SUPPORT MEASURE (DV etc.): this case is stopped. A person in this request is "
                            "protected. Do not say whether the person lives here. Only the support officer — "
                            "not you — can release it.")
        for r in reasons:
            text += "\n• " + i18n.text_of(r) + (f"  [{r.get('source')}]" if r.get("source") else "")
        self.label.setText(text)
        blocked = self.view.status == "awaiting_release"
        if blocked:
            self.said_box.show_reasons(self.tr("Say only this to the requester:"), requester_channel(reasons))
        else:
            self.said_box.clear()
        self.sign_off_button.setText(self.tr("Support officer sign-off… (Ctrl+Shift+S)"))
        self._tick()

    def _tick(self) -> None:
        if self.release is None:
            return
        left = self.release.seconds_left()
        if left <= 0:
            self.timer.stop()
            self.release_label.setText(self.tr("The temporary release has expired. The restriction is back."))
            self.released.emit()        # re-render: the engine decides what this means now
            return
        self.release_label.setText(self.tr("Temporarily released by {officer} for this request only: "
                                           "{minutes}:{seconds:02d} left").format(
            officer=self.release.officer_name, minutes=int(left) // 60, seconds=int(left) % 60))

    def sign_off(self) -> None:
        if not self.sign_off_button.isVisible():
            return
        result = SignOffDialog.run(self, self.services, self.view)
        if result:
            self.decided.emit(result)


class SignOffDialog(QDialog):
    """A second person signs in here and releases or refuses this one request."""

    def __init__(self, services, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SignOffDialog")
        self.services = services
        self.view = view
        self.outcome = None
        self._error = None
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("RestrictionWarning")
        self.title.setWordWrap(True)
        self.title.setFont(theme.scaled(3, bold=True))
        layout.addWidget(self.title)
        self.summary_box = QGroupBox(self)
        sl = QVBoxLayout(self.summary_box)
        self.summary = QLabel(self.summary_box)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sl.addWidget(self.summary)
        layout.addWidget(self.summary_box)
        self.checks_box = QGroupBox(self)
        cl = QVBoxLayout(self.checks_box)
        self.checks = {}
        for code, ja, en in OFFICER_CHECKS:
            box = QCheckBox(self.checks_box)
            box.setObjectName(f"check_{code}")
            box.toggled.connect(self._update_buttons)
            cl.addWidget(box)
            self.checks[code] = (box, ja, en)
        layout.addWidget(self.checks_box)
        self.auth_box = QGroupBox(self)
        form = QFormLayout(self.auth_box)
        self.login = QLineEdit(self.auth_box)
        self.login.setObjectName("officer_login")
        self.password = QLineEdit(self.auth_box)
        self.password.setObjectName("officer_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.login_label, self.password_label = QLabel(), QLabel()
        form.addRow(self.login_label, self.login)
        form.addRow(self.password_label, self.password)
        self.card_pin_label = QLabel()
        self.card_pin = QLineEdit(self.auth_box)
        self.card_pin.setObjectName("officer_card_pin")
        self.card_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.card_pin.setMaxLength(4)
        form.addRow(self.card_pin_label, self.card_pin)
        self.note_label = QLabel()
        self.note = QPlainTextEdit(self.auth_box)
        self.note.setObjectName("officer_note")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(60)
        form.addRow(self.note_label, self.note)
        layout.addWidget(self.auth_box)
        self.message = QLabel(self)
        self.message.setObjectName("Reason")
        self.message.setWordWrap(True)
        self.message.setFont(theme.scaled(1, bold=True))
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(self)
        self.refuse_button = QPushButton(self)
        self.refuse_button.setObjectName("refuse")
        self.release_button = QPushButton(self)
        self.release_button.setObjectName("release")
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.refuse_button)
        row.addWidget(self.release_button)
        layout.addLayout(row)
        self.cancel_button.clicked.connect(self.reject)
        self.release_button.clicked.connect(lambda: self._decide("release"))
        self.refuse_button.clicked.connect(lambda: self._decide("refuse"))
        self.resize(900, 700)
        self._update_buttons()
        i18n.translate_ui(self)
        self.login.setFocus()

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Support officer sign-off"))
        self.title.setText(self.tr("Support officer only. The clerk handling this case cannot "
                                   "release it, whatever roles they hold."))
        self.summary_box.setTitle(self.tr("The request"))
        self.summary.setText(self.services.gate_summary(self.view))
        self.checks_box.setTitle(self.tr("Identity checklist and scope (tick after checking)"))
        for box, ja, en in self.checks.values():
            box.setText(i18n.pick(ja, en))
        self.auth_box.setTitle(self.tr("Sign in here, on this terminal"))
        self.login_label.setText(self.tr("Officer's staff ID"))
        self.password_label.setText(self.tr("Password"))
        self.card_pin_label.setText(self.tr("or own card: PIN"))
        self.note_label.setText(self.tr("Note / reason for a refusal"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.refuse_button.setText(self.tr("Refuse the request"))
        self.release_button.setText(self.tr("Release for this request ({minutes} min)").format(
            minutes=self.services.release_minutes()))
        if self._error is not None:
            self.message.setText(i18n.text_of(self._error))

    def _update_buttons(self) -> None:
        all_checked = all(box.isChecked() for box, _, _ in self.checks.values())
        self.release_button.setEnabled(all_checked)

    def _decide(self, action: str) -> None:
        login, password = self.login.text().strip(), self.password.text()
        pin = self.card_pin.text()
        self.password.clear()
        self.card_pin.clear()
        checks = [code for code, (box, _, _) in self.checks.items() if box.isChecked()]
        note = self.note.toPlainText().strip()
        if pin and not password:
            # the officer's own card on this terminal's reader; the answer comes back later
            self.release_button.setEnabled(False)
            self.refuse_button.setEnabled(False)
            self.services.sign_off_with_card(self.view, pin, action=action, checks=checks, note=note,
                                             on_done=lambda result: self._finish(action, result))
            return
        self._finish(action, self.services.sign_off(self.view, login, password, action=action,
                                                    checks=checks, note=note))

    def _finish(self, action: str, result) -> None:
        self.refuse_button.setEnabled(True)
        self._update_buttons()
        if result.ok:
            self._error = None
            self.message.clear()
            self.outcome = action
            self.accept()
        else:
            self._error = result.error
            self.message.setText(i18n.text_of(result.error))

    @classmethod
    def run(cls, parent, services, view) -> str | None:
        """Show the dialog; return "release", "refuse" or None. Tests drive it through ``exec``."""
        dialog = cls(services, view, parent)
        try:
            dialog.exec()
            return dialog.outcome
        finally:
            dialog.deleteLater()

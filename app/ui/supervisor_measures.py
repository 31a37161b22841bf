"""The support-measure part of the supervisor's desk: the ledger table (red while incomplete),
registration of a measure, the second person's confirmation (signed in on the spot), the linked
systems of a measure confirmed one by one, and the monthly reconciliation with its sign-off.

Widgets only show what ``app.security.registration`` and ``app.desk`` decide and send the
supervisor's actions down; every rule (second person, same day, outsourced staff) is checked there.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QDate, QDateTime
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDateTimeEdit, QDialog,
                               QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.ui import i18n
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

KIND_LABELS = {"dv": ("DV", "DV"), "stalking": ("ストーカー", "stalking"),
               "child_abuse": ("児童虐待", "child abuse"), "other": ("その他", "other")}
RED = QColor(255, 225, 225)
RED_TEXT = QColor(160, 0, 0)


def error_label(parent: QWidget, name: str) -> QLabel:
    """The red line where a refusal from the layers below is shown."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #a00000; font-weight: bold;")
    return label


def paint_red(item) -> None:
    """A table cell of something missing (red until done)."""
    item.setBackground(QBrush(RED))
    item.setForeground(QBrush(RED_TEXT))


def save_file(parent: QWidget, path: str, data: bytes) -> bool:
    """Write ``data``; a disk or permission problem is told in a message box (nothing else lost)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        QMessageBox.warning(parent, QCoreApplication.translate("SupervisorDesk", "Not saved"), i18n.pick(
            f"保存できませんでした：{path}（{exc.strerror}）", f"Could not save {path} ({exc.strerror})"))
        return False
    return True


def error_text(exc) -> str:
    """A refusal from the layers below, in the window's language (they say ``ja / en``)."""
    text = str(getattr(exc, "ja", "") and i18n.pick(exc.ja, exc.en) or exc)
    if " / " in text and not hasattr(exc, "ja"):
        ja, en = text.split(" / ", 1)
        return i18n.pick(ja, en)
    return text


def result_text(error) -> str:
    """A refusal that came back from the card flow: a typed card error or a ``ja/en`` dict, or an
    engine refusal (``ja / en``)."""
    if isinstance(error, dict) or hasattr(error, "ja"):
        return i18n.text_of(error)
    return error_text(error)


class SecondPersonDialog(QDialog):
    """A person signs in on the spot — login and password, or their own card and its PIN — to
    sign something of the ledger; ``action(auth, card_sign)`` runs with their fresh sign-in and
    its refusal is shown here. With the card, the card signs the entry the way it signs a release
    (``Services.ledger_with_card``: on the card thread, the answer comes back later); a wrong PIN
    or a pulled card is told here and records nothing. ``own_card_of``: only that person's card
    (signing as the signed-in person after a card sign-in): no login or password is asked."""

    def __init__(self, services, title: str, summary: str, action, parent: QWidget | None = None,
                 *, own_card_of: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SecondPersonDialog")
        self.services, self.action, self.result_value = services, action, None
        self.own_card_of, self.busy = own_card_of, False
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        form = QFormLayout()
        self.login = QLineEdit(self)
        self.login.setObjectName("second_login")
        self.password = QLineEdit(self)
        self.password.setObjectName("second_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.card_pin = QLineEdit(self)
        self.card_pin.setObjectName("second_card_pin")
        self.card_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.card_pin.setMaxLength(4)
        if own_card_of is None:
            form.addRow(self.tr("Staff ID"), self.login)
            form.addRow(self.tr("Password"), self.password)
            form.addRow(self.tr("or own card: PIN"), self.card_pin)
        else:
            self.login.hide()
            self.password.hide()
            form.addRow(self.tr("Your card on the reader: PIN"), self.card_pin)
        layout.addLayout(form)
        self.error = error_label(self, "second_error")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.card_pin if own_card_of else self.login).setFocus()

    def confirm(self) -> None:
        from app.security.measures import MeasureError
        from app.security.staff import AuthError, authenticate_password

        if self.busy:
            return
        pin = self.card_pin.text()
        self.card_pin.clear()
        if self.own_card_of is not None and not pin:
            self.error.setText(self.tr("Type the PIN of your card."))
            return
        if pin and (self.own_card_of is not None or not self.password.text()):
            # the person's own card on this terminal's reader; the answer comes back later
            self.busy = True
            self.buttons.setEnabled(False)
            self.error.setText(self.tr("The card is signing…"))
            self.services.ledger_with_card(pin, self.action, self._card_done, only_staff=self.own_card_of)
            return
        try:
            auth = authenticate_password(self.services.store, self.login.text().strip(), self.password.text(),
                                         terminal_id=self.services.terminal_id)
        except AuthError as exc:
            self.error.setText(error_text(exc))
            return
        finally:
            self.password.clear()
        try:
            self.result_value = self.action(auth, None)
        except MeasureError as exc:
            self.error.setText(error_text(exc))
            return
        self.accept()

    def _card_done(self, result) -> None:
        self.busy = False
        self.buttons.setEnabled(True)
        if not result.ok:            # wrong PIN, card pulled, a refusal: nothing was recorded
            self.error.setText(result_text(result.error))
            return
        self.error.clear()
        self.result_value = result.view
        self.accept()

    def reject(self) -> None:
        if not self.busy:            # the card's answer comes back to this dialog
            super().reject()

    @classmethod
    def run(cls, services, title: str, summary: str, action, parent=None, *, own_card_of: str | None = None):
        """Ask; the action's result, or None when cancelled. Tests replace this."""
        dialog = cls(services, title, summary, action, parent, own_card_of=own_card_of)
        try:
            return dialog.result_value if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()

    @classmethod
    def as_me(cls, services, action, parent=None):
        """``action(auth, card_sign)`` signed by the signed-in person. Every ledger entry is signed
        (``app.security.ledgersig``): a password sign-in opened the person's key and signs at
        once; after a card sign-in the person's own card signs it, as it signs a release (their
        PIN typed here). The result, or None when cancelled."""
        auth = services.session.auth
        if auth.method != "card" or auth.signing_key is not None:
            return action(auth, None)
        return cls.run(services, QCoreApplication.translate("SecondPersonDialog", "Sign with your card"),
                       QCoreApplication.translate(
                           "SecondPersonDialog", "You signed in with your card. Type its PIN to sign this "
                           "entry of the support-measure ledger with it."), action, parent,
                       own_card_of=auth.staff.id)


class MeasureRegistrationDialog(QDialog):
    """申出受付 / 仮支援措置 / 支援決定 / 延長, entered by the signed-in staff member. It blocks at once
    and waits for a second person's confirmation today."""

    STAGES = ("application", "provisional", "decision", "renewal")
    KINDS = ("dv", "stalking", "child_abuse", "other")

    def __init__(self, services, parent: QWidget | None = None, *, measure_id: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MeasureRegistrationDialog")
        self.services, self.registration, self.measure_id = services, None, measure_id
        self.hits = []
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.stage = QComboBox(self)
        self.kind = QComboBox(self)
        search_row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("registration_search")
        self.search_button = QPushButton(self)
        self.search_button.clicked.connect(self.find)
        self.search.returnPressed.connect(self.find)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.search_button)
        self.results = QListWidget(self)
        self.results.setObjectName("registration_results")
        self.results.setMaximumHeight(110)
        self.applied = QDateEdit(QDate.currentDate(), self)
        self.applied.setCalendarPopup(True)
        self.start = QDateEdit(QDate.currentDate(), self)
        self.start.setCalendarPopup(True)
        self.p_family, self.p_given, self.p_address = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        self.labels = [QLabel(self) for _ in range(9)]
        for label, widget in zip(self.labels, (self.stage, None, self.results, self.kind, self.applied, self.start,
                                               self.p_family, self.p_given, self.p_address)):
            if widget is None:
                form.addRow(label, search_row)
            else:
                form.addRow(label, widget)
        layout.addLayout(form)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.error = error_label(self, "registration_error")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.register)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.stage.currentIndexChanged.connect(self._stage_changed)
        i18n.translate_ui(self)
        if measure_id:
            self.stage.setCurrentIndex(self.STAGES.index("decision"))
        self._stage_changed()
        self.resize(760, 640)

    def translateUI(self) -> None:  # noqa: N802
        from app.security.registration import STAGE_LABELS

        self.setWindowTitle(self.tr("Register a support measure"))
        names = [self.tr("Stage"), self.tr("Person to protect"), "", self.tr("Kind"), self.tr("Applied on"),
                 self.tr("Start (decision)"), self.tr("Perpetrator: family name"), self.tr("Perpetrator: given name"),
                 self.tr("Perpetrator: address")]
        for label, name in zip(self.labels, names):
            label.setText(name)
        current = self.stage.currentIndex()
        self.stage.clear()
        self.stage.addItems([i18n.pick(*STAGE_LABELS[s]) for s in self.STAGES])
        self.stage.setCurrentIndex(max(0, current))
        k = self.kind.currentIndex()
        self.kind.clear()
        self.kind.addItems([i18n.pick(*KIND_LABELS[x]) for x in self.KINDS])
        self.kind.setCurrentIndex(max(0, k))
        self.search_button.setText(self.tr("Search"))
        self.search.setPlaceholderText(self.tr("name, kana or birth date"))
        self.note.setText(self.tr("The measure blocks from the moment you register it. A support officer other "
                                  "than you confirms it today; every linked system is then confirmed blocked "
                                  "by name."))

    def _stage_changed(self) -> None:
        stage = self.STAGES[max(0, self.stage.currentIndex())]
        self.start.setEnabled(stage == "decision")
        needs_person = self.measure_id is None and stage != "renewal"
        for w in (self.search, self.search_button, self.results, self.kind, self.p_family, self.p_given,
                  self.p_address):
            w.setEnabled(needs_person)

    def find(self) -> None:
        hits, error = self.services.search_residents(self.search.text(), context="ui.measure_registration")
        self.results.clear()
        self.hits = hits or []
        if error:
            self.error.setText(i18n.text_of(error) if hasattr(error, "ja") else str(error))
            return
        for h in self.hits:
            item = QListWidgetItem(f"{h.family_name} {h.given_name}　{h.birth_date}　{h.address}"
                                   + ("　" + self.tr("[restricted]") if h.restricted else ""))
            self.results.addItem(item)
        if self.hits:
            self.results.setCurrentRow(0)

    def register(self) -> None:
        from app.security import registration as R
        from app.security.measures import MeasureError, Perpetrator

        stage = self.STAGES[self.stage.currentIndex()]
        row = self.results.currentRow()
        target = self.hits[row].id if 0 <= row < len(self.hits) and self.measure_id is None else None
        if stage != "renewal" and self.measure_id is None and target is None:
            self.error.setText(self.tr("Search for the person to protect and choose them in the list."))
            return
        try:
            self.registration = SecondPersonDialog.as_me(self.services, lambda auth, card_sign: R.register(
                self.services.store, auth, stage=stage, card_sign=card_sign,
                applied_date=self.applied.date().toPython(), target_id=target,
                kind=self.KINDS[self.kind.currentIndex()], measure_id=self.measure_id,
                start_date=self.start.date().toPython() if stage == "decision" else None,
                perpetrator=Perpetrator(family_name=self.p_family.text().strip(),
                                        given_name=self.p_given.text().strip(),
                                        address=self.p_address.text().strip())), self)
        except MeasureError as exc:
            self.error.setText(error_text(exc))
            return
        if self.registration is not None:
            self.accept()

    @classmethod
    def ask(cls, services, parent=None, measure_id: str | None = None):
        """The registration made, or None when cancelled. Tests replace this."""
        dialog = cls(services, parent, measure_id=measure_id)
        try:
            return dialog.registration if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


class LinkedSystemsDialog(QDialog):
    """The linked systems of one measure: who confirmed each blocked and when; red while not."""

    def __init__(self, services, measure_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkedSystemsDialog")
        self.services, self.measure_id = services, measure_id
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("systems_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.when_label = QLabel(self)
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.confirm_button = QPushButton(self)
        self.confirm_button.setObjectName("confirm_system")
        self.confirm_button.clicked.connect(self.confirm_selected)
        row.addWidget(self.when_label)
        row.addWidget(self.when)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        layout.addLayout(row)
        self.error = error_label(self, "systems_error")
        layout.addWidget(self.error)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        i18n.translate_ui(self)
        self.resize(900, 560)

    def entry(self):
        from app.security import registration as R

        return R.ledger_entry(self.services.store.conn, self.measure_id, R.office_today())

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Linked systems"))
        self.when_label.setText(self.tr("Blocked at"))
        self.confirm_button.setText(self.tr("Confirm the selected system blocked (as me)"))
        self.table.setHorizontalHeaderLabels([self.tr("System"), self.tr("State"), self.tr("Confirmed by, when")])
        self.fill()

    def fill(self) -> None:
        from app.desk.supervisor import local_time

        entry = self.entry()
        names = dict(self.services.store.conn.execute("SELECT id, display_name FROM staff"))
        target = self.services.store.conn.execute(
            "SELECT family_name || ' ' || given_name FROM residents WHERE id = ?", (entry.measure.target_id,)).fetchone()
        self.title.setText(self.tr("Every system below must also be blocked for {name}. A system not confirmed "
                                   "stays red here, on the desk and in the report.").format(
                                       name=target[0] if target else entry.measure.target_id))
        self.table.setRowCount(len(entry.systems))
        for r, s in enumerate(entry.systems):
            state = self.tr("blocked") if s.confirmed else self.tr("NOT CONFIRMED")
            who = f"{names.get(s.confirmed_by, s.confirmed_by)}　{local_time(s.blocked_at)}" if s.confirmed else ""
            for c, text in enumerate((s.system, state, who)):
                item = QTableWidgetItem(text)
                if not s.confirmed:
                    paint_red(item)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()

    def confirm_selected(self) -> None:
        from app.security import registration as R
        from app.security.measures import MeasureError

        row = self.table.currentRow()
        if row < 0:
            self.error.setText(self.tr("Choose a system in the list."))
            return
        system = self.table.item(row, 0).text()
        when = self.when.dateTime().toPython().astimezone()
        try:
            SecondPersonDialog.as_me(self.services, lambda auth, card_sign: R.confirm_system(
                self.services.store, auth, self.measure_id, system, blocked_at=when, card_sign=card_sign),
                self)
        except MeasureError as exc:
            self.error.setText(error_text(exc))
            return
        self.error.clear()
        self.fill()


class ReconciliationDialog(QDialog):
    """The month's reconciliation as text, saved as PDF, signed off by a support officer."""

    def __init__(self, services, month: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ReconciliationDialog")
        self.services, self.month = services, month
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        layout.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.pdf_button, self.sign_button = QPushButton(self), QPushButton(self)
        self.sign_button.setObjectName("reconcile_sign")
        self.pdf_button.clicked.connect(self.save_pdf)
        self.sign_button.clicked.connect(self.sign_off)
        row.addWidget(self.pdf_button)
        row.addStretch(1)
        row.addWidget(self.sign_button)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        i18n.translate_ui(self)
        self.resize(1000, 640)

    def report(self):
        from app.desk import reports

        rec = reports.reconcile(self.services.store, self.month)
        return rec, reports.signed_rows(self.services.store, rec)

    def translateUI(self) -> None:  # noqa: N802
        from app.desk import reports

        self.setWindowTitle(self.tr("Monthly reconciliation {month}").format(month=self.month))
        self.pdf_button.setText(self.tr("Save as PDF…"))
        self.sign_button.setText(self.tr("Sign off this reconciliation…"))
        rec, signed = self.report()
        self.text.setPlainText(reports.reconciliation_text(rec, signed))

    def save_pdf(self) -> None:
        from app.desk import reports

        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save as PDF"), f"reconciliation-{self.month}.pdf",
                                              "PDF (*.pdf)")
        if path:
            rec, signed = self.report()
            save_file(self, path, reports.render_reconciliation(rec, signed))

    def sign_off(self) -> None:
        from app.security import registration as R

        rec, _signed = self.report()
        SecondPersonDialog.run(
            self.services, self.tr("Sign off the reconciliation"),
            self.tr("A support officer signs in to sign off the reconciliation of {month} "
                    "({n} incomplete application(s)).").format(month=self.month, n=len(rec.incomplete)),
            lambda auth, card_sign: R.record_signoff(self.services.store, auth, month=self.month,
                                                     digest=rec.digest(), incomplete=len(rec.incomplete),
                                                     card_sign=card_sign), self)
        self.translateUI()


class MeasuresTab(QWidget):
    """The ledger: every measure in force, incomplete ones first and red."""

    COLUMNS = 7

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MeasuresTab")
        self.services = services
        self.entries = []
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setObjectName("measures_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.buttons = {}
        for key, slot in (("register", self.register), ("confirm", self.confirm), ("systems", self.systems),
                          ("renew", self.renew), ("end", self.end), ("confirm_end", self.confirm_end),
                          ("reconcile", self.reconcile)):
            b = QPushButton(self)
            b.setObjectName(f"measures_{key}")
            b.clicked.connect(slot)
            row.addWidget(b)
            self.buttons[key] = b
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setObjectName("measures_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        labels = {"register": self.tr("Register…"), "confirm": self.tr("Confirm registration…"),
                  "systems": self.tr("Linked systems…"), "renew": self.tr("Renew…"),
                  "end": self.tr("Ask to end…"), "confirm_end": self.tr("Confirm end…"),
                  "reconcile": self.tr("Monthly reconciliation…")}
        for key, b in self.buttons.items():
            b.setText(labels[key])
        self.table.setHorizontalHeaderLabels([
            self.tr("Person"), self.tr("Kind"), self.tr("State"), self.tr("Applied"), self.tr("Ends"),
            self.tr("Registration"), self.tr("Linked systems")])
        self.refresh()

    def refresh(self) -> None:
        from app.security import registration as R

        conn = self.services.store.conn
        today = R.office_today()
        self.entries = R.ledger(conn, today)
        names = dict(conn.execute("SELECT id, family_name || ' ' || given_name FROM residents WHERE id IN "
                                  "(SELECT target_id FROM support_measures)"))
        self.table.setRowCount(len(self.entries))
        for r, e in enumerate(self.entries):
            pending = e.pending_registrations
            if pending:
                late = any(p.overdue(today) for p in pending)
                reg = self.tr("overdue: register again") if late else self.tr("waiting for a second person")
            elif e.registrations:
                reg = self.tr("confirmed")
            else:
                reg = self.tr("not in the ledger")
            done = sum(s.confirmed for s in e.systems)
            systems = self.tr("{done}/{all} confirmed").format(done=done, all=len(e.systems))
            if e.unconfirmed_systems:
                systems += " — " + self.tr("missing: {names}").format(names="、".join(e.unconfirmed_systems))
            cells = (names.get(e.measure.target_id, ""), i18n.pick(*KIND_LABELS.get(e.measure.kind, (e.measure.kind,) * 2)), i18n.pick(*R.STATE_LABELS[e.state]),
                     e.measure.applied_date, e.measure.end_date or "-", reg, systems)
            red = not e.complete or e.state == "overdue"
            for c, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                if red:
                    paint_red(item)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        if self.entries and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self):
        row = self.table.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _need_selection(self):
        e = self.selected()
        if e is None:
            self.message.setText(self.tr("Choose a measure in the list."))
        return e

    def register(self) -> None:
        reg = MeasureRegistrationDialog.ask(self.services, self)
        if reg is not None:
            self.message.setText(self.tr("Registered: it blocks now. A support officer other than you confirms it "
                                         "today."))
        self.refresh()

    def confirm(self) -> None:
        from app.security import registration as R

        e = self._need_selection()
        if e is None:
            return
        if not e.pending_registrations:
            self.message.setText(self.tr("Nothing of this measure waits for confirmation."))
            return
        reg = e.pending_registrations[-1]
        done = SecondPersonDialog.run(
            self.services, self.tr("Confirm a registration"),
            self.tr("A support officer other than the person who registered it confirms: {stage}, applied "
                    "{applied}.").format(stage=i18n.pick(*reg.event.label), applied=e.measure.applied_date),
            lambda auth, card_sign: R.confirm(self.services.store, auth, reg.event.id, card_sign=card_sign), self)
        if done is not None:
            self.message.setText(self.tr("Confirmed."))
        self.refresh()

    def systems(self) -> None:
        e = self._need_selection()
        if e is None:
            return
        dialog = LinkedSystemsDialog(self.services, e.measure.id, self)
        dialog.exec()
        dialog.deleteLater()
        self.refresh()

    def renew(self) -> None:
        from app.security import registration as R
        from app.security.measures import MeasureError

        e = self._need_selection()
        if e is None:
            return
        try:
            done = SecondPersonDialog.as_me(self.services, lambda auth, card_sign: R.register(
                self.services.store, auth, stage="renewal", applied_date=R.office_today(),
                measure_id=e.measure.id, card_sign=card_sign), self)
        except MeasureError as exc:
            self.message.setText(error_text(exc))
            return
        if done is None:
            return
        self.message.setText(self.tr("Renewal registered: a support officer other than you confirms it today."))
        self.refresh()

    def end(self) -> None:
        from app.security import registration as R
        from app.security.measures import MeasureError

        e = self._need_selection()
        if e is None:
            return
        reason = self.parent_reason()
        if reason is None:
            return
        try:
            done = SecondPersonDialog.as_me(self.services, lambda auth, card_sign: R.request_end(
                self.services.store, auth, e.measure.id, on=R.office_today(), reason=reason,
                card_sign=card_sign), self)
        except MeasureError as exc:
            self.message.setText(error_text(exc))
            return
        if done is None:
            return
        self.message.setText(self.tr("End asked for: the measure keeps blocking until a second person confirms."))
        self.refresh()

    def parent_reason(self) -> str | None:
        from PySide6.QtWidgets import QInputDialog

        text, ok = QInputDialog.getText(self, self.tr("Ask to end"), self.tr("Reason for ending"))
        return text if ok else None

    def confirm_end(self) -> None:
        from app.security import registration as R

        e = self._need_selection()
        if e is None:
            return
        if e.end_request is None:
            self.message.setText(self.tr("No end of this measure waits for confirmation."))
            return
        done = SecondPersonDialog.run(
            self.services, self.tr("Confirm the end"),
            self.tr("A second person confirms the end asked for: {reason}").format(
                reason=e.end_request.payload.get("reason", "")),
            lambda auth, card_sign: R.confirm_end(self.services.store, auth, e.end_request.id, card_sign=card_sign),
            self)
        if done is not None:
            self.message.setText(self.tr("Ended."))
        self.refresh()

    def reconcile(self) -> None:
        from app.security.registration import office_today

        dialog = ReconciliationDialog(self.services, office_today().strftime("%Y-%m"), self)
        dialog.exec()
        dialog.deleteLater()

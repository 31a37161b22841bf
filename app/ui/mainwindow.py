"""Main window (窓口画面): today's case queue, "new case" per case type, resident search with the
restriction flag shown at once, the card panel and, in training mode, the training card tray.

It shows pages and forwards the clerk's actions to :mod:`app.ui.services`; the case itself is
rendered by :class:`app.ui.casepage.CasePage` from the workflow engine's steps.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QLabel, QLineEdit,
                               QMainWindow, QPushButton, QStackedWidget, QTabBar, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget, QGroupBox, QGridLayout,
                               QScrollArea, QFrame)

from app.desk.cardfill import RENEWAL_CASE, certificate_line, certificate_rows, renewal_offer
from app.ui import i18n
from app.ui.cardpanel import CardPanel
from app.ui.passworddialog import ChangePasswordDialog
from app.ui.widgets import LanguageMenu, TrainingBanner, fill_resident_table
from app.workflows import registry
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

#: queue tabs: (status code, ja, en)
QUEUE_TABS = (
    ("open", "対応中", "Open"),
    ("paused", "保留中", "Paused"),
    ("awaiting_signoff", "承認待ち", "Awaiting sign-off"),
    ("done", "完了", "Done"),
)


def case_type_name(code: str) -> str:
    """A case type's name in the window's language (from the registry)."""
    return i18n.pick(*registry.names(code))


class HomePage(QWidget):
    """Queue, new-case buttons and resident search."""

    resume_case = Signal(str)
    new_case = Signal(str, object)   # case type, resident id or None

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.new_box = QGroupBox(self)
        grid = QGridLayout(self.new_box)
        self.new_buttons = {}
        for i, entry in enumerate(registry.ENTRIES):        # one button per registered case type
            button = QPushButton(self.new_box)
            button.setObjectName(f"new_{entry.id}")
            button.clicked.connect(lambda _=False, code=entry.id: self._new(code))
            grid.addWidget(button, i // 2, i % 2)
            self.new_buttons[entry.id] = button
        # the card on the reader qualifies for a certificate renewal (app.desk.cardfill)
        self.renew_offer = QPushButton(self.new_box)
        self.renew_offer.setObjectName("renew_offer")
        self.renew_offer.setStyleSheet("font-weight: bold; color: #8a1c1c;")
        self.renew_offer.hide()
        self.renew_offer.clicked.connect(self._new_renewal)
        grid.addWidget(self.renew_offer, (len(registry.ENTRIES) + 1) // 2, 0, 1, 2)
        self._card_certificates: dict = {}
        services.card_view_changed.connect(self.show_card)
        layout.addWidget(self.new_box)

        self.search_box = QGroupBox(self)
        sl = QVBoxLayout(self.search_box)
        srow = QHBoxLayout()
        self.search_edit = QLineEdit(self.search_box)
        self.search_edit.setObjectName("search_edit")
        self.search_edit.setClearButtonEnabled(True)
        self.search_button = QPushButton(self.search_box)
        srow.addWidget(self.search_edit, 1)
        srow.addWidget(self.search_button)
        sl.addLayout(srow)
        self.search_message = QLabel(self.search_box)
        self.search_message.setWordWrap(True)
        sl.addWidget(self.search_message)
        self.results = QTableWidget(0, 6, self.search_box)
        self.results.setObjectName("search_results")
        self._table_defaults(self.results)
        sl.addWidget(self.results, 1)
        layout.addWidget(self.search_box, 3)

        self.queue_box = QGroupBox(self)
        ql = QVBoxLayout(self.queue_box)
        self.queue_tabs = QTabBar(self.queue_box)
        for _ in QUEUE_TABS:
            self.queue_tabs.addTab("")
        ql.addWidget(self.queue_tabs)
        self.queue = QTableWidget(0, 5, self.queue_box)
        self.queue.setObjectName("queue")
        self._table_defaults(self.queue)
        ql.addWidget(self.queue, 1)
        self.resume_button = QPushButton(self.queue_box)
        ql.addWidget(self.resume_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.queue_box, 3)

        self.search_edit.returnPressed.connect(self.search)
        self.search_button.clicked.connect(self.search)
        self.queue_tabs.currentChanged.connect(lambda _: self.refresh_queue())
        self.queue.itemActivated.connect(lambda _: self._resume_selected())
        self.resume_button.clicked.connect(self._resume_selected)
        self.results.itemActivated.connect(lambda _: self._new_for_selected())
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search_edit.setFocus)
        self._results = []
        self._queue_rows = []
        self._search_error = None
        i18n.translate_ui(self)

    @staticmethod
    def _table_defaults(table: QTableWidget) -> None:
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setStretchLastSection(True)
        table.setTabKeyNavigation(False)

    def translateUI(self) -> None:  # noqa: N802
        self.new_box.setTitle(self.tr("New case"))
        for entry in registry.ENTRIES:
            button = self.new_buttons[entry.id]
            button.setText(f"{case_type_name(entry.id)}  ({entry.shortcut})")
            button.setShortcut(QKeySequence(entry.shortcut))   # setText() drops the shortcut
        self.search_box.setTitle(self.tr("Resident search"))
        self.search_edit.setPlaceholderText(self.tr(
            "Name (kanji or kana), birth date 1980-04-01, address or My Number — Ctrl+F"))
        self.search_button.setText(self.tr("Search"))
        self.queue_box.setTitle(self.tr("Today's cases"))
        for i, (_, ja, en) in enumerate(QUEUE_TABS):
            self.queue_tabs.setTabText(i, i18n.pick(ja, en))
        self.queue.setHorizontalHeaderLabels([
            self.tr("Case"), self.tr("Resident"), self.tr("Step"), self.tr("Opened"), self.tr("Clerk")])
        self.resume_button.setText(self.tr("Open the selected case (Enter)"))
        if getattr(self, "_card_view", None) is not None:
            self.show_card(self._card_view)
        self._fill_results()
        self._fill_queue()

    # search ----------------------------------------------------------------------------------
    def search(self) -> None:
        text = self.search_edit.text().strip()
        self._results, self._search_error = self.services.search_residents(text)
        self._fill_results()

    def _fill_results(self) -> None:
        fill_resident_table(self.results, self._results)
        if self._search_error:
            self.search_message.setText(i18n.text_of(self._search_error))
        elif self.search_edit.text().strip():
            self.search_message.setText(self.tr("{n} residents found. Select one, then {keys} starts "
                                                "that case for them.").format(
                n=len(self._results), keys=self.services.new_case_keys()))
        else:
            self.search_message.setText("")

    def selected_resident(self):
        rows = self.results.selectionModel().selectedRows()
        return self._results[rows[0].row()] if rows else None

    def _new(self, code: str) -> None:
        resident = self.selected_resident()
        self.new_case.emit(code, resident.id if resident else None)

    def show_card(self, view) -> None:
        """Offer "renew" while the card on the reader has a certificate within three months of
        its expiry (or expired)."""
        self._card_view = view
        self._card_certificates = view.certificates if view.state == "mynumber" else {}
        offer = renewal_offer(self._card_certificates)
        self.renew_offer.setVisible(offer)
        if offer:
            due = [certificate_line(r, i18n.pick) for r in certificate_rows(self._card_certificates) if r.renewable]
            # two lines: on one, the English offer alone is wider than a 1366-pixel screen allows
            self.renew_offer.setText(self.tr("Renew the certificates of the card on the reader") + "\n" + due[0])
            self.renew_offer.setMinimumHeight(self.renew_offer.fontMetrics().lineSpacing() * 2 + 16)

    def _new_renewal(self) -> None:
        self._new(RENEWAL_CASE)

    def _new_for_selected(self) -> None:
        """Enter on a result: on to the case buttons (the resident stays selected)."""
        self.new_buttons[registry.ENTRIES[0].id].setFocus()

    # queue -----------------------------------------------------------------------------------
    def refresh_queue(self) -> None:
        status = QUEUE_TABS[max(0, self.queue_tabs.currentIndex())][0]
        self._queue_rows = self.services.queue(status)
        self._fill_queue()

    def _fill_queue(self) -> None:
        self.queue.setRowCount(len(self._queue_rows))
        for row, q in enumerate(self._queue_rows):
            cells = [case_type_name(q.case_type), q.resident, i18n.text_of(q.step), q.opened_at, q.clerk]
            for col, text in enumerate(cells):
                self.queue.setItem(row, col, QTableWidgetItem(text))
        self.queue.resizeColumnsToContents()

    def _resume_selected(self) -> None:
        rows = self.queue.selectionModel().selectedRows()
        if rows:
            self.resume_case.emit(self._queue_rows[rows[0].row()].case_id)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    lock_requested = Signal()

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.staff = None
        self.setObjectName("MainWindow")
        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        if services.training:
            self.banner = TrainingBanner(central)
            outer.addWidget(self.banner)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        self.stack = QStackedWidget(central)
        self.home = HomePage(services, self.stack)
        self.stack.addWidget(self.home)
        body.addWidget(self.stack, 1)

        side = QWidget(central)
        side.setFixedWidth(400)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 4, 4, 4)
        self.card_panel = CardPanel(side)
        side_layout.addWidget(self.card_panel)
        self.tray = None
        if services.training:
            from app.ui.tray import TrainingCardTray
            self.tray = TrainingCardTray(services, side)
            side_layout.addWidget(self.tray)
        side_layout.addStretch(1)
        scroll = QScrollArea(central)
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setFixedWidth(420)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body.addWidget(scroll)
        self.setCentralWidget(central)

        self.staff_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.staff_label)
        from app.ui.syncstatus import SyncStatusLabel
        self.sync_status = SyncStatusLabel(services, self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self._build_menus()

        self.card_panel.reader_chosen.connect(services.choose_reader)
        self.card_panel.refresh_requested.connect(services.refresh_card)
        services.card_view_changed.connect(self.card_panel.show_view)
        self.home.new_case.connect(self.start_case)
        self.home.resume_case.connect(self.open_case)
        self.case_page = None
        self.resize(1366, 740)
        i18n.translate_ui(self)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.act_home = QAction(self, shortcut=QKeySequence("Ctrl+H"), triggered=self.go_home)
        self.act_lock = QAction(self, shortcut=QKeySequence("Ctrl+L"), triggered=self.lock_requested.emit)
        self.act_sign_out = QAction(self, triggered=self.sign_out_requested.emit)
        self.act_password = QAction(self, triggered=self.change_password)
        self.act_quit = QAction(self, shortcut=QKeySequence("Ctrl+Q"), triggered=self.close)
        for a in (self.act_home, self.act_lock, self.act_sign_out, self.act_password, self.act_quit):
            self.file_menu.addAction(a)
        self.case_menu = bar.addMenu("")
        self.case_actions = {}
        for entry in registry.ENTRIES:
            a = QAction(self, triggered=lambda _=False, code=entry.id: self.home._new(code))
            self.case_menu.addAction(a)
            self.case_actions[entry.id] = a
        # supervisor role (support officer, administrator): the supervisor's desk, app.ui.supervisor
        self.supervisor_menu = bar.addMenu("")
        self.act_desk = QAction(self, shortcut=QKeySequence("Ctrl+Shift+D"), triggered=self.open_desk)
        self.supervisor_menu.addAction(self.act_desk)
        self.supervisor_menu.menuAction().setVisible(False)
        self.act_desk.setEnabled(False)
        self.desk = None
        bar.addMenu(LanguageMenu(self, on_change=self.services.remember_language))
        from app.ui.about import HelpMenu
        self.help_menu = HelpMenu(self, self.services)
        bar.addMenu(self.help_menu)

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Madoguchi — counter"))
        self.file_menu.setTitle(self.tr("&File"))
        self.act_home.setText(self.tr("&Home: queue and search"))
        self.act_lock.setText(self.tr("&Lock the terminal"))
        self.act_sign_out.setText(self.tr("Sign &out"))
        self.act_password.setText(self.tr("Change my &password…"))
        self.act_quit.setText(self.tr("&Quit"))
        self.case_menu.setTitle(self.tr("&Case"))
        self.supervisor_menu.setTitle(self.tr("&Supervisor"))
        self.act_desk.setText(self.tr("Supervisor's &desk…"))
        for code, a in self.case_actions.items():
            a.setText(self.tr("New: {case}").format(case=case_type_name(code)))
        if self.staff is not None:
            self.staff_label.setText(self.tr("Signed in: {name} · terminal {terminal}").format(
                name=self.staff.display_name, terminal=self.services.terminal_id))

    # ------------------------------------------------------------------------------------------
    def signed_in(self, staff) -> None:
        from app.ui.supervisor import may_use_desk

        self.staff = staff
        allowed = may_use_desk(staff)
        self.supervisor_menu.menuAction().setVisible(allowed)
        self.act_desk.setEnabled(allowed)
        if not allowed and self.desk is not None:
            self.desk.close()
        self.translateUI()
        self.home.refresh_queue()
        self.services.refresh_card()
        if self.services.own_password_due():
            QTimer.singleShot(0, self, lambda: self.change_password(due=True) and self._reopen_interrupted())
        else:
            QTimer.singleShot(0, self, self._reopen_interrupted)   # not once the window is gone

    def change_password(self, due: bool = False) -> bool:
        """The signed-in person's own password (:mod:`app.ui.passworddialog`); True when changed.
        ``due``: asked at sign-in after an administrator's reset; not changed, the person is
        signed out."""
        dialog = ChangePasswordDialog(self.services, self, due=due)
        changed = dialog.exec() == QDialog.DialogCode.Accepted
        if changed:
            self.statusBar().showMessage(self.tr("Your password was changed."), 10000)
        elif due:
            self.sign_out_requested.emit()
        return changed

    def open_desk(self) -> None:
        from app.ui.supervisor import SupervisorDesk, may_use_desk

        if not may_use_desk(self.services.staff):
            return
        if self.desk is None:
            self.desk = SupervisorDesk(self.services)
            self.desk.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.desk.destroyed.connect(self._desk_gone)
        self.desk.show()
        self.desk.raise_()
        self.desk.refresh_current()

    def _desk_gone(self, *_args) -> None:
        self.desk = None

    def hideEvent(self, event) -> None:  # noqa: N802
        """Locked or signed out: the supervisor's desk goes with the window, never left on screen."""
        if self.desk is not None:
            self.desk.close()
        super().hideEvent(event)

    def _reopen_interrupted(self) -> None:
        """A case left open when the app stopped comes back first."""
        case_id = self.services.interrupted_case()
        if case_id:
            self.open_case(case_id)

    def closeEvent(self, event) -> None:  # noqa: N802
        """Quitting the window pauses the case on screen, so it waits in the queue."""
        if self.case_page is not None and self.stack.currentWidget() is self.case_page:
            self.case_page.leave()
        if self.desk is not None:
            self.desk.close()
        super().closeEvent(event)

    def go_home(self) -> None:
        if self.case_page is not None:
            self.case_page.leave()
        self.stack.setCurrentWidget(self.home)
        self.home.refresh_queue()
        self.home.search_edit.setFocus()

    def start_case(self, case_type: str, resident_id) -> None:
        handle = self.services.start_case(case_type, resident_id)
        self._show_case(handle)

    def open_case(self, case_id: str) -> None:
        handle = self.services.open_case(case_id)
        self._show_case(handle)

    def _show_case(self, handle) -> None:
        from app.ui.casepage import CasePage

        if self.case_page is not None:
            self.stack.removeWidget(self.case_page)
            self.case_page.deleteLater()
        self.case_page = CasePage(self.services, handle, self.stack)
        self.case_page.closed.connect(self.go_home)
        self.stack.addWidget(self.case_page)
        self.stack.setCurrentWidget(self.case_page)
        self.case_page.focus_first()

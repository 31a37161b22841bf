"""Choosing residents for a case field (kind ``resident`` or ``residents``): a search dialog over
the store's resident search, with the restriction flag shown in every row at once.

It only chooses: whether a chosen person may be looked at or issued to is the restriction stage's
decision when the clerk presses Next (and every look-up of a protected person is audited there).
"""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QVBoxLayout, QWidget)

from app.ui import i18n
from app.ui.widgets import fill_resident_table


class ResidentPickerDialog(QDialog):
    def __init__(self, services, multiple: bool, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResidentPickerDialog")
        self.services = services
        self.hits = []
        self._error = None
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.edit = QLineEdit(self)
        self.edit.setObjectName("picker_search")
        self.search_button = QPushButton(self)
        row.addWidget(self.edit, 1)
        row.addWidget(self.search_button)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("picker_results")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multiple
                                    else QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        layout.addWidget(self.buttons)
        self.edit.returnPressed.connect(self.search)
        self.search_button.clicked.connect(self.search)
        self.table.itemActivated.connect(lambda _: self.accept())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.resize(1000, 560)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.edit.setPlaceholderText(self.tr(
            "Name (kanji or kana), birth date 1980-04-01, address or My Number — Ctrl+F"))
        self.search_button.setText(self.tr("Search"))
        fill_resident_table(self.table, self.hits)
        self.message.setText(i18n.text_of(self._error) if self._error else "")

    def search(self) -> None:
        self.hits, self._error = self.services.search_residents(self.edit.text().strip())
        self.translateUI()
        if self.hits:
            self.table.selectRow(0)
            self.table.setFocus()

    def chosen(self) -> list[str]:
        return [self.hits[i.row()].id for i in self.table.selectionModel().selectedRows()]

    @classmethod
    def choose(cls, services, multiple: bool, title: str, parent=None) -> list[str] | None:
        """Ask; the ids chosen, or None when cancelled. Tests replace this."""
        dialog = cls(services, multiple, title, parent)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.chosen()
        finally:
            dialog.deleteLater()

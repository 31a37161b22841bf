"""Training card tray (研修用カードトレイ), training mode only: put the demo store's test cards on a
reader and take them off again.

Insert and remove go through the private PC/SC stack of ``app.card.stack`` (the test card
connects to vpcd, pcscd reports it), so the card service sees exactly what a USB reader would
show. The stack's calls can take a moment, so they run off the GUI thread and report back through
the card bridge.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from app.ui import i18n


#: card states worth showing next to a demo card's holder
CARD_STATES = {"suspended": ("一時停止", "suspended"), "revoked": ("廃止", "revoked"),
               "forged": ("偽造カード・研修用", "forged card, for training"),
               "face_auth": ("顔認証カード", "face-authentication card")}


class TrainingCardTray(QGroupBox):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingCardTray")
        self.services = services
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.cards = QListWidget(self)
        self.cards.setObjectName("tray_cards")
        self.cards.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.cards.setMinimumHeight(100)
        self.cards.setMaximumHeight(110)
        layout.addWidget(self.cards)
        row = QHBoxLayout()
        self.slot_label = QLabel(self)
        self.slot = QComboBox(self)
        self.slot.setObjectName("tray_slot")
        self.slot_label.setBuddy(self.slot)
        row.addWidget(self.slot_label)
        row.addWidget(self.slot, 1)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        self.insert_button = QPushButton(self)
        self.insert_button.setObjectName("tray_insert")
        self.remove_button = QPushButton(self)
        self.remove_button.setObjectName("tray_remove")
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.remove_button)
        layout.addLayout(buttons)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._status = None
        self.insert_button.clicked.connect(self.insert)
        self.remove_button.clicked.connect(self.remove)
        self.cards.itemActivated.connect(lambda _: self.insert())
        self.reload()
        i18n.translate_ui(self)

    def reload(self) -> None:
        self.cards.clear()
        self._cards = self.services.tray_cards()
        for card in self._cards:
            item = QListWidgetItem(card.label, self.cards)
            item.setData(Qt.ItemDataRole.UserRole, card.path)
        self._label_cards()
        self.slot.clear()
        for i, name in enumerate(self.services.tray_slots()):
            self.slot.addItem(name, i)

    def _label_cards(self) -> None:
        for i, card in enumerate(getattr(self, "_cards", [])):
            state = CARD_STATES.get(card.status)
            code = f"  [SC {card.security_code}]" if card.security_code else ""
            self.cards.item(i).setText(card.label + (f"（{i18n.pick(*state)}）" if state else "") + code)
            self.cards.item(i).setToolTip(i18n.pick("SC: 券面に印字されたセキュリティコード（ICチップの確認で入力）",
                                                    "SC: the security code printed on the card (typed for the chip check)")
                                          if code else "")

    def translateUI(self) -> None:  # noqa: N802
        self._label_cards()
        self.setTitle(self.tr("Training card tray"))
        self.hint.setText(self.tr("Training only: put a demo resident's card on a reader. "
                                  "It goes through the same PC/SC path as a real reader."))
        self.slot_label.setText(self.tr("Reader"))
        self.insert_button.setText(self.tr("Put on reader"))
        self.remove_button.setText(self.tr("Take off"))
        self.status.setText(i18n.text_of(self._status) if self._status else "")

    def _show(self, status) -> None:
        self._status = status
        self.status.setText(i18n.text_of(status))

    def insert(self) -> None:
        item = self.cards.currentItem()
        if item is None:
            self._show({"ja": "カードを一覧から選んでください。", "en": "Choose a card from the list."})
            return
        slot = self.slot.currentData() or 0
        self._busy(True)
        self._show({"ja": "カードを置いています…", "en": "Putting the card on the reader…"})
        self.services.tray_insert(item.data(Qt.ItemDataRole.UserRole), slot, self._done)

    def remove(self) -> None:
        self._busy(True)
        self.services.tray_remove(self.slot.currentData() or 0, self._done)

    def _done(self, message) -> None:
        self._busy(False)
        self._show(message)

    def _busy(self, busy: bool) -> None:
        self.insert_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy)

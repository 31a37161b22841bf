"""Card panel (カード): the reader in use (chosen from a list, remembered), the card's state and the
tries left of each of the four secrets, red when one is low or blocked.

It renders a :class:`CardView` that :mod:`app.ui.services` builds from the card service's events;
it never talks to PC/SC itself and never computes a tries count: the counts are read from the card.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget, QHeaderView,
                               QAbstractItemView)

from app.desk.cardfill import SECRET_NAMES  # noqa: F401  (the desk names the secrets)
from app.desk.cardfill import certificate_line, certificate_rows
from app.rules.codes import Secret
from app.rules.tables import SECRETS
from app.ui import i18n, theme

#: tries left at or below which a secret is shown as "low" (red), by secret
LOW_AT = {Secret.SIGN: 2, Secret.AUTH: 1, Secret.JUKI: 1, Secret.INPUT: 1}
MAX_TRIES = {Secret(code): row.max_tries for code, row in SECRETS.items()}   # the rule table's

#: card states the service reports → (ja, en, colour)
STATES = {
    "no_service": ("カード読取サービスが動いていません（PC/SC）", "Card service (PC/SC) not running", theme.DANGER),
    "no_reader": ("カードリーダーがありません", "No card reader", theme.DANGER),
    "reader_gone": ("選んだカードリーダーが外れました", "The chosen reader was unplugged", theme.DANGER),
    "no_card": ("カードが置かれていません", "No card on the reader", theme.INK),
    "reading": ("カードを読んでいます…", "Reading the card…", theme.ACCENT),
    "unknown_card": ("マイナンバーカードではありません", "Not a My Number card", theme.WARN),
    "mynumber": ("マイナンバーカード", "My Number card", theme.OK),
    "error": ("カードを読めませんでした", "Could not read the card", theme.DANGER),
}

#: a state's heading when its error says more (by the card error's code): a mute card may be a
#: My Number card with a damaged chip, so it is not called "not a My Number card"
DETAIL_STATES = {
    "card_mute": ("カードが応答しません", "The card does not answer", theme.DANGER),
}


@dataclass
class CardView:
    """What the panel shows; built by the services facade from the card service's events."""

    readers: list[str] = field(default_factory=list)
    reader: str = ""
    state: str = "no_reader"
    tries: dict = field(default_factory=dict)      # Secret -> tries left (int) or None (unknown)
    #: the JPKI certificates read without a PIN (app.desk.cardfill.certificate_values)
    certificates: dict = field(default_factory=dict)
    detail: object = None                          # ja/en message for errors (a typed card error)
    face_auth: bool = False                        # a face-authentication card (no PIN, no signing cert)


#: what the panel says of a face-authentication card (顔認証マイナンバーカード, since 2023-12-15;
#: e.g. 垂井町 https://www.town.tarui.lg.jp/page/8639.html: the user-authentication certificate is
#: used without a PIN, the signing certificate cannot be used)
FACE_AUTH = (
    ("顔認証マイナンバーカード", "Face-authentication My Number card"),
    {"ja": "暗証番号が設定されていないカードです（署名用電子証明書なし、利用者証明用電子証明書は暗証番号なしで利用）。"
     "暗証番号の再設定はできません。希望があれば暗証番号の設定（暗証番号付きカードへの切替）を案内してください。",
     "en": "No PIN is set on this card (no signing certificate; the user-authentication certificate is used without "
     "a PIN). A PIN reset does not apply: if the holder wishes, offer setting PINs (switching to a PIN card)."},
)


class CardPanel(QGroupBox):
    reader_chosen = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CardPanel")
        self.view = CardView()
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.reader_label = QLabel(self)
        self.reader_combo = QComboBox(self)
        self.reader_combo.setObjectName("reader_combo")
        self.reader_combo.setMinimumContentsLength(14)
        self.reader_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reader_label.setBuddy(self.reader_combo)
        row.addWidget(self.reader_label)
        row.addWidget(self.reader_combo, 1)
        layout.addLayout(row)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("card_state")
        self.state_label.setWordWrap(True)
        self.state_label.setFont(theme.scaled(2, bold=True))
        layout.addWidget(self.state_label)
        self.detail_label = QLabel(self)
        self.detail_label.setWordWrap(True)
        layout.addWidget(self.detail_label)
        self.table = QTableWidget(len(Secret), 2, self)
        self.table.setObjectName("tries_table")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        layout.addWidget(self.table)
        self.cert_label = QLabel(self)
        self.cert_label.setObjectName("certificates")
        self.cert_label.setWordWrap(True)
        layout.addWidget(self.cert_label)
        self.refresh_button = QPushButton(self)
        layout.addWidget(self.refresh_button)
        self.reader_combo.activated.connect(self._chosen)
        self.refresh_button.clicked.connect(self.refresh_requested)
        QShortcut(QKeySequence("F5"), self, activated=self.refresh_requested.emit)
        i18n.translate_ui(self)

    def _chosen(self, index: int) -> None:
        name = self.reader_combo.itemData(index)
        if name:
            self.reader_chosen.emit(name)

    def show_view(self, view: CardView) -> None:
        self.view = view
        self.reader_combo.blockSignals(True)
        self.reader_combo.clear()
        for name in view.readers:
            self.reader_combo.addItem(name, name)
        if view.reader in view.readers:
            self.reader_combo.setCurrentIndex(view.readers.index(view.reader))
        elif view.readers:
            self.reader_combo.insertItem(0, "—", "")
            self.reader_combo.setCurrentIndex(0)
        self.reader_combo.blockSignals(False)
        self.translateUI()

    def low_secrets(self) -> list[Secret]:
        """Secrets shown red: tries left at or below their threshold (0 = blocked)."""
        return [s for s, left in self.view.tries.items() if left is not None and left <= LOW_AT[s]]

    def translateUI(self) -> None:  # noqa: N802
        self.setTitle(self.tr("Card reader"))
        self.reader_label.setText(self.tr("&Reader"))
        self.refresh_button.setText(self.tr("Read again (F5)"))
        self.table.setHorizontalHeaderLabels([self.tr("PIN"), self.tr("Tries left")])
        view = self.view
        if view.readers and view.reader not in view.readers:
            state = ("選んでください: どのリーダーを使いますか", "Choose the reader to use", theme.WARN)
        else:
            state = DETAIL_STATES.get(getattr(view.detail, "code", None)) or STATES.get(view.state, STATES["error"])
        face = view.face_auth and view.state == "mynumber"
        if face:
            state = (*FACE_AUTH[0], theme.OK)
        self.state_label.setText(i18n.pick(state[0], state[1]))
        self.state_label.setStyleSheet(f"color: {state[2]};")
        detail = FACE_AUTH[1] if face and not view.detail else view.detail
        self.detail_label.setText(i18n.text_of(detail) if detail else "")
        self.detail_label.setVisible(bool(detail))
        for row, secret in enumerate(Secret):
            name = QTableWidgetItem(i18n.pick(*SECRET_NAMES[secret]))
            left = view.tries.get(secret)
            if left is None:
                text = self.tr("not set") if face and secret is not Secret.SIGN else "—"
            elif left == 0:
                text = self.tr("blocked")
            else:
                text = self.tr("{left} of {max}").format(left=left, max=MAX_TRIES[secret])
            count = QTableWidgetItem(text)
            count.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            if left is not None and left <= LOW_AT[secret]:
                for item in (name, count):
                    item.setForeground(QColor("white"))
                    item.setBackground(QColor(theme.DANGER))
                font = theme.scaled(0, bold=True)
                count.setFont(font)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, count)
        self._show_certificates()
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(
            self.table.rowHeight(r) for r in range(self.table.rowCount())) + 6
        self.table.setFixedHeight(height)

    def _show_certificates(self) -> None:
        """Each certificate's expiry and days left, in the warning colour from three months
        before the expiry (when it can be renewed)."""
        rows = certificate_rows(self.view.certificates)
        self.cert_label.setVisible(bool(rows))
        if not rows:
            return
        lines = []
        for row in rows:
            text = certificate_line(row, i18n.pick)
            if row.renewable:
                text = f"<span style='color:{theme.DANGER}; font-weight:bold'>⚠ {text}</span>"
            lines.append(text)
        if any(r.renewable for r in rows):
            lines.append(f"<span style='color:{theme.DANGER}'>" + self.tr(
                "Within three months of the expiry, or expired: the certificates can be renewed now.") + "</span>")
        self.cert_label.setText(self.tr("Certificates:") + "<br>" + "<br>".join(lines))

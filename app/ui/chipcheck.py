"""The chip check (ICチップの確認・対面確認) of an identity step: the clerk types 照合番号B from the
card (birth date, expiry year, the printed security code), the card thread reads the card-surface
check application (app.card.surface), and the chip's photo and items are shown beside the resident
record with the verdict of the signature. The clerk then records whether the chip matches the
printed card and the person; ``Desk.record_chip_check`` writes it (case event with who, audit).

The check code is typed like a PIN: the security code is not echoed, the code goes to the card
thread and the fields are cleared at once; it is never kept, logged or recorded. The birth date is
typed as the card prints it — in the Japanese era (昭和60年3月1日, S60.3.1) or in the Western
calendar (19850301) — and read with the counter's one date reader (``app.store.normalize``, over
the one era table ``app.era``); the Western date it stands for is shown beside the field and is
what goes into the code.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QPixmap, QRegularExpressionValidator
from PySide6.QtWidgets import (QDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.ui import i18n, theme

_SEX = {"1": ("男", "male"), "2": ("女", "female"), "9": ("適用不能", "not applicable")}


def _digits(parent: QWidget, count: int, name: str, *, secret: bool = False) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setMaxLength(count)
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{count}}}"), edit))
    edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def birth_on_card(text: str) -> str:
    """The ISO birth date of what the clerk typed from the card (era or Western form, one whole
    day); raises the date reader's DateInputError (ja / en) for anything else."""
    from app.store.normalize import DateInputError, parse_birth_date

    first, last = parse_birth_date(text)
    if first != last:
        raise DateInputError("生年月日は日まで入力してください（例: 昭和60年3月1日、19850301）。",
                             "Type the whole birth date, with the day (e.g. 昭和60年3月1日, 19850301).")
    return first


def _image(label: QLabel, png: bytes, height: int) -> None:
    pixmap = QPixmap()
    pixmap.loadFromData(png, "PNG")
    label.setPixmap(pixmap.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
                    if pixmap.height() > height else pixmap)


class ChipCheckDialog(QDialog):
    """One chip check for one case. ``recorded(view)`` once the clerk's verdict is in the case."""

    recorded = Signal(object)

    def __init__(self, services, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChipCheckDialog")
        self.setModal(True)
        self.services, self.case_id = services, case_id
        self.readout = None
        self.person = services.chip_check_person(case_id)
        layout = QVBoxLayout(self)
        self.guide = QLabel(self)
        self.guide.setWordWrap(True)
        layout.addWidget(self.guide)
        self.code_box = QGroupBox(self)
        form = QFormLayout(self.code_box)
        self.birth = QLineEdit(self)                # era forms need the input method (昭和…)
        self.birth.setObjectName("chip_birth")
        self.birth.setMaxLength(16)
        self.birth_converted = QLabel(self)
        self.birth_converted.setObjectName("chip_birth_converted")
        self.birth_converted.setWordWrap(True)      # a long refusal wraps; the field keeps its width
        self.birth.setMinimumWidth(180)
        birth_row = QHBoxLayout()
        birth_row.addWidget(self.birth, 1)
        birth_row.addWidget(self.birth_converted, 1)
        self.expiry = _digits(self, 4, "chip_expiry_year")
        self.security = _digits(self, 4, "chip_security_code", secret=True)
        self.birth_label, self.expiry_label, self.security_label = QLabel(self), QLabel(self), QLabel(self)
        for label, edit in ((self.birth_label, self.birth), (self.expiry_label, self.expiry),
                            (self.security_label, self.security)):
            label.setBuddy(edit)
            form.addRow(label, birth_row if edit is self.birth else edit)
        self.read_button = QPushButton(self)
        self.read_button.setObjectName("chip_read")
        form.addRow(self.read_button)
        layout.addWidget(self.code_box)
        self.status = QLabel(self)
        self.status.setObjectName("chip_status")
        self.status.setWordWrap(True)
        self.status.setFont(theme.scaled(2, bold=True))
        layout.addWidget(self.status)

        self.result_box = QGroupBox(self)
        grid = QGridLayout(self.result_box)
        self.chip_head, self.record_head = QLabel(self), QLabel(self)
        for label in (self.chip_head, self.record_head):
            label.setFont(theme.scaled(1, bold=True))
        grid.addWidget(self.chip_head, 0, 1)
        grid.addWidget(self.record_head, 0, 2)
        self.row_labels = [QLabel(self) for _ in range(6)]
        self.face = QLabel(self)
        self.face.setObjectName("chip_face")
        self.name_image, self.address_image = QLabel(self), QLabel(self)
        self.chip_birth, self.chip_sex, self.chip_expiry = QLabel(self), QLabel(self), QLabel(self)
        self.rec_name, self.rec_address, self.rec_birth, self.rec_sex = (QLabel(self) for _ in range(4))
        rows = ((self.face, QLabel("—", self)), (self.name_image, self.rec_name),
                (self.address_image, self.rec_address), (self.chip_birth, self.rec_birth),
                (self.chip_sex, self.rec_sex), (self.chip_expiry, QLabel("", self)))
        for i, (chip, record) in enumerate(rows, start=1):
            grid.addWidget(self.row_labels[i - 1], i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(chip, i, 1, Qt.AlignmentFlag.AlignTop)
            record.setWordWrap(True)
            grid.addWidget(record, i, 2, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(2, 1)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("chip_verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setFont(theme.scaled(3, bold=True))
        grid.addWidget(self.verdict, len(rows) + 1, 0, 1, 3)
        layout.addWidget(self.result_box)
        self.result_box.setVisible(False)

        buttons = QHBoxLayout()
        self.match_button = QPushButton(self)
        self.match_button.setObjectName("chip_matches")
        self.mismatch_button = QPushButton(self)
        self.mismatch_button.setObjectName("chip_does_not_match")
        self.close_button = QPushButton(self)
        for b in (self.match_button, self.mismatch_button):
            b.setEnabled(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        self.read_button.clicked.connect(self.read_chip)
        self.birth.textChanged.connect(self._show_birth)
        self.security.returnPressed.connect(self.read_chip)
        self.match_button.clicked.connect(lambda: self.record(True))
        self.mismatch_button.clicked.connect(lambda: self.record(False))
        self.close_button.clicked.connect(self.reject)
        self.resize(760, 640)
        i18n.translate_ui(self)

    # ---------------------------------------------------------------------------------------
    def read_chip(self) -> None:
        # the chip check's card code loads when a chip is first read, not with the window
        from app.card.surface import check_code_b

        try:
            code = check_code_b(birth_on_card(self.birth.text()), self.expiry.text(), self.security.text())
        except Exception as exc:                  # CheckCodeFormatError: nothing sent, no try used
            self.status.setText(i18n.text_of(exc))
            self.status.setStyleSheet(f"color: {theme.DANGER};")
            return
        finally:
            for edit in (self.birth, self.expiry, self.security):   # parts of the code: not kept
                edit.clear()
        self.read_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Reading the chip…"))
        self.services.chip_check(code, self._read_done)
        del code

    def _show_birth(self, text: str) -> None:
        """The Western date the typed birth date stands for, beside the field (empty: nothing typed)."""
        if not text.strip():
            self.birth_converted.clear()
            return
        try:
            self.birth_converted.setText("→\u00a0" + birth_on_card(text))   # the arrow stays with the date
            self.birth_converted.setStyleSheet(f"color: {theme.OK};")
        except Exception as exc:                  # DateInputError: said in the clerk's language
            self.birth_converted.setText(i18n.text_of(exc))
            self.birth_converted.setStyleSheet(f"color: {theme.DANGER};")

    def _read_done(self, result) -> None:
        self.read_button.setEnabled(True)
        if not result.ok:
            self.status.setText(i18n.text_of(result.error))
            self.status.setStyleSheet(f"color: {theme.DANGER};")
            return
        self.readout = result.view
        self.status.clear()
        self.show_readout()

    def show_readout(self) -> None:
        r = self.readout
        e = r.entries
        _image(self.face, r.face_png, 180)
        _image(self.name_image, r.name_png, 40)
        _image(self.address_image, r.address_png, 60)
        self.chip_birth.setText(e.birth_date)
        self.chip_sex.setText(i18n.pick(*_SEX.get(e.sex, (e.sex, e.sex))))
        self.chip_expiry.setText(e.expiry)
        p = self.person or {}
        self.rec_name.setText(p.get("name", self.tr("no resident record chosen for this person")))
        self.rec_address.setText(p.get("address", ""))
        for label, key, chip_value in ((self.rec_birth, "birth_date", e.birth_date), (self.rec_sex, "sex", e.sex)):
            if key not in p:
                label.setText("")
                continue
            same = str(p[key]) == str(chip_value)
            shown = p[key] if key == "birth_date" else i18n.pick(*_SEX.get(str(p[key]), (p[key], p[key])))
            differs_word = self.tr("differs")
            label.setText(f"{shown}  " + ("✔" if same else f"✘ {differs_word}"))
            label.setStyleSheet(f"color: {theme.OK if same else theme.DANGER};")
        differs = any(str(p.get(k)) != str(v) for k, v in (("birth_date", e.birth_date), ("sex", e.sex)) if k in p)
        if r.trust_anchor == "none":
            text, colour = (self.tr("The chip was read, but its signature cannot be verified here (no J-LIS key "
                                    "is configured on this terminal)."), theme.WARN)
        elif r.signature_valid and not differs:
            text, colour = self.tr("Chip signature valid (training: the test card's CA). Compare the photo and "
                                   "the name and address images with the printed card and the person."), theme.OK
        elif r.signature_valid:
            text, colour = self.tr("Chip signature valid, but the chip's items differ from the resident record: "
                                   "the case will stop."), theme.DANGER
        else:
            text, colour = self.tr("Chip signature INVALID: the card may be forged. Do not accept it as "
                                   "identity; the case will stop. Report to your supervisor."), theme.DANGER
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"color: {colour};")
        self.result_box.setVisible(True)
        self.match_button.setEnabled(True)
        self.mismatch_button.setEnabled(True)

    def record(self, face_matches: bool) -> None:
        if self.readout is None:
            return
        try:
            view = self.services.record_chip_check(self.case_id, self.readout, face_matches=face_matches)
        except Exception as exc:
            self.status.setText(i18n.text_of(exc))
            return
        self.recorded.emit(view)
        self.accept()

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Chip check (card-surface application)"))
        self.guide.setText(self.tr(
            "Type check code B from the card the person shows: the birth date and the expiry year as "
            "printed, and the 4-digit security code printed on the card. Only the card checks it; it is "
            "not kept. A wrong code uses one of the card's tries."))
        self.code_box.setTitle(self.tr("Check code B (照合番号B)"))
        self.birth_label.setText(self.tr("&Birth date as printed (昭和60年3月1日 or YYYYMMDD)"))
        self.expiry_label.setText(self.tr("&Expiry year on the card (YYYY)"))
        self.security_label.setText(self.tr("&Security code on the card (4 digits)"))
        self.read_button.setText(self.tr("Read the chip"))
        self.result_box.setTitle(self.tr("What the chip holds, beside the resident record"))
        self.chip_head.setText(self.tr("IC chip"))
        self.record_head.setText(self.tr("Resident record"))
        for label, text in zip(self.row_labels, (self.tr("Photo"), self.tr("Name"), self.tr("Address"),
                                                 self.tr("Birth date"), self.tr("Sex"), self.tr("Card expiry"))):
            label.setText(text)
        self.match_button.setText(self.tr("Chip matches the printed card and the person: record"))
        self.mismatch_button.setText(self.tr("Does not match: record (stops the case)"))
        self.close_button.setText(self.tr("Close"))
        if self.readout is not None:
            self.show_readout()

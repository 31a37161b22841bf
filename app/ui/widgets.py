"""Small widgets shared by every screen: the permanent training banner, the language menu, a
refusal/reason box and helpers for keyboard use. No behaviour beyond display."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QTableWidget, QTableWidgetItem, QWidget

from app.ui import i18n, theme
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)


class TrainingBanner(QLabel):
    """研修モード: shown across the top of every window in training mode, never hidden."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingBanner")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFont(theme.scaled(1, bold=True))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        # Both languages at once: a trainee must never mistake this terminal for a live one.
        self.setText(self.tr("研修モード — TRAINING MODE: demo data only, nothing here is real"))


class LanguageMenu(QMenu):
    """Language ▸ 日本語 / English: switches every open window at once."""

    def __init__(self, parent: QWidget | None = None, on_change=None) -> None:
        super().__init__(parent)
        self._on_change = on_change
        group = QActionGroup(self)
        self.actions_by_lang = {}
        for lang, label in (("ja", "日本語"), ("en", "English")):
            action = QAction(label, self, checkable=True)
            action.setData(lang)
            group.addAction(action)
            self.addAction(action)
            self.actions_by_lang[lang] = action
            action.triggered.connect(lambda _=False, code=lang: self.switch(code))
        self.actions_by_lang["ja"].setShortcut(QKeySequence("Ctrl+Shift+J"))
        self.actions_by_lang["en"].setShortcut(QKeySequence("Ctrl+Shift+E"))
        i18n.translate_ui(self)

    def switch(self, lang: str) -> None:
        i18n.language().set(lang)
        if self._on_change:
            self._on_change(lang)

    def translateUI(self) -> None:  # noqa: N802
        self.setTitle(self.tr("&Language"))
        self.actions_by_lang[i18n.current()].setChecked(True)


class ReasonBox(QLabel):
    """Reasons of one channel with the rule each comes from: the requester channel (worded for
    reading aloud, ``RequesterText``) or, in a box named ``StaffOnly``, the staff channel
    (``Reason``: the full reason, for the clerk's eyes only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Refusal")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFont(theme.scaled(2, bold=True))
        self._reasons = ()
        self._title = ""
        self.hide()
        i18n.translate_ui(self)

    def show_reasons(self, title, reasons) -> None:
        """``title`` is a string or a callable giving it in the current language."""
        self._title, self._reasons = title, tuple(reasons)
        self.translateUI()
        self.setVisible(bool(self._reasons) or bool(title))

    def clear(self) -> None:
        self._reasons = ()
        self._title = ""
        self.hide()

    def translateUI(self) -> None:  # noqa: N802
        title = self._title() if callable(self._title) else self._title
        lines = [f"<p>{title}</p>"] if title else []
        source_label = self.tr("Source:")
        for reason in self._reasons:
            # a Reason (staff channel) has a source; a RequesterText (requester channel) a basis
            source = getattr(reason, "source", "") or getattr(reason, "basis", "")
            lines.append(f"<p>{i18n.text_of(reason)}</p>"
                         + (f"<p style='font-size:small;font-weight:normal'>"
                            f"{source_label} {source}</p>" if source else ""))
        self.setText("".join(lines))


RESULT_COLUMNS = (("支援措置", "Restriction"), ("氏名（カナ）", "Name (kana)"),
                  ("振り仮名（記載日・事由）", "Official reading (recorded, source)"), ("生年月日", "Birth date"),
                  ("性別", "Sex"), ("個人番号", "My Number"), ("住所", "Address"))


def fill_resident_table(table: QTableWidget, hits) -> None:
    """Search hits in a table: the restriction flag first, in red, at once; the My Number masked;
    removed records (除票) marked."""
    from app.ids import mask_my_number
    from app.desk.search import SEX_NAMES, hit_name_line, hit_reading_line

    table.setColumnCount(len(RESULT_COLUMNS))
    table.setHorizontalHeaderLabels([i18n.pick(ja, en) for ja, en in RESULT_COLUMNS])
    table.setRowCount(len(hits))
    for row, hit in enumerate(hits):
        flag = QTableWidgetItem(i18n.pick("支援措置対象", "SUPPORT MEASURE") if hit.restricted else "")
        if hit.restricted:
            flag.setBackground(QColor(theme.DANGER))
            flag.setForeground(QColor("white"))
            flag.setFont(theme.scaled(0, bold=True))
        name = hit_name_line(hit) + (i18n.pick("（除票）", " (removed)") if hit.status == "removed" else "")
        cells = [flag, QTableWidgetItem(name),
                 QTableWidgetItem(hit_reading_line(hit, english=i18n.current() == "en")),
                 QTableWidgetItem(hit.birth_date),
                 QTableWidgetItem(i18n.pick(*SEX_NAMES.get(hit.sex, ("", "")))),
                 QTableWidgetItem(mask_my_number(hit.my_number) if hit.my_number else ""),
                 QTableWidgetItem(hit.address)]
        for col, item in enumerate(cells):
            table.setItem(row, col, item)
    table.resizeColumnsToContents()

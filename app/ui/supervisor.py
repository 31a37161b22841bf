"""The supervisor's desk (監督者画面), for support officers and administrators: today's and this
month's figures as bar charts with CSV export, the queues that need a supervisor (red where
something is missing), the support-measure ledger (``app.ui.supervisor_measures``) and the
issuance-history search (every protected person in a result is audited as a look-up).

Everything shown comes from the UI-free ``app.desk`` package — the same views ``madoguchi report``
prints. The charts are Qt Charts (PySide6-Addons, which the application ships): Japanese labels
render with the window's font, long labels are elided by the axis.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCharts import (QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalStackedBarSeries,
                              QValueAxis)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFileDialog, QGridLayout,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMainWindow,
                               QPushButton, QSizePolicy, QTableWidget, QTableWidgetItem,
                               QTabWidget, QToolTip, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from app.ui import i18n
from app.ui.supervisor_measures import RED, RED_TEXT, MeasuresTab, paint_red, save_file
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

OUTCOME_COLOURS = {"completed": QColor(46, 125, 50), "refused": QColor(198, 40, 40),
                   "abandoned": QColor(120, 120, 120), "open": QColor(30, 100, 200),
                   "paused": QColor(240, 160, 0), "awaiting_release": QColor(140, 30, 160)}
BAR = QColor(30, 90, 160)


class BarChart(QChartView):
    """Horizontal bars (Qt Charts), one row per label, top to bottom in the given order; a row may
    be stacked in coloured segments (the legend names them); the axis counts whole cases."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.rows: list[tuple[str, list[tuple[float, QColor]]]] = []
        self.legend: list[tuple[str, QColor]] = []
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setChart(QChart())

    def set_data(self, title: str, rows, legend=()) -> None:
        self.title, self.rows, self.legend = title, list(rows), list(legend)
        chart = QChart()
        chart.setTitle(title)
        chart.setMargins(QMargins(2, 2, 2, 2))
        chart.layout().setContentsMargins(0, 0, 0, 0)
        chart.setBackgroundRoundness(0)
        font = QFont(self.font())
        font.setBold(True)
        chart.setTitleFont(font)
        series = QHorizontalStackedBarSeries()
        segments = max((len(segs) for _l, segs in self.rows), default=0)
        for k in range(segments):
            name, colour = self.legend[k] if k < len(self.legend) else (title, self.rows[0][1][k][1])
            bar = QBarSet(name)
            bar.setColor(colour)
            bar.setBorderColor(colour)
            for _label, segs in reversed(self.rows):        # Qt draws the first category lowest
                bar.append(segs[k][0] if k < len(segs) else 0)
            series.append(bar)
        series.setLabelsVisible(True)
        series.hovered.connect(self._hovered)
        series.setBarWidth(0.7)
        chart.addSeries(series)
        labels = QBarCategoryAxis()
        labels.append([label for label, _segs in reversed(self.rows)] or ["—"])
        labels.setGridLineVisible(False)
        chart.addAxis(labels, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(labels)
        counts = QValueAxis()
        top = max((sum(v for v, _c in segs) for _l, segs in self.rows), default=0)
        counts.setRange(0, max(1, top))
        counts.setTickCount(min(max(1, int(top)), 5) + 1)
        if top > 5:
            counts.applyNiceNumbers()
        counts.setLabelFormat("%d")
        chart.addAxis(counts, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(counts)
        chart.legend().setVisible(bool(self.legend))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()

    def _hovered(self, status: bool, index: int, bar) -> None:
        """A row's whole name and count under the pointer (the axis elides long names)."""
        if not status:
            QToolTip.hideText()
            return
        name, segs = self.rows[len(self.rows) - 1 - index]
        QToolTip.showText(QCursor.pos(), f"{name}: {sum(v for v, _c in segs):g}", self)


class FiguresTab(QWidget):
    """Today / this month: cases by type and outcome, times, refusals, issuance; CSV export."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FiguresTab")
        self.services = services
        self.figures = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.period = QComboBox(self)
        self.period.setObjectName("figures_period")
        self.period.currentIndexChanged.connect(self.refresh)
        self.csv_button = QPushButton(self)
        self.csv_button.setObjectName("figures_csv")
        self.csv_button.clicked.connect(self.export_csv)
        self.summary = QLabel(self)
        top.addWidget(self.period)
        top.addWidget(self.summary, 1)
        top.addWidget(self.csv_button)
        layout.addLayout(top)
        grid = QGridLayout()
        self.cases_chart, self.refusal_chart, self.issuance_chart = BarChart(self), BarChart(self), BarChart(self)
        self.times = QTableWidget(0, 4, self)
        self.times.setObjectName("figures_times")
        self.times.verticalHeader().setVisible(False)
        self.times.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.times.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        grid.addWidget(self.cases_chart, 0, 0)
        grid.addWidget(self.times, 0, 1)
        grid.addWidget(self.refusal_chart, 1, 0)
        grid.addWidget(self.issuance_chart, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)
        layout.addLayout(grid, 1)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        i = self.period.currentIndex()
        self.period.blockSignals(True)
        self.period.clear()
        self.period.addItems([self.tr("Today"), self.tr("This month")])
        self.period.setCurrentIndex(max(0, i))
        self.period.blockSignals(False)
        self.csv_button.setText(self.tr("Export CSV…"))
        self.times.setHorizontalHeaderLabels([self.tr("Time (minutes)"), self.tr("Cases"), self.tr("Median"),
                                              self.tr("90th percentile")])
        self.refresh()

    def period_value(self):
        from app.desk.supervisor import day_period, month_period
        from app.security.registration import office_today

        today = getattr(self.services, "desk_today", None) or office_today()
        return day_period(today) if self.period.currentIndex() <= 0 else month_period(today)

    def refresh(self) -> None:
        from app.desk import supervisor as S

        fig = S.figures(self.services.store.conn, self.period_value())
        self.figures = fig
        lang = i18n.current()
        self.summary.setText(self.tr("{period}: {n} case(s)").format(period=fig.period.label, n=fig.total))
        statuses = [s for s in S.STATUS_LABELS if any(s in v for v in fig.by_type_outcome.values())]
        self.cases_chart.set_data(
            self.tr("Cases by type and outcome"),
            [(S.label(S.CASE_TYPE_LABELS, t, lang), [(cells.get(s, 0), OUTCOME_COLOURS[s]) for s in statuses])
             for t, cells in sorted(fig.by_type_outcome.items())],
            [(S.label(S.STATUS_LABELS, s, lang), OUTCOME_COLOURS[s]) for s in statuses])
        by_words: dict[str, int] = {}          # codes of one family share their words: one bar
        for code, n in fig.refusals:
            words = S.reason_words(code, lang)
            by_words[words] = by_words.get(words, 0) + n
        self.refusal_chart.set_data(self.tr("Refusals by reason"),
                                    [(words, [(n, OUTCOME_COLOURS["refused"])]) for words, n in by_words.items()])
        self.issuance_chart.set_data(self.tr("Documents issued"),
                                     [(S.label(S.DOCUMENT_LABELS, d, lang), [(n, BAR)]) for d, n in fig.issuance])
        rows = [(self.tr("Handling (without pauses)"), fig.handling),
                (self.tr("Waiting for a support officer"), fig.waiting)]
        rows += [("  " + S.label(S.CASE_TYPE_LABELS, t, lang), s) for t, s in fig.handling_by_type.items()]
        self.times.setRowCount(len(rows))
        for r, (name, s) in enumerate(rows):
            for c, text in enumerate((name, str(s.count), S.minutes(s.median), S.minutes(s.p90))):
                self.times.setItem(r, c, QTableWidgetItem(text))

    def export_csv(self) -> None:
        from app.desk.supervisor import figures_csv

        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export CSV"),
                                              f"desk-{self.figures.period.label}.csv", "CSV (*.csv)")
        if path:
            save_file(self, path, figures_csv(self.figures, i18n.current()).encode("utf-8-sig"))


class QueuesTab(QWidget):
    """Everything that waits for a supervisor; red lines first in each queue."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("QueuesTab")
        self.services = services
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("queues_tree")
        self.tree.setColumnCount(2)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.tree, 1)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.tree.setHeaderLabels([self.tr("Needs a supervisor"), self.tr("Since")])
        self.refresh()

    def refresh(self) -> None:
        from app.desk import supervisor as S

        now = getattr(self.services, "desk_now", None) or dt.datetime.now(dt.timezone.utc)
        queues = S.queues(self.services.store, now)
        lang = i18n.current()
        self.tree.clear()
        for key, items in queues.items():
            head = QTreeWidgetItem([f"{i18n.pick(*S.QUEUES[key])}（{len(items)}）", ""])
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            for item in sorted(items, key=lambda i: not i.red):
                child = QTreeWidgetItem([item.text(lang), S.local_time(item.since) if item.since and "T" in item.since
                                         else (item.since or "")])
                if item.red:
                    for c in range(2):
                        child.setBackground(c, QBrush(RED))
                        child.setForeground(c, QBrush(RED_TEXT))
                head.addChild(child)
            self.tree.addTopLevelItem(head)
            head.setExpanded(bool(items))


class HistoryTab(QWidget):
    """Issuance history: who issued what to whom, when. Protected persons in a result are audited."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryTab")
        self.services = services
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("history_name")
        self.number = QLineEdit(self)
        self.first, self.last = QDateEdit(self), QDateEdit(self)
        for d in (self.first, self.last):
            d.setCalendarPopup(True)
            d.setDate(dt.date.today())
        self.first.setDate(dt.date.today().replace(day=1))
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("history_search")
        self.search_button.clicked.connect(self.search)
        self.name.returnPressed.connect(self.search)
        for w in (self.name, self.number, self.first, self.last, self.search_button):
            row.addWidget(w)
        layout.addLayout(row)
        self.table = QTableWidget(0, 6, self)
        self.table.setObjectName("history_table")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.name.setPlaceholderText(self.tr("name or kana of the person"))
        self.number.setPlaceholderText(self.tr("issue number"))
        self.search_button.setText(self.tr("Search"))
        self.table.setHorizontalHeaderLabels([self.tr("Issued"), self.tr("Issue number"), self.tr("Document"),
                                              self.tr("To whom"), self.tr("Issued by"), self.tr("Delivery")])

    def search(self) -> None:
        from app.desk import supervisor as S

        rows = S.issuance_history(self.services.store, staff_id=self.services.staff.id,
                                  terminal_id=self.services.terminal_id, name=self.name.text(),
                                  issue_number=self.number.text(), first=self.first.date().toPython(),
                                  last=self.last.date().toPython())
        lang = i18n.current()
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            who = "、".join(row.targets) + ("　" + self.tr("[restricted]") if row.protected else "")
            for c, text in enumerate((S.local_time(row.issued_at), row.issue_number,
                                      S.label(S.DOCUMENT_LABELS, row.document_type, lang), who, row.staff,
                                      row.delivery)):
                item = QTableWidgetItem(text)
                if row.protected:
                    paint_red(item)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()


class SupervisorDesk(QMainWindow):
    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SupervisorDesk")
        self.services = services
        self.tabs = QTabWidget(self)
        self.figures_tab = FiguresTab(services, self.tabs)
        self.queues_tab = QueuesTab(services, self.tabs)
        self.measures_tab = MeasuresTab(services, self.tabs)
        self.history_tab = HistoryTab(services, self.tabs)
        for tab in (self.figures_tab, self.queues_tab, self.measures_tab, self.history_tab):
            self.tabs.addTab(tab, "")
        self.tabs.currentChanged.connect(self.refresh_current)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh_current)
        self.tabs.setCornerWidget(self.refresh_button)
        self.setCentralWidget(self.tabs)
        self.resize(1366, 740)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Supervisor's desk"))
        for i, name in enumerate((self.tr("Today / this month"), self.tr("Queues"), self.tr("Support measures"),
                                  self.tr("Issuance history"))):
            self.tabs.setTabText(i, name)
        self.refresh_button.setText(self.tr("Refresh"))

    def refresh_current(self) -> None:
        tab = self.tabs.currentWidget()
        if hasattr(tab, "refresh"):
            tab.refresh()


def may_use_desk(staff) -> bool:
    """Support officers and administrators (never outsourced staff: they are never officers)."""
    from app.rules.codes import Role

    return staff is not None and (staff.has(Role.SUPPORT_OFFICER) or
                                  (staff.has(Role.ADMINISTRATOR) and not staff.outsourced))

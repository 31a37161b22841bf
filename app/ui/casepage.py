"""Case screen (案件画面): renders the current step of a case from the workflow engine's
:class:`~app.workflows.engine.StepView` — checklist with who ticked each item and when, the values
the step collects, Next/Back — and shows why Next is disabled, refusals with the reason to read
aloud and its source, and the restriction warning with the support officer's sign-off.

The page decides nothing: every tick and value goes to the engine at once (so a crash loses
nothing) and the page re-renders the view the engine returns.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QMessageBox, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from app.ui import i18n, theme
from app.ui.widgets import ReasonBox
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

log = logging.getLogger(__name__)

#: reasons listed under the buttons at most (the rest summed up), to keep the page readable at 768 px
MAX_BLOCKING_SHOWN = 4


def render_applications(rows) -> str:
    """The status inquiry's answer: each application with its status, to read out."""
    if not rows:
        return ""
    lines = []
    for r in rows:
        status = i18n.pick(r.get("status_ja", ""), r.get("status_en", ""))
        lines.append(f"<b>{status}</b> — {r.get('application_id', '')} "
                     f"({r.get('received_date', '')} → {r.get('status_date', '')})")
    return "<br>".join(lines)


#: how the data of a decision is shown on the case page (key of Decision.data → renderer)
DECISION_DATA_RENDERERS = {
    "applications": render_applications,
}


class ResidentField(QWidget):
    """The chosen resident(s) and a button to search for them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.button = QPushButton(self)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.setFocusProxy(self.button)


class CasePage(QWidget):
    closed = Signal()

    def __init__(self, services, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.case_id = case_id
        self.view = None
        self.editors: dict[str, QWidget] = {}
        self._error = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.header = QLabel(self)
        self.header.setObjectName("Title")
        self.header.setFont(theme.scaled(4, bold=True))
        self.header.setWordWrap(True)
        outer.addWidget(self.header)
        self.subject = QLabel(self)
        self.subject.setWordWrap(True)
        outer.addWidget(self.subject)

        from app.ui.restriction import RestrictionWarning
        self.warning = RestrictionWarning(services, self)
        self.warning.released.connect(self.refresh)
        # the officer's decision is judged by the engine at once, as if the clerk pressed Next
        self.warning.decided.connect(lambda _: self._run(self.services.next))
        outer.addWidget(self.warning)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget(scroll)
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        scroll.setWidget(self.body)
        outer.addWidget(scroll, 1)
        self.scroll = scroll

        self.guide = QLabel(self.body)
        self.guide.setWordWrap(True)
        self.body_layout.addWidget(self.guide)
        self.card_row = QHBoxLayout()
        self.read_card_button = QPushButton(self.body)
        self.read_card_button.setObjectName("read_card")
        self.read_tries_button = QPushButton(self.body)
        self.read_tries_button.setObjectName("read_tries")
        self.card_row.addWidget(self.read_card_button)
        self.card_row.addWidget(self.read_tries_button)
        self.reset_button = QPushButton(self.body)
        self.reset_button.setObjectName("reset_on_card")
        self.card_row.addWidget(self.reset_button)
        self.read_certs_button = QPushButton(self.body)
        self.read_certs_button.setObjectName("read_certificates")
        self.card_row.addWidget(self.read_certs_button)
        self.renew_button = QPushButton(self.body)
        self.renew_button.setObjectName("renew_on_card")
        self.card_row.addWidget(self.renew_button)
        self.chip_button = QPushButton(self.body)
        self.chip_button.setObjectName("chip_check")
        self.card_row.addWidget(self.chip_button)
        self.card_row.addStretch(1)
        self.body_layout.addLayout(self.card_row)
        self.checklist_box = QGroupBox(self.body)
        self.checklist_layout = QVBoxLayout(self.checklist_box)
        self.body_layout.addWidget(self.checklist_box)
        self.fields_box = QGroupBox(self.body)
        self.fields_layout = QFormLayout(self.fields_box)
        self.fields_layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.body_layout.addWidget(self.fields_box)
        # the two channels of a decision, clearly apart: what may be read aloud / shown to the
        # requester, and the full reason for the clerk only
        self.outcome_box = ReasonBox(self.body)
        self.body_layout.addWidget(self.outcome_box)
        self.staff_box = ReasonBox(self.body)
        self.staff_box.setObjectName("StaffOnly")
        self.staff_box.setFont(theme.scaled(1))
        self.body_layout.addWidget(self.staff_box)
        self.answer = QLabel(self.body)
        self.answer.setObjectName("answer")
        self.answer.setWordWrap(True)
        self.answer.setFont(theme.scaled(3))
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body_layout.addWidget(self.answer)
        self.body_layout.addStretch(1)

        self.blocking_label = QLabel(self)
        self.blocking_label.setObjectName("Reason")
        self.blocking_label.setWordWrap(True)
        outer.addWidget(self.blocking_label)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("Reason")
        self.error_label.setWordWrap(True)
        outer.addWidget(self.error_label)

        buttons = QHBoxLayout()
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("back")
        self.pause_button = QPushButton(self)
        self.pause_button.setObjectName("pause")
        self.abandon_button = QPushButton(self)
        self.abandon_button.setObjectName("abandon")
        self.home_button = QPushButton(self)
        self.home_button.setObjectName("home")
        self.next_button = QPushButton(self)
        self.next_button.setObjectName("next")
        self.next_button.setDefault(True)
        self.next_button.setFont(theme.scaled(2, bold=True))
        self.preview_button = QPushButton(self)      # in the button row: always in sight
        self.preview_button.setObjectName("preview")
        for b in (self.back_button, self.pause_button, self.abandon_button, self.home_button,
                  self.preview_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        outer.addLayout(buttons)

        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.pause_button.clicked.connect(self.pause)
        self.abandon_button.clicked.connect(self.abandon)
        self.home_button.clicked.connect(self.closed)
        self.read_card_button.clicked.connect(self.read_card)
        self.read_tries_button.clicked.connect(self.read_tries)
        self.reset_button.clicked.connect(self.reset_on_card)
        self.read_certs_button.clicked.connect(self.read_certificates)
        self.renew_button.clicked.connect(self.renew_on_card)
        self.chip_button.clicked.connect(self.chip_check)
        self.preview_button.clicked.connect(self.preview)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.go_next)
        QShortcut(QKeySequence("Ctrl+Enter"), self, activated=self.go_next)
        QShortcut(QKeySequence("Alt+Left"), self, activated=self.go_back)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.pause)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.read_card)
        services.card_event.connect(self._card_event)
        self.refresh()
        i18n.translate_ui(self)

    # ------------------------------------------------------------------------------------------
    def refresh(self, view=None) -> None:
        self.view = view or self.services.case_view(self.case_id)
        v = self.view
        shape = (v.step, v.status, tuple(i.id for i in v.items), tuple((f.id, f.kind) for f in v.fields))
        if shape != getattr(self, "_shape", None):
            self._rebuild()            # a new step: new widgets, focus on its first item
            self._shape = shape
        else:
            self._update_values()      # same step: keep the widgets (and the keyboard focus)
        self._update_common()
        self.translateUI()

    def _update_values(self) -> None:
        for item in self.view.items:
            box, who, _ = self.item_boxes[item.id]
            box.blockSignals(True)
            box.setChecked(item.checked)
            box.blockSignals(False)
            self.item_boxes[item.id] = (box, who, item)
        for f in self.view.fields:
            editor, label, _ = self.editors[f.id]
            self.editors[f.id] = (editor, label, f)
            editor.blockSignals(True)
            if isinstance(editor, QLineEdit) and not editor.hasFocus():
                editor.setText("" if f.value is None else str(f.value))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(f.value))
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(f.value)))
            editor.blockSignals(False)

    def _run(self, action, *args):
        """Call an engine action; a refusal by the engine is shown, never lost."""
        from app.workflows.engine import CaseError

        try:
            view = action(self.case_id, *args)
        except CaseError as exc:
            self._error = exc
            self.error_label.setText(i18n.text_of(exc))
            return None
        self._error = None
        self.error_label.clear()
        self.refresh(view)
        return view

    def _rebuild(self) -> None:
        v = self.view
        while self.checklist_layout.count():
            w = self.checklist_layout.takeAt(0).widget()
            if w is not None:
                w.hide()                 # gone from the screen now, deleted by the event loop
                w.setParent(None)
                w.deleteLater()
        while self.fields_layout.rowCount():
            self.fields_layout.removeRow(0)
        self.editors = {}
        editable = v.status == "open"
        self.item_boxes = {}
        for item in v.items:
            row = QWidget(self.checklist_box)
            hl = QHBoxLayout(row)
            hl.setContentsMargins(0, 0, 0, 0)
            box = QCheckBox(row)
            box.setObjectName(f"item_{item.id}")
            box.setChecked(item.checked)
            box.setEnabled(editable)
            box.toggled.connect(lambda checked, iid=item.id: QTimer.singleShot(
                0, lambda: self._run(self.services.tick, iid, checked)))
            who = QLabel(row)
            who.setObjectName(f"who_{item.id}")
            who.setStyleSheet("color: #333;")
            hl.addWidget(box, 1)
            hl.addWidget(who)
            self.checklist_layout.addWidget(row)
            self.item_boxes[item.id] = (box, who, item)
        self.checklist_box.setVisible(bool(v.items))
        for f in v.fields:
            editor = self._editor(f, editable)
            label = QLabel(self.fields_box)
            label.setWordWrap(True)
            label.setBuddy(editor)
            self.fields_layout.addRow(label, editor)
            self.editors[f.id] = (editor, label, f)
        self.fields_box.setVisible(bool(v.fields))

    def _update_common(self) -> None:
        v = self.view
        editable = v.status == "open"
        actions = self.services.card_actions(v)
        self.read_card_button.setVisible("read_items" in actions)
        self.read_tries_button.setVisible("read_tries" in actions)
        self.reset_button.setVisible("reset_on_card" in actions)
        self.read_certs_button.setVisible("read_certificates" in actions)
        self.renew_button.setVisible("renew_on_card" in actions)
        self.chip_button.setVisible("chip_check" in actions)
        self.preview_button.setVisible(self.services.has_documents(v))
        self.warning.show_view(v)
        self.back_button.setEnabled(v.can_go_back)
        self.pause_button.setEnabled(v.status == "open")
        self.abandon_button.setEnabled(v.status in ("open", "paused", "awaiting_release"))
        final = v.status in ("completed", "refused", "abandoned")
        # while the case awaits the officer, Next stays off: the sign-off dialog is the way on
        self.next_button.setEnabled(v.status == "paused" or (
            v.can_advance and not final and v.status != "awaiting_release"))

    def _editor(self, f, editable: bool) -> QWidget:
        kind = f.kind
        value = f.value
        if kind == "bool":
            w = QCheckBox(self.fields_box)
            w.setChecked(bool(value))
            w.toggled.connect(lambda checked, fid=f.id: self._set(fid, checked))
        elif kind in ("choice",):
            w = QComboBox(self.fields_box)
            w.addItem("—", None)
            for c in f.choices:
                w.addItem(i18n.pick(c.ja, c.en), c.code)
            if value is not None:
                w.setCurrentIndex(max(0, w.findData(value)))
            w.activated.connect(lambda i, fid=f.id, combo=w: self._set(fid, combo.itemData(i)))
        elif kind == "multi":
            w = QWidget(self.fields_box)
            lay = QVBoxLayout(w)
            lay.setContentsMargins(0, 0, 0, 0)
            chosen = set(value or [])
            w.boxes = []
            for c in f.choices:
                b = QCheckBox(i18n.pick(c.ja, c.en), w)
                b.setChecked(c.code in chosen)
                b.setProperty("code", c.code)
                b.setEnabled(editable)
                b.toggled.connect(lambda _=False, fid=f.id, holder=w: self._set(
                    fid, [x.property("code") for x in holder.boxes if x.isChecked()]))
                lay.addWidget(b)
                w.boxes.append(b)
        elif kind == "int":
            w = QSpinBox(self.fields_box)
            w.setRange(0, 1_000_000)
            w.setValue(int(value or 0))
            w.editingFinished.connect(lambda fid=f.id, spin=w: self._set(fid, spin.value()))
        elif kind in ("resident", "residents"):
            w = ResidentField(self.fields_box)
            w.label.setText(self.services.describe_value(f))
            w.button.clicked.connect(lambda _=False, spec=f: self._choose_residents(spec))
            w.button.setEnabled(editable)
        elif kind == "json":
            w = QLabel(self.fields_box)
            w.setWordWrap(True)
            w.setText(self.services.describe_value(f))
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        else:  # text, date, digits
            w = QLineEdit(self.fields_box)
            w.setText("" if value is None else str(value))
            if kind == "date":
                w.setPlaceholderText("YYYY-MM-DD")
                w.setInputMask("")
            if kind == "digits" and f.length:
                w.setMaxLength(f.length + 4)
            w.editingFinished.connect(lambda fid=f.id, edit=w: self._set_text(fid, edit))
        w.setObjectName(f"field_{f.id}")
        if kind not in ("multi", "resident", "residents"):
            w.setEnabled(editable or kind == "json")
        return w

    def _choose_residents(self, spec) -> None:
        from app.ui.residentpicker import ResidentPickerDialog

        ids = ResidentPickerDialog.choose(self.services, spec.kind == "residents",
                                          i18n.pick(spec.ja, spec.en), self)
        if ids:
            self._set(spec.id, ids if spec.kind == "residents" else ids[0])

    def _set_text(self, field_id: str, edit: QLineEdit) -> None:
        text = edit.text().strip()
        current = self.editors.get(field_id, (None, None, None))[2]
        if current is not None and (current.value or "") == text:
            return
        self._set(field_id, text or None)

    def _set(self, field_id: str, value) -> None:
        QTimer.singleShot(0, lambda: self._run(self.services.set_value, field_id, value))

    # ------------------------------------------------------------------------------------------
    def translateUI(self) -> None:  # noqa: N802
        v = self.view
        self.header.setText(self.tr("{case} — step {n} of {count}: {step}").format(
            case=self.services.case_type_name(v.case_type), n=v.index + 1, count=v.count,
            step=i18n.pick(v.ja, v.en)))
        self.subject.setText(self.tr("Status: {status}").format(
            status=self.services.status_name(v.status))
            + "".join("  ·  " + s for s in [self.services.case_subject(v)] if s))
        guide = i18n.pick(v.guide_ja, v.guide_en)
        self.guide.setText(guide)
        self.guide.setVisible(bool(guide))
        self.read_card_button.setText(self.tr("Read the card (Ctrl+R): the resident types the PIN"))
        self.read_tries_button.setText(self.tr("Read the tries left from the card (no try is used)"))
        self.reset_button.setText(self.tr("Training card: reset, the holder types the new PIN"))
        self.read_certs_button.setText(self.tr("Read the certificates (the holder may type the signing password)"))
        self.renew_button.setText(self.tr("Training card: issue new certificates, the holder types the PINs"))
        self.chip_button.setText(self.tr("Chip check (check code B)"))
        self.checklist_box.setTitle(self.tr("Checklist — tick each item after checking it"))
        for box, who, item in self.item_boxes.values():
            box.setText(i18n.pick(item.ja, item.en) + ("" if item.required else self.tr(" (optional)")))
            who.setText(self._mark_text(item.by) if item.checked else "")
        self.fields_box.setTitle(self.tr("Details"))
        for editor, label, f in self.editors.values():
            label.setText(i18n.pick(f.ja, f.en) + ("" if f.required else self.tr(" (optional)")))
            if f.kind == "json":
                editor.setText(self.services.describe_value(f))
            elif f.kind in ("resident", "residents"):
                editor.label.setText(self.services.describe_value(f))
                editor.button.setText(self.tr("Choose… (search)"))
        if v.status == "awaiting_release":
            self.blocking_label.setText(self.tr("Next is not possible yet:") + "\n• " + self.tr(
                "waiting for the support officer's release (sign-off on this terminal)"))
        elif v.blocking and v.status == "open":
            shown = [i18n.text_of(r) for r in v.blocking[:MAX_BLOCKING_SHOWN]]
            more = len(v.blocking) - len(shown)
            if more > 0:
                shown.append(self.tr("… and {n} more").format(n=more))
            self.blocking_label.setText(self.tr("Next is not possible yet:") + "\n" + "\n".join(
                "• " + line for line in shown))
        else:
            self.blocking_label.setText("")
        self._show_outcome()
        self.back_button.setText(self.tr("Back (Alt+←)"))
        self.pause_button.setText(self.tr("Pause (Ctrl+P)"))
        self.abandon_button.setText(self.tr("Abandon"))
        self.home_button.setText(self.tr("Queue (Ctrl+H)"))
        self.preview_button.setText(self.tr("Print / PDF…"))
        if v.status == "paused":
            self.next_button.setText(self.tr("Resume"))
        elif v.status in ("completed", "refused", "abandoned"):
            self.next_button.setText(self.tr("Finished"))
        elif v.index + 1 == v.count:
            self.next_button.setText(self.tr("Finish (Enter)"))
        else:
            self.next_button.setText(self.tr("Next (Enter)"))
        if self._error is not None:
            self.error_label.setText(i18n.text_of(self._error))

    def _mark_text(self, mark) -> str:
        if mark is None:
            return ""
        return self.tr("✔ {name}, {time}").format(name=self.services.staff_name(mark.staff_id),
                                                  time=mark.at[11:16])

    def _show_outcome(self) -> None:
        from app.rules.core import Reason, requester_channel

        v = self.view
        source = v.outcome if v.status in ("completed", "refused", "abandoned") else None
        if source is None and v.status == "paused":
            source = v.pause
        decision = (source or {}).get("decision") if source else None
        if decision is None and v.decision and v.decision.get("decision", {}).get("reasons") \
                and v.status == "open":
            decision = v.decision.get("decision")
        if not decision and v.status not in ("refused", "completed", "abandoned", "paused"):
            self.outcome_box.clear()
            self.staff_box.clear()
            self.answer.hide()
            return
        data = (decision or {}).get("data", {})
        answer = "<br>".join(html for key, render in DECISION_DATA_RENDERERS.items()
                             if key in data for html in [render(data[key])] if html)
        self.answer.setText(answer)
        self.answer.setVisible(bool(answer))
        reasons = [Reason.from_dict(r) for r in (decision or {}).get("reasons", [])]
        titles = {
            "refused": lambda: self.tr("Refused. Read this to the requester:"),
            "completed": lambda: self.tr("Completed. May be read to the requester:"),
            "abandoned": lambda: self.tr("Abandoned."),
            "paused": lambda: self.tr("Paused: the case waits in the queue."),
            "awaiting_release": lambda: self.tr("Waiting for a check. Say only this to the requester:"),
        }
        self.outcome_box.show_reasons(titles.get(v.status, lambda: self.tr("May be read to the requester:")),
                                      requester_channel(reasons))
        # the staff box holds what the requester box does not already say in the same words
        staff_only = [r for r in reasons if (r.requester.ja, r.requester.en) != (r.ja, r.en)]
        if staff_only:
            self.staff_box.show_reasons(lambda: self.tr("For you only (staff) — do not read aloud, show or print:"),
                                        staff_only)
        else:
            self.staff_box.clear()
        if v.status in ("refused", "completed") and reasons:
            # a finished case: bring the two channels into view (they sit below the form)
            last = self.staff_box if staff_only else self.outcome_box
            QTimer.singleShot(0, lambda: (self.scroll.ensureWidgetVisible(last, 0, 0),
                                          self.scroll.ensureWidgetVisible(self.outcome_box, 0, 0)))
        # a refusal is red; other decisions are notes in a neutral frame
        self.outcome_box.setObjectName("Refusal" if v.status == "refused" else "Notes")
        self.outcome_box.style().unpolish(self.outcome_box)
        self.outcome_box.style().polish(self.outcome_box)

    # ------------------------------------------------------------------------------------------
    def focus_first(self) -> None:
        for box, _, item in self.item_boxes.values():
            if not item.checked and box.isEnabled():
                box.setFocus()
                return
        self.next_button.setFocus()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Enter anywhere on the page (outside a text field, which commits its value) is Next.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.next_button.isEnabled():
                self.go_next()
            return
        super().keyPressEvent(event)

    def go_next(self) -> None:
        if not self.next_button.isEnabled():
            return
        focused = self.focusWidget()
        if isinstance(focused, QLineEdit):
            focused.editingFinished.emit()
            QTimer.singleShot(0, self._next_now)
            return
        self._next_now()

    def _next_now(self) -> None:
        v = self.view
        if v.status == "paused":
            self._run(self.services.resume)
        elif v.status in ("completed", "refused", "abandoned"):
            self.closed.emit()
            return
        else:
            self._run(self.services.next)
        self.focus_first()

    def go_back(self) -> None:
        if self.back_button.isEnabled():
            self._run(self.services.back)

    def pause(self) -> None:
        if self.pause_button.isEnabled():
            self._run(self.services.pause)

    def abandon(self) -> None:
        answer = QMessageBox.question(self, self.tr("Abandon the case"),
                                      self.tr("Abandon this case? It stays in the record as abandoned."))
        if answer == QMessageBox.StandardButton.Yes:
            self._run(self.services.abandon)

    def leave(self) -> None:
        """Going back to the queue pauses an open case so it can be resumed later."""
        if self.view is not None and self.view.status == "open":
            self._run(self.services.pause)

    # card ------------------------------------------------------------------------------------
    def read_card(self) -> None:
        if not self.read_card_button.isVisible():
            return
        from app.ui.pindialog import ResidentPinDialog

        # a face-authentication card (the panel knows it) has no PIN to type: read what it says
        pin = None if self.services.card.face_auth else ResidentPinDialog.ask(self)
        if pin is None and not self.services.card.face_auth:
            return
        self.error_label.setText(self.tr("Reading the card…"))
        self.read_card_button.setEnabled(False)
        self.services.read_card_into_case(self.case_id, pin, self._card_read)
        del pin

    def read_tries(self) -> None:
        if not self.read_tries_button.isVisible():
            return
        from app.desk.cardfill import counter_field

        field_id = counter_field(self.view)
        self.read_tries_button.setEnabled(False)
        self.error_label.setText(self.tr("Reading the card…"))
        self.services.read_tries_into_case(self.case_id, field_id, self._card_read)

    def reset_on_card(self) -> None:
        """Training: the holder sets each new PIN on the PIN pad; the training card's
        administration resets it (live, the J-LIS terminal does this). A switch back to a
        face-authentication card asks for no PIN: the administration removes them."""
        from app.desk.cardfill import SECRET_NAMES
        from app.rules.codes import Secret
        from app.ui.pindialog import NewPinDialog

        if self.services.card_switch(self.case_id) == "to_face_auth":
            self.reset_button.setEnabled(False)
            self.services.switch_to_face_auth_on_training_card(self._reset_done)
            return
        for secret in self.services.secrets_to_reset(self.case_id):
            new_pin = NewPinDialog.ask(secret, i18n.pick(*SECRET_NAMES[Secret(secret)]), self)
            if new_pin is None:
                return
            self.reset_button.setEnabled(False)
            self.services.reset_on_training_card(secret, new_pin, self._reset_done)
            del new_pin

    def read_certificates(self) -> None:
        """The certificates' validity from the card; the holder types the signing password on
        the PIN pad to read the signing certificate too (cancel: without it)."""
        if not self.read_certs_button.isVisible():
            return
        from app.ui.pindialog import SigningPasswordDialog

        password = SigningPasswordDialog.ask(self)
        self.read_certs_button.setEnabled(False)
        self.error_label.setText(self.tr("Reading the card…"))
        self.services.read_certificates_into_case(self.case_id, password, self._card_read)
        del password

    def renew_on_card(self) -> None:
        """Training: the holder types each renewed certificate's PIN on the PIN pad; the
        training card's administration issues the certificates (live, the J-LIS terminal)."""
        from app.rules.renewal import CERTIFICATES
        from app.ui.pindialog import NewPinDialog

        pins: dict[str, str] = {}
        for which in self.services.certificates_to_renew(self.case_id):
            pin = NewPinDialog.ask(which, i18n.pick(*CERTIFICATES[which]) + self.tr(" — PIN"), self)
            if pin is None:
                pins.clear()
                return
            pins[which] = pin
            del pin
        if not pins:
            return
        self.renew_button.setEnabled(False)
        self.services.renew_on_training_card(pins, self._reset_done)

    def chip_check(self) -> None:
        """The chip check of the My Number card shown as identity (app.ui.chipcheck)."""
        if not self.chip_button.isVisible():
            return None
        from app.ui.chipcheck import ChipCheckDialog

        self.chip_dialog = ChipCheckDialog(self.services, self.case_id, self)
        self.chip_dialog.recorded.connect(self.refresh)
        self.chip_dialog.open()
        return self.chip_dialog

    def _reset_done(self, result) -> None:
        self.reset_button.setEnabled(True)
        self.renew_button.setEnabled(True)
        self._error = result.error
        self.error_label.setText(i18n.text_of(result.error))

    def _card_read(self, result) -> None:
        self.read_card_button.setEnabled(True)
        self.read_tries_button.setEnabled(True)
        self.read_certs_button.setEnabled(True)
        if getattr(result, "ok", False):
            self._error = result.error            # a note with the read (e.g. a face-authentication card)
            self.error_label.setText(i18n.text_of(result.error))
            self.refresh(result.view)
        else:
            self._error = result.error
            self.error_label.setText(i18n.text_of(result.error))

    def _card_event(self, event) -> None:
        if self.view is not None and self.view.status == "open" and self.services.card_was_pulled(event):
            self._error = {"ja": "カードが抜かれました。入力済みの内容は保存されています。カードを置き直して続けてください。",
                           "en": "The card was removed. Everything entered is saved. Put the card back to go on."}
            self.error_label.setText(i18n.text_of(self._error))

    def preview(self) -> None:
        from app.ui.preview import preview_documents

        documents = self.services.documents_for(self.view)
        refusal = self.services.print_refusal(self.view.case_id)
        if refusal:
            self.show_print_refusal(refusal)
        preview_documents(self, documents)

    def show_print_refusal(self, text: str) -> None:
        """Printing refused the copy (e.g. a perpetrator's address): say so before the slip."""
        QMessageBox.warning(self, self.tr("The copy cannot be issued"), text)

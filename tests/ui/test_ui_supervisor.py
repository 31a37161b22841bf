"""The supervisor's desk in the window (issue 16): shown to support officers only; a measure
registered in the window blocks at once and is confirmed by a second person signed in on the spot
(the registrant is refused); linked systems confirmed one by one, red until then; the figures and
queues render; the issuance search audits. The outsourced clerk at the window's gate sees only the
neutral text and no sign-off."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from tests.ui.test_ui_restriction import _household_with_protected_member, reach_the_gate

pytestmark = pytest.mark.gui


def test_the_desk_menu_is_for_supervisors_only(window):
    assert not window.act_desk.isEnabled()                 # clerk1
    window.open_desk()
    assert window.desk is None


@pytest.mark.parametrize("window", ["itaku1"], indirect=True)
def test_outsourced_staff_get_no_desk(window):
    assert not window.act_desk.isEnabled()


class SecondPerson:
    """Stands in for the person at the keyboard of the second-person dialog: builds the real
    dialog, types each (login, password) and presses OK."""

    def __init__(self, qtbot, attempts):
        self.qtbot, self.attempts, self.errors = qtbot, list(attempts), []

    def run(self, services, title, summary, action, parent=None):
        from app.ui.supervisor_measures import SecondPersonDialog

        dialog = SecondPersonDialog(services, title, summary, action, parent)
        self.qtbot.addWidget(dialog)
        for login, password in self.attempts:
            dialog.login.setText(login)
            dialog.password.setText(password)
            dialog.confirm()
            if dialog.result() == QDialog.DialogCode.Accepted:
                return dialog.result_value
            self.errors.append(dialog.error.text())
        return None


@pytest.mark.parametrize("window", ["officer1"], indirect=True)
def test_register_confirm_and_linked_systems_in_the_window(qtbot, window, monkeypatch):
    from app.security import registration as R
    from app.security.measures import measures_protecting
    from app.ui.supervisor_measures import LinkedSystemsDialog, MeasureRegistrationDialog, SecondPersonDialog

    services = window.services
    _household_with_protected_member(services.store)
    assert window.act_desk.isEnabled()
    window.open_desk()
    desk = window.desk
    qtbot.addWidget(desk)
    # registration through the real dialog
    made = {}

    def ask(cls, services_, parent=None, measure_id=None):
        dialog = MeasureRegistrationDialog(services_, parent, measure_id=measure_id)
        qtbot.addWidget(dialog)
        dialog.register()                                    # nobody chosen yet: a clear message
        assert dialog.error.text()
        dialog.search.setText("保護 一郎")
        dialog.find()
        assert dialog.results.count() > 0
        dialog.p_family.setText("加害")
        dialog.register()
        made["reg"] = dialog.registration
        return dialog.registration

    monkeypatch.setattr(MeasureRegistrationDialog, "ask", classmethod(ask))
    tab = desk.measures_tab
    tab.buttons["register"].click()
    reg = made["reg"]
    target = R.ledger_entry(services.store.conn, reg.event.measure_id, R.office_today()).measure.target_id
    assert target in measures_protecting(services.store.conn, [target])      # blocks at once
    row = next(i for i, e in enumerate(tab.entries) if e.measure.id == reg.event.measure_id)
    assert tab.table.item(row, 0).background().color().red() == 255          # red: incomplete
    # the second person: the registrant is refused, another officer confirms
    person = SecondPerson(qtbot, [("officer1", "officer1-kenshu"), ("officer2", "officer2-kenshu")])
    monkeypatch.setattr(SecondPersonDialog, "run", classmethod(lambda cls, *a, **k: person.run(*a, **k)))
    tab.table.selectRow(row)
    tab.buttons["confirm"].click()
    assert "本人は確認できません" in person.errors[0]
    assert R.ledger_entry(services.store.conn, reg.event.measure_id, R.office_today()).registrations[0].confirmed
    # linked systems: one confirmed by the signed-in officer, the rest stay red
    dialog = LinkedSystemsDialog(services, reg.event.measure_id, desk)
    qtbot.addWidget(dialog)
    assert dialog.table.item(1, 1).text() == "未確認"
    dialog.table.selectRow(1)
    dialog.confirm_selected()
    assert dialog.table.item(1, 1).text() == "制限済み" and "支援 責任" in dialog.table.item(1, 2).text()
    assert dialog.table.item(2, 1).text() == "未確認"
    # figures, queues and the issuance search render from the same views as the report
    desk.tabs.setCurrentWidget(desk.queues_tab)
    texts = [desk.queues_tab.tree.topLevelItem(i).text(0) for i in range(desk.queues_tab.tree.topLevelItemCount())]
    assert any(t.startswith("連携システム未確認（") for t in texts)
    desk.tabs.setCurrentWidget(desk.figures_tab)
    assert desk.figures_tab.figures is not None
    desk.tabs.setCurrentWidget(desk.history_tab)
    desk.history_tab.search()
    assert desk.history_tab.table.rowCount() == 0
    # the month's reconciliation, signed off in the window by a support officer signing in
    from app.ui.supervisor_measures import ReconciliationDialog

    month = R.office_today().strftime("%Y-%m")
    rec_dialog = ReconciliationDialog(services, month, desk)
    qtbot.addWidget(rec_dialog)
    assert "制限が揃っていない申出" in rec_dialog.text.toPlainText()
    person.attempts = [("clerk1", "clerk1-kenshu"), ("officer2", "officer2-kenshu")]
    person.errors.clear()
    rec_dialog.sign_button.click()
    assert "支援措置責任者" in person.errors[0]
    assert "確認済み / signed off: 支援 副責任" in rec_dialog.text.toPlainText()


@pytest.mark.parametrize("window", ["itaku1"], indirect=True)
def test_outsourced_clerk_sees_the_neutral_text_and_no_sign_off(qtbot, window, monkeypatch):
    from app.ui.residentpicker import ResidentPickerDialog

    ids = _household_with_protected_member(window.services.store)
    picks = iter([[ids["M"]], [ids["R"]]])
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: next(picks)))
    page = reach_the_gate(qtbot, window, ids)
    warning = page.warning
    text = warning.label.text()
    assert "市の職員" in text
    for word in ("支援措置", "加害", "責任者"):
        assert word not in text, text
    assert not warning.sign_off_button.isVisible()
    assert all(not r.code.startswith("dv.") for r in page.view.blocking)
    assert [r["code"] for r in page.view.gate["decision"]["reasons"]] == ["outsourced.hand_over"]


def test_an_outsourced_account_cannot_sign_off_in_the_window(qtbot, window, monkeypatch):
    """clerk1's case stops; itaku1 (outsourced) tries to release it in the sign-off dialog and is
    refused as not a support officer; officer1 then can."""
    from app.ui.residentpicker import ResidentPickerDialog
    from app.ui.restriction import SignOffDialog
    from tests.ui.test_ui_restriction import OfficerAtTheDesk

    ids = _household_with_protected_member(window.services.store)
    picks = iter([[ids["M"]], [ids["R"]]])
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: next(picks)))
    page = reach_the_gate(qtbot, window, ids)
    desk = OfficerAtTheDesk(qtbot, [("itaku1", "itaku1-kenshu"), ("officer1", "officer1-kenshu")])
    monkeypatch.setattr(SignOffDialog, "run", classmethod(lambda cls, *a: desk.run(*a)))
    page.warning.sign_off_button.click()
    assert "支援措置責任者だけ" in desk.messages[0]
    assert desk.messages[1] == ""


@pytest.mark.parametrize("window", ["officer1"], indirect=True)
def test_csv_export_writes_the_figures_and_a_bad_path_is_told(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    window.open_desk()
    tab = window.desk.figures_tab
    target = tmp_path / "desk.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.export_csv()
    assert target.read_bytes().startswith(b"\xef\xbb\xbf") and "期間" in target.read_text("utf-8-sig")
    told = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: told.append(a[2])))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "missing" / "x.csv"), "")))
    tab.export_csv()
    assert told and "保存できませんでした" in told[0]


@pytest.mark.parametrize("window", ["officer1"], indirect=True)
def test_the_desk_closes_when_the_terminal_locks(qtbot, window):
    window.open_desk()
    desk = window.desk
    assert desk.isVisible()
    window.controller.lock()
    qtbot.waitUntil(lambda: window.desk is None, timeout=15000)


@pytest.mark.parametrize("window", ["officer1"], indirect=True)
def test_refusals_chart_shows_the_reasons_in_words_with_qt_charts(qtbot, window):
    """The refusal chart (Qt Charts) names each reason in the staff's words of the window's
    language, as the rules declare it; codes of one family share one bar."""
    import datetime as dt
    import json

    from PySide6.QtCharts import QBarCategoryAxis, QChartView

    from app.rules.identity import NOT_ENOUGH
    from app.rules.reasons import FAMILIES
    from app.store.db import new_id

    store = window.services.store
    staff = window.services.session.staff.id
    now = dt.datetime.now(dt.timezone.utc)
    with store.transaction() as c:
        for code in ("identity.not_enough", "copy.scope.not_same_household", "copy.scope.not_removed"):
            cid = new_id()
            c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                      (cid, "copy_issuance", "T001", staff, now.isoformat()))
            c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, payload) "
                      "VALUES (?,?,1,?,?,'T001','refused',?)",
                      (new_id(), cid, now.isoformat(), staff,
                       json.dumps({"status": "refused", "decision": {"reasons": [{"code": code}]}})))
    window.open_desk()
    tab = window.desk.figures_tab
    tab.period.setCurrentIndex(0)
    tab.refresh()
    chart = tab.refusal_chart
    assert isinstance(chart, QChartView)
    axis = next(a for a in chart.chart().axes() if isinstance(a, QBarCategoryAxis))
    assert sorted(axis.categories()) == sorted([NOT_ENOUGH.ja, FAMILIES["copy.scope."][0]])
    bars = chart.chart().series()[0].barSets()[0]
    counts = dict(zip(axis.categories(), (bars.at(i) for i in range(bars.count()))))
    assert counts == {NOT_ENOUGH.ja: 1, FAMILIES["copy.scope."][0]: 2}
    # the axis elides long words: the pointer on a bar shows them whole
    from PySide6.QtWidgets import QToolTip

    row = axis.categories().index(NOT_ENOUGH.ja)
    chart._hovered(True, row, None)
    assert QToolTip.text() == f"{NOT_ENOUGH.ja}: 1"


class CardPerson:
    """Stands in for the person at the second-person dialog with their own card on the reader:
    builds the real dialog, types each PIN, presses OK and waits for the card's answer (the card
    signs on its own thread); what the store holds after each refused try is noted."""

    def __init__(self, qtbot, pins):
        self.qtbot, self.pins, self.errors, self.events_after = qtbot, list(pins), [], []

    def run(self, services, title, summary, action, parent=None, **options):
        from app.ui.supervisor_measures import SecondPersonDialog

        dialog = SecondPersonDialog(services, title, summary, action, parent, **options)
        try:                                # a child of the window: deleted with it, not by qtbot
            for pin in self.pins:
                dialog.card_pin.setText(pin)
                dialog.confirm()
                assert dialog.card_pin.text() == ""                  # the PIN is not kept
                self.qtbot.waitUntil(lambda: not dialog.busy, timeout=20000)
                if dialog.result() == QDialog.DialogCode.Accepted:
                    return dialog.result_value
                self.errors.append(dialog.error.text())
                self.events_after.append(services.store.conn.execute(
                    "SELECT kind, auth_method FROM measure_events ORDER BY at").fetchall())
            return None
        finally:
            dialog.deleteLater()


@pytest.mark.pcsc
def test_after_a_card_sign_in_the_ledger_is_signed_with_the_card(
        qtbot, training_store, lang_ja, pcsc_stack, card_file, monkeypatch):
    """officer1 signs in with their own card (real PC/SC stack). On the desk they confirm officer2's
    registration with the card (a wrong PIN first: told, nothing recorded), then ask to end the
    measure as themselves: the card signs both, on the card thread, as it signs a release; both
    events carry auth_method 'card' and verify (ledgersig)."""
    from app.security import ledgersig
    from app.security import registration as R
    from app.security.staff import authenticate_password
    from app.ui.supervisor_measures import SecondPersonDialog
    from tests.ui.uihelpers import dispose, staff_card_sign_in_ready

    services, controller = staff_card_sign_in_ready(qtbot, training_store, pcsc_stack, card_file, "officer1")
    try:
        controller.signin.card_pin.setText("1234")
        controller.signin.sign_in_with_card()
        qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(),
                        timeout=10000)
        assert services.session.auth.method == "card" and services.staff.login == "officer1"
        ids = _household_with_protected_member(services.store)
        officer2 = authenticate_password(services.store, "officer2", "officer2-kenshu",
                                         terminal_id=services.terminal_id)
        reg = R.register(services.store, officer2, stage="application", applied_date=R.office_today(),
                         target_id=ids["M"])
        before = services.store.conn.execute("SELECT kind, auth_method FROM measure_events ORDER BY at").fetchall()
        window = controller.window
        window.open_desk()
        tab = window.desk.measures_tab
        row = next(i for i, e in enumerate(tab.entries) if e.measure.id == reg.event.measure_id)
        tab.table.selectRow(row)
        # the card pulled before the PIN is used: told, nothing recorded
        pcsc_stack.remove(0)
        qtbot.waitUntil(lambda: services.card.state == "no_card", timeout=10000)
        person = CardPerson(qtbot, ["1234"])
        monkeypatch.setattr(SecondPersonDialog, "run", classmethod(lambda cls, *a, **k: person.run(*a, **k)))
        tab.buttons["confirm"].click()
        assert "カードがリーダーに置かれていません" in person.errors[0] and person.events_after[0] == before
        pcsc_stack.insert(card_file, slot=0)
        qtbot.waitUntil(lambda: services.card.state == "mynumber", timeout=10000)
        # a wrong PIN, then the right one
        person = CardPerson(qtbot, ["9999", "1234"])
        tab.buttons["confirm"].click()
        assert "暗証番号が違います" in person.errors[0]              # the wrong PIN is told
        assert person.events_after[0] == before                         # and nothing was recorded
        assert tab.message.text() == "確認しました。"
        entry = R.ledger_entry(services.store.conn, reg.event.measure_id, R.office_today())
        confirmation = entry.registrations[0].confirmation
        assert confirmation.staff_id == services.staff.id and confirmation.auth_method == "card"
        # as themselves: no password is asked, their card signs
        person.pins, person.errors = ["1234"], []
        monkeypatch.setattr(tab, "parent_reason", lambda: "支援の必要がなくなった")
        tab.table.selectRow(next(i for i, e in enumerate(tab.entries) if e.measure.id == reg.event.measure_id))
        tab.buttons["end"].click()
        assert person.errors == []
        ended = services.store.conn.execute(
            "SELECT staff_id, auth_method FROM measure_events WHERE kind = 'end_requested' AND measure_id = ?",
            (reg.event.measure_id,)).fetchall()
        assert ended == [(services.staff.id, "card")]
        # Register…: a wrong PIN records nothing and the registration keeps what was typed
        from app.ui.supervisor_measures import MeasureRegistrationDialog

        dialog = MeasureRegistrationDialog(services, window.desk)
        try:
            dialog.search.setText("保護 桜")
            dialog.find()
            dialog.p_family.setText("加害")
            person.pins, person.errors, person.events_after = ["9999"], [], []
            before = services.store.conn.execute("SELECT kind, auth_method FROM measure_events ORDER BY at").fetchall()
            dialog.register()
            assert "暗証番号が違います" in person.errors[0] and person.events_after[0] == before
            assert dialog.registration is None and dialog.p_family.text() == "加害"
            assert dialog.results.currentRow() == 0
            person.pins = ["1234"]
            dialog.register()
            assert dialog.registration.event.auth_method == "card"
        finally:
            dialog.deleteLater()
        assert ledgersig.signature_problems(services.store.conn) == []
    finally:
        pcsc_stack.remove(0)
        dispose(controller)
        services.close()

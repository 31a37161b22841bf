"""The DV path through the window on a real store with a real support measure: the restriction
warning is shown and Next is blocked; in the sign-off dialog the handling clerk is refused; a
different officer releases; the remaining time is shown; the release expires on its own (the
restriction comes back); the case completes after a fresh release."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QLabel

from tests.ui.uihelpers import fill_copy_request, tick

pytestmark = pytest.mark.gui


def _household_with_protected_member(store):
    """A household (head M, member R) in the real store; R is protected by a DV measure decided
    by officer1 through app.security."""
    from app.security.measures import Perpetrator, create_measure
    from app.security.staff import authenticate_password
    from app.store.db import new_id

    ids = {"M": new_id(), "R": new_id()}
    with store.transaction() as conn:
        hid = new_id()
        conn.execute("INSERT INTO households(id, household_code, address) VALUES (?, 'H9', ?)",
                     (hid, "研修市桜町二丁目3番4号"))
        for key, given, kana, birth, sex, rel in (("M", "一郎", "イチロウ", "1950-01-01", 1, "世帯主"),
                                                  ("R", "桜", "サクラ", "1990-03-03", 2, "子")):
            conn.execute(
                "INSERT INTO residents(id, household_id, family_name, given_name, family_kana, given_kana,"
                " name_key, kana_key, birth_date, sex, address, address_key, relationship) VALUES"
                " (?, ?, '保護', ?, 'ホゴ', ?, ?, ?, ?, ?, '研修市桜町二丁目3番4号', '研修市桜町2-3-4', ?)",
                (ids[key], hid, given, kana, "保護" + given, "ホゴ" + kana, birth, sex, rel))
    officer = authenticate_password(store, "officer1", "officer1-kenshu", terminal_id="T001")
    create_measure(store, officer, target_id=ids["R"], kind="dv", applied_date=dt.date(2026, 1, 5),
                   start_date=dt.date(2026, 1, 10),
                   perpetrator=Perpetrator(family_name="加害", given_name="太郎", family_kana="カガイ",
                                           given_kana="タロウ", birth_date="1970-07-07",
                                           address="他市北町1番地"))
    return ids


def reach_the_gate(qtbot, window, ids):
    """A copy request by the household head M for the protected member R, filled in the window up
    to the point where the request is complete and the restriction stage stops it."""
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill_copy_request(qtbot, page, "same_household")   # Next on identity: the request is complete
    qtbot.waitUntil(lambda: page.view.status == "awaiting_release", timeout=15000)

    return page


class OfficerAtTheDesk:
    """Stands in for the person at the keyboard of the sign-off dialog: each attempt is one
    (login, password); the real dialog is built, filled and its buttons clicked."""

    def __init__(self, qtbot, attempts):
        self.qtbot = qtbot
        self.attempts = list(attempts)
        self.messages = []
        self.summaries = []

    def run(self, parent, services, view):
        from app.ui.restriction import SignOffDialog

        dialog = SignOffDialog(services, view, parent)
        self.qtbot.addWidget(dialog)
        self.summaries.append(dialog.summary.text())
        assert not dialog.release_button.isEnabled()          # checklist first
        for box, _, _ in dialog.checks.values():
            box.setChecked(True)
        assert dialog.release_button.isEnabled()
        while self.attempts and dialog.outcome is None:
            login, password = self.attempts.pop(0)
            dialog.login.setText(login)
            dialog.password.setText(password)
            dialog.release_button.click()
            self.messages.append(dialog.message.text())
            assert dialog.password.text() == ""
        return dialog.outcome


@pytest.mark.parametrize("window", ["dual1"], indirect=True)   # handling clerk AND an officer
def test_dv_restriction_sign_off_expiry_and_completion(qtbot, window, monkeypatch):
    from app.security.clock import SYSTEM_CLOCK
    from app.ui.residentpicker import ResidentPickerDialog
    from app.ui.restriction import SignOffDialog

    services = window.services
    ids = _household_with_protected_member(services.store)
    picks = iter([[ids["M"]], [ids["R"]]])
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: next(picks)))

    page = reach_the_gate(qtbot, window, ids)

    # the warning: full width, white on red, cannot be dismissed; Next is blocked
    warning = page.findChild(QLabel, "RestrictionWarning")
    assert warning.isVisible() and "支援措置" in warning.text()
    assert warning.width() >= page.width() - 20
    assert not page.next_button.isEnabled()
    assert "解除待ち" in page.blocking_label.text()
    assert page.warning.sign_off_button.isVisible()

    # the handling clerk is refused in the sign-off dialog; another officer releases
    desk = OfficerAtTheDesk(qtbot, [("dual1", "dual1-kenshu"), ("officer1", "officer1-kenshu")])
    monkeypatch.setattr(SignOffDialog, "run", classmethod(lambda cls, *a: desk.run(*a)))
    page.warning.sign_off_button.click()
    assert "担当した職員は解除できません" in desk.messages[0]    # even though dual1 is an officer
    assert desk.messages[1] == ""
    assert "保護 桜" in desk.summaries[0] and "兼務 花子" in desk.summaries[0]
    qtbot.waitUntil(lambda: page.view.status == "open" and page.view.step == "issue", timeout=15000)

    # the remaining time of the release is visible and counts down
    assert page.warning.release_label.isVisible()
    assert "残り" in page.warning.release_label.text() and "支援 責任" in page.warning.release_label.text()

    # the release expires on its own: 16 minutes later the countdown says so and Next stops again
    real_wall, real_mono = SYSTEM_CLOCK.wall, SYSTEM_CLOCK.mono
    monkeypatch.setattr(SYSTEM_CLOCK, "wall", lambda: real_wall() + dt.timedelta(minutes=16))
    monkeypatch.setattr(SYSTEM_CLOCK, "mono", lambda: real_mono() + 16 * 60)
    page.warning._tick()
    assert "期限が切れました" in page.warning.release_label.text()
    tick(qtbot, page, "documents_match")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.status == "awaiting_release", timeout=15000)
    assert page.findChild(QLabel, "RestrictionWarning").isVisible()

    # a fresh release by another officer, and the case completes
    desk.attempts.append(("officer2", "officer2-kenshu"))
    page.warning.sign_off_button.click()
    qtbot.waitUntil(lambda: page.view.status == "completed", timeout=15000)
    assert "完了" in page.subject.text()

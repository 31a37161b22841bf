"""The chip check in the window, through the real card stack (pcscd + vpcd + the test card): the
clerk types 照合番号B in the dialog (the birth date as printed, in the Japanese era, its Western date
shown beside; the security code never shown, every part cleared after the read), the chip's photo and items appear beside the record with the signature verdict, the clerk's
word goes into the case; and a face-authentication card is named on the card panel."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from app.card.layout import SURFACE_CHECK_TRIES
from app.era import era_of
from tests.ui.uihelpers import put_card_on_reader, start_pin_reset, tick

pytestmark = [pytest.mark.gui, pytest.mark.pcsc]


@pytest.fixture
def trusted_test_ca(test_card_ca):
    """The training terminal trusts the test card's CA where training keeps it (the data folder)."""
    from app.card.cardfile import default_ca_dir

    target = default_ca_dir()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(test_card_ca / "test-jpki-ca.cert.pem", target / "test-jpki-ca.cert.pem")
    return target


def _pin_reset_at_identity(qtbot, window, monkeypatch):
    page = start_pin_reset(qtbot, window, monkeypatch, "auth")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "identity", timeout=10000)
    assert not page.chip_button.isVisible()            # offered once a My Number card is shown
    box = page.editors["identity_documents"][0]
    next(b for b in box.boxes if b.property("code") == "my_number_card").setChecked(True)
    qtbot.waitUntil(lambda: page.chip_button.isVisible(), timeout=15000)
    tick(qtbot, page, "documents_original")
    return page


def test_chip_check_dialog_shows_the_chip_beside_the_record_and_records_it(
        qtbot, card_window, monkeypatch, card_file, trusted_test_ca):
    from app.card.cardfile import load_card_file

    window = card_window
    put_card_on_reader(qtbot, window)
    page = _pin_reset_at_identity(qtbot, window, monkeypatch)
    dialog = page.chip_check()
    assert dialog.security.echoMode() == QLineEdit.EchoMode.Password
    chip = load_card_file(card_file)
    # a code of the wrong form is refused in the dialog: nothing reaches the card
    qtbot.keyClicks(dialog.birth, chip.holder.birth_date.replace("-", ""))
    qtbot.keyClicks(dialog.expiry, chip.valid_until[:4])
    qtbot.keyClicks(dialog.security, "12")
    dialog.read_button.click()
    assert "セキュリティコード" in dialog.status.text() and dialog.readout is None
    # the birth date typed as the card prints it, in the Japanese era; the Western date shown beside
    birth = dt.date.fromisoformat(chip.holder.birth_date)
    era, year = era_of(birth)
    dialog.birth.setText("昭和65年1月1日")                     # 昭和 ended on 64年1月7日
    assert "元号" in dialog.birth_converted.text()
    dialog.birth.setText(f"{era}{year}年")                  # a year only: not a whole date
    assert "日まで" in dialog.birth_converted.text()
    dialog.read_button.click()                             # refused in the dialog: no try used
    assert "日まで" in dialog.status.text() and dialog.readout is None
    assert load_card_file(card_file).surface.codes["b"].tries_left == SURFACE_CHECK_TRIES
    dialog.birth.insert(f"{era}{year}年{birth.month}月{birth.day}日")   # keyClicks types ASCII only
    assert dialog.birth_converted.text() == f"→\u00a0{chip.holder.birth_date}"
    qtbot.keyClicks(dialog.expiry, chip.valid_until[:4])
    qtbot.keyClicks(dialog.security, chip.surface.security_code)
    qtbot.keyClick(dialog.security, Qt.Key.Key_Return)
    assert not dialog.birth.text() and not dialog.expiry.text() and not dialog.security.text()
    qtbot.waitUntil(lambda: dialog.readout is not None, timeout=10000)
    assert not dialog.face.pixmap().isNull() and dialog.face.pixmap().height() > 100
    assert "有効" in dialog.verdict.text()
    assert dialog.rec_birth.text().endswith("✔") and dialog.rec_sex.text().endswith("✔")
    dialog.match_button.click()
    qtbot.waitUntil(lambda: any(f.id == "chip_check" and f.value for f in page.view.fields), timeout=10000)
    assert "ICチップ確認済・署名は有効" in page.editors["chip_check"][0].text()
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "reset", timeout=10000)


def test_face_authentication_card_on_the_panel(qtbot, card_window, monkeypatch, pcsc_stack, test_card_ca,
                                               tmp_path):
    from app.card.cardfile import create_card_file
    from app.ui.pindialog import ResidentPinDialog
    from tests.conftest import TEST_HOLDER

    face = create_card_file(tmp_path / "face.json", pins={}, ca_dir=test_card_ca, face_auth=True, **TEST_HOLDER)
    window = card_window
    pcsc_stack.insert(face, slot=0)
    window.services.choose_reader("Virtual PCD 00 00")
    qtbot.waitUntil(lambda: window.card_panel.view.face_auth, timeout=15000)
    panel = window.card_panel
    assert panel.state_label.text() == "顔認証マイナンバーカード"
    assert "再設定はできません" in panel.detail_label.text()
    assert [panel.table.item(r, 1).text() for r in range(4)] == ["—", "未設定", "未設定", "未設定"]
    # read into a PIN-reset case: no PIN asked (there is none), the case says what the card is
    monkeypatch.setattr(ResidentPinDialog, "ask", classmethod(lambda cls, *a, **k: pytest.fail("no PIN to ask")))
    window.start_case("pin_reset", None)
    page = window.case_page
    assert not any(f.id == "face_auth_card" and f.value for f in page.view.fields)
    page.read_card_button.click()
    qtbot.waitUntil(lambda: any(f.id == "face_auth_card" and f.value is True for f in page.view.fields),
                    timeout=15000)
    assert "顔認証" in page.error_label.text() and "入力" in page.error_label.text()


def test_forged_card_stops_the_case_in_the_window(qtbot, card_window, monkeypatch, pcsc_stack, test_card_ca,
                                                  tmp_path, trusted_test_ca):
    from app.card.cardfile import TRAINING_PINS, create_card_file, load_card_file
    from tests.conftest import TEST_HOLDER

    forged = create_card_file(tmp_path / "forged.json", pins=TRAINING_PINS, ca_dir=test_card_ca,
                              forged_surface=True, **TEST_HOLDER)
    window = card_window
    page = _pin_reset_at_identity(qtbot, window, monkeypatch)
    pcsc_stack.insert(forged, slot=0)
    window.services.choose_reader("Virtual PCD 00 00")
    qtbot.waitUntil(lambda: window.services.card.state == "mynumber", timeout=15000)
    chip = load_card_file(forged)
    dialog = page.chip_check()
    qtbot.keyClicks(dialog.birth, chip.holder.birth_date.replace("-", ""))
    qtbot.keyClicks(dialog.expiry, chip.valid_until[:4])
    qtbot.keyClicks(dialog.security, chip.surface.security_code)
    dialog.read_button.click()
    qtbot.waitUntil(lambda: dialog.readout is not None, timeout=10000)
    assert "無効" in dialog.verdict.text() and "偽造" in dialog.verdict.text()
    dialog.match_button.click()
    qtbot.waitUntil(lambda: any(f.id == "chip_check" and f.value for f in page.view.fields), timeout=10000)
    page.go_next()
    qtbot.waitUntil(lambda: page.view.status == "refused", timeout=10000)

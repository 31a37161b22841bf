"""End-to-end through the real card stack (pcscd + vpcd + the test card) and a real store: the
card panel and training tray, the four items read after the resident types the PIN, the card
pulled mid-case, and each card case type to completion."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit

from tests.ui.uihelpers import fill, put_card_on_reader, resident_types_pin, start_pin_reset, tick

pytestmark = [pytest.mark.gui, pytest.mark.pcsc]


def test_panel_tray_and_status_inquiry_from_the_card(qtbot, card_window, monkeypatch, pcsc_stack):
    window = card_window
    panel = window.card_panel
    assert panel.view.readers and "Virtual PCD 00 00" in panel.view.readers
    put_card_on_reader(qtbot, window)
    put_card_on_reader(qtbot, window)      # again, on a reader that has a card: the tray swaps them
    assert panel.state_label.text() == "マイナンバーカード"
    assert panel.table.item(3, 1).text() == "3 / 3"
    assert window.services.config.default_reader == "Virtual PCD 00 00"   # remembered

    echo = resident_types_pin(monkeypatch, "1234")
    window.start_case("status_inquiry", None)
    page = window.case_page
    fill(qtbot, page, "method", "four_items")
    assert page.read_card_button.isVisible()
    page.read_card_button.click()
    qtbot.waitUntil(lambda: any(f.id == "family_name" and f.value for f in page.view.fields), timeout=10000)
    assert echo == [QLineEdit.EchoMode.Password]                 # never shown on screen
    values = {f.id: f.value for f in page.view.fields}
    assert values["family_name"] == "窓口" and values["birth_date"] == "1985-04-01" and values["sex"] == "2"
    tick(qtbot, page, "identity_checked")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "answer", timeout=15000)
    assert "交付準備ができています" in page.answer.text()
    tick(qtbot, page, "answer_given")
    page.go_next()
    qtbot.waitUntil(lambda: page.view.status == "completed", timeout=15000)


def test_copy_request_reads_the_requesters_particulars_from_their_card(qtbot, card_window, monkeypatch):
    """Who asks for a copy, read from the ID when it is a My Number card: name, birth date and
    address from the card, kana from their record (the card has none) — the inputs of the
    perpetrator match."""
    window = card_window
    put_card_on_reader(qtbot, window)
    resident_types_pin(monkeypatch, "1234")
    window.start_case("copy_issuance", None)
    page = window.case_page
    fill(qtbot, page, "requester_type", "third_party")
    assert page.read_card_button.isVisible()
    page.read_card_button.click()
    qtbot.waitUntil(lambda: any(f.id == "requester_address" and f.value for f in page.view.fields), timeout=10000)
    values = {f.id: f.value for f in page.view.fields}
    assert values["requester_family_name"] == "窓口" and values["requester_birth_date"] == "1985-04-01"
    assert values["requester_family_kana"]                         # from the record of the card's holder


def test_wrong_pin_shows_tries_left_and_the_panel_turns_red(qtbot, card_window, monkeypatch):
    window = card_window
    put_card_on_reader(qtbot, window)
    resident_types_pin(monkeypatch, "9999")
    window.start_case("status_inquiry", None)
    page = window.case_page
    fill(qtbot, page, "method", "four_items")
    for left in (2, 1):
        page.read_card_button.click()
        qtbot.waitUntil(lambda: "違います" in page.error_label.text(), timeout=10000)
        assert f"あと{left}回" in page.error_label.text()
        page.error_label.clear()
    from app.rules.codes import Secret

    assert window.card_panel.view.tries[Secret.INPUT] == 1       # read from the card
    assert Secret.INPUT in window.card_panel.low_secrets()       # shown red
    assert all(f.value in (None, "") for f in page.view.fields if f.id == "family_name")


def _suspension_lift_read_from_card(qtbot, window, monkeypatch):
    """A holder's own suspension lift, the holder found by reading the card on the reader."""
    put_card_on_reader(qtbot, window)
    resident_types_pin(monkeypatch, "1234")
    window.start_case("suspension_lift", None)
    page = window.case_page
    fill(qtbot, page, "requester_type", "self")
    page.read_card_button.click()
    qtbot.waitUntil(lambda: any(f.id == "holder_resident_id" and f.value for f in page.view.fields),
                    timeout=10000)
    return page


def test_card_pulled_mid_case_keeps_everything(qtbot, card_window, monkeypatch, pcsc_stack):
    window = card_window
    page = _suspension_lift_read_from_card(qtbot, window, monkeypatch)

    window.tray.remove_button.click()                            # the card is pulled
    qtbot.waitUntil(lambda: window.card_panel.view.state == "no_card", timeout=10000)
    assert "カードが抜かれました" in page.error_label.text()
    assert page.view.status == "open"
    assert any(f.id == "holder_resident_id" and f.value == window.holder_id for f in page.view.fields)
    page.read_card_button.click()                                # reading now: a clear message
    qtbot.waitUntil(lambda: "カードがリーダーに置かれていません" in page.error_label.text(), timeout=10000)

    put_card_on_reader(qtbot, window)                            # put back: go on
    page.read_card_button.click()
    qtbot.waitUntil(lambda: page.error_label.text() == "", timeout=10000)
    assert any(f.id == "holder_resident_id" and f.value == window.holder_id for f in page.view.fields)


def _identity_with(qtbot, page, code):
    box = page.editors["identity_documents"][0]
    next(b for b in box.boxes if b.property("code") == code).setChecked(True)
    qtbot.waitUntil(lambda: any(f.id == "identity_documents" and f.value for f in page.view.fields),
                    timeout=15000)


def _next_to(qtbot, page, step=None, status=None):
    page.go_next()
    qtbot.waitUntil(lambda: (step is None or page.view.step == step)
                    and (status is None or page.view.status == status), timeout=10000)


def test_pin_reset_of_a_locked_pin_end_to_end(qtbot, card_window, monkeypatch):
    from app.card.service import wait
    from app.rules.codes import Secret
    from app.ui.pindialog import NewPinDialog

    window = card_window
    put_card_on_reader(qtbot, window)
    service = window.services.card_service
    for _ in range(3):                                   # the holder forgot the PIN
        try:
            wait(service.verify("juki", "0000"))
        except Exception:
            pass
    window.services.refresh_tries()
    qtbot.waitUntil(lambda: window.card_panel.view.tries.get(Secret.JUKI) == 0, timeout=10000)
    assert window.card_panel.table.item(2, 1).text() == "ロック"

    new_pins = []
    monkeypatch.setattr(NewPinDialog, "ask", classmethod(
        lambda cls, secret, label, parent=None: new_pins.append(secret) or "5678"))
    page = start_pin_reset(qtbot, window, monkeypatch, "juki")
    _next_to(qtbot, page, "identity")
    _identity_with(qtbot, page, "my_number_card")      # the card itself is an identity document
    tick(qtbot, page, "documents_original")
    _next_to(qtbot, page, "reset")
    assert page.reset_button.isVisible()
    page.reset_button.click()                          # the holder types the new PIN
    qtbot.waitUntil(lambda: window.card_panel.view.tries.get(Secret.JUKI) == 3, timeout=10000)
    assert new_pins == ["juki"]
    tick(qtbot, page, "reset_in_cas")
    _next_to(qtbot, page, "confirm")
    assert not page.next_button.isEnabled()
    page.read_tries_button.click()                     # confirmed on the card, no try used
    qtbot.waitUntil(lambda: page.next_button.isEnabled(), timeout=10000)
    _next_to(qtbot, page, "new_pin")
    tick(qtbot, page, "holder_set_pin")
    box = page.editors["new_pin_set"][0]
    next(b for b in box.boxes if b.property("code") == "juki").setChecked(True)
    qtbot.waitUntil(lambda: page.next_button.isEnabled(), timeout=15000)
    _next_to(qtbot, page, status="completed")
    wait(service.verify("juki", "5678"))               # the holder's new PIN works


def test_switch_back_to_a_face_authentication_card_end_to_end(qtbot, card_window, monkeypatch, card_file):
    """In training the PIN-reset case's "switch to a face-authentication card" runs on the card:
    the training card's administration removes the PINs (no PIN pad), the panel names the card."""
    from app.card.cardfile import load_card_file
    from app.ui.pindialog import NewPinDialog

    window = card_window
    put_card_on_reader(qtbot, window)
    assert not window.services.card.face_auth
    monkeypatch.setattr(NewPinDialog, "ask", classmethod(lambda cls, *a, **k: pytest.fail("no PIN to type")))
    page = start_pin_reset(qtbot, window, monkeypatch, "auth", switch_card="to_face_auth")
    _next_to(qtbot, page, "identity")
    _identity_with(qtbot, page, "my_number_card")
    tick(qtbot, page, "documents_original")
    _next_to(qtbot, page, "reset")
    page.reset_button.click()
    qtbot.waitUntil(lambda: window.services.card.face_auth, timeout=15000)     # the panel reads it again
    assert "顔認証" in page.error_label.text()
    card = load_card_file(card_file)
    assert card.face_auth and not card.pins and not card.has_signing_certificate
    tick(qtbot, page, "reset_in_cas")
    _next_to(qtbot, page, status="completed")


def test_suspension_lift_end_to_end(qtbot, card_window, monkeypatch):
    window = card_window
    with window.services.store.transaction() as conn:
        conn.execute("UPDATE cards SET status = 'suspended', status_reason = 'lost' WHERE resident_id = ?",
                     (window.holder_id,))
    page = _suspension_lift_read_from_card(qtbot, window, monkeypatch)
    for item in page.view.items:
        tick(qtbot, page, item.id)
    _next_to(qtbot, page, "identity")
    _identity_with(qtbot, page, "driving_licence")
    for item in page.view.items:
        tick(qtbot, page, item.id)
    _next_to(qtbot, page, "lift")
    for item in page.view.items:
        tick(qtbot, page, item.id)
    _next_to(qtbot, page, status="completed")
    assert page.preview_button.isVisible()
    docs = window.services.documents_for(page.view)
    assert [d.filename.split("-")[0] for d in docs] == ["slip"]
    assert docs[0].pdf.startswith(b"%PDF")


def test_staff_sign_in_with_own_card(qtbot, training_store, lang_ja, pcsc_stack, card_file):
    """clerk1's own card (its authentication certificate registered to the account) signs a
    fresh challenge after clerk1 types the PIN; a wrong PIN says how many tries are left."""
    from tests.ui.uihelpers import dispose, staff_card_sign_in_ready

    services, controller = staff_card_sign_in_ready(qtbot, training_store, pcsc_stack, card_file, "clerk1")
    signin = controller.signin
    try:
        signin.card_pin.setText("9999")
        signin.sign_in_with_card()
        qtbot.waitUntil(lambda: "あと2回" in signin.message.text(), timeout=10000)
        assert controller.window is None and signin.card_pin.text() == ""

        signin.card_pin.setText("1234")
        signin.sign_in_with_card()
        qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(),
                        timeout=10000)
        assert services.staff.login == "clerk1"
        assert services.session.auth.method == "card"
    finally:
        pcsc_stack.remove(0)
        dispose(controller)
        services.close()


def test_officer_signs_off_with_own_card(qtbot, card_window, monkeypatch, pcsc_stack, card_file):
    """The support officer releases with their own card on this terminal's reader (officer1's
    card certificate is registered to officer1); the case goes on."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.card.cardfile import load_card_file
    from app.security.cardauth import register_card
    from app.ui.residentpicker import ResidentPickerDialog
    from app.ui.restriction import SignOffDialog
    from tests.ui.test_ui_restriction import _household_with_protected_member, reach_the_gate

    window = card_window
    store = window.services.store
    ids = _household_with_protected_member(store)
    cert_der = load_card_file(card_file).certificate("auth").public_bytes(Encoding.DER)
    register_card(store, "officer1", cert_der, actor_id=None, terminal_id="T001")
    picks = iter([[ids["M"]], [ids["R"]]])
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: next(picks)))
    page = reach_the_gate(qtbot, window, ids)
    put_card_on_reader(qtbot, window)                  # the officer's own card

    def officer(cls, parent, services, view):
        dialog = SignOffDialog(services, view, parent)
        qtbot.addWidget(dialog)
        for box, _, _ in dialog.checks.values():
            box.setChecked(True)
        dialog.card_pin.setText("1234")
        dialog.release_button.click()
        qtbot.waitUntil(lambda: dialog.outcome is not None or dialog.message.text() != "", timeout=10000)
        assert dialog.card_pin.text() == ""
        return dialog.outcome

    monkeypatch.setattr(SignOffDialog, "run", classmethod(officer))
    page.warning.sign_off_button.click()
    qtbot.waitUntil(lambda: page.view.status == "open" and page.view.step == "issue", timeout=10000)
    assert "支援 責任" in page.warning.release_label.text()


def test_card_sign_off_with_no_card_or_a_wrong_card_says_why_and_loses_nothing(
        qtbot, card_window, monkeypatch, pcsc_stack, card_file):
    """Issue 14, in the window: the officer signs off with their card — first with no reader
    chosen, then with a card that is not registered to them, with the card pulled, then with a
    wrong PIN: each time a clear message in the dialog, the PIN field emptied, the ticks and the note kept, the case
    still waiting and nothing stored; with their own card and PIN the case goes on."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.card.cardfile import load_card_file
    from app.security.cardauth import register_card
    from app.ui.residentpicker import ResidentPickerDialog
    from app.ui.restriction import SignOffDialog
    from tests.ui.test_ui_restriction import _household_with_protected_member, reach_the_gate

    window = card_window
    store = window.services.store
    ids = _household_with_protected_member(store)
    picks = iter([[ids["M"]], [ids["R"]]])
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: next(picks)))
    page = reach_the_gate(qtbot, window, ids)
    seen: list[str] = []

    def releases() -> int:
        return store.conn.execute("SELECT count(*) FROM releases").fetchone()[0]

    def attempt(dialog, pin, words):
        dialog.message.clear()
        dialog.card_pin.setText(pin)
        dialog.release_button.click()
        assert dialog.card_pin.text() == ""                     # the PIN leaves the field at once
        qtbot.waitUntil(lambda: dialog.message.text() != "", timeout=15000)
        assert words in dialog.message.text(), dialog.message.text()
        seen.append(dialog.message.text())
        assert dialog.outcome is None and dialog.isVisible()
        assert all(box.isChecked() for box, _, _ in dialog.checks.values())
        assert dialog.note.toPlainText() == "本人確認済み"
        assert dialog.release_button.isEnabled()                # ready for the next try
        assert page.view.status == "awaiting_release" and releases() == 0

    def officer(cls, parent, services, view):
        dialog = SignOffDialog(services, view, parent)
        qtbot.addWidget(dialog)
        dialog.show()
        for box, _, _ in dialog.checks.values():
            box.setChecked(True)
        dialog.note.setPlainText("本人確認済み")
        attempt(dialog, "1234", "カードリーダーを選んでください")         # no reader chosen yet
        put_card_on_reader(qtbot, window)                       # a card not registered to anyone
        attempt(dialog, "1234", "このカードでは認証できません")
        window.tray.remove_button.click()                       # the card pulled
        qtbot.waitUntil(lambda: window.card_panel.view.state == "no_card", timeout=10000)
        attempt(dialog, "1234", "カードがリーダーに置かれていません")
        put_card_on_reader(qtbot, window)
        cert_der = load_card_file(card_file).certificate("auth").public_bytes(Encoding.DER)
        register_card(store, "officer1", cert_der, actor_id=None, terminal_id="T001")
        attempt(dialog, "9999", "あと2回")                        # the officer's card, wrong PIN
        dialog.card_pin.setText("1234")
        dialog.release_button.click()
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=15000)
        return dialog.outcome

    monkeypatch.setattr(SignOffDialog, "run", classmethod(officer))
    page.warning.sign_off_button.click()
    qtbot.waitUntil(lambda: page.view.status == "open" and page.view.step == "issue", timeout=15000)
    assert releases() == 1
    assert store.conn.execute("SELECT auth_method, reason FROM releases").fetchone() == \
        ("card", "本人確認済み")
    assert len(seen) == 4

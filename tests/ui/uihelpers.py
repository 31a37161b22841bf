"""Helpers shared by the window tests (not fixtures: plain functions the tests import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

REPO = Path(__file__).resolve().parents[2]
TS = REPO / "resources" / "translations" / "madoguchi_ja.ts"


def ensure_catalogue() -> Path:
    """Build the .qm from the .ts when it is missing or older (``make translations`` does the same)."""
    qm = TS.with_suffix(".qm")
    if not qm.exists() or qm.stat().st_mtime < TS.stat().st_mtime:
        lrelease = Path(sys.executable).parent / "pyside6-lrelease"
        subprocess.run([str(lrelease), "-silent", str(TS), "-qm", str(qm)], check=True)
    return qm


def dispose(*widgets) -> None:
    """Delete windows (or a whole :class:`app.ui.main.Controller`) now, on the GUI thread: not
    at interpreter exit, and not whenever the garbage collector runs on some other thread."""
    from PySide6.QtCore import QCoreApplication, QEvent

    for w in widgets:
        if w is not None:
            w.close()
            w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def press(window, key, modifier=Qt.KeyboardModifier.NoModifier):
    """A key as the window system delivers it (so window shortcuts apply, as for the clerk)."""
    from PySide6.QtTest import QTest

    QTest.keyClick(window.windowHandle(), key, modifier)


def fill(qtbot, page, field_id, value):
    """Type into a field the way the clerk does (text: type + Tab; choice: pick the entry)."""
    from PySide6.QtWidgets import QComboBox, QLineEdit

    editor = page.editors[field_id][0]
    if isinstance(editor, QComboBox):
        editor.setCurrentIndex(editor.findData(value))
        editor.activated.emit(editor.currentIndex())
    elif isinstance(editor, QLineEdit):
        editor.setFocus()
        editor.clear()
        if value.isascii():
            qtbot.keyClicks(editor, value)
        else:
            editor.insert(value)             # what the input method commits for kanji/kana
        qtbot.keyClick(editor, Qt.Key.Key_Return)   # Enter (or leaving the field) records it
    qtbot.waitUntil(lambda: page.view.fields and any(
        f.id == field_id and f.value not in (None, "") for f in page.view.fields), timeout=15000)


def tick(qtbot, page, item_id):
    box = page.item_boxes[item_id][0]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any(i.id == item_id and i.checked for i in page.view.items), timeout=15000)


def add_card_holder(store, card_file, *, card_status: str = "active") -> str:
    """The test card's holder (tests/conftest.py TEST_HOLDER) as a resident of the real store,
    with a card row whose card file the training tray offers."""
    from app.store.db import new_id
    from tests.conftest import TEST_HOLDER as H

    rid, hid = new_id(), new_id()
    with store.transaction() as conn:
        conn.execute("INSERT INTO households(id, household_code, address) VALUES (?, 'HC', ?)",
                     (hid, H["address"]))
        conn.execute(
            "INSERT INTO residents(id, household_id, my_number, family_name, given_name, family_kana,"
            " given_kana, name_key, kana_key, birth_date, sex, address, address_key) VALUES"
            " (?, ?, ?, ?, ?, 'マドグチ', 'ハナコ', ?, 'マドグチハナコ', ?, ?, ?, ?)",
            (rid, hid, H["my_number"], H["family_name"], H["given_name"],
             H["family_name"] + H["given_name"], H["birth_date"], H["sex"], H["address"], H["address"]))
        conn.execute(
            "INSERT INTO cards(id, resident_id, issued_date, expiry_date, status, card_file) VALUES"
            " (?, ?, '2024-04-01', '2034-04-01', ?, ?)", (new_id(), rid, card_status, str(card_file)))
        conn.execute(
            "INSERT INTO card_applications(id, resident_id, application_id, received_date, status,"
            " status_date) VALUES (?, ?, '99999999999999999999999', '2026-09-01', 'ready', '2026-11-20')",
            (new_id(), rid))
    return rid


def put_card_on_reader(qtbot, window) -> None:
    """The training tray, as the clerk uses it: choose the card, reader 0, "Put on reader".

    Waits for the swap itself, not for a state the card already on the reader also shows: when a
    card is there, its removal event first, then the new card's "My Number card" event, then the
    four tries read from the new card (they are cleared when a card goes)."""
    services = window.services
    seen: list[str] = []

    def record(event) -> None:
        seen.append(getattr(event.kind, "value", event.kind))

    had_card = services.card.state in ("mynumber", "unknown_card", "reading")
    tray = window.tray
    tray.reload()
    tray.cards.setCurrentRow(0)
    tray.slot.setCurrentIndex(0)
    qtbot.waitUntil(tray.insert_button.isEnabled, timeout=10000)   # a take-off may still be finishing
    services.card_event.connect(record)
    try:
        tray.insert_button.click()

        def swapped() -> bool:
            after = seen[seen.index("card_removed") + 1:] if had_card and "card_removed" in seen else (
                [] if had_card else seen)
            return ("my_number_card" in after and services.card.state == "mynumber"
                    and len(window.card_panel.view.tries) == 4)

        qtbot.waitUntil(swapped, timeout=15000)
    finally:
        services.card_event.disconnect(record)


def resident_types_pin(monkeypatch, digits: str = "1234") -> list:
    """The resident at the PIN dialog: the real dialog, the digits pressed on its pad."""
    from app.ui.pindialog import ResidentPinDialog

    shown = []

    def ask(cls, parent=None):
        dialog = ResidentPinDialog(parent)
        for d in digits:
            next(b for b in dialog.findChildren(type(dialog.clear_key)) if b.text() == d).click()
        shown.append(dialog.edit.echoMode())
        pin = dialog.edit.text()
        dialog.edit.clear()
        dialog.deleteLater()
        return pin

    monkeypatch.setattr(ResidentPinDialog, "ask", classmethod(ask))
    return shown


def finish_request_step(qtbot, page, purpose: str, detail: str) -> None:
    """The purpose of a copy request, every checklist item ticked, then Next."""
    fill(qtbot, page, "purpose", purpose)
    fill(qtbot, page, "purpose_detail", detail)
    for item in page.view.items:
        tick(qtbot, page, item.id)
    page.go_next()


def fill_copy_request(qtbot, page, requester_type: str, delivery: str = "hand_over") -> None:
    """A copy of the resident record, filled in the window as the clerk does it, up to pressing
    Next on the identity step (the resident pickers must already be set to answer)."""
    fill_copy_request_step(qtbot, page, requester_type)
    fill(qtbot, page, "channel", "counter")
    fill(qtbot, page, "delivery", delivery)
    page.go_next()
    qtbot.waitUntil(lambda: page.view.step == "identity", timeout=15000)
    box = page.editors["identity_documents"][0]
    next(b for b in box.boxes if b.property("code") == "driving_licence").setChecked(True)
    qtbot.waitUntil(lambda: any(f.id == "identity_documents" and f.value for f in page.view.fields),
                    timeout=15000)
    tick(qtbot, page, "documents_original")
    page.go_next()


def fill_copy_request_step(qtbot, page, requester_type: str) -> None:
    """The request step of a resident's own copy (the pickers answer), up to the delivery step."""
    fill(qtbot, page, "document", "juminhyo")
    fill(qtbot, page, "requester_type", requester_type)
    page.editors["requester_resident_id"][0].button.click()
    page.editors["target_resident_ids"][0].button.click()
    qtbot.waitUntil(lambda: all(f.value for f in page.services.case_view(page.case_id).fields
                                if f.id in ("requester_resident_id", "target_resident_ids")), timeout=15000)
    page.refresh()
    fill(qtbot, page, "scope", "person")
    finish_request_step(qtbot, page, "own_use", "年金の手続")
    qtbot.waitUntil(lambda: page.view.step == "delivery", timeout=15000)


def staff_card_sign_in_ready(qtbot, training_store, pcsc_stack, card_file, login: str):
    """Services and a started controller on the training store, ``login``'s own card registered
    (the test card's authentication certificate) and on the reader, ready for the PIN; the caller
    removes the card and disposes of both."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.card.cardfile import load_card_file
    from app.config import OfficeConfig
    from app.security.cardauth import register_card
    from app.ui.main import Controller
    from app.ui.services import Services

    services = Services.open(config=OfficeConfig(), training=True, store_path=training_store,
                             stack=pcsc_stack)
    services.prepare()
    cert_der = load_card_file(card_file).certificate("auth").public_bytes(Encoding.DER)
    register_card(services.store, login, cert_der, actor_id=None, terminal_id="T001")
    controller = Controller(services)
    controller.start()
    inserted = False
    try:
        qtbot.waitUntil(lambda: services.card_service is not None, timeout=15000)
        pcsc_stack.insert(card_file, slot=0)
        inserted = True
        services.choose_reader("Virtual PCD 00 00")
        qtbot.waitUntil(lambda: services.card.state == "mynumber", timeout=10000)
    except BaseException:
        if inserted:
            pcsc_stack.remove(0)
        dispose(controller)
        services.close()
        raise
    return services, controller


def start_pin_reset(qtbot, window, monkeypatch, secret: str, **values) -> object:
    """A PIN-reset case for the window's card holder (the resident picker answers with them),
    filled on its first step as the clerk does: the holder came, ``secret`` chosen, any other
    choice ``values`` picked, every item ticked. Returns the case page."""
    from app.ui.residentpicker import ResidentPickerDialog

    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: [window.holder_id]))
    window.start_case("pin_reset", None)
    page = window.case_page
    fill(qtbot, page, "requester_type", "self")
    page.editors["holder_resident_id"][0].button.click()
    box = page.editors["secrets"][0]
    next(b for b in box.boxes if b.property("code") == secret).setChecked(True)
    qtbot.waitUntil(lambda: any(f.id == "secrets" and f.value for f in page.view.fields), timeout=15000)
    for field_id, value in values.items():
        fill(qtbot, page, field_id, value)
    for item in page.view.items:
        tick(qtbot, page, item.id)
    return page

"""What the clerk and the holder type stays on the card: a chip check and a certificate renewal
driven through the window on the real PC/SC stack (pcscd + vpcd + the test card), then the store
file (with its WAL), the application's log folder (a DEBUG log file of the application's own kind)
and every PDF the case produced are searched, as bytes, for the typed codes: 照合番号B, the
security code printed on the card, the signing password and the new PINs."""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_ui_renewal import _next_to, _value, both_to_identity_with_the_card
from tests.ui.uihelpers import fill, put_card_on_reader, tick

pytestmark = [pytest.mark.gui, pytest.mark.pcsc]

SECURITY_CODE = "7391"                       # printed on the card face; typed in the chip check
SIGN_PASSWORD = "ABC123"                     # the training card's signing password, typed to read
NEW_PINS = {"sign": "QZ7K2W9XR", "auth": "8642"}


@pytest.fixture
def card_file(tmp_path, test_card_ca):
    """The test holder's card with a known security code; its certificates expire in 30 days."""
    from app.card.cardfile import TRAINING_PINS, create_card_file
    from tests.conftest import TEST_HOLDER

    assert TRAINING_PINS["sign"] == SIGN_PASSWORD
    soon = dt.date.today() + dt.timedelta(days=30)
    day = min(soon.day, 28) if soon.month == 2 else soon.day
    issued = soon.replace(year=soon.year - 5, day=day)
    return create_card_file(tmp_path / "card.json", pins=TRAINING_PINS, ca_dir=test_card_ca,
                            valid_from=issued, valid_until=issued.replace(year=issued.year + 10),
                            security_code=SECURITY_CODE, **TEST_HOLDER)


@pytest.fixture
def log_file():
    """The application's log file in its log folder, at DEBUG, for the length of the test."""
    from app.logs import RedactFilter, RotatingLogFile
    from app.paths import log_dir

    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingLogFile(folder / "madoguchi.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield folder
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def _chip_check(qtbot, page, chip) -> None:
    dialog = page.chip_check()
    qtbot.keyClicks(dialog.birth, chip.holder.birth_date.replace("-", ""))
    qtbot.keyClicks(dialog.expiry, chip.valid_until[:4])
    qtbot.keyClicks(dialog.security, SECURITY_CODE)
    qtbot.keyClick(dialog.security, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.readout is not None, timeout=10000)
    assert "有効" in dialog.verdict.text()
    dialog.match_button.click()
    qtbot.waitUntil(lambda: bool(_value(page, "chip_check")), timeout=10000)


def test_typed_codes_are_nowhere_after_a_chip_check_and_a_renewal(
        qtbot, card_window, card_file, monkeypatch, test_card_ca, log_file, training_store, madoguchi_home):
    from app.card import surface
    from app.card.cardfile import default_ca_dir, load_card_file
    from app.ui.pindialog import NewPinDialog, SigningPasswordDialog
    from app.ui.residentpicker import ResidentPickerDialog
    from tests.printing.pdfread import pdf_pages_text

    default_ca_dir().mkdir(parents=True, exist_ok=True)      # the terminal trusts the test CA
    shutil.copy(test_card_ca / "test-jpki-ca.cert.pem", default_ca_dir() / "test-jpki-ca.cert.pem")
    window = card_window
    chip = load_card_file(card_file)
    check_code = surface.check_code_b(chip.holder.birth_date, chip.valid_until, SECURITY_CODE)
    put_card_on_reader(qtbot, window)
    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: [window.holder_id]))
    passwords = [SIGN_PASSWORD]
    monkeypatch.setattr(SigningPasswordDialog, "ask", classmethod(lambda cls, parent=None: passwords[-1]))
    monkeypatch.setattr(NewPinDialog, "ask", classmethod(lambda cls, secret, label, parent=None: NEW_PINS[secret]))

    window.start_case("cert_renewal", None)
    page = window.case_page
    fill(qtbot, page, "requester_type", "self")
    page.editors["holder_resident_id"][0].button.click()
    tick(qtbot, page, "card_presented")
    page.read_certs_button.click()                              # the signing password, typed
    qtbot.waitUntil(lambda: bool((_value(page, "certificates") or {}).get("sign", {}).get("not_after")),
                    timeout=10000)
    both_to_identity_with_the_card(qtbot, page)
    qtbot.waitUntil(lambda: page.chip_button.isVisible(), timeout=15000)
    _chip_check(qtbot, page, chip)                              # 照合番号B, typed
    tick(qtbot, page, "documents_original")
    _next_to(qtbot, page, "renew")
    page.renew_button.click()                                   # the new PINs, typed
    qtbot.waitUntil(lambda: "研修" in page.error_label.text(), timeout=15000)
    tick(qtbot, page, "holder_typed_pins")
    tick(qtbot, page, "issued_in_cas")
    _next_to(qtbot, page, "confirm")
    passwords.append(NEW_PINS["sign"])
    page.read_certs_button.click()                              # the new signing password, typed
    qtbot.waitUntil(lambda: page.next_button.isEnabled(), timeout=10000)
    _next_to(qtbot, page, status="completed")
    assert page.services.engine.state(page.case_id).plain_values["chip_check"]["signature_valid"] is True

    pdfs = [d.pdf for d in page.services.documents_for(page.view)]
    assert pdfs and "照合番号" not in "".join(pdf_pages_text(pdfs[-1]))
    page.services.store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    places = {p: p.read_bytes() for p in training_store.parent.glob(training_store.name + "*")}
    places.update({p: p.read_bytes() for p in madoguchi_home.rglob("*") if p.is_file()})
    places.update({f"pdf {n}": pdf for n, pdf in enumerate(pdfs)})
    places.update({f"pdf {n} text": "".join(pdf_pages_text(pdf)).encode() for n, pdf in enumerate(pdfs)})
    logs = b"".join(p.read_bytes() for p in log_file.rglob("*") if p.is_file())
    assert b"chip" in logs or b"card" in logs                  # the log file was written to
    dump = "\n".join(page.services.store.conn.iterdump())
    long_ones = (check_code, NEW_PINS["sign"])
    short_ones = (SECURITY_CODE, NEW_PINS["auth"], SIGN_PASSWORD)
    for where, data in places.items():
        for secret in long_ones:
            for form in (secret.encode(), secret.encode("utf-16-le"), secret.encode().hex().encode()):
                assert form not in data, f"{secret!r} found in {where}"
    # 4 to 6 characters may occur by chance in binary pages: searched as tokens of the text forms
    texts = {"store dump": dump, "log": logs.decode("utf-8", "replace"),
             **{where: data.decode("utf-8", "replace") for where, data in places.items()
                if str(where).endswith(("text", ".log", ".json", ".txt", ".ini", ".toml"))}}
    for where, text in texts.items():
        for secret in short_ones + long_ones:
            assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", text), \
                f"{secret!r} found in {where}"

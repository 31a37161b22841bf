"""Certificate renewal through the window (Qt, offscreen) on the real PC/SC stack: the card panel
shows each certificate's expiry and warns within three months, the home screen offers "renew",
the case reads the certificates (the holder types the signing password on the PIN pad), the
training card's administration issues new ones with the holder's new PINs, the card is read
again and the new validity is shown and printed on the processing slip."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.ui.uihelpers import fill, put_card_on_reader, tick

pytestmark = pytest.mark.pcsc

NEW_PINS = {"sign": "RENEW2026", "auth": "5678"}


@pytest.fixture
def card_file(tmp_path, test_card_ca):
    """The test holder's card, issued almost five years ago: its certificates expire in 30 days."""
    from app.card.cardfile import TRAINING_PINS, create_card_file
    from tests.conftest import TEST_HOLDER

    soon = dt.date.today() + dt.timedelta(days=30)
    day = min(soon.day, 28) if soon.month == 2 else soon.day       # no 29 February five years on
    issued = soon.replace(year=soon.year - 5, day=day)
    return create_card_file(tmp_path / "card.json", pins=TRAINING_PINS, ca_dir=test_card_ca,
                            valid_from=issued, valid_until=issued.replace(year=issued.year + 10), **TEST_HOLDER)


def _next_to(qtbot, page, step=None, status=None):
    page.go_next()
    qtbot.waitUntil(lambda: (step is None or page.view.step == step)
                    and (status is None or page.view.status == status), timeout=10000)


def _value(page, field_id):
    return next((f.value for f in page.view.fields if f.id == field_id), None)


def both_to_identity_with_the_card(qtbot, page):
    """Both certificates chosen for renewal, on to the identity step, the My Number card shown."""
    for box in page.editors["renew"][0].boxes:
        box.setChecked(True)
    qtbot.waitUntil(lambda: len(_value(page, "renew") or []) == 2, timeout=15000)
    _next_to(qtbot, page, "identity")
    box = page.editors["identity_documents"][0]
    next(b for b in box.boxes if b.property("code") == "my_number_card").setChecked(True)
    qtbot.waitUntil(lambda: bool(_value(page, "identity_documents")), timeout=15000)


def test_renewal_from_the_home_offer_to_the_slip(qtbot, card_window, monkeypatch):
    from app.ui.pindialog import NewPinDialog, SigningPasswordDialog
    from app.ui.residentpicker import ResidentPickerDialog
    from tests.printing.pdfread import pdf_pages_text

    window = card_window
    put_card_on_reader(qtbot, window)
    home, panel = window.home, window.card_panel
    qtbot.waitUntil(lambda: home.renew_offer.isVisible(), timeout=10000)
    assert "残り" in home.renew_offer.text() and "利用者証明用電子証明書" in panel.cert_label.text()
    assert "⚠" in panel.cert_label.text()

    monkeypatch.setattr(ResidentPickerDialog, "choose", classmethod(lambda cls, *a, **k: [window.holder_id]))
    passwords = ["ABC123"]
    monkeypatch.setattr(SigningPasswordDialog, "ask", classmethod(lambda cls, parent=None: passwords[-1]))
    asked = []
    monkeypatch.setattr(NewPinDialog, "ask", classmethod(
        lambda cls, secret, label, parent=None: asked.append(secret) or NEW_PINS[secret]))

    home.renew_offer.click()
    qtbot.waitUntil(lambda: window.case_page is not None and window.case_page.view.case_type == "cert_renewal",
                    timeout=10000)
    page = window.case_page
    fill(qtbot, page, "requester_type", "self")
    page.editors["holder_resident_id"][0].button.click()
    tick(qtbot, page, "card_presented")
    assert page.read_certs_button.isVisible()
    page.read_certs_button.click()                      # the holder types the signing password
    qtbot.waitUntil(lambda: bool((_value(page, "certificates") or {}).get("sign", {}).get("not_after")),
                    timeout=10000)
    shown = page.editors["certificates"][0].text()
    assert "まで（残り" in shown and "署名用電子証明書" in shown
    both_to_identity_with_the_card(qtbot, page)
    tick(qtbot, page, "documents_original")
    _next_to(qtbot, page, "renew")

    old = page.services.engine.state(page.case_id).plain_values["certificates"]
    assert page.renew_button.isVisible()
    page.renew_button.click()                           # the holder types the new PINs
    qtbot.waitUntil(lambda: "研修" in page.error_label.text(), timeout=15000)
    assert asked == ["sign", "auth"]
    tick(qtbot, page, "holder_typed_pins")
    tick(qtbot, page, "issued_in_cas")
    _next_to(qtbot, page, "confirm")
    assert not page.next_button.isEnabled()
    passwords.append(NEW_PINS["sign"])
    page.read_certs_button.click()
    qtbot.waitUntil(lambda: page.next_button.isEnabled(), timeout=10000)
    after = _value(page, "certificates_after")
    assert all(after[w]["not_after"] > old[w]["not_after"] for w in ("sign", "auth"))
    _next_to(qtbot, page, status="completed")
    said = page.outcome_box.text()                    # what may be read to the holder
    assert f"新しい利用者証明用電子証明書の有効期限は {after['auth']['not_after']}" in said
    slip = page.services.documents_for(page.view)[-1]
    assert after["auth"]["not_after"] in "".join(pdf_pages_text(slip.pdf))
    qtbot.waitUntil(lambda: not home.renew_offer.isVisible() and "⚠" not in panel.cert_label.text(), timeout=10000)

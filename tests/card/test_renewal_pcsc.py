"""Certificate renewal (電子証明書の更新) end to end through the real PC/SC stack (pcscd + vpcd +
the test card), driven through ``app.desk`` without Qt: the card is read, its certificates'
validity goes into the case, the holder's new PINs go to the test card's administration (which
issues new key pairs and certificates from the test CA), the card is read again and the new
validity is confirmed on the case and on the processing slip.

The card is pulled at every APDU of both certificate reads: each time the case stays as it was
and resumes, and at the end the card reads correctly with its new certificates and PINs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.card import errors
from app.card.cardfile import TRAINING_PINS, create_card_file, load_card_file
from app.card.service import EventKind
from app.config import OfficeConfig
from tests.conftest import TEST_HOLDER
from tests.printing.pdfread import pdf_pages_text
from tests.workflows.helpers import add_household, add_resident

pytestmark = pytest.mark.pcsc

NEW_PINS = {"sign": "RENEW2026", "auth": "5678"}      # typed by the holder on the PIN pad (training)
PASSWORD = "renewal-test-password-1"


def _years(day: dt.date, n: int) -> dt.date:
    return day.replace(year=day.year + n) if (day.month, day.day) != (2, 29) else day.replace(year=day.year + n, day=28)


@pytest.fixture
def expiring_card(tmp_path, test_card_ca):
    """A card issued almost five years ago: its certificates expire in 30 days, the card in five
    years and 30 days (a renewal inside the window)."""
    today = dt.date.today()
    issued = _years(today + dt.timedelta(days=30), -5)
    path = create_card_file(tmp_path / "expiring.json", pins=TRAINING_PINS, ca_dir=test_card_ca,
                            valid_from=issued, valid_until=_years(issued, 10), **TEST_HOLDER)
    return path


@pytest.fixture
def desk(store, expiring_card):
    from app.desk import Desk
    from app.security.staff import add_staff
    from app.store.db import new_id

    holder = add_resident(store, add_household(store), family=TEST_HOLDER["family_name"],
                          given=TEST_HOLDER["given_name"], birth=TEST_HOLDER["birth_date"],
                          my_number=TEST_HOLDER["my_number"])
    card = load_card_file(expiring_card)
    with store.transaction() as conn:
        conn.execute("INSERT INTO cards(id, resident_id, issued_date, expiry_date, status) VALUES (?, ?, ?, ?, 'active')",
                     (new_id(), holder, card.valid_from, card.valid_until))
    add_staff(store, login="renewclerk", display_name="更新 担当", roles=["clerk"], password=PASSWORD,
              terminal_id="T001")
    desk = Desk(store=store, config=OfficeConfig(), training=True)
    assert desk.sign_in_password("renewclerk", PASSWORD).ok
    desk.holder = holder
    return desk


def _pull_at_every_apdu(read, card, pcsc_stack, events, desk, cid):
    """Pull the card at each APDU of ``read()``; the case must not move and must resume."""
    before_view = desk.case_view(cid)
    start = card.apdu_count
    read()
    apdus = card.apdu_count - start
    assert 10 <= apdus <= 40, apdus
    for n in range(1, apdus + 1):
        card.pull_at_apdu(n)
        with pytest.raises((errors.CardConnectionLost, errors.NoCard)) as caught:
            read()
        assert caught.value.ja and caught.value.en
        view = desk.case_view(cid)
        assert (view.step, view.status) == (before_view.step, "open")
        assert [(f.id, f.value) for f in view.fields] == [(f.id, f.value) for f in before_view.fields]
        mark = events.mark()
        pcsc_stack.reinsert(0)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    return apdus


def test_renewal_end_to_end_with_the_card_pulled_at_every_apdu(desk, service, events, pcsc_stack, expiring_card):
    from app.card.admin import TestCardAdministration
    from app.card.protocol import verify_auth_signature

    mark = events.mark()
    card = pcsc_stack.insert(expiring_card, slot=0)
    try:
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
        cid = desk.start_case("cert_renewal")
        assert "read_certificates" in desk.card_actions(desk.case_view(cid), reader=True)
        desk.tick(cid, "card_presented", True)
        desk.set_value(cid, "requester_type", "self")
        desk.fill_from_card(cid, service.read_card(TRAINING_PINS["input"]).result(10))
        assert desk.engine.state(cid).plain_values["holder_resident_id"] == desk.holder

        # 1. the card's certificates, the signing one with the holder's password
        read_before = lambda: service.read_certificates(TRAINING_PINS["sign"]).result(10)  # noqa: E731
        desk.fill_certificates(cid, read_before())
        before = desk.engine.state(cid).plain_values["certificates"]
        expiry = (dt.date.today() + dt.timedelta(days=30)).isoformat()
        assert before["auth"]["not_after"] == before["sign"]["not_after"] == expiry
        pulled_before = _pull_at_every_apdu(read_before, card, pcsc_stack, events, desk, cid)
        desk.set_value(cid, "renew", ["sign", "auth"])
        view = desk.next(cid)
        assert view.step == "identity", view.blocking
        assert "残り 30 日" in json.dumps(desk.engine.state(cid).last_decision(), ensure_ascii=False)
        desk.tick(cid, "documents_original", True)
        desk.set_value(cid, "identity_documents", ["my_number_card"])
        view = desk.next(cid)
        assert view.step == "renew" and "renew_on_card" in desk.card_actions(view, reader=True)

        # 2. the administration refuses while the card is off the reader, then issues
        admin = TestCardAdministration(pcsc_stack.control_path(0))
        card.pull_at_apdu(1)
        with pytest.raises(errors.CardError):
            service.tries_left().result(10)
        with pytest.raises(errors.CardError) as refused:
            admin.request_renewal(NEW_PINS)
        assert "NEW" not in str(refused.value.detail) and NEW_PINS["sign"] not in str(refused.value.detail)
        mark = events.mark()
        pcsc_stack.reinsert(0)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
        issued = admin.request_renewal(NEW_PINS)
        assert issued.performed and set(issued.valid_until) == {"sign", "auth"}
        desk.tick(cid, "holder_typed_pins", True)
        desk.tick(cid, "issued_in_cas", True)
        view = desk.next(cid)
        assert view.step == "confirm"

        # 3. read again: the new certificates, the signing one with the holder's new password
        read_after = lambda: service.read_certificates(NEW_PINS["sign"]).result(10)  # noqa: E731
        pulled_after = _pull_at_every_apdu(read_after, card, pcsc_stack, events, desk, cid)
        desk.fill_certificates(cid, read_after())
        after = desk.engine.state(cid).plain_values["certificates_after"]
        assert {w: after[w]["not_after"] for w in ("sign", "auth")} == issued.valid_until
        assert all(after[w]["not_after"] > before[w]["not_after"] and after[w]["serial"] != before[w]["serial"]
                   for w in ("sign", "auth"))
        view = desk.next(cid)
        assert view.status == "completed"
        decision = view.outcome["decision"]
        assert decision["data"]["new_validity"] == issued.valid_until
        slip = desk.documents_for(view)[-1]
        text = "".join(pdf_pages_text(slip.pdf))
        assert "電子証明書の更新" in text and issued.valid_until["auth"] in text

        # 4. the card reads correctly: full counters, new keys match the new certificates
        readout = service.read_card(TRAINING_PINS["input"]).result(10)
        assert readout.items is not None and readout.tries_left == {"sign": 5, "auth": 3, "juki": 3, "input": 3}
        signature, cert = service.sign_challenge(NEW_PINS["auth"], b"renewed").result(10)
        assert verify_auth_signature(cert, signature, b"renewed") and cert.serial == after["auth"]["serial"]
        stored = load_card_file(expiring_card)        # the chip's memory is a whole, valid card file
        assert stored.tries_left("sign") == 5 and stored.certificate("sign").serial_number != 0
        assert pulled_before >= 10 and pulled_after >= 10
    finally:
        pcsc_stack.remove(0)

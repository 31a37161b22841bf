"""The reader service and the card protocol through the real stack (pcscd + vpcd + test card)."""

from __future__ import annotations

import pytest

from app.card import errors
from app.card.admin import JLisTerminalAdministration, TestCardAdministration
from app.card.cardfile import create_card_file, load_card_file, TRAINING_PINS
from app.card.protocol import verify_auth_signature
from app.card.service import EventKind, ReaderService
from app.card.stack import reader_name
from app.ids import is_valid_my_number
from tests.conftest import TEST_HOLDER

pytestmark = pytest.mark.pcsc


def test_the_service_never_picks_a_reader_by_itself(pcsc_stack, inserted_card, events):
    svc = ReaderService(events, poll_interval=0.3).start()
    try:
        assert svc.readers().result(5) == ["Virtual PCD 00 00", "Virtual PCD 00 01"]
        with pytest.raises(errors.NoReaderSelected):
            svc.read_card("1234").result(5)
        assert svc.state.selected is None
        with pytest.raises(errors.ReaderGone):
            svc.select_reader("USB reader that is not there").result(5)
            svc.tries_left().result(5)
    finally:
        svc.stop()


def test_insert_identify_remove_events(service, events, pcsc_stack, card_file):
    events.wait_for(EventKind.NO_CARD)
    mark = events.mark()
    pcsc_stack.insert(card_file)
    inserted = events.wait_for(EventKind.CARD_INSERTED, since=mark)
    assert inserted.reader == reader_name(0) and inserted.atr.hex().upper() == "3BE000FF8131FE4514"
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    assert service.state.card_kind == "my_number_card"
    mark = events.mark()
    pcsc_stack.remove()
    events.wait_for(EventKind.CARD_REMOVED, since=mark)
    assert not service.state.card_present
    with pytest.raises(errors.NoCard):
        service.read_card("1234").result(5)


def test_full_read(service, ready_card, card_file):
    readout = service.read_card(TRAINING_PINS["input"]).result(10)
    assert readout.tries_left == {"sign": 5, "auth": 3, "juki": 3, "input": 3}
    assert readout.items.name == "窓口\u3000花子" and readout.items.family_name == "窓口"
    assert readout.items.address == "東京都千代田区霞が関１－２－３"
    assert readout.items.birth_date == "1985-04-01" and readout.items.sex == "2"
    assert readout.my_number == TEST_HOLDER["my_number"] and is_valid_my_number(readout.my_number)
    card = load_card_file(card_file)
    serial = card.certificate("auth").serial_number
    assert readout.auth_certificate.serial == serial.to_bytes(serial.bit_length() // 8 + 1, "big").hex().upper()
    assert "TEST-" in readout.auth_certificate.subject and readout.auth_certificate.valid_on()
    shown = readout.to_json()
    assert shown["my_number"] == "********9018"
    assert readout.to_json(show_number=True)["my_number"] == TEST_HOLDER["my_number"]


def test_tries_left_are_read_without_using_a_try(service, events, pcsc_stack, card_file):
    card = load_card_file(card_file)
    assert card.check_pin("auth", "0000").value == "wrong"     # one miss on the chip already
    mark = events.mark()
    pcsc_stack.insert(card_file)
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    for _ in range(3):
        assert service.tries_left().result(5) == {"sign": 5, "auth": 2, "juki": 3, "input": 3}
    assert load_card_file(card_file).tries_left("auth") == 2
    pcsc_stack.remove()


def test_wrong_pin_counts_down_to_blocked(service, ready_card, card_file):
    for left in (2, 1, 0):
        with pytest.raises(errors.WrongPin) as caught:
            service.verify("juki", "9999").result(5)
        assert caught.value.tries_left == left and caught.value.secret == "juki"
        assert f"{left}" in caught.value.ja or left == 0
    assert "ロック" in caught.value.ja and "locked" in caught.value.en
    with pytest.raises(errors.PinBlocked):
        service.verify("juki", TRAINING_PINS["juki"]).result(5)
    assert service.tries_left().result(5)["juki"] == 0
    assert load_card_file(card_file).tries_left("juki") == 0
    readout = service.read_card(TRAINING_PINS["input"]).result(5)
    assert readout.tries_left["juki"] == 0 and readout.to_json()["blocked"] == ["juki"]


def test_a_pin_of_the_wrong_form_never_costs_a_try(service, ready_card):
    for bad in ("12", "12345", "abcd", "１２３４", ""):
        with pytest.raises(errors.PinFormatError) as caught:
            service.verify("auth", bad).result(5)
        assert "回数は減っていません" in caught.value.ja
    with pytest.raises(errors.PinFormatError):
        service.verify("sign", "ABCDEFG").result(5)   # needs a digit too
    assert service.tries_left().result(5) == {"sign": 5, "auth": 3, "juki": 3, "input": 3}


def test_wrong_input_pin_keeps_the_rest_of_the_read(service, ready_card):
    readout = service.read_card("0000").result(5)
    assert readout.items is None and readout.my_number is None
    assert isinstance(readout.items_error, errors.WrongPin) and readout.tries_left["input"] == 2
    assert readout.auth_certificate is not None


def test_reset_through_the_test_card_administration(service, ready_card, pcsc_stack):
    for _ in range(3):
        with pytest.raises(errors.WrongPin):
            service.verify("auth", "0000").result(5)
    real = JLisTerminalAdministration()
    request = real.request_reset("auth")
    assert not request.performed and "J-LIS" in request.instruction_en
    not_yet = real.confirm_reset(service, "auth").result(5)
    assert not not_yet.confirmed and not_yet.tries_left == 0 and "0" in not_yet.message_ja
    admin = TestCardAdministration(pcsc_stack.control_path(0))
    assert admin.request_reset("auth", "5678").performed
    done = admin.confirm_reset(service, "auth").result(5)
    assert done.confirmed and done.tries_left == 3
    service.verify("auth", "5678").result(5)
    with pytest.raises(errors.WrongPin):
        service.verify("auth", TRAINING_PINS["auth"]).result(5)


def test_sign_a_challenge_and_verify_it(service, ready_card):
    challenge = b"staff sign-in challenge 2026-11-25T21:00"
    signature, cert = service.sign_challenge(TRAINING_PINS["auth"], challenge).result(10)
    assert len(signature) == 256
    assert verify_auth_signature(cert, signature, challenge)
    assert not verify_auth_signature(cert, signature, challenge + b"!")
    with pytest.raises(errors.WrongPin):
        service.sign_challenge("0000", challenge).result(10)


def test_long_form_lengths_and_no_signing_certificate(service, events, pcsc_stack, tmp_path, test_card_ca):
    pins = {k: v for k, v in TRAINING_PINS.items() if k != "sign"}
    path = create_card_file(tmp_path / "child.json", pins=pins, ca_dir=test_card_ca, signing_cert=False,
                            long_form_lengths=True, **dict(TEST_HOLDER, birth_date="2015-06-30", sex=9))
    mark = events.mark()
    pcsc_stack.insert(path)
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    readout = service.read_card("1234").result(5)
    assert readout.tries_left["sign"] is None and not readout.has_signing_certificate
    assert readout.items.birth_date == "2015-06-30" and readout.items.sex == "9"
    assert service.submit(lambda card: card.has_signing_certificate()).result(5) is False
    pcsc_stack.remove()


def test_a_dead_chip_is_an_unknown_card_with_a_clear_reason(service, events, pcsc_stack, card_file):
    load_card_file(card_file).set_state("broken")
    mark = events.mark()
    pcsc_stack.insert(card_file)
    unknown = events.wait_for(EventKind.UNKNOWN_CARD, since=mark)
    assert isinstance(unknown.error, errors.CardMalfunction)
    with pytest.raises(errors.CardMalfunction) as caught:
        service.read_card("1234").result(5)
    assert "再交付" in caught.value.ja
    pcsc_stack.remove()


def test_pull_the_card_at_every_apdu_of_a_full_read(service, events, ready_card, card_file, pcsc_stack):
    before = ready_card.apdu_count
    service.read_card("1234").result(10)
    apdus = ready_card.apdu_count - before
    assert 20 <= apdus <= 40
    for n in range(1, apdus + 1):
        ready_card.pull_at_apdu(n)
        with pytest.raises((errors.CardConnectionLost, errors.NoCard)) as caught:
            service.read_card("1234").result(10)
        assert caught.value.ja and caught.value.en
        mark = events.mark()
        pcsc_stack.reinsert(0)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    readout = service.read_card("1234").result(10)       # nothing lost, nothing counted
    assert readout.items is not None and readout.tries_left["input"] == 3
    assert load_card_file(card_file).tries_left("input") == 3


def test_pcscd_restart_is_survived(service, events, ready_card, pcsc_stack):
    mark = events.mark()
    pcsc_stack.restart_pcscd()
    events.wait_for(EventKind.SERVICE_UNAVAILABLE, since=mark)
    events.wait_for(EventKind.SERVICE_AVAILABLE, since=mark)
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark, timeout=10)
    assert service.read_card("1234").result(10).items is not None


def test_reader_unplugged_and_plugged_again(service, events, ready_card, pcsc_stack):
    mark = events.mark()
    pcsc_stack.unplug_readers()
    try:
        events.wait_for(EventKind.NO_READER, since=mark, timeout=10)
        events.wait_for(EventKind.READER_GONE, since=mark)
        with pytest.raises(errors.ReaderGone):
            service.read_card("1234").result(5)
    finally:
        mark = events.mark()
        pcsc_stack.plug_readers()
    changed = events.wait_for(EventKind.READERS_CHANGED, since=mark, timeout=10)
    assert reader_name(0) in changed.added
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark, timeout=10)
    assert service.state.selected == reader_name(0)       # the clerk's choice is kept
    assert service.read_card("1234").result(10).items is not None


def test_another_kind_of_card_is_reported_as_unknown(service, events, ready_card):
    """A card without the My Number applications (SELECT by AID answers 6A82), whatever its ATR."""
    def not_my_number(_n, command, response):
        return b"\x6A\x82" if command[1] == 0xA4 and command[2] == 0x04 else response

    ready_card.response_filter = not_my_number
    mark = events.mark()
    service.select_reader(reader_name(0)).result(5)        # look at the reader afresh
    unknown = events.wait_for(EventKind.UNKNOWN_CARD, since=mark)
    assert isinstance(unknown.error, errors.UnknownCard) and "マイナンバーカードではない" in unknown.error.ja
    assert service.state.card_kind == "unknown"
    with pytest.raises(errors.UnknownCard):
        service.read_card("1234").result(5)
    ready_card.response_filter = None

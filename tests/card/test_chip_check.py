"""The chip check (券面事項確認AP, 照合番号B) through the real PC/SC stack: pcscd + vpcd + the test
card. A genuine card verifies against the test CA, a forged one does not, a wrong check code uses
one try (the card's own counter), a card pulled at any point leaves nothing half-done, and a
face-authentication card is recognised."""

from __future__ import annotations

import io
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from app.card import errors, surface
from app.card.cardfile import TRAINING_PINS, create_card_file, load_card_file, training_ca_certificate_der
from app.card.layout import SURFACE_CHECK_TRIES
from app.card.service import EventKind
from tests.conftest import TEST_HOLDER




def code_of(path) -> str:
    """照合番号B as the clerk types it from the card's printed face."""
    card = load_card_file(path)
    return surface.check_code_b(card.holder.birth_date, card.valid_until, card.surface.security_code)


@pytest.fixture(scope="module")
def _special_cards(tmp_path_factory, test_card_ca):
    folder = tmp_path_factory.mktemp("special-cards")
    forged = create_card_file(folder / "forged.json", pins=TRAINING_PINS, ca_dir=test_card_ca,
                              forged_surface=True, **TEST_HOLDER)
    face = create_card_file(folder / "face.json", pins={}, ca_dir=test_card_ca, face_auth=True, **TEST_HOLDER)
    return {"forged": forged, "face_auth": face}


def insert_copy(pcsc_stack, events, source, tmp_path):
    path = shutil.copy(source, tmp_path / source.name)
    mark = events.mark()
    emulator = pcsc_stack.insert(path, slot=0)
    events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    return emulator, path


@pytest.mark.pcsc
def test_genuine_card_verifies_and_shows_its_face(service, ready_card, card_file, test_card_ca):
    ca = training_ca_certificate_der(test_card_ca)
    readout = service.chip_check(code_of(card_file), ca).result(10)
    assert readout.signature_valid and readout.trust_anchor == "test_ca"
    assert readout.entries.birth_date == TEST_HOLDER["birth_date"] and readout.entries.sex == "2"
    assert readout.entries.expiry == load_card_file(card_file).valid_until
    assert readout.entries.face_image.startswith(b"\x00\x00\x00\x0cjP  ")      # JPEG 2000 on the chip
    with Image.open(io.BytesIO(readout.face_png)) as face:                   # PNG for the window
        assert face.format == "PNG" and face.size == (120, 150)
    assert readout.my_number is None              # 照合番号B does not open the My Number
    assert service.submit(lambda card: card.surface_tries_left()).result(10) == SURFACE_CHECK_TRIES
    # without a trust anchor (a real card: no J-LIS key configured) nothing is called valid
    assert service.chip_check(code_of(card_file), None).result(10).signature_valid is False


@pytest.mark.pcsc
def test_forged_card_fails_the_signature(service, events, pcsc_stack, _special_cards, tmp_path, test_card_ca):
    _emulator, path = insert_copy(pcsc_stack, events, _special_cards["forged"], tmp_path)
    try:
        readout = service.chip_check(code_of(path), training_ca_certificate_der(test_card_ca)).result(10)
        assert readout.signature_valid is False
        assert readout.entries.birth_date == TEST_HOLDER["birth_date"]   # items look right; the chip is not J-LIS's
    finally:
        pcsc_stack.remove(0)


@pytest.mark.pcsc
def test_wrong_check_code_uses_one_try_and_the_card_counts(service, ready_card, card_file, test_card_ca):
    ca = training_ca_certificate_der(test_card_ca)
    right = code_of(card_file)
    wrong = right[:-4] + ("0000" if right[-4:] != "0000" else "1111")
    with pytest.raises(errors.WrongPin) as caught:
        service.chip_check(wrong, ca).result(10)
    assert caught.value.tries_left == SURFACE_CHECK_TRIES - 1 and "照合番号B" in caught.value.ja
    assert load_card_file(card_file).surface.codes["b"].tries_left == SURFACE_CHECK_TRIES - 1
    # a code of the wrong form never reaches the card: no APDU, no try
    before = ready_card.apdu_count
    with pytest.raises(surface.CheckCodeFormatError):
        service.chip_check("12345", ca).result(10)
    assert ready_card.apdu_count == before
    # the right code restores the counter, as on the real card
    assert service.chip_check(right, ca).result(10).signature_valid
    assert load_card_file(card_file).surface.codes["b"].tries_left == SURFACE_CHECK_TRIES
    # the last try used: blocked, and every attempt after says so without comparing
    card = load_card_file(card_file)
    card.surface.codes["b"].tries_left = 1
    card.save()
    ready_card.chip.card = load_card_file(card_file)
    with pytest.raises(errors.WrongPin) as caught:
        service.chip_check(wrong, ca).result(10)
    assert caught.value.tries_left == 0
    with pytest.raises(errors.PinBlocked):
        service.chip_check(right, ca).result(10)
    assert service.submit(lambda c: c.surface_tries_left()).result(10) == 0


@pytest.mark.pcsc
def test_card_pulled_mid_read_loses_nothing(service, events, ready_card, pcsc_stack, card_file, test_card_ca):
    ca = training_ca_certificate_der(test_card_ca)
    code = code_of(card_file)
    before = ready_card.apdu_count
    service.chip_check(code, ca).result(10)
    apdus = ready_card.apdu_count - before
    assert apdus > 10                                   # select, verify, then the entries in chunks
    for n in sorted({1, 2, 3, 4, apdus // 2, apdus}):   # before/at the VERIFY, mid-file, the last read
        ready_card.pull_at_apdu(n)
        with pytest.raises((errors.CardConnectionLost, errors.NoCard)):
            service.chip_check(code, ca).result(10)
        mark = events.mark()
        pcsc_stack.reinsert(0)
        events.wait_for(EventKind.MY_NUMBER_CARD, since=mark)
    assert service.chip_check(code, ca).result(10).signature_valid
    assert load_card_file(card_file).surface.codes["b"].tries_left == SURFACE_CHECK_TRIES


@pytest.mark.pcsc
def test_face_authentication_card_is_recognised(service, events, pcsc_stack, _special_cards, tmp_path):
    _emulator, _path = insert_copy(pcsc_stack, events, _special_cards["face_auth"], tmp_path)
    try:
        readout = service.read_card(None).result(10)
        assert readout.face_auth and not readout.has_signing_certificate
        assert readout.pins_not_set == ["auth", "juki", "input"]
        assert readout.auth_certificate is not None        # the user-authentication certificate is there
        with_pin = service.read_card("1234").result(10)      # no PIN to verify: said so, nothing read
        assert isinstance(with_pin.items_error, errors.PinNotSet) and with_pin.items is None
    finally:
        pcsc_stack.remove(0)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_surface_parser_on_arbitrary_bytes(data):
    try:
        surface.parse_entries(data)
    except errors.MalformedResponse:
        pass
    with pytest.raises(errors.MalformedResponse):
        surface.image_as_png(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + data[:40])


def test_check_code_is_composed_from_the_printed_face_and_never_echoed():
    assert surface.check_code_b("1985-04-01", "2035-04-01", "0421") == "85040120350421"
    for birth, expiry, code in (("1985-04-01", "2035", "42"), ("1985-04-01", "20x5", "0421"), ("", "2035", "0421")):
        with pytest.raises(surface.CheckCodeFormatError) as caught:
            surface.check_code_b(birth, expiry, code)
        assert code not in caught.value.ja + caught.value.en + caught.value.detail or not code


@pytest.mark.pcsc
def test_training_administration_switches_a_face_authentication_card_to_a_pin_card(
        service, events, pcsc_stack, _special_cards, tmp_path):
    """What the J-LIS terminal does for a switch, done by the test card's administration: each PIN
    is set (not reset); with all three set the card answers as a PIN card without a signing cert."""
    from app.card.admin import TestCardAdministration

    _emulator, path = insert_copy(pcsc_stack, events, _special_cards["face_auth"], tmp_path)
    try:
        admin = TestCardAdministration(pcsc_stack.control_path(0))
        admin.request_reset("auth", "4321")
        assert load_card_file(path).face_auth                 # not all set yet: still no PIN card
        for secret in ("juki", "input"):
            admin.request_reset(secret, "4321")
        assert not load_card_file(path).face_auth
        readout = service.read_card("4321").result(10)
        assert not readout.face_auth and readout.items is not None
        assert readout.tries_left == {"sign": None, "auth": 3, "juki": 3, "input": 3}
        with pytest.raises(errors.CardError):
            admin.request_reset("sign", "ABC123")             # no signing certificate to have a password
    finally:
        pcsc_stack.remove(0)


@pytest.mark.pcsc
def test_the_check_code_is_never_logged(service, ready_card, card_file, test_card_ca, pcsc_stack, caplog,
                                        madoguchi_home):
    import logging

    caplog.set_level(logging.DEBUG)
    ca = training_ca_certificate_der(test_card_ca)
    right = code_of(card_file)
    wrong = right[:-4] + ("0000" if right[-4:] != "0000" else "1111")
    outputs = []
    with pytest.raises(errors.WrongPin) as caught:
        service.chip_check(wrong, ca).result(10)
    outputs += [str(caught.value), caught.value.ja, caught.value.en, caught.value.detail]
    outputs.append(repr(service.chip_check(right, ca).result(10)))
    texts = {"log": caplog.text, "outputs": "\n".join(outputs),
             "pcscd": pcsc_stack.log_path.read_bytes().decode("utf-8", errors="replace")}
    for path in madoguchi_home.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    for code in (right, wrong):
        for form in (code, code.encode().hex(), code.encode().hex(" "), code.encode().hex().upper(),
                     code.encode().hex(" ").upper()):
            for where, text in texts.items():
                assert form not in text, f"check code found in {where}"


@pytest.mark.pcsc
def test_training_administration_switches_a_pin_card_back_to_face_authentication(
        service, events, pcsc_stack, card_file, tmp_path):
    """The J-LIS terminal's switch back to a face-authentication card, done by the test card's
    administration through its control socket: every PIN and the signing certificate removed, the
    user-authentication certificate kept; the chip answers so at once; and the switch to a PIN
    card then works again on the same card."""
    from app.card.admin import JLisTerminalAdministration, TestCardAdministration

    (tmp_path / "copy").mkdir()
    emulator, path = insert_copy(pcsc_stack, events, card_file, tmp_path / "copy")
    try:
        assert not service.read_card(None).result(10).face_auth
        auth_before = load_card_file(path).certificates["auth"]
        admin = TestCardAdministration(pcsc_stack.control_path(0))
        answer = admin.request_face_auth_switch()
        assert answer.performed and "顔認証" in answer.instruction_ja
        card = load_card_file(path)
        assert card.face_auth and not card.pins and not card.has_signing_certificate and "sign" not in card.keys_pem
        assert card.certificates["auth"] == auth_before
        readout = service.read_card(None).result(10)
        assert readout.face_auth and not readout.has_signing_certificate
        assert readout.pins_not_set == ["auth", "juki", "input"] and readout.auth_certificate is not None
        assert service.face_auth().result(10)                        # what the card panel asks
        with pytest.raises(errors.CardError):                        # already one: refused, nothing changed
            admin.request_face_auth_switch()
        for secret in ("auth", "juki", "input"):                     # and back to a PIN card
            admin.request_reset(secret, "4321")
        assert not service.read_card("4321").result(10).face_auth
        # off the reader, the training card refuses; live, the J-LIS terminal does it (an instruction)
        emulator.pull_at_apdu(1)
        with pytest.raises((errors.CardConnectionLost, errors.NoCard)):
            service.read_card(None).result(10)
        with pytest.raises(errors.CardError):
            admin.request_face_auth_switch()
        assert not load_card_file(path).face_auth
        live = JLisTerminalAdministration().request_face_auth_switch()
        assert not live.performed and "J-LIS" in live.instruction_ja
    finally:
        pcsc_stack.remove(0)

"""Face-authentication cards in the PIN-reset case, through the desk and the real PC/SC stack
(pcscd + vpcd + the test card): reading the card into the case says what the card is
(``face_auth_card``, from its PIN files answering 6A 88), the clerk can still change it, and the
training card's administration performs the switch back to a face-authentication card."""

from __future__ import annotations

import pytest

from app.card import errors
from app.card.cardfile import TRAINING_PINS, create_card_file
from tests.desk.test_chip_check_case import desk, holder_card, reader  # noqa: F401  (fixtures)

pytestmark = pytest.mark.pcsc


def value_of(view, field_id):
    return next(f.value for f in view.fields if f.id == field_id)


def read_into_case(desk, reader, pcsc_stack, path, cid, pin):  # noqa: F811
    pcsc_stack.insert(path, slot=0)
    try:
        reader.submit(lambda c: c.identify()).result(10)
        readout = reader.read_card(pin).result(10)
    finally:
        pcsc_stack.remove(0)
    return readout, desk.fill_from_card(cid, readout)


def test_reading_the_card_fills_whether_it_is_a_face_authentication_card(
        desk, reader, pcsc_stack, tmp_path, test_card_ca):  # noqa: F811
    cid = desk.start_case("pin_reset")
    desk.tick(cid, "card_presented", True)
    desk.set_value(cid, "requester_type", "self")
    desk.set_value(cid, "secrets", ["auth"])
    face = holder_card(desk, tmp_path, test_card_ca, "face.json", face_auth=True)
    readout, view = read_into_case(desk, reader, pcsc_stack, face, cid, "1234")
    assert isinstance(readout.items_error, errors.PinNotSet) and readout.items is None
    assert value_of(view, "face_auth_card") is True         # from the card, not ticked by the clerk
    assert value_of(view, "holder_resident_id") is None     # the four items stay closed: typed
    view = desk.set_value(cid, "holder_resident_id", desk.ids["pin_holder"])
    assert [r.code for r in view.blocking] == ["pin.face_auth.no_reset"]
    view = desk.set_value(cid, "face_auth_card", False)    # the clerk can still change it
    assert value_of(view, "face_auth_card") is False and not view.blocking
    # a PIN card read into the same step says the opposite
    pin_card = holder_card(desk, tmp_path, test_card_ca, "pin.json")
    desk.set_value(cid, "holder_resident_id", None)
    desk.set_value(cid, "face_auth_card", True)
    readout, view = read_into_case(desk, reader, pcsc_stack, pin_card, cid, TRAINING_PINS["input"])
    assert readout.items is not None and not readout.face_auth
    assert value_of(view, "face_auth_card") is False

"""Face-authentication cards in the PIN-reset case: no reset, a switch to a PIN card (without the
signing password) or back — decided through the case engine on a real store."""

from __future__ import annotations

from app.rules import faceauth


def test_what_applies_to_a_face_authentication_card():
    face = {"face_auth_card": True, "secrets": ["auth", "juki", "input"]}
    assert faceauth.face_auth_problems(face) == [faceauth.NO_RESET]
    assert faceauth.face_auth_problems({**face, "switch_card": "to_pin_card"}) == []
    assert faceauth.face_auth_problems({**face, "switch_card": "to_pin_card", "secrets": ["sign", "auth"]}) \
        == [faceauth.NO_SIGNING_ON_SWITCH]
    assert faceauth.face_auth_problems({**face, "switch_card": "to_face_auth"}) == [faceauth.ALREADY_FACE_AUTH]
    pin_card = {"secrets": ["auth"]}
    assert faceauth.face_auth_problems(pin_card) == []
    assert faceauth.face_auth_problems({**pin_card, "switch_card": "to_pin_card"}) == [faceauth.NOT_FACE_AUTH]
    assert faceauth.face_auth_problems({**pin_card, "switch_card": "to_face_auth"}) == []
    for reason in (faceauth.NO_RESET, faceauth.NOT_FACE_AUTH, faceauth.NO_SIGNING_ON_SWITCH):
        assert reason.ja and reason.en and "顔認証" in reason.source


def test_the_pin_reset_case_offers_the_switch_and_not_a_reset(store):
    from app.workflows.engine import CaseEngine
    from tests.workflows.helpers import add_card, add_household, add_resident, add_staff

    hid = add_household(store)
    holder = add_resident(store, hid, given="実", birth="1940-02-02", sex=1)
    add_card(store, holder)
    engine = CaseEngine(store, staff_id=add_staff(store, "clerk1", "窓口 一郎"), terminal_id="T001")
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    for field, value in {"requester_type": "self", "holder_resident_id": holder, "secrets": ["auth", "juki", "input"],
                         "face_auth_card": True}.items():
        engine.set_value(cid, field, value)
    assert [r.code for r in engine.can_advance(cid)] == ["pin.face_auth.no_reset"]
    engine.set_value(cid, "switch_card", "to_pin_card")
    assert engine.can_advance(cid) == []
    assert engine.next(cid).step == "identity"
    # back: a PIN card switched to a face-authentication card completes after the J-LIS step
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    for field, value in {"requester_type": "self", "holder_resident_id": holder, "secrets": ["auth", "juki", "input"],
                         "switch_card": "to_face_auth"}.items():
        engine.set_value(cid, field, value)
    view = engine.next(cid)
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", ["my_number_card"])
    view = engine.next(cid)
    assert view.step == "reset", view.blocking
    engine.tick(cid, "reset_in_cas")
    assert engine.next(cid).status == "completed"

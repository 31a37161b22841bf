"""Every case type driven through the engine on a real store, from opening to its end."""

from __future__ import annotations

import pytest

from app.workflows.engine import COMPLETED, OPEN, PAUSED, REFUSED, CaseError
from tests.workflows.helpers import add_application, add_card, add_household, add_resident


def run(engine, cid, step_actions):
    """Apply {step: (ticks, values)} for each step the case passes through, pressing Next."""
    view = engine.current_step(cid)
    while view.status == OPEN and view.step in step_actions:
        ticks, values = step_actions[view.step]
        for item in ticks:
            engine.tick(cid, item)
        for k, v in values.items():
            view = engine.set_value(cid, k, v)
        view = engine.current_step(cid)
        if view.blocking:
            return view
        view = engine.next(cid)
    return view


@pytest.fixture
def town(store):
    hid = add_household(store)
    adult = add_resident(store, hid, birth="1985-06-15")
    child = add_resident(store, hid, given="次郎", given_kana="ジロウ", birth="2016-04-02", sex=1, relationship="子")
    gone = add_resident(store, None, given="三郎", given_kana="サブロウ", birth="1990-01-01", sex=1,
                        status="removed", removal_reason="moved_out", moved_to="横浜市中区1-1")
    return {"household": hid, "adult": adult, "child": child, "gone": gone}


PIN_STEPS = lambda holder, secrets, ids=("my_number_card",): {
    "requester": (["card_presented"], {"requester_type": "self", "holder_resident_id": holder, "secrets": secrets}),
    "identity": (["documents_original"], {"identity_documents": list(ids)}),
    "reset": (["reset_in_cas"], {}),
    "confirm": ([], {"retry_counters": {s: (5 if s == "sign" else 3) for s in secrets}}),
    "new_pin": (["holder_set_pin"], {"new_pin_set": secrets}),
}


def test_pin_reset_holder_completes_with_card_alone(store, engine, town):
    add_card(store, town["adult"], locked=["auth"])
    cid = engine.open_case("pin_reset").case_id
    view = run(engine, cid, PIN_STEPS(town["adult"], ["auth"]))
    assert view.status == COMPLETED
    codes = [r["code"] for d in engine.state(cid).decisions for r in d["decision"]["reasons"]]
    assert "identity.my_number_card_accepted" in codes


def test_pin_reset_confirm_blocks_until_counter_full(store, engine, town):
    add_card(store, town["adult"], locked=["auth"])
    cid = engine.open_case("pin_reset").case_id
    steps = PIN_STEPS(town["adult"], ["auth"])
    steps["confirm"] = ([], {"retry_counters": {"auth": 0}})
    view = run(engine, cid, steps)
    assert view.step == "confirm" and view.status == OPEN
    assert [r.code for r in view.blocking] == ["pin.counter_not_full.auth"]
    view = engine.set_value(cid, "retry_counters", {"auth": 3})
    assert view.can_advance


def test_pin_reset_voluntary_agent_waits_then_resumes_at_return_visit(store, engine, town, clerk2):
    from app.workflows.engine import CaseEngine

    add_card(store, town["adult"])
    cid = engine.open_case("pin_reset").case_id
    engine.set_value(cid, "requester_type", "voluntary_agent")
    engine.tick(cid, "card_presented")
    engine.tick(cid, "power_of_attorney")
    engine.set_value(cid, "holder_resident_id", town["adult"])
    engine.set_value(cid, "secrets", ["auth"])
    engine.set_value(cid, "requester_family_name", "代理")
    engine.set_value(cid, "requester_given_name", "次郎")
    engine.set_value(cid, "requester_family_kana", "ダイリ")
    engine.set_value(cid, "requester_given_kana", "ジロウ")
    engine.set_value(cid, "requester_birth_date", "1970-01-01")
    engine.set_value(cid, "requester_address", "研修市本町1番地")
    assert engine.next(cid).step == "identity"
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", ["driving_licence"])
    view = engine.next(cid)
    assert view.status == PAUSED and view.pause["wait"] and view.pause["resume_to"] == "return_visit"
    assert view.decision["decision"]["data"]["mail_to"] == town["adult"]
    other = CaseEngine(store, staff_id=clerk2, terminal_id="T002")
    view = other.resume(cid)
    assert view.step == "return_visit" and view.status == OPEN
    view = run(other, cid, {
        "return_visit": (["form_sealed", "form_answered", "agent_identity_again"], {"inquiry_form_returned": True}),
        "reset": (["reset_in_cas"], {}),
        "confirm": ([], {"retry_counters": {"auth": 3}}),
        "new_pin": (["holder_set_pin"], {"new_pin_set": ["auth"]}),
    })
    assert view.status == COMPLETED


def test_pin_reset_sign_for_child(store, engine, town):
    add_card(store, town["child"])
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    engine.set_value(cid, "requester_type", "self")
    engine.set_value(cid, "holder_resident_id", town["child"])
    engine.set_value(cid, "secrets", ["sign", "auth"])
    assert [r.code for r in engine.can_advance(cid)] == ["pin.sign_remove"]
    engine.set_value(cid, "secrets", ["sign"])
    view = engine.next(cid)
    assert view.status == REFUSED
    assert view.outcome["decision"]["reasons"][0]["code"] == "pin.sign_not_offered"


def test_suspension_lift_found_card_of_resident(store, engine, town):
    add_card(store, town["adult"], status="suspended")
    cid = engine.open_case("suspension_lift").case_id
    view = run(engine, cid, {
        "holder": ([], {"requester_type": "self", "holder_resident_id": town["adult"]}),
        "identity": (["found_card_presented", "documents_original"], {"identity_documents": ["driving_licence"]}),
        "lift": (["lift_in_cas", "certificates_handled"], {}),
    })
    assert view.status == COMPLETED
    assert view.outcome["decision"]["data"]["certificate_handling"] == "held"


SUSPENSION_TO_IDENTITY = lambda holder: {
    "holder": ([], {"requester_type": "self", "holder_resident_id": holder}),
    "identity": (["found_card_presented", "documents_original"], {"identity_documents": ["driving_licence"]}),
}


def test_suspension_lift_moved_out_holder_is_sent_to_new_municipality(store, engine, town):
    """Only after identity, and naming the municipality, never the address the record holds."""
    add_card(store, town["gone"], status="suspended")
    cid = engine.open_case("suspension_lift").case_id
    engine.set_value(cid, "requester_type", "self")
    engine.set_value(cid, "holder_resident_id", town["gone"])
    view = engine.next(cid)
    assert view.status == "open" and view.step == "identity"      # nothing said about the record yet
    view = run(engine, cid, {"identity": SUSPENSION_TO_IDENTITY(town["gone"])["identity"]})
    assert view.status == REFUSED
    reason = view.outcome["decision"]["reasons"][0]
    assert reason["code"] == "suspension.not_resident"
    assert "横浜市" in reason["ja"] and "コールセンターでは解除できません" in reason["ja"]
    said = reason["requester"]["ja"]
    assert "横浜市" in said and "中区" not in said and "1-1" not in said and "中区" not in reason["ja"]
    assert view.outcome["decision"]["outcome"] == "redirect"


def test_suspension_lift_revoked_offers_reissue_with_store_fee(store, engine, town):
    add_card(store, town["adult"], status="revoked")
    store.set_setting("fees.reissue_card", 900)
    cid = engine.open_case("suspension_lift").case_id
    view = run(engine, cid, SUSPENSION_TO_IDENTITY(town["adult"]))
    assert view.status == REFUSED
    assert view.outcome["decision"]["data"]["reissue_fee"] == 1100
    assert "1,100円" in view.outcome["decision"]["reasons"][0]["ja"]


def test_copy_issuance_household_with_my_number_to_person(store, engine, town):
    cid = engine.open_case("copy_issuance").case_id
    view = run(engine, cid, {
        "request": (["request_form"], {
            "document": "juminhyo", "requester_type": "self", "requester_resident_id": town["adult"],
            "target_resident_ids": [town["adult"]], "scope": "household", "items": ["household", "my_number"],
            "purpose": "own_use", "purpose_detail": "児童手当"}),
        "delivery": ([], {"channel": "counter", "delivery": "hand_over"}),
        "identity": (["documents_original"], {"identity_documents": ["my_number_card"]}),
        "issue": (["documents_match"], {}),
    })
    assert view.status == COMPLETED
    data = view.outcome["decision"]["data"]
    assert sorted(data["persons"]) == sorted([town["adult"], town["child"]])
    assert data["items"] == ["household", "my_number"] and data["delivery"] == "hand_over"


def test_copy_issuance_removed_record_is_checked_person_by_person(store, engine, town):
    cid = engine.open_case("copy_issuance").case_id
    view = run(engine, cid, {
        "request": (["request_form"], {
            "document": "juminhyo_removed", "requester_type": "same_household", "requester_resident_id": town["adult"],
            "target_resident_ids": [town["gone"]], "scope": "person", "purpose": "own_use", "purpose_detail": "相続"}),
    })
    assert view.status == REFUSED
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == ["copy.scope.not_same_household"]


def test_copy_issuance_requirement_items_follow_requester_type(store, engine, town):
    cid = engine.open_case("copy_issuance").case_id
    ids = lambda: {i.id for i in engine.current_step(cid).items}
    assert ids() == {"request_form"}
    engine.set_value(cid, "requester_type", "professional")
    assert ids() == {"request_form", "professional_form", "professional_badge"}
    engine.set_value(cid, "requester_type", "messenger")
    assert ids() == {"request_form", "authority_proof", "messenger_letter"}
    fields = {f.id for f in engine.current_step(cid).fields}
    assert "representation" in fields and "profession" not in fields


def test_status_inquiry_by_application_id(store, engine, town):
    add_application(store, town["adult"], "2" * 23, status="sent_to_municipality")
    cid = engine.open_case("status_inquiry").case_id
    view = run(engine, cid, {"request": (["identity_checked"], {"method": "application_id", "application_id": "2" * 23})})
    assert view.step == "answer"
    assert view.decision["decision"]["data"]["applications"][0]["status"] == "sent_to_municipality"
    assert view.decision["facts"]["matched_resident_ids"] == [town["adult"]]


def test_unknown_case_type_and_steps(engine):
    with pytest.raises(CaseError):
        engine.open_case("tea_ceremony")
    cid = engine.open_case("pin_reset").case_id
    with pytest.raises(CaseError):
        engine.tick(cid, "reset_in_cas")          # an item of a later step

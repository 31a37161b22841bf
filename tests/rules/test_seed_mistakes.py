"""The three counter mistakes of the source (事例①②③), each with a test proving the opposite,
through the engine on a real store and through ``rules explain``."""

from __future__ import annotations

from app.workflows.engine import COMPLETED, OPEN, CaseEngine
from app.workflows.explain import explain
from tests.workflows.helpers import add_application, add_card, add_household, add_resident, add_staff


def _engine(store):
    return CaseEngine(store, staff_id=add_staff(store, "seed", "事例 確認"), terminal_id="T001",
                      today="2026-11-25")


def _all_reason_text(engine, cid) -> str:
    state = engine.state(cid)
    parts = [r["ja"] + r["en"] for d in state.decisions for r in d["decision"]["reasons"]]
    return " ".join(parts)


def test_mistake_1_my_number_card_is_accepted_as_identity_for_a_pin_reset(store):
    """事例①: A市 refused the card as identity for a PIN reset; the card (PIN locked) is enough."""
    holder = add_resident(store, add_household(store), birth="1970-01-01")
    add_card(store, holder, locked=["auth", "juki"])
    engine = _engine(store)
    cid = engine.open_case("pin_reset").case_id
    engine.tick(cid, "card_presented")
    engine.set_value(cid, "requester_type", "self")
    engine.set_value(cid, "holder_resident_id", holder)
    engine.set_value(cid, "secrets", ["auth", "juki"])
    assert engine.next(cid).step == "identity"
    engine.tick(cid, "documents_original")
    view = engine.set_value(cid, "identity_documents", ["my_number_card"])
    assert view.blocking == ()                                   # Next is enabled with the card alone
    view = engine.next(cid)
    assert view.step == "reset"
    codes = [r["code"] for r in view.decision["decision"]["reasons"]]
    assert "identity.my_number_card_accepted" in codes
    engine.tick(cid, "reset_in_cas")
    engine.next(cid)
    engine.set_value(cid, "retry_counters", {"auth": 3, "juki": 3})
    engine.next(cid)
    engine.tick(cid, "holder_set_pin")
    engine.set_value(cid, "new_pin_set", ["auth", "juki"])
    assert engine.next(cid).status == COMPLETED


def test_mistake_2_found_card_suspension_is_lifted_here_not_by_the_call_centre(store):
    """事例②: B市 sent the resident to the call centre; the municipality of residence lifts it."""
    holder = add_resident(store, add_household(store))
    add_card(store, holder, status="suspended")
    engine = _engine(store)
    cid = engine.open_case("suspension_lift").case_id
    engine.set_value(cid, "requester_type", "self")
    engine.set_value(cid, "holder_resident_id", holder)
    view = engine.next(cid)
    assert view.status == OPEN and view.step == "identity"
    engine.tick(cid, "found_card_presented")
    engine.tick(cid, "documents_original")
    engine.set_value(cid, "identity_documents", ["driving_licence"])
    view = engine.next(cid)
    assert view.step == "lift"
    assert "suspension.lift_here" in [r["code"] for r in view.decision["decision"]["reasons"]]
    engine.tick(cid, "lift_in_cas")
    engine.tick(cid, "certificates_handled")
    view = engine.next(cid)
    assert view.status == COMPLETED
    assert view.outcome["decision"]["outcome"] == "allow"
    # nowhere is the resident told to go to the call centre
    assert "コールセンターへご案内する必要はありません" in _all_reason_text(engine, cid)


def test_mistake_2_non_resident_is_sent_to_their_municipality_never_the_call_centre():
    out = explain({"case_type": "suspension_lift",
                   "request": {"requester_type": "self", "holder_is_resident": False, "holder_municipality": "大阪市",
                               "identity_documents": ["driving_licence"]}})
    assert out["outcome"] == "redirect"
    text = out["reasons"][0]["ja"]
    assert "大阪市" in text and "コールセンターでは解除できません" in text


def test_mistake_3_status_inquiry_is_answered_at_the_counter_from_the_four_items(store):
    """事例③: C市 said it could not tell and sent the resident to the call centre; the counter
    answers from name, address, birth date and sex."""
    rid = add_resident(store, add_household(store), family="山田", given="桜", family_kana="ヤマダ",
                       given_kana="サクラ", birth="1992-03-03", address="研修市東町2丁目3番4号")
    add_application(store, rid, "9" * 23, status="producing")
    engine = _engine(store)
    cid = engine.open_case("status_inquiry").case_id
    engine.tick(cid, "identity_checked")
    for k, v in {"method": "four_items", "family_name": "やまだ", "given_name": "桜",
                 "address": "研修市東町２丁目３番４号", "birth_date": "1992-03-03", "sex": "2"}.items():
        engine.set_value(cid, k, v)
    view = engine.next(cid)
    assert view.step == "answer"
    data = view.decision["decision"]["data"]
    assert [a["status_ja"] for a in data["applications"]] == ["カードを作成中です"]
    engine.tick(cid, "answer_given")
    view = engine.next(cid)
    assert view.status == COMPLETED and view.outcome["decision"]["outcome"] == "allow"


def test_mistake_3_not_found_is_still_answered_here(store):
    engine = _engine(store)
    cid = engine.open_case("status_inquiry").case_id
    engine.tick(cid, "identity_checked")
    for k, v in {"method": "four_items", "family_name": "無", "given_name": "名", "address": "どこか",
                 "birth_date": "2000-01-01", "sex": "1"}.items():
        engine.set_value(cid, k, v)
    view = engine.next(cid)
    assert view.step == "answer" and view.status == OPEN
    assert [r["code"] for r in view.decision["decision"]["reasons"]] == [
        "inquiry.answered_at_counter", "inquiry.not_found"]

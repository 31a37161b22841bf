"""Where identity rests on oral answers (no photo ID): the answers (own address, birth date, sex)
are recorded and checked item by item with who checked them; a failed check stops the case; an
officer's release never steps over a failed or missing identity check. Through the real engine
(app.workflows), the real restriction stage and release, on a real store."""

from __future__ import annotations

import pytest

from app.rules.said import IDENTITY_FAILED
from app.security import release
from app.workflows.engine import AWAITING_RELEASE, COMPLETED, OPEN, REFUSED, CaseEngine

from tests.security.helpers import VICTIM_ADDRESS

TERMINAL = "T001"
NO_PHOTO = ["health_insurance_card", "bank_book"]
FORBIDDEN = ("加害", "支援措置", "記録と", "住民記録", "record")


@pytest.fixture
def engine(sstore, world):
    sstore.conn.execute("DELETE FROM store_clock")
    return CaseEngine(sstore, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL, today="2030-04-01")


def fill(engine, cid, values):
    for k, v in values.items():
        engine.set_value(cid, k, v)
    for item in engine.current_step(cid).items:
        engine.tick(cid, item.id)
    blocking = engine.current_step(cid).blocking
    assert not blocking, [r.ja for r in blocking]
    return engine.next(cid)


def own_copy_to_identity(engine, who):
    cid = engine.open_case("copy_issuance").case_id
    fill(engine, cid, {"document": "juminhyo", "requester_type": "self", "requester_resident_id": who,
                       "target_resident_ids": [who], "scope": "person", "purpose": "own_use",
                       "purpose_detail": "年金の手続"})
    view = fill(engine, cid, {"channel": "counter", "delivery": "hand_over"})
    assert view.step == "identity"
    return cid


def oral(address, birth, sex, failed=()):
    """The oral answers; ``failed``: those the clerk found not matching (fill() ticks the rest)."""
    return {"identity_documents": NO_PHOTO, "oral_questions": "done", "stated_address": address,
            "stated_birth_date": birth, "stated_sex": sex, "oral_failed": list(failed)}


U_ANSWERS = ("研修市南町一丁目1番地", "1990-01-01", "2")          # U's record, another spelling


def told(view) -> str:
    """Everything the requester may be told of the final decision (read aloud, shown, printed)."""
    return " ".join(t["ja"] + t["en"] + t["basis"] for t in view.outcome["decision"]["requester"])


def test_the_oral_answers_are_required_items_recorded_with_who_checked_them(sstore, world, engine):
    cid = own_copy_to_identity(engine, world["U"])
    engine.set_value(cid, "identity_documents", NO_PHOTO)
    engine.set_value(cid, "oral_questions", "done")
    missing = {r.code for r in engine.current_step(cid).blocking}
    assert {"field.missing.stated_address", "field.missing.stated_birth_date", "field.missing.stated_sex",
            "checklist.unticked.oral_address_checked", "checklist.unticked.oral_birth_date_checked",
            "checklist.unticked.oral_sex_checked"} <= missing, missing
    clerk2 = CaseEngine(sstore, staff_id=world["staff"]["clerk2"], terminal_id=TERMINAL, today="2030-04-01")
    clerk2.tick(cid, "oral_birth_date_checked")                  # a second clerk checks the birth date
    view = fill(engine, cid, oral(*U_ANSWERS))
    assert (view.status, view.step) == (OPEN, "issue")
    state = engine.state(cid)
    assert state.ticks["oral_address_checked"].by.staff_id == world["staff"]["clerk1"]
    assert state.ticks["oral_birth_date_checked"].by.staff_id == world["staff"]["clerk2"]
    assert state.values["stated_address"].value == U_ANSWERS[0]
    assert fill(engine, cid, {}).status == COMPLETED


def test_with_a_photo_id_no_oral_answers_are_asked(sstore, world, engine):
    cid = own_copy_to_identity(engine, world["U"])
    engine.set_value(cid, "identity_documents", ["driving_licence"])
    view = engine.current_step(cid)
    assert {f.id for f in view.fields} == {"identity_documents"} and [i.id for i in view.items] == ["documents_original"]


def test_the_processing_slip_shows_who_checked_each_answer(sstore, world, engine):
    from app.printing.case_adapter import slip_from_case
    from app.printing.slip import render_slip
    from tests.printing.pdfread import pdf_pages_text, squash

    cid = own_copy_to_identity(engine, world["U"])
    fill(engine, cid, oral(*U_ANSWERS))
    slip = slip_from_case(sstore, cid)
    checks = {c.label: c for c in slip.checks}
    for item in ("自分の住所", "生年月日", "性別"):
        check = checks[f"口頭質問の回答（{item}）を記録・提示書類と照合し、一致を確認した"]
        assert check.checked and check.by == "窓口 一郎", checks
    entries = {e.label: e.value for e in slip.entries}
    assert entries["口頭質問: 請求者が答えた自分の住所"] == U_ANSWERS[0] and entries["口頭質問: 請求者が答えた生年月日"]
    text = squash("".join(pdf_pages_text(render_slip(slip))))
    assert squash("口頭質問の回答（生年月日）を記録・提示書類と照合し、一致を確認した") in text and "窓口一郎" in text



@pytest.mark.parametrize("item", ["address", "birth_date", "sex"])
def test_an_answer_checked_as_not_matching_stops_the_case(sstore, world, engine, item):
    cid = own_copy_to_identity(engine, world["U"])
    view = fill(engine, cid, oral(*U_ANSWERS, failed=[item]))
    assert (view.status, view.step) == (REFUSED, "identity")
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == [f"identity.oral_failed.{item}"]
    assert view.outcome["decision"]["requester"] == [IDENTITY_FAILED.as_dict()]   # never which answer
    assert not any(word in told(view) for word in FORBIDDEN + ("住所", "生年月日", "性別"))


@pytest.mark.parametrize("answers, item", [
    (("研修市南町1番2号", "1990-01-01", "2"), "address"),
    (("研修市南町1番1号", "1990-01-02", "2"), "birth_date"),
    (("研修市南町1番1号", "1990-01-01", "1"), "sex"),
])
def test_an_answer_that_differs_from_the_requesters_record_stops_the_case(sstore, world, engine, answers, item):
    """Checked as matching by mistake: the record wins (compared in the one folded form)."""
    cid = own_copy_to_identity(engine, world["U"])
    view = fill(engine, cid, oral(*answers))
    assert view.status == REFUSED
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == [f"identity.oral_failed.{item}"]
    assert "住民記録と一致しません" in view.outcome["decision"]["reasons"][0]["ja"]       # staff: against the record
    assert view.outcome["decision"]["requester"] == [IDENTITY_FAILED.as_dict()]


def sign_in(sstore, login):
    from app.security.staff import authenticate_password

    return authenticate_password(sstore, login, f"{login}-kenshu", terminal_id=TERMINAL)


def release_gate(sstore, engine, cid):
    return release.grant(sstore, engine.gate_scope(cid), sign_in(sstore, "officer1"),
                         checklist={"request_form": True, "identity": True, "documents": True})


def test_a_release_does_not_step_over_a_failed_oral_check(sstore, world, engine):
    """The protected person's own request waits for the officer; the officer releases exactly it;
    the clerk had checked the birth date as not matching: the case stops all the same."""
    cid = own_copy_to_identity(engine, world["V"])
    view = fill(engine, cid, oral(VICTIM_ADDRESS, "1985-03-03", "2", failed=["birth_date"]))
    assert view.status == AWAITING_RELEASE
    release_gate(sstore, engine, cid)
    view = engine.next(cid)
    assert view.status == REFUSED
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == ["identity.oral_failed.birth_date"]
    actions = {a for (a,) in sstore.conn.execute("SELECT action FROM audit_log WHERE case_id = ?", (cid,))}
    assert "restriction.released" in actions           # the release did match: the identity check stopped it


def test_a_release_does_not_step_over_missing_oral_answers(sstore, world, engine):
    """Without photo ID and with the oral questions waved through, a protected person's request
    stays restricted after a release until the answers are given and match."""
    cid = own_copy_to_identity(engine, world["V"])
    view = fill(engine, cid, {"identity_documents": NO_PHOTO, "oral_questions": "not_needed",
                              "oral_note": "顔見知りのため"})
    assert view.status == AWAITING_RELEASE
    assert "dv.identity_ask" in [r["code"] for r in view.gate["decision"]["reasons"]]
    release_gate(sstore, engine, cid)
    assert engine.next(cid).status == AWAITING_RELEASE


def test_a_release_lets_matching_oral_answers_through(sstore, world, engine):
    cid = own_copy_to_identity(engine, world["V"])
    view = fill(engine, cid, oral("研修市中央1-2-3", "1985-03-03", "2"))
    assert view.status == AWAITING_RELEASE
    release_gate(sstore, engine, cid)
    assert engine.next(cid).step == "issue"


def test_a_failed_check_of_a_card_procedure_stops_it(sstore, world, engine):
    """The same items on a card procedure (the holder's own PIN reset without photo ID)."""
    from tests.workflows.helpers import add_card

    add_card(sstore, world["U"], locked=("auth",))
    cid = engine.open_case("pin_reset").case_id
    fill(engine, cid, {"requester_type": "self", "holder_resident_id": world["U"], "secrets": ["auth"]})
    view = fill(engine, cid, oral(*U_ANSWERS, failed=["sex"]))
    assert view.status == REFUSED
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == ["identity.oral_failed.sex"]


def test_a_suspension_lift_with_the_found_card_asks_and_checks_the_oral_answers(sstore, world, engine):
    """The found (suspended) card is not an identity document: with two documents besides it,
    the oral questions are asked and checked (before, they were required but never shown, and
    the case could not go on); a failed check stops it."""
    from tests.workflows.helpers import add_card

    add_card(sstore, world["U"], status="suspended")
    cid = engine.open_case("suspension_lift").case_id
    fill(engine, cid, {"requester_type": "self", "holder_resident_id": world["U"]})
    engine.set_value(cid, "identity_documents", ["my_number_card", *NO_PHOTO])
    assert "oral_questions" in {f.id for f in engine.current_step(cid).fields}
    view = fill(engine, cid, oral(*U_ANSWERS) | {"identity_documents": ["my_number_card", *NO_PHOTO]})
    assert (view.status, view.step) == (OPEN, "lift")
    cid = engine.open_case("suspension_lift").case_id
    fill(engine, cid, {"requester_type": "self", "holder_resident_id": world["U"]})
    view = fill(engine, cid, oral(*U_ANSWERS, failed=["address"]) | {"identity_documents": ["my_number_card", *NO_PHOTO]})
    assert view.status == REFUSED
    assert [r["code"] for r in view.outcome["decision"]["reasons"]] == ["identity.oral_failed.address"]


def test_the_found_card_is_no_photo_id_for_the_restriction_stage_either(sstore, world, engine):
    """A protected person lifting her card's suspension with the found card and two documents:
    the restriction stage asks for (and compares) her oral answers like any request without a
    photo ID, so the officer's release does not open the request until they are given."""
    from tests.workflows.helpers import add_card

    add_card(sstore, world["V"], status="suspended")
    cid = engine.open_case("suspension_lift").case_id
    fill(engine, cid, {"requester_type": "self", "holder_resident_id": world["V"]})
    view = fill(engine, cid, {"identity_documents": ["my_number_card", *NO_PHOTO], "oral_questions": "not_needed",
                              "oral_note": "顔見知りのため"})
    assert view.status == AWAITING_RELEASE
    assert "dv.identity_ask" in [r["code"] for r in view.gate["decision"]["reasons"]]
    release_gate(sstore, engine, cid)
    assert engine.next(cid).status == AWAITING_RELEASE

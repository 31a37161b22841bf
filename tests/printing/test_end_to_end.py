"""From a real 住民票の写し等の交付 case of the workflow engine to the printed copy, the slip, the
cover letter and the refusal notice."""

from __future__ import annotations

import pytest

from app.printing import build_cover_letter, issue_copy, issue_cover_letter, render_refusal, render_slip
from app.printing.case_adapter import copy_request_from_case, refusal_from_case, slip_from_case
from app.printing.letters import Enclosure
from app.printing.issuance import issuance_history
from app.printing.model import Delivery
from app.rules.codes import Item
from app.workflows.engine import COMPLETED, OPEN, REFUSED, CaseEngine

from .pdfread import pdf_pages_text, squash


def run(engine, cid, step_actions):
    view = engine.current_step(cid)
    while view.status == OPEN and view.step in step_actions:
        ticks, values = step_actions[view.step]
        for item in ticks:
            engine.tick(cid, item)
        for k, v in values.items():
            engine.set_value(cid, k, v)
        view = engine.current_step(cid)
        assert not view.blocking, [r.ja for r in view.blocking]
        view = engine.next(cid)
    return view


def text(pdf: bytes) -> str:
    return squash("".join(pdf_pages_text(pdf)))


@pytest.fixture
def engine(store, town):
    return CaseEngine(store, staff_id=town.staff_clerk, terminal_id="T001")


def household_request(town, delivery="hand_over", items=("household", "my_number")):
    return {
        "request": (["request_form"], {
            "document": "juminhyo", "requester_type": "self", "requester_resident_id": town.head,
            "target_resident_ids": [town.head], "scope": "household", "items": list(items),
            "purpose": "own_use", "purpose_detail": "児童手当"}),
        "delivery": ([], {"channel": "counter", "delivery": delivery}),
        "identity": (["documents_original"], {"identity_documents": ["my_number_card"]}),
        "issue": (["documents_match"], {}),
    }


def test_completed_case_prints_the_entitled_copy_and_its_slip(store, town, engine, office):
    cid = engine.open_case("copy_issuance").case_id
    assert run(engine, cid, household_request(town)).status == COMPLETED
    request = copy_request_from_case(store, cid, office=office)
    assert {p.resident_id for p in request.persons} == {town.head, town.wife, town.child_old, town.child_young,
                                                        town.lodger}
    assert request.whole_household and Item.MY_NUMBER in request.entitled_numbers
    issued = issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid)
    copy = [squash(t) for t in pdf_pages_text(issued.pdf)]
    assert len(copy) == 2 and "世帯全員" in copy[-1] and "世帯全員" not in copy[0]
    my_number = store.conn.execute("SELECT my_number FROM residents WHERE id = ?", (town.head,)).fetchone()[0]
    assert my_number in copy[0]
    slip = text(render_slip(slip_from_case(store, cid, office=office)))
    assert issued.issue_number in slip and "住民票の写し" in slip and "請求書の記載" in slip
    assert my_number not in slip


def test_copy_without_numbers_when_not_asked(store, town, engine, office):
    cid = engine.open_case("copy_issuance").case_id
    run(engine, cid, household_request(town, items=("household",)))
    request = copy_request_from_case(store, cid, office=office)
    assert not request.entitled_numbers and not request.printed_numbers
    pdf = issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid).pdf
    numbers = [r[0] for r in store.conn.execute("SELECT my_number FROM residents")]
    assert not any(n in text(pdf) for n in numbers) and "個人番号" not in text(pdf)


def test_post_to_the_person_gets_a_cover_letter_to_the_registered_address(store, town, engine, office):
    cid = engine.open_case("copy_issuance").case_id
    view = run(engine, cid, household_request(town, delivery="post_person_address", items=("household",)))
    assert view.status == COMPLETED
    request = copy_request_from_case(store, cid, office=office)
    assert request.delivery is Delivery.POST
    copy = issue_copy(store, request, staff_id=town.staff_clerk, case_id=cid)
    letter = build_cover_letter(store, town.head, [Enclosure("住民票の写し", 1, copy.issue_number)],
                                subject_ids=[p.resident_id for p in request.persons], case_id=cid, office=office)
    mailed = issue_cover_letter(store, letter, staff_id=town.staff_clerk)
    body = text(mailed.pdf)
    assert "研修市中央一丁目2番3号" in body and copy.issue_number in body
    slip = text(render_slip(slip_from_case(store, cid, office=office)))
    assert copy.issue_number in slip and mailed.issue_number in slip and "送付書" in slip


def test_refused_case_prints_the_refusal_notice(store, town, engine, office):
    cid = engine.open_case("copy_issuance").case_id
    view = run(engine, cid, {
        "request": (["request_form"], {
            "document": "juminhyo_removed", "requester_type": "same_household", "requester_resident_id": town.head,
            "target_resident_ids": [town.removed], "scope": "person", "purpose": "own_use",
            "purpose_detail": "相続"}),
    })
    assert view.status == REFUSED
    notice = refusal_from_case(store, cid, office=office)
    assert notice.requester_name == "山田　太郎" and notice.reasons
    body = text(render_refusal(notice))
    assert squash(notice.reasons[0].text) in body and squash(notice.reasons[0].source) in body
    assert "審査請求" in body


def test_issue_case_copies_once_at_the_counter(store, town, engine, office):
    from app.printing.case_adapter import AlreadyIssued, case_documents, issue_case_copies

    cid = engine.open_case("copy_issuance").case_id
    run(engine, cid, household_request(town, items=("household",)))
    docs = issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)
    assert [d.kind for d in docs] == ["copy", "slip"]
    assert docs[0].issue_number and docs[0].issue_number in text(docs[1].pdf)
    with pytest.raises(AlreadyIssued):
        issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)
    assert [d.kind for d in case_documents(store, cid, office=office)] == ["slip"]


def test_issue_case_copies_by_post_with_the_cover_letter(store, town, engine, office):
    from app.printing.case_adapter import issue_case_copies

    cid = engine.open_case("copy_issuance").case_id
    run(engine, cid, household_request(town, delivery="post_person_address", items=("household",)))
    copy, letter, slip = issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)
    assert (copy.kind, letter.kind, slip.kind) == ("copy", "cover_letter", "slip")
    body = text(letter.pdf)
    assert "研修市中央一丁目2番3号" in body and "山田太郎様" in body and copy.issue_number in body
    assert [r["document_type"] for r in issuance_history(store, case_id=cid)] == ["cover_letter", "juminhyo"]


def test_nothing_is_issued_when_the_mailing_address_is_a_perpetrators(store, town, engine, office):
    from app.printing import PerpetratorAddressError
    from app.printing.case_adapter import issue_case_copies

    cid = engine.open_case("copy_issuance").case_id
    run(engine, cid, household_request(town, delivery="post_person_address", items=("household",)))
    with store.transaction() as conn:   # recorded after the case was decided (and ended: it still screens)
        conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, perpetrator_address)"
                     " VALUES ('m9', ?, 'dv', 'ended', '2026-11-01', '研修市中央1丁目2-3')", (town.wife,))
    with pytest.raises(PerpetratorAddressError):
        issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)
    assert issuance_history(store, case_id=cid) == []


def test_case_documents_of_a_refused_case(store, town, engine, office):
    from app.printing.case_adapter import case_documents

    cid = engine.open_case("copy_issuance").case_id
    run(engine, cid, {"request": (["request_form"], {
        "document": "juminhyo_removed", "requester_type": "same_household", "requester_resident_id": town.head,
        "target_resident_ids": [town.removed], "scope": "person", "purpose": "own_use", "purpose_detail": "相続"})})
    docs = case_documents(store, cid, office=office)
    assert [d.kind for d in docs] == ["refusal", "slip"]        # the slip is always last
    assert "お手続きができない理由のお知らせ" in text(docs[0].pdf)


def test_slip_of_a_pin_reset_case(store, town, engine, office):
    """Every case gets a slip: a PIN reset shows its checklist and the counters read back, and
    never a PIN (none is ever handed to the engine)."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO cards(id, resident_id, issued_date, expiry_date, status, locked_pins)"
                     " VALUES ('card-1', ?, '2020-01-10', '2030-01-10', 'active', '[\"auth\"]')", (town.head,))
    cid = engine.open_case("pin_reset").case_id
    view = run(engine, cid, {
        "requester": (["card_presented"], {"requester_type": "self", "holder_resident_id": town.head,
                                           "secrets": ["auth"]}),
        "identity": (["documents_original"], {"identity_documents": ["my_number_card"]}),
        "reset": (["reset_in_cas"], {}),
        "confirm": ([], {"retry_counters": {"auth": 3}}),
        "new_pin": (["holder_set_pin"], {"new_pin_set": ["auth"]}),
    })
    assert view.status == COMPLETED
    from app.printing.case_adapter import case_documents

    docs = case_documents(store, cid, office=office)
    assert [d.kind for d in docs] == ["slip"]
    body = text(docs[0].pdf)
    assert "暗証番号" in body and "山田太郎" in body and "窓口一郎" in body and "完了" in body
    assert "記録あり" in body  # the counters (JSON) are summarised, not dumped


def test_the_perpetrators_own_copy_posted_to_his_own_address_is_allowed_and_printed(store, town, engine, office):
    """The over-block is gone: nothing about a protected person is in his own copy, so the rules
    allow it and printing addresses the cover letter to his registered address."""
    from app.printing.case_adapter import issue_case_copies

    cid = engine.open_case("copy_issuance").case_id
    view = run(engine, cid, {
        "request": (["request_form"], {
            "document": "juminhyo", "requester_type": "self", "requester_resident_id": town.perpetrator,
            "target_resident_ids": [town.perpetrator], "scope": "person", "purpose": "own_use",
            "purpose_detail": "就職の手続"}),
        "delivery": ([], {"channel": "post", "delivery": "post_person_address"}),
        "identity": (["documents_original"], {"identity_documents": ["driving_licence"]}),
        "issue": (["documents_match"], {}),
    })
    assert view.status == COMPLETED
    copy, letter, _slip = issue_case_copies(store, cid, staff_id=town.staff_clerk, office=office)
    assert "高橋健" in text(copy.pdf)
    assert "研修市西町九丁目9番9号" in text(letter.pdf) and "高橋健様" in text(letter.pdf)

"""The disclosure classes 1–3 of the restriction work, each on the real engine and a real store:
record-dependent outcomes only behind the restriction stage, two reason channels (nothing a
requester hears or receives names a measure, a perpetrator or an officer), and perpetrator
matching with the requester's full particulars. The twin suite (tests/twins) proves the classes
over the whole grid; these tests pin the cases the issue names."""

from __future__ import annotations

import pytest

from app.printing.case_adapter import refusal_from_case
from app.printing.letters import render_refusal
from app.rules import said
from app.security import release
from app.workflows.engine import AWAITING_RELEASE, COMPLETED, OPEN, REFUSED, CaseEngine

from tests.printing.pdfread import pdf_pages_text as page_texts
from tests.security.helpers import PERPETRATOR
from tests.workflows.test_cases import run as walk

TERMINAL = "T001"
#: words that must never reach a requester
STAFF_WORDS = ("支援措置", "加害", "責任者", "交付制限", "DV", "perpetrator", "support officer", "measure", "除票",
               "転出", "moved")


@pytest.fixture
def engine(sstore, world):
    sstore.conn.execute("DELETE FROM store_clock")
    return CaseEngine(sstore, staff_id=world["staff"]["clerk1"], terminal_id=TERMINAL, today="2030-04-01")


def officer(sstore, login="officer1"):
    from app.security.staff import authenticate_password

    return authenticate_password(sstore, login, f"{login}-kenshu", terminal_id=TERMINAL)


THIRD = {"requester_family_name": "債権", "requester_given_name": "回収", "requester_family_kana": "サイケン",
         "requester_given_kana": "カイシュウ", "requester_birth_date": "1966-06-06",
         "requester_address": "研修市東町9番9号"}


def copy_steps(target, **request):
    return {
        "request": (["request_form", "third_party_reason_documents"], {
            "document": "juminhyo", "requester_type": "third_party", "target_resident_ids": [target],
            "scope": "person", "purpose": "own_right", "purpose_detail": "債権の回収", **THIRD, **request}),
        "delivery": ([], {"channel": "counter", "delivery": "hand_over"}),
        "identity": (["documents_original"], {"identity_documents": ["driving_licence"]}),
        "issue": (["documents_match"], {}),
    }


def requester_words(decision: dict) -> str:
    return " ".join(t["ja"] + t["en"] + t["basis"] for t in decision.get("requester", []))


# ----------------------------------------------------------------------------- class 1

def test_third_party_asking_for_a_removed_record_is_not_told_it_is_removed(sstore, world, engine):
    """The removed record R (under a provisional measure): the third party waits, the officer
    refuses, and the requester hears the sentence a non-existent person's request gets."""
    cid = engine.open_case("copy_issuance").case_id
    view = walk(engine, cid, copy_steps(world["R"]))
    assert view.status == AWAITING_RELEASE
    said_now = view.gate["decision"]["requester"]
    assert [t["ja"] for t in said_now] == [said.REVIEW.ja]
    release.refuse(sstore, engine.gate_scope(cid), officer(sstore), reason="加害者側の請求の疑い")
    view = engine.next(cid)
    assert view.status == REFUSED
    words = requester_words(view.outcome["decision"])
    assert said.NOT_ISSUED.ja in words and not any(w in words for w in STAFF_WORDS)


def test_unprotected_removed_record_refusal_says_the_same_neutral_sentence(sstore, world, engine):
    """An unprotected moved-away person (U moved) asked for by a third party as a current copy:
    the staff text says 除票, the requester text is the one neutral sentence."""
    sstore.conn.execute("UPDATE residents SET status = 'removed', removal_reason = 'moved_out', "
                        "removal_date = '2029-01-01', moved_to_address = '横浜市中区1-1' WHERE id = ?", (world["U"],))
    cid = engine.open_case("copy_issuance").case_id
    view = walk(engine, cid, copy_steps(world["U"]))
    assert view.status == REFUSED
    decision = view.outcome["decision"]
    assert "除票" in " ".join(r["ja"] for r in decision["reasons"])          # staff channel: the fact
    assert [t["ja"] for t in decision["requester"]] == [said.NOT_ISSUED.ja]  # requester: nothing


def test_status_inquiry_for_a_protected_person_answers_as_for_nobody(sstore, world, engine):
    def ask(family, given, address, birth, sex):
        cid = engine.open_case("status_inquiry").case_id
        engine.tick(cid, "identity_checked")
        for k, v in {"method": "four_items", "family_name": family, "given_name": given, "address": address,
                     "birth_date": birth, "sex": str(sex)}.items():
            engine.set_value(cid, k, v)
        return cid, engine.next(cid)

    nobody_cid, nobody = ask("不在", "者", "研修市無町1番1号", "1985-03-03", 2)
    assert nobody.step == "answer"
    cid, view = ask("被害", "花子", "研修市中央一丁目2番3号", "1985-03-03", 2)
    assert view.status == AWAITING_RELEASE                          # the one allowed difference
    assert [t["ja"] for t in view.gate["decision"]["requester"]] == [said.REVIEW.ja]
    release.refuse(sstore, engine.gate_scope(cid), officer(sstore), reason="本人確認に疑義")
    view = engine.next(cid)
    assert view.step == "answer"
    assert view.decision["decision"]["requester"] == nobody.decision["decision"]["requester"]
    assert view.decision["decision"]["data"]["applications"] == nobody.decision["decision"]["data"]["applications"] == []
    for c in (cid, nobody_cid):
        engine.tick(c, "answer_given")
    done, nobody_done = engine.next(cid), engine.next(nobody_cid)
    assert done.status == nobody_done.status == COMPLETED
    assert done.outcome["decision"]["requester"] == nobody_done.outcome["decision"]["requester"]


# ----------------------------------------------------------------------------- class 2

def test_refusal_notice_of_the_perpetrator_prints_only_neutral_words(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    view = walk(engine, cid, copy_steps(world["V"], requester_family_name=PERPETRATOR["family_name"],
                                        requester_given_name=PERPETRATOR["given_name"],
                                        requester_family_kana=PERPETRATOR["family_kana"],
                                        requester_given_kana=PERPETRATOR["given_kana"],
                                        requester_birth_date=PERPETRATOR["birth_date"],
                                        requester_address="研修市東町9番9号"))
    assert view.status == REFUSED
    assert view.outcome["decision"]["reasons"][0]["code"] == "dv.perpetrator"      # staff knows why
    text = "".join(page_texts(render_refusal(refusal_from_case(sstore, cid))))
    assert said.NOT_ISSUED.ja in text
    text = text.replace("加害　太郎　様", "")          # his own name in the address line
    assert not any(w in text for w in STAFF_WORDS), text


def test_officer_refusal_reason_stays_with_staff(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    walk(engine, cid, copy_steps(world["V"]))
    release.refuse(sstore, engine.gate_scope(cid), officer(sstore), reason="加害者の依頼と判断")
    view = engine.next(cid)
    assert view.status == REFUSED
    assert "加害者の依頼と判断" in view.outcome["decision"]["reasons"][0]["ja"]
    text = "".join(page_texts(render_refusal(refusal_from_case(sstore, cid))))
    assert "加害者の依頼と判断" not in text and "責任者" not in text and said.NOT_ISSUED.ja in text


def test_court_guidance_is_not_shown_to_a_lawyer_whose_client_is_not_the_perpetrator(sstore, world, engine):
    cid = engine.open_case("copy_issuance").case_id
    view = walk(engine, cid, copy_steps(
        world["V"], requester_type="professional", profession="lawyer", purpose="court_submission",
        client_family_name="依頼", client_given_name="一子")
        | {"request": (["request_form", "professional_form", "professional_badge"], {
            "document": "juminhyo", "requester_type": "professional", "profession": "lawyer",
            "target_resident_ids": [world["V"]], "scope": "person", "purpose": "court_submission",
            "purpose_detail": "訴訟", "client_family_name": "依頼", "client_given_name": "一子",
            **THIRD, "requester_family_name": "別件", "requester_given_name": "弁護"})})
    assert view.status == AWAITING_RELEASE
    codes = [r["code"] for r in view.gate["decision"]["reasons"]]
    assert "dv.court" not in codes
    assert "裁判所" not in requester_words(view.gate["decision"])


# ----------------------------------------------------------------------------- class 3

@pytest.mark.parametrize("spelling", [
    dict(requester_family_name="加害", requester_given_name="太郎", requester_family_kana="かがい",
         requester_given_kana="たろう"),
    dict(requester_family_name="加 害", requester_given_name="太郎", requester_family_kana="ｶｶﾞｲ",
         requester_given_kana="ﾀﾛｳ"),
    dict(requester_family_name="別名", requester_given_name="名乗", requester_family_kana="カガイ",
         requester_given_kana="タロウ"),            # another name written, the kana his
])
def test_perpetrator_with_name_kana_and_birth_date_is_refused_not_queued(sstore, world, engine, spelling):
    """Name or kana (folded as search folds them) plus birth date: refused at once, whatever the
    requester type, instead of waiting for an officer."""
    cid = engine.open_case("copy_issuance").case_id
    view = walk(engine, cid, copy_steps(world["V"], requester_birth_date=PERPETRATOR["birth_date"], **spelling))
    assert view.status == REFUSED, view.gate
    assert view.outcome["decision"]["reasons"][0]["code"] == "dv.perpetrator"


def test_professional_request_with_blank_client_is_refused():
    """A real incident: a lawyer's postal request with a blank client field was served. The form
    does not go on without the client's name, and the rule refuses it whatever way it comes in."""
    from app.rules import copies
    from app.rules.settings import Settings
    from app.workflows.explain import explain
    from app.workflows.pipeline import PipelineContext

    request = {"document": "juminhyo", "requester_type": "professional", "profession": "lawyer",
               **THIRD, "client_family_name": "", "client_given_name": "", "target_resident_ids": ["R"],
               "scope": "person", "purpose": "own_right", "purpose_detail": "訴訟準備",
               "channel": "post", "delivery": "post_requester_address",
               "identity_documents": ["official_photo_licence"]}
    facts = {"persons_facts": [{"id": "R", "status": "active", "household_id": "H"}]}
    blank = explain({"case_type": "copy_issuance", "request": request, "facts": facts})
    assert blank["outcome"] == "blocked" and blank["stopped_at"] == "request"     # Next stays disabled
    for client in ({"client_family_name": "依頼", "client_given_name": "\u3000"}, {}):
        values = {**request, **client}
        ctx = PipelineContext(case_type="copy_issuance", point="request", values=values, settings=Settings({}))
        decision = copies.requester_stage(None, ctx)(None)
        assert decision.reasons[0].code == "copy.professional.client_missing"
        assert decision.requester_texts() == [said.CLIENT_REQUIRED]


def test_rules_explain_carries_both_channels():
    import json
    from pathlib import Path

    from app.workflows.explain import as_text, explain

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "suspension-lift-non-resident.json"
    out = explain(json.loads(example.read_text(encoding="utf-8")))
    assert out["reasons"][0]["requester"]["ja"] == out["requester"][0]["ja"]
    assert "中区" not in json.dumps(out, ensure_ascii=False)             # a municipality, never an address
    assert out["expectation"]["met"]
    text = as_text(out)
    assert "職員限り" in text and "請求者に伝える内容" in text
    assert "for staff only" in as_text(out, "en") and "for the requester" in as_text(out, "en")


def test_sample_refusal_notice_for_a_protected_person_is_neutral():
    """docs/samples/refusal-notice-protected-1.png comes from this: the real requester channel of
    an officer's refusal, read back from the PDF."""
    from app.config import OfficeConfig
    from app.printing.letters import RefusalNotice
    from app.printing.samples import protected_refusal_reasons

    notice = RefusalNotice(requester_name="窓口　請求", procedure="住民票の写し等の交付", office=OfficeConfig(),
                           reasons=protected_refusal_reasons())
    text = "".join(page_texts(render_refusal(notice)))
    assert said.NOT_ISSUED.ja in text and "加害者の関係" not in text
    assert not any(w in text for w in STAFF_WORDS), text


def test_pre_screen_an_early_refusal_about_a_protected_holder_waits_for_the_officer_first(sstore, world, engine):
    """A PIN reset for a protected holder whose card is revoked: the requester step would refuse
    on the record's card state; the pre-screen makes it wait for the support officer first, and
    only then say what it says for anyone else."""
    from app.rules.cards import CARD_REVOKED
    from tests.workflows.helpers import add_card

    add_card(sstore, world["V"], status="revoked")
    cid = engine.open_case("pin_reset").case_id
    view = walk(engine, cid, {"requester": (["card_presented"], {
        "requester_type": "self", "holder_resident_id": world["V"], "secrets": ["auth"]})})
    assert view.status == AWAITING_RELEASE and view.step == "requester"
    assert [t["ja"] for t in view.gate["decision"]["requester"]] == [said.REVIEW.ja]
    release.grant(sstore, engine.gate_scope(cid), officer(sstore),
                  checklist={"request_form": True, "identity": True, "documents": True})
    view = engine.next(cid)
    assert view.status == REFUSED
    assert [t["ja"] for t in view.outcome["decision"]["requester"]] == [CARD_REVOKED.ja]


def test_perpetrator_at_a_card_procedure_hears_the_card_procedures_neutral_refusal(sstore, world, engine):
    from tests.workflows.helpers import add_card

    add_card(sstore, world["V"], locked=["auth"])
    cid = engine.open_case("pin_reset").case_id
    view = walk(engine, cid, {
        "requester": (["card_presented", "authority_proof"], {
            "requester_type": "legal_representative", "holder_resident_id": world["V"], "secrets": ["auth"],
            "requester_family_name": PERPETRATOR["family_name"], "requester_given_name": PERPETRATOR["given_name"],
            "requester_family_kana": PERPETRATOR["family_kana"], "requester_given_kana": PERPETRATOR["given_kana"],
            "requester_birth_date": PERPETRATOR["birth_date"], "requester_address": "研修市東町9番9号"}),
        "identity": (["documents_original"], {"identity_documents": ["driving_licence"]})})
    assert view.status == REFUSED and view.outcome["decision"]["reasons"][0]["code"] == "dv.perpetrator"
    assert [t["ja"] for t in view.outcome["decision"]["requester"]] == [said.NOT_HERE.ja]

"""The processing slip (処理票): from a real case of the workflow engine, and hand-built."""

from __future__ import annotations

import dataclasses

import pytest

from app.printing.case_adapter import copy_request_from_case, refusal_from_case, slip_from_case
from app.printing.copies import render_copy
from app.printing.letters import render_refusal
from app.printing.model import PrintRefused
from app.printing.samples import add_staff
from app.printing.slip import Confirmer, ProcessingSlip, SlipCheck, SlipReason, render_slip
from app.rules.codes import DocumentType as D, Item as I
from app.rules.core import Decision, Reason, RequestScope
from app.store.db import new_id, now_iso
from app.workflows.engine import (
    CaseEngine, CaseTypeDef, ChecklistItem, Choice, FieldSpec, Route, Step, complete, go,
)

from tests.security.helpers import insert_signed_release

from .pdfread import pdf_pages_text, pdffonts, squash

REFUSAL = Reason("test.refuse", "加害者からの請求のため交付できません。", "refused for the perpetrator",
                 "DV等支援措置に係る総務省通知（平成30年3月28日）")


def _final(ctx):
    v = ctx.values
    if v.get("requester_type") == "third_party":
        return Route(Decision.refuse(REFUSAL))
    return complete(Decision.allow(
        Reason("test.ok", "本人からの請求です。", "the person", "住民基本台帳法第12条第1項"),
        document="juminhyo", persons=list(v["target_resident_ids"]), items=list(v.get("items") or []),
        delivery=v.get("delivery", "hand_over"), requester_type=v["requester_type"]))


CASE = CaseTypeDef(
    id="copy_issuance", ja="住民票の写し等の交付", en="copies",
    steps=(
        Step("request", "請求の内容", "request", route=lambda ctx: go("issue"),
             items=(ChecklistItem("form", "請求書の記載を確認した", "form checked"),
                    ChecklistItem("agent_form", "委任状を確認した", "power of attorney", when=lambda v: False)),
             fields=(FieldSpec("requester_type", "choice", "請求者の種別", "requester type",
                               choices=(Choice("self", "本人", "self"), Choice("third_party", "第三者", "3rd"))),
                     FieldSpec("requester_family_name", "text", "請求者の氏", "family", required=False),
                     FieldSpec("requester_given_name", "text", "請求者の名", "given", required=False),
                     FieldSpec("target_resident_ids", "residents", "対象者", "targets"),
                     FieldSpec("items", "multi", "記載事項", "items", required=False,
                               choices=(Choice("household", "世帯主・続柄", "hh"),
                                        Choice("my_number", "個人番号", "mn"))),
                     FieldSpec("card_number", "digits", "番号（確認用）", "number", required=False, length=12),
                     FieldSpec("requested_on", "date", "請求日", "date", required=False))),
        Step("issue", "交付", "issue", route=_final,
             items=(ChecklistItem("match", "交付する写しを請求書と照合した", "checked"),)),
    ),
    build_scope=lambda ctx: RequestScope(case_id=ctx.case_id, case_type="copy_issuance",
                                         handling_staff_id=ctx.staff_id,
                                         persons=tuple(ctx.get("target_resident_ids", ()))),
)


def run_case(store, town, *, requester="self", items=(), finish=True):
    engine = CaseEngine(store, staff_id=town.staff_clerk, terminal_id="T001", case_types={CASE.id: CASE})
    case_id = engine.open_case(CASE.id).case_id
    engine.tick(case_id, "form")
    engine.set_value(case_id, "requester_type", requester)
    if requester == "third_party":
        engine.set_value(case_id, "requester_family_name", "高橋")
        engine.set_value(case_id, "requester_given_name", "健")
    engine.set_value(case_id, "target_resident_ids", [town.head])
    engine.set_value(case_id, "items", list(items))
    engine.set_value(case_id, "card_number", "123456789018")
    engine.set_value(case_id, "requested_on", "2019-05-01")
    engine.next(case_id)
    if finish:
        other = CaseEngine(store, staff_id=town.staff_third, terminal_id="T002", case_types={CASE.id: CASE})
        other.tick(case_id, "match")
        other.next(case_id)
    return case_id


def slip_text(slip) -> list[str]:
    return [squash(t) for t in pdf_pages_text(render_slip(slip))]


def test_slip_from_a_completed_case(store, town, office, tmp_path):
    case_id = run_case(store, town, items=["household"])
    slip = slip_from_case(store, case_id, office=office, case_types={CASE.id: CASE})
    assert slip.case_type == "住民票の写し等の交付" and slip.status == "完了"
    assert [c.label for c in slip.checks] == ["請求書の記載を確認した", "交付する写しを請求書と照合した"]
    assert [c.by for c in slip.checks] == ["窓口　一郎", "確認　三郎"] and all(c.at for c in slip.checks)
    pdf = render_slip(slip)
    text = "".join(squash(t) for t in pdf_pages_text(pdf))
    for expected in ("処理票", case_id, "住民票の写し等の交付", "請求書の記載を確認した", "窓口一郎", "確認三郎",
                     "請求者の種別本人", "山田太郎（対象者）", "世帯主・続柄", "請求日令和元年5月1日",
                     "可（手続を行った）", "本人からの請求です。", "住民基本台帳法第12条第1項", "確認者欄",
                     "窓口担当者", "終了処理", "1/1頁"):
        assert expected in text, expected
    assert "委任状を確認した" not in text            # hidden and never ticked
    assert "123456789018" not in text and "********9018" in text  # a 12-digit value is masked
    assert all(f["emb"] == "yes" for f in pdffonts(pdf, tmp_path))


def test_slip_shows_the_release_and_the_relock_confirmers(store, town, office):
    case_id = run_case(store, town)          # 確認　三郎 finished it: he handled the case
    with store.transaction() as conn:
        confirmer = add_staff(conn, "kansa4", "監査　四郎")      # a third person who never touched it
        rid = new_id()
        insert_signed_release(conn, {
            "id": rid, "case_id": case_id, "handling_staff_id": town.staff_clerk,
            "officer_id": town.staff_officer, "terminal_id": "T009", "decision": "released",
            "persons": f'["{town.head}"]', "protected": f'["{town.head}"]',
            "documents": '["juminhyo"]', "scope_digest": "digest", "issued_at": now_iso(),
            "issued_tick": 1, "expires_at": "2026-11-25T02:00:00+00:00"},
            events=[(kind, staff, now_iso(), 2) for kind, staff in (
                ("used", town.staff_clerk), ("relocked", town.staff_officer),
                ("relock_confirmed", confirmer))])
    slip = slip_from_case(store, case_id, office=office, case_types={CASE.id: CASE})
    roles = [(c.role, c.name) for c in slip.confirmers]
    assert ("支援措置責任者（一時解除）", "支援　責任者") in roles
    assert ("再ロック（支援措置責任者）", "支援　責任者") in roles
    assert ("再ロック確認（第三者）", "監査　四郎") in roles
    text = "".join(slip_text(slip))
    assert "支援措置責任者（一時解除）" in text and "再ロック確認（第三者）" in text and "住民票の写し期限" in text


def test_refusal_notice_from_a_refused_case(store, town, office):
    case_id = run_case(store, town, requester="third_party")
    notice = refusal_from_case(store, case_id, office=office, case_types={CASE.id: CASE})
    assert notice.requester_name == "高橋　健" and notice.appeal
    text = squash("".join(pdf_pages_text(render_refusal(notice))))
    assert "高橋健様" in text and "加害者からの請求のため交付できません。" in text
    assert "DV等支援措置に係る総務省通知（平成30年3月28日）" in text
    slip = squash("".join(pdf_pages_text(render_slip(slip_from_case(store, case_id, office=office,
                                                                        case_types={CASE.id: CASE})))))
    assert "不可（理由を説明）" in slip and "請求者の氏高橋" in slip
    done = run_case(store, town)
    with pytest.raises(PrintRefused):
        refusal_from_case(store, done, office=office, case_types={CASE.id: CASE})


def test_copy_request_from_a_completed_case(store, town, office):
    case_id = run_case(store, town, items=["household", "my_number"])
    request = copy_request_from_case(store, case_id, office=office, case_types={CASE.id: CASE})
    assert request.document is D.JUMINHYO and request.items == {I.HOUSEHOLD, I.MY_NUMBER}
    assert request.entitled_numbers == {I.MY_NUMBER}
    text = squash("".join(pdf_pages_text(render_copy(request))))
    number = store.conn.execute("SELECT my_number FROM residents WHERE id = ?", (town.head,)).fetchone()[0]
    assert number in text
    unfinished = run_case(store, town, finish=False)
    with pytest.raises(PrintRefused):
        copy_request_from_case(store, unfinished, office=office, case_types={CASE.id: CASE})
    refused = run_case(store, town, requester="third_party")
    with pytest.raises(PrintRefused):
        copy_request_from_case(store, refused, office=office, case_types={CASE.id: CASE})


def test_long_slip_flows_over_pages_and_masks_numbers(office):
    checks = tuple(SlipCheck(f"手順{i // 10}", f"確認項目その{i}：" + "書類の記載を確認した" * (1 + i % 3), i % 4 != 0,
                             "窓口　一郎" if i % 4 else "", "2026-11-25T01:00:00+00:00" if i % 4 else "")
                   for i in range(70))
    slip = ProcessingSlip(
        case_id="c-long", case_type="住民票の写し等の交付", status="完了", opened_at="2026-11-25T01:00:00+00:00",
        opened_by="窓口　一郎", terminal_id="T001", office=office, checks=checks,
        reasons=(SlipReason("番号 123456789018 を確認", "テスト"),),
        confirmers=(Confirmer("窓口担当者", "窓口　一郎"),), decision="可")
    pages = slip_text(slip)
    assert len(pages) >= 3
    for n, text in enumerate(pages, start=1):
        assert f"{n}/{len(pages)}頁" in text and "案件番号c-long" in text
    assert "確認者欄" in pages[-1] and all("確認者欄" not in t for t in pages[:-1])
    joined = "".join(pages)
    assert "未確認" in joined and "確認項目その0" in pages[0] and "確認項目その69" in joined
    assert "123456789018" not in "".join(pages)

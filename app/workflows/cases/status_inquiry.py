"""Application-status inquiry (申請状況の照会) as a case: look up by the four basic items or by the
23-digit application ID, then tell the resident. The counter answers itself; it never sends the
resident to the call centre (rules in ``app.rules.inquiry``). No Qt, no card."""

from __future__ import annotations

from app.rules import inquiry
from app.rules.core import Decision, RequestScope
from app.workflows.cases.common import SEXES
from app.workflows.engine import (
    CaseTypeDef, ChecklistItem, Choice, FieldSpec, RouteContext, Step, complete, go,
)

METHODS = (
    Choice("four_items", "４情報（氏名・住所・生年月日・性別）", "four basic items (name, address, birth date, sex)"),
    Choice("application_id", "申請書ID（23桁）", "application ID (23 digits)"),
)


def _four(values) -> bool:
    return values.get("method") == "four_items"


def _by_id(values) -> bool:
    return values.get("method") == "application_id"


def _request_check(ctx: RouteContext):
    if ctx.get("method") == "application_id" and not ctx.settings["status_inquiry.by_application_id"]:
        return [inquiry.APPLICATION_ID_OFF]
    return []


def _request_route(ctx: RouteContext):
    return go("answer", inquiry.answer_as_nobody(ctx.decide("request"), ctx.values, "request"))


def _answer_route(ctx: RouteContext):
    return complete(inquiry.answer_as_nobody(ctx.decide("answer"), ctx.values, "answer"))


def _scope(ctx: RouteContext) -> RequestScope:
    return RequestScope(
        case_id=ctx.case_id, case_type=CASE.id, handling_staff_id=ctx.staff_id,
        persons=tuple(ctx.get("matched_resident_ids", ())), requester_type="self",
        purpose="status_inquiry", extra={"method": ctx.get("method")},
    )


def _derive(store, values) -> dict:
    """Residents the four items point at (so the restriction stage sees who the answer is about)."""
    if store is None:
        return {}
    if values.get("method") == "application_id" and values.get("application_id"):
        rows = store.conn.execute("SELECT resident_id FROM card_applications WHERE application_id = ?",
                                  (values["application_id"],)).fetchall()
        return {"matched_resident_ids": sorted({r[0] for r in rows})}
    if values.get("method") == "four_items" and values.get("birth_date") and values.get("sex"):
        return {"matched_resident_ids": inquiry.match_four_items(store, **inquiry.four_items_of(values))}
    return {}


def _answer_stage(store, ctx):
    def stage(scope):
        return Decision.allow(inquiry.CALL_CENTRE_ALSO)

    return stage


CASE = CaseTypeDef(
    id="status_inquiry",
    ja="申請状況の照会",
    en="Application-status inquiry",
    steps=(
        Step(
            "request", "照会の内容", "What to look up",
            route=_request_route, check=_request_check,
            items=(ChecklistItem("identity_checked", "本人確認書類を確認した", "identity document checked"),),
            fields=(
                FieldSpec("method", "choice", "照会方法", "look up by", choices=METHODS),
                FieldSpec("family_name", "text", "氏", "family name", when=_four),
                FieldSpec("given_name", "text", "名", "given name", when=_four),
                FieldSpec("address", "text", "住所", "address", when=_four),
                FieldSpec("birth_date", "date", "生年月日", "date of birth", when=_four),
                FieldSpec("sex", "choice", "性別", "sex", choices=SEXES, when=_four),
                FieldSpec("application_id", "digits", "申請書ID", "application ID", length=23, when=_by_id),
            ),
            guide_ja="申請状況は窓口で４情報から照会できます。コールセンターへ案内しないでください。",
            guide_en="The counter answers from the four basic items. Do not send the resident to the call centre.",
        ),
        Step(
            "answer", "照会結果", "Answer",
            route=_answer_route,
            items=(ChecklistItem("answer_given", "照会結果を申請者に伝えた", "answer told to the resident"),),
        ),
    ),
    build_scope=_scope,
    derive=_derive,
    facts=("matched_resident_ids",),
)

RULES = {
    "request": (inquiry.lookup_stage,),
    "answer": (inquiry.lookup_stage, _answer_stage),
}

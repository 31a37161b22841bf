"""Lifting the suspension of a found card (一時停止の解除) as a case.

Steps: the holder and who came → the found card and identity, then (behind the restriction stage
and only once identity is established) the holder's record: a holder registered elsewhere is sent
to that municipality (named, never an address; never the call centre); a revoked card is not
reinstated: re-issue is offered with the fee; a voluntary agent waits for the inquiry-and-answer
form → the lift in the
card-administration system, with the certificates handled as the municipality's setting says.
Rules: ``app.rules.cards``.
"""

from __future__ import annotations

from app.rules import cards
from app.rules.core import Reason
from app.rules.tables import CARD_REQUESTERS
from app.workflows.cases.common import (
    HOLDER_FACTS, derive_holder, identity_step, oral_identity_stage_for,
)
from app.workflows.cases.pin_reset import (
    REQUESTER_CHOICES, REQUESTER_PARTICULARS, card_scope, holder_missing, requirement_items, return_visit,
    route_identity,
)
from app.workflows.engine import (
    CaseTypeDef, ChecklistItem, FieldSpec, Route, RouteContext, Step, complete,
)


def route_holder(ctx: RouteContext) -> Route:
    decision = ctx.decide("holder")
    return Route(decision, "identity") if decision.allowed else Route(decision)


def holder_check(ctx: RouteContext):
    if not ctx.get("holder_resident_id") and ctx.get("holder_is_resident") is None:
        return [Reason("suspension.holder_unknown",
                       "カードの所有者を住民記録から選ぶか、この市区町村の住民でないことを記録してください。",
                       "Pick the holder from the resident records, or record that they are not registered here.",
                       "checklist")]
    return holder_missing(ctx)


#: the identity step without the found card among the documents (it has its own checklist item)
IDENTITY_FIELDS, IDENTITY_ITEMS = identity_step(cards.suspension_documents)

CASE = CaseTypeDef(
    id="suspension_lift",
    ja="一時停止の解除",
    en="Lifting a suspension (found card)",
    steps=(
        Step(
            "holder", "カードの所有者と来庁者", "Card holder and who came",
            route=route_holder, check=holder_check,
            items=requirement_items(CARD_REQUESTERS),
            fields=(
                FieldSpec("requester_type", "choice", "来庁者", "who came", choices=REQUESTER_CHOICES),
                FieldSpec("holder_resident_id", "resident", "カードの所有者", "card holder", required=False),
                FieldSpec("holder_is_resident", "bool", "この市区町村の住民である", "registered in this municipality",
                          required=False, when=lambda v: not v.get("holder_resident_id")),
                FieldSpec("holder_municipality", "text", "住民登録のある市区町村", "municipality of residence",
                          required=False, when=lambda v: v.get("holder_is_resident") is False),
            ) + REQUESTER_PARTICULARS,
            guide_ja="一時停止の解除は住所地市区町村の窓口で行います。コールセンターへ案内しないでください。",
            guide_en="The suspension is lifted at the municipality of residence. Do not send the holder to the call centre.",
        ),
        Step(
            "identity", "見つかったカードと本人確認", "Found card and identity",
            route=route_identity("lift"),
            check=lambda ctx: cards.suspension_identity_problems(ctx.values),
            items=(
                ChecklistItem("found_card_presented", "見つかったカードを持参し、所有者の券面と一致する",
                              "the found card is presented and matches the holder"),
            ) + IDENTITY_ITEMS,
            fields=IDENTITY_FIELDS,
        ),
        return_visit("lift"),
        Step(
            "lift", "一時停止の解除", "Lift the suspension",
            route=lambda ctx: complete(ctx.decide("lift")),
            items=(
                ChecklistItem("lift_in_cas", "カード管理システム（J-LIS端末）で一時停止を解除した",
                              "suspension lifted in the card-administration system"),
                ChecklistItem("certificates_handled", "電子証明書を設定どおりに処理した（保留解除又は新規発行）",
                              "certificates handled as the setting says (hold released or new ones issued)"),
            ),
        ),
    ),
    build_scope=card_scope("suspension_lift", "suspension_lift"),
    derive=derive_holder,
    facts=HOLDER_FACTS,
    restricted_from="identity",
)

RULES = {
    "holder": (cards.suspension_holder_stage,),
    "identity": (cards.suspension_identity_stage, oral_identity_stage_for(cards.suspension_documents),
                 cards.suspension_record_stage,
                 cards.agent_wait_stage),
    "lift": (cards.suspension_done_stage,),
}

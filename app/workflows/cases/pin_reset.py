"""PIN reset / lock release (暗証番号の再設定・ロック解除) as a case.

Steps: who came and which secrets → (voluntary agent: the inquiry-and-answer form is mailed and the
case waits; it resumes at the return visit) → identity (the My Number card itself counts) → the
reset in the card-administration system → confirmation by the retry counters read from the card
(handed in by the caller; the engine never talks to the card) → the holder sets the new PIN on the
PIN pad (the case records only which secrets were set, never a PIN). Rules: ``app.rules.cards``.
"""

from __future__ import annotations

from app.rules import cards, faceauth, said
from app.rules.core import Outcome, Person, Reason, RequestScope
from app.rules.tables import CARD_REQUESTERS, SECRETS
from app.workflows.cases.common import (
    HOLDER_FACTS, IDENTITY_FIELDS, IDENTITY_ITEMS, choices, derive_holder, oral_identity_stage,
    requester_particulars,
)
from app.workflows.engine import (
    CaseTypeDef, ChecklistItem, FieldSpec, Route, RouteContext, Step, complete, go,
)

SECRET_CHOICES = choices(SECRETS)
REQUESTER_CHOICES = choices(CARD_REQUESTERS)


def requirement_items(table) -> tuple[ChecklistItem, ...]:
    """One checklist item per requirement in the table, shown for the requester types needing it."""
    seen: dict[str, tuple[str, str, set]] = {}
    for code, row in table.items():
        for item_id, ja, en in row.requirements:
            seen.setdefault(item_id, (ja, en, set()))[2].add(str(getattr(code, "value", code)))
    return tuple(
        ChecklistItem(item_id, ja, en, when=lambda v, types=frozenset(types): v.get("requester_type") in types)
        for item_id, (ja, en, types) in seen.items()
    )


def holder_missing(ctx: RouteContext) -> list[Reason]:
    if ctx.get("holder_found") is False:
        return [Reason("card.holder_not_found", "カード所有者が住民記録に見つかりません。",
                       "The card holder is not in the resident records.", "store", said.NOT_HERE)]
    return []


def route_requester(ctx: RouteContext) -> Route:
    decision = ctx.decide("requester")
    return Route(decision, "identity") if decision.allowed else Route(decision)


def route_identity(next_step: str):
    """Identity decided (restriction first): a voluntary agent's first visit waits for the return
    visit with the inquiry-and-answer form; everyone else goes on."""

    def route(ctx: RouteContext) -> Route:
        decision = ctx.decide("identity")
        if decision.outcome is Outcome.WAIT:
            return Route(decision, "return_visit")
        return Route(decision, next_step) if decision.allowed else Route(decision)

    return route


def _not_self(values) -> bool:
    return bool(values.get("requester_type")) and values.get("requester_type") != "self"


#: who came, when it is not the holder (the restriction stage compares them with a perpetrator)
#: name, kana, birth date and address, typed from the ID shown (or read from the card)
REQUESTER_PARTICULARS = requester_particulars("来庁者", "who came:", _not_self)


def card_requester_fields(*middle: FieldSpec) -> tuple[FieldSpec, ...]:
    """The first step's fields of a card procedure on the holder's own card: who came, the
    holder, the step's own ``middle`` fields, whether the holder is an adult ward (no signing
    certificate), and who came when it is not the holder."""
    return (
        FieldSpec("requester_type", "choice", "来庁者", "who came", choices=REQUESTER_CHOICES),
        FieldSpec("holder_resident_id", "resident", "カードの所有者", "card holder"),
        *middle,
        FieldSpec("holder_adult_ward", "bool", "成年被後見人である", "the holder is an adult ward",
                  required=False),
    ) + REQUESTER_PARTICULARS


def card_scope(case_type: str, purpose: str):
    def build(ctx: RouteContext) -> RequestScope:
        holder = ctx.get("holder_resident_id")
        agent_first_visit = _agent(ctx.values) and not ctx.get("inquiry_form_returned")
        return RequestScope(
            case_id=ctx.case_id, case_type=case_type, handling_staff_id=ctx.staff_id,
            persons=tuple(filter(None, [holder])),
            mail_to=tuple(filter(None, [holder])) if agent_first_visit else (),
            requester_type=ctx.get("requester_type", ""),
            # an agent's particulars as written; the holder's own oral answers when identity rests on them
            requester=Person(family_name=ctx.get("requester_family_name", ""),
                             given_name=ctx.get("requester_given_name", ""),
                             family_kana=ctx.get("requester_family_kana", ""),
                             given_kana=ctx.get("requester_given_kana", ""),
                             birth_date=ctx.get("requester_birth_date") or ctx.get("stated_birth_date", ""),
                             sex=int(ctx.get("stated_sex")) if ctx.get("stated_sex") else None,
                             address=ctx.get("requester_address") or ctx.get("stated_address", "")),
            requester_resident_id=holder if ctx.get("requester_type") == "self" else None,
            # the identity documents that count (a suspension lift's found card is not one): the
            # restriction stage asks a protected person's oral answers when none has a photo
            purpose=purpose, identity=tuple(cards.suspension_documents(ctx.values) if case_type == "suspension_lift"
                                            else ctx.get("identity_documents", ())),
            oral_questions_ok=ctx.get("oral_questions") == "done",
            extra={"secrets": list(ctx.get("secrets", []))} if case_type == "pin_reset" else {},
        )

    return build


def _agent(values) -> bool:
    return values.get("requester_type") == "voluntary_agent"


def return_visit(next_step: str) -> Step:
    """The voluntary agent's return visit with the sealed inquiry-and-answer form."""
    return Step(
        "return_visit", "再来庁（照会書兼回答書）", "Return visit (inquiry-and-answer form)",
        route=lambda ctx: go(next_step, ctx.decide("return_visit")),
        items=(
            ChecklistItem("form_sealed", "照会書兼回答書が封をされたまま持参された", "the form was brought back sealed"),
            ChecklistItem("form_answered", "回答書に本人の記入があり、委任の意思を確認した",
                          "the holder filled in the answer and confirms the delegation"),
            ChecklistItem("agent_identity_again", "代理人の本人確認書類を再度確認した",
                          "the agent's identity document checked again"),
        ),
        fields=(FieldSpec("inquiry_form_returned", "bool", "照会書兼回答書の持参", "inquiry form brought back"),),
        check=lambda ctx: [] if ctx.get("inquiry_form_returned") else [Reason(
            "card.voluntary_agent.form_missing", "照会書兼回答書の持参が確認できません。",
            "The inquiry-and-answer form has not been brought back.", cards.SRC_PIN_AGENT)],
    )


CASE = CaseTypeDef(
    id="pin_reset",
    ja="暗証番号の再設定・ロック解除",
    en="PIN reset / lock release",
    steps=(
        Step(
            "requester", "来庁者と再設定する暗証番号", "Who came, which PINs",
            route=route_requester,
            check=lambda ctx: holder_missing(ctx) + cards.pin_requester_check(ctx.values, ctx.today)
            + faceauth.face_auth_problems(ctx.values),
            items=(ChecklistItem("card_presented", "マイナンバーカードを持参している", "the My Number card is presented"),)
            + requirement_items(CARD_REQUESTERS),
            fields=card_requester_fields(
                FieldSpec("secrets", "multi", "再設定する暗証番号", "PINs to reset", choices=SECRET_CHOICES),
                # a face-authentication card has no PIN to reset: what applies is a switch (app.rules.faceauth)
                FieldSpec("face_auth_card", "bool", "顔認証マイナンバーカードである（暗証番号の設定なし）",
                          "the card is a face-authentication card (no PIN set)", required=False),
                FieldSpec("switch_card", "choice", "カードの切替", "switch the card", required=False,
                          choices=choices(faceauth.SWITCHES))),
            guide_ja="マイナンバーカード自体が本人確認書類になります（暗証番号がロックされていても使えます）。"
                     "本人確認の後、窓口以外でも再設定できる暗証番号と窓口でのみ再設定できる暗証番号を表示します"
                     "（案内するかは職員が判断し、希望があればここで再設定します）。",
            guide_en="The My Number card itself is an identity document, even with a locked PIN. After the "
                     "identity check the case shows which PINs could also be reset outside the counter and which "
                     "only here (the clerk decides whether to mention it; the reset is done here whenever the "
                     "holder wishes).",
        ),
        Step(
            "identity", "本人確認", "Identity",
            route=route_identity("reset"),
            check=lambda ctx: cards.pin_identity_problems(ctx.values, ctx.settings),
            items=IDENTITY_ITEMS,
            fields=IDENTITY_FIELDS,
        ),
        return_visit("reset"),
        Step(
            "reset", "カード管理システムでの再設定", "Reset in the card-administration system",
            # a switch to a face-authentication card removes the PINs: nothing to confirm or set after it
            route=lambda ctx: complete(ctx.decide("reset")) if ctx.get("switch_card") == "to_face_auth"
            else go("confirm", ctx.decide("reset")),
            items=(ChecklistItem("reset_in_cas", "カード管理システム（J-LIS端末）で初期化・ロック解除を行った",
                                 "reset done in the card-administration system (J-LIS terminal)"),),
            card=("reset_on_card",),
            guide_ja="カードの切替のときは、J-LIS端末で切替（暗証番号付きカードへ／顔認証カードへ）を行います。",
            guide_en="For a card switch, do the switch (to a PIN card / to a face-authentication card) on the J-LIS terminal.",
        ),
        Step(
            "confirm", "試行回数の確認", "Confirm the retry counters",
            route=lambda ctx: go("new_pin", ctx.decide("confirm")),
            check=lambda ctx: cards.counters_problems(ctx.values),
            fields=(FieldSpec("retry_counters", "json", "カードから読み取った残り試行回数",
                              "retry counters read from the card"),),
            guide_ja="カードリーダーで残り試行回数を読み取ります（試行回数は消費しません）。",
            guide_en="Read the retry counters with the card reader (this uses no try).",
        ),
        Step(
            "new_pin", "新しい暗証番号の設定（本人）", "New PIN (set by the holder)",
            route=lambda ctx: complete(ctx.decide("new_pin")),
            check=lambda ctx: cards.new_pin_problems(ctx.values),
            items=(ChecklistItem("holder_set_pin", "本人が暗証番号入力画面で設定した（職員は見ていない）",
                                 "the holder set it on the PIN pad; staff did not see it"),),
            fields=(FieldSpec("new_pin_set", "multi", "設定された暗証番号（種類のみ）", "PINs set (which ones only)",
                              choices=SECRET_CHOICES),),
        ),
    ),
    build_scope=card_scope("pin_reset", "pin_reset"),
    derive=derive_holder,
    facts=HOLDER_FACTS,
    restricted_from="identity",
)

RULES = {
    "requester": (cards.pin_requester_stage,),
    "identity": (cards.pin_identity_stage, oral_identity_stage, cards.agent_wait_stage, cards.pin_triage_stage),
    "return_visit": (cards.pin_triage_stage,),
    "new_pin": (cards.pin_done_stage,),
}

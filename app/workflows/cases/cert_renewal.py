"""Certificate renewal (電子証明書の更新) as a case: the busiest card work of FY2025–26, when the
five-year certificates of the first large card wave expire.

Steps: the card is read and each certificate's validity shown in days, who came and which
certificates are renewed (window, signing certificate for a young holder, the card's own expiry:
``app.rules.renewal``) → identity (the card itself counts; a voluntary agent: the inquiry-and-
answer form is mailed and the case waits for the return visit) → the new certificates are issued
by the card-administration system while the holder types the PINs on the holder-only PIN pad →
the card is read again and every renewed certificate's new validity confirmed (it goes on the
processing slip with the final decision). The engine never talks to the card: the reads come in
as values (``app.desk.cardfill``); no PIN is ever a value.
"""

from __future__ import annotations

from app.rules import renewal
from app.rules.identity import identity_problems
from app.rules.tables import CARD_REQUESTERS
from app.workflows.cases.common import HOLDER_FACTS, IDENTITY_FIELDS, IDENTITY_ITEMS, derive_holder, oral_identity_stage
from app.workflows.cases.pin_reset import (
    card_requester_fields, card_scope, holder_missing, requirement_items, return_visit, route_identity,
)
from app.workflows.engine import CaseTypeDef, ChecklistItem, Choice, FieldSpec, Route, RouteContext, Step, complete

CERTIFICATE_CHOICES = tuple(Choice(code, ja, en) for code, (ja, en) in renewal.CERTIFICATES.items())


def _route_card(ctx: RouteContext) -> Route:
    decision = ctx.decide("card")
    return Route(decision, "identity") if decision.allowed else Route(decision)


CASE = CaseTypeDef(
    id="cert_renewal",
    ja="電子証明書の更新",
    en="Certificate renewal",
    steps=(
        Step(
            "card", "カードの読取と更新する電子証明書", "The card, which certificates",
            route=_route_card,
            check=lambda ctx: holder_missing(ctx) + renewal.card_problems(ctx.values, ctx.today),
            items=(ChecklistItem("card_presented", "マイナンバーカードを持参している", "the My Number card is presented"),)
            + requirement_items(CARD_REQUESTERS),
            fields=card_requester_fields(
                FieldSpec("certificates", "json", "カードから読み取った電子証明書の有効期限",
                          "certificates read from the card (validity)"),
                FieldSpec("renew", "multi", "更新する電子証明書", "certificates to renew", choices=CERTIFICATE_CHOICES)),
            card=("read_certificates",),
            guide_ja="カードを読み取り、電子証明書ごとの有効期限（残り日数）を確認します。更新は有効期限の3か月前から。"
                     "署名用電子証明書は、本人が暗証番号を入力したときだけ読み取れます。",
            guide_en="Read the card and check each certificate's validity (days left). Renewal opens three months "
                     "before the expiry. The signing certificate is read only when the holder types its password.",
        ),
        Step(
            "identity", "本人確認", "Identity",
            route=route_identity("renew"),
            check=lambda ctx: identity_problems(ctx.get("identity_documents", []), ctx.get("oral_questions"),
                                                ctx.get("oral_note") or ""),
            items=IDENTITY_ITEMS,
            fields=IDENTITY_FIELDS,
            guide_ja="マイナンバーカード自体が顔写真付きの本人確認書類です。",
            guide_en="The My Number card itself is an official photo ID.",
        ),
        return_visit("renew"),
        Step(
            "renew", "新しい電子証明書の発行（本人が暗証番号を入力）", "New certificates (the holder types the PINs)",
            route=lambda ctx: Route(ctx.decide("renew"), "confirm"),
            items=(
                ChecklistItem("holder_typed_pins", "本人が暗証番号入力画面で暗証番号を入力した（職員は見ていない）",
                              "the holder typed the PINs on the PIN pad; staff did not see them"),
                ChecklistItem("issued_in_cas", "カード管理システム（J-LIS端末）で新しい電子証明書を発行した",
                              "new certificates issued in the card-administration system (J-LIS terminal)"),
            ),
            card=("renew_on_card",),
            guide_ja="研修では研修用カードの管理機能が発行します。本番ではカード管理端末（J-LIS）で発行します。",
            guide_en="In training the training card's administration issues them; live, the J-LIS terminal does.",
        ),
        Step(
            "confirm", "カードの再読取と新しい有効期限", "Read again: the new validity",
            route=lambda ctx: complete(ctx.decide("confirm")),
            check=lambda ctx: renewal.confirm_problems(ctx.values, ctx.today),
            fields=(FieldSpec("certificates_after", "json", "更新後にカードから読み取った電子証明書",
                              "certificates read from the card after the renewal"),),
            card=("read_certificates",),
            guide_ja="カードをもう一度読み取り、新しい有効期限を確認します（処理票にも印字されます）。",
            guide_en="Read the card again and confirm the new validity (it is printed on the processing slip).",
        ),
    ),
    build_scope=card_scope("cert_renewal", "cert_renewal"),
    derive=derive_holder,
    facts=HOLDER_FACTS,
    restricted_from="identity",
)

RULES = {
    "card": (renewal.card_stage,),
    "identity": (renewal.identity_stage, oral_identity_stage, renewal.agent_stage),
    "confirm": (renewal.done_stage,),
}

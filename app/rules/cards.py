"""Rules of the card procedures at the counter: PIN reset / lock release (暗証番号の再設定・ロック
解除) and lifting a suspension (一時停止の解除).

- Who may come: ``tables.CARD_REQUESTERS`` (holder; legal representative with proof of authority;
  voluntary agent → the inquiry-and-answer form is mailed to the holder's registered address and
  the case waits for the return visit).
- The My Number card itself is an identity document for a PIN reset, even with a locked PIN
  (事例①).
- No signing-password reset for holders under 15 or adult wards.
- A suspension is lifted only at the municipality of residence, never by the call centre (事例②);
  a revoked card cannot be reinstated: offer re-issue with the fee (settings).
- After the reset, the retry counter read from the card must be back to full.

Pure functions over values and settings; the card itself is driven by ``app.card``, never here.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from app.rules.codes import RequesterType, Secret
from app.rules.core import Decision, Outcome, Reason, RequesterText
from app.rules.said import elsewhere
from app.rules.identity import CARD_IS_ID, identity_basis, identity_problems
from app.rules.tables import (
    CARD_REQUESTERS, SECRETS, SRC_PIN_AGENT, SRC_REVOKED, SRC_SIGN_NOT_OFFERED,
    SRC_SUSPENSION_LIFT,
)


def age_on(birth_date: str, today: str) -> int:
    b, t = _dt.date.fromisoformat(birth_date), _dt.date.fromisoformat(today)
    return t.year - b.year - ((t.month, t.day) < (b.month, b.day))


def no_signing_certificate(values: dict, today: str) -> bool:
    """Holder under 15 or an adult ward: no signing certificate, so no signing-password reset."""
    birth = values.get("holder_birth_date")
    under_15 = bool(birth) and age_on(birth, today) < 15
    return under_15 or bool(values.get("holder_adult_ward"))


SIGN_NOT_OFFERED = Reason(
    "pin.sign_not_offered",
    "15歳未満の方・成年被後見人の方には署名用電子証明書が発行されないため、署名用電子証明書の暗証番号の再設定は行いません。",
    "Holders under 15 and adult wards have no signing certificate: the signing password is not reset.",
    SRC_SIGN_NOT_OFFERED,
)
SIGN_REMOVE = Reason(
    "pin.sign_remove",
    "署名用電子証明書の暗証番号を選択から外してください（15歳未満・成年被後見人の方は対象外）。",
    "Untick the signing password (not offered to holders under 15 or adult wards).",
    SRC_SIGN_NOT_OFFERED,
)
INQUIRY_FORM = Reason(
    "card.voluntary_agent.inquiry_form",
    "任意代理人の場合、本日は完了できません。照会書兼回答書を本人の住民登録地へ郵送します（転送不要）。"
    "本人が記入し封をした回答書と委任状を持って、代理人が再度来庁してください。",
    "A voluntary agent cannot finish today. The inquiry-and-answer form is mailed to the holder's registered "
    "address (not forwardable); the agent comes back with it, sealed, and the power of attorney.",
    SRC_PIN_AGENT,
)
FORM_RETURNED = Reason(
    "card.voluntary_agent.form_returned",
    "照会書兼回答書（封緘済み）の持参を確認しました。",
    "The sealed inquiry-and-answer form has been brought back.",
    SRC_PIN_AGENT,
)
CARD_ALONE_OFF = Reason(
    "pin.card_alone_off",
    "この市区町村の設定では、マイナンバーカードに加えてもう1点の本人確認書類が必要です。",
    "This municipality's setting asks for one more identity document besides the My Number card.",
    "setting: pin_reset.card_alone_is_identity",
)


def requester_reasons(values: dict) -> list[Reason]:
    row = CARD_REQUESTERS[values["requester_type"]]
    return [Reason(f"card.requester.{row.code}", f"来庁者: {row.ja}", f"Who came: {row.en}", row.source)]


def agent_wait(values: dict) -> Decision | None:
    """A voluntary agent's first visit: WAIT (form mailed to the holder). None once it is back."""
    row = CARD_REQUESTERS[values["requester_type"]]
    if row.same_day:
        return None
    if values.get("inquiry_form_returned"):
        return Decision.allow(FORM_RETURNED)
    return Decision(Outcome.WAIT, (INQUIRY_FORM,), {"mail": "inquiry_form", "mail_to": values.get("holder_resident_id")})


def agent_wait_stage(store, ctx):
    """At the identity point (the request is complete, the restriction stage has run): a voluntary
    agent's first visit ends in WAIT while the form is mailed to the holder."""

    def stage(scope) -> Decision | None:
        return agent_wait(ctx.values)

    return stage


# -- PIN reset -------------------------------------------------------------------------------------


def pin_requester_check(values: dict, today: str) -> list[Reason]:
    """Blocking: the signing password is among several secrets for a holder who has no signing cert."""
    secrets = values.get("secrets") or []
    if Secret.SIGN in secrets and len(secrets) > 1 and no_signing_certificate(values, today):
        return [SIGN_REMOVE]
    return []


CARD_SUSPENDED = Reason(
    "pin.card_suspended",
    "このカードは一時停止中です。先に一時停止の解除の手続を行ってください。",
    "This card is suspended: lift the suspension first.", SRC_SUSPENSION_LIFT)
CARD_REVOKED = Reason(
    "pin.card_revoked", "このカードは廃止されているため、暗証番号の再設定はできません。再交付をご案内します。",
    "This card was revoked: no PIN reset; offer a re-issue.", SRC_REVOKED)
CARD_STATUS_REFUSAL = {"suspended": CARD_SUSPENDED, "revoked": CARD_REVOKED}


def pin_requester_stage(store, ctx):
    def stage(scope) -> Decision:
        v = ctx.values
        secrets = v.get("secrets") or []
        if v.get("card_status") in CARD_STATUS_REFUSAL:
            return Decision.refuse(CARD_STATUS_REFUSAL[v["card_status"]])
        if secrets == [Secret.SIGN] and no_signing_certificate(v, ctx.today):
            return Decision.refuse(SIGN_NOT_OFFERED)
        return Decision.allow(*requester_reasons(v), secrets=secrets)

    return stage


def pin_triage_stage(store, ctx):
    """Once identity is settled (the same day, or at the agent's return visit): where else each
    chosen PIN could be reset, shown on the reset step — the clerk decides, the case goes on."""

    def stage(scope) -> Decision:
        triage = pin_triage(ctx.values, ctx.settings)
        return Decision.allow(*(reason for _where, reason in triage.values()),
                              triage={code: where for code, (where, _r) in triage.items()})

    return stage


#: to reset one certificate PIN outside the counter, the holder proves themself with the other
#: one (and the face check of the JPKI PIN-reset smartphone app): setting pin_reset.outside_counter
OUTSIDE_NEEDS = {Secret.SIGN.value: Secret.AUTH.value, Secret.AUTH.value: Secret.SIGN.value}
_TRIAGE_SAID_BASIS = "J-LIS 公的個人認証サービス（JPKI暗証番号リセット）; 窓口での再設定: 公的個人認証法"


def pin_triage(values: dict, settings) -> dict[str, tuple[str, Reason]]:
    """Where else each PIN chosen for reset could be reset (issue 17 §4), from the municipality
    setting ``pin_reset.outside_counter`` and its dated source: ``outside`` (the holder could
    also use the smartphone app and a kiosk), ``here`` (only at the counter), ``here_other``
    (outside would need the other certificate PIN, which is also being reset or locked). A note
    for the clerk and the holder only: the reset is done here whenever the holder wishes; nothing
    here sends anyone away."""
    outside = set(settings["pin_reset.outside_counter"])
    source = settings.source("pin_reset.outside_counter")
    lost = set(values.get("secrets") or []) | set(values.get("locked_pins") or [])
    out: dict[str, tuple[str, Reason]] = {}
    for code in values.get("secrets") or []:
        row = SECRETS[code]
        other = OUTSIDE_NEEDS.get(code)
        if code not in outside:
            where = "here"
            ja = f"{row.ja}は窓口でのみ再設定できます（この窓口で再設定します）。"
            en = f"The {row.en} can be reset only at a counter (it is reset here)."
            said = RequesterText(f"{row.ja}の再設定は窓口で行います。", f"The {row.en} is reset at the counter.",
                                 _TRIAGE_SAID_BASIS)
        elif other in lost:
            where = "here_other"
            ja = (f"{row.ja}は、{SECRETS[other].ja}が分かればスマートフォンのアプリ（JPKI暗証番号リセット）と"
                  f"コンビニ等のキオスク端末でも再設定できますが、その暗証番号も再設定・ロック中のため窓口でのみ可能です"
                  "（この窓口で再設定します）。")
            en = (f"The {row.en} could be reset at a kiosk with the JPKI PIN-reset smartphone app given the "
                  f"{SECRETS[other].en}, but that one is locked or being reset too: only at a counter (reset here).")
            said = RequesterText(f"{row.ja}の再設定は、本日この窓口で行います。",
                                 f"The {row.en} is reset here at the counter today.", _TRIAGE_SAID_BASIS)
        else:
            where = "outside"
            needs_ja = f"{SECRETS[other].ja}が分かれば、" if other else ""
            needs_en = f" given the {SECRETS[other].en}" if other else ""
            ja = (f"{row.ja}は、{needs_ja}スマートフォンのアプリ（JPKI暗証番号リセット、顔の確認あり）とコンビニ等の"
                  "キオスク端末でも再設定できます。ご本人が希望すれば、この窓口で再設定します（案内するかは職員が判断）。")
            en = (f"The {row.en} could also be reset with the JPKI PIN-reset smartphone app (face check) and a "
                  f"convenience-store kiosk{needs_en}. If the holder wishes, it is reset here (the clerk decides "
                  "whether to mention it).")
            said = RequesterText(
                f"{row.ja}は、{needs_ja}スマートフォンとコンビニ等の端末でも再設定できます。本日この窓口で再設定することもできます。",
                f"The {row.en} can also be reset with a smartphone and a convenience-store terminal{needs_en}. "
                "It can also be reset here today.", _TRIAGE_SAID_BASIS)
        out[code] = (where, Reason(f"pin.triage.{where}.{code}", ja, en, source, said))
    return out


def pin_identity_problems(values: dict, settings) -> list[Reason]:
    docs = list(values.get("identity_documents") or [])
    problems = identity_problems(docs, values.get("oral_questions"), values.get("oral_note") or "")
    if (not problems and docs and "my_number_card" in docs
            and values.get("requester_type") == RequesterType.SELF
            and not settings["pin_reset.card_alone_is_identity"]
            and not [d for d in docs if d != "my_number_card"]):
        return [CARD_ALONE_OFF]
    return problems


def pin_identity_stage(store, ctx):
    def stage(scope) -> Decision:
        problems = pin_identity_problems(ctx.values, ctx.settings)
        if problems:
            return Decision.refuse(*problems)
        return Decision.allow(*identity_basis(ctx.values.get("identity_documents") or []))

    return stage


def counters_problems(values: dict) -> list[Reason]:
    """After the reset: every reset secret's retry counter, read from the card, must be full."""
    counters = values.get("retry_counters") or {}
    problems = []
    for code in values.get("secrets") or []:
        row = SECRETS[code]
        left = counters.get(code)
        if left != row.max_tries:
            problems.append(Reason(
                f"pin.counter_not_full.{code}",
                f"{row.ja}の残り試行回数が {left if left is not None else '未読取'} です（{row.max_tries} 回に戻っていません）。"
                "カード管理システムでの再設定をやり直し、もう一度カードから読み取ってください。",
                f"{row.en}: {left if left is not None else 'not read'} tries left, not back to {row.max_tries}. "
                "Repeat the reset in the card-administration system and read the card again.",
                "CARD.md: the result is verified by reading the retry counter"))
    return problems


def new_pin_problems(values: dict) -> list[Reason]:
    missing = [c for c in values.get("secrets") or [] if c not in (values.get("new_pin_set") or [])]
    return [Reason(
        f"pin.new_pin_not_set.{c}", f"{SECRETS[c].ja}がまだ設定されていません（本人が暗証番号入力画面で設定します）。",
        f"{SECRETS[c].en} not yet set (the holder sets it on the PIN pad).", "DOMAIN.md: the holder sets the new PIN")
        for c in missing]


def pin_done_stage(store, ctx):
    def stage(scope) -> Decision:
        v = ctx.values
        return Decision.allow(
            *requester_reasons(v),
            Reason("pin.reset_done", "暗証番号の再設定が完了し、試行回数が初期値に戻ったことをカードで確認しました。",
                   "The PINs were reset; the card shows full retry counters.",
                   "CARD.md: the reset is done by the card-administration system and verified by reading the retry counter"),
            secrets=list(v.get("secrets") or []), retry_counters=v.get("retry_counters") or {},
        )

    return stage


# -- suspension lift ---------------------------------------------------------------------------------


_PREFECTURE = r"(?:東京都|北海道|京都府|大阪府|[^\s\d]{2,3}?県)"
_MUNICIPALITY = re.compile(rf"^\s*({_PREFECTURE})?\s*([^\s\d]+?郡)?\s*([^\s\d]+?[市区町村])")


def municipality_of(place: str | None) -> str:
    """The municipality (prefecture + city/ward/town/village) at the head of ``place``, never more:
    ``研修県研修市中央町三丁目5番2号`` → ``研修県研修市``; ``横浜市中区…`` → ``横浜市``. ``""``
    when no municipality can be read (the redirect then names none)."""
    m = _MUNICIPALITY.match(unicodedata.normalize("NFKC", place or ""))
    return "".join(part for part in m.groups() if part) if m else ""


def not_resident_reason(values: dict) -> Reason:
    """Sent to the municipality of residence: staff and requester are told the municipality
    only, never an address (the record's destination after a move is a full address)."""
    where = municipality_of(values.get("holder_municipality"))
    said = elsewhere(where)
    return Reason("suspension.not_resident",
                  said.ja + "お住まいの市区町村の窓口へお越しください。",
                  said.en + " Please go to that municipality's counter.", SRC_SUSPENSION_LIFT, said)


def revoked_reason(settings) -> Reason:
    card, cert = settings["fees.reissue_card"], settings["fees.reissue_certificate"]
    return Reason(
        "suspension.revoked",
        f"このカードは廃止されているため、一時停止の解除（回復）はできません。再交付の申請をご案内します"
        f"（手数料 {card + cert:,}円: カード{card:,}円＋電子証明書{cert:,}円）。",
        f"This card was revoked and cannot be reinstated. Offer a re-issue (fee {card + cert:,} yen: "
        f"card {card:,} + certificate {cert:,}).",
        SRC_REVOKED + f"; {settings.source('fees.reissue_card')}",
    )


NOT_SUSPENDED = Reason("suspension.not_suspended", "このカードは一時停止されていません。解除の必要はありません。",
                       "This card is not suspended; there is nothing to lift.", SRC_SUSPENSION_LIFT)
LIFT_HERE = Reason(
    "suspension.lift_here",
    "住所地市区町村の窓口で一時停止を解除します（コールセンターへご案内する必要はありません）。",
    "The suspension is lifted here, at the municipality of residence (no need to send the holder to the call centre).",
    SRC_SUSPENSION_LIFT,
)


def suspension_holder_stage(store, ctx):
    """The holder step: who came. Nothing about the holder's record is said here: where the
    holder is registered and the card's state are decided after identity
    (:func:`suspension_record_stage`), behind the restriction stage."""

    def stage(scope) -> Decision:
        return Decision.allow(*requester_reasons(ctx.values))

    return stage


def suspension_record_stage(store, ctx):
    """At the identity point, after the restriction stage and the identity check: a holder
    registered elsewhere is sent to that municipality (named, never an address); a revoked card
    is not reinstated (re-issue with the fee); a card that is not suspended needs nothing."""

    def stage(scope) -> Decision:
        v = ctx.values
        if not v.get("holder_is_resident"):
            return Decision(Outcome.REDIRECT, (not_resident_reason(v),))
        status = v.get("card_status")
        if status == "revoked":
            card, cert = ctx.settings["fees.reissue_card"], ctx.settings["fees.reissue_certificate"]
            return Decision.refuse(revoked_reason(ctx.settings), reissue_fee=card + cert,
                                   reissue_fee_card=card, reissue_fee_certificate=cert)
        if status == "active":
            return Decision.refuse(NOT_SUSPENDED)
        return Decision.allow(LIFT_HERE)

    return stage


def suspension_documents(values: dict) -> list[str]:
    """The identity documents of a suspension lift: the found card is checked by its own item and
    is not one of them."""
    return [d for d in values.get("identity_documents") or [] if d != "my_number_card"]


def suspension_identity_problems(values: dict) -> list[Reason]:
    """The found card is checked by its own item; identity needs a document besides it."""
    docs = suspension_documents(values)
    problems = identity_problems(docs, values.get("oral_questions"), values.get("oral_note") or "")
    if "my_number_card" in (values.get("identity_documents") or []) and problems:
        problems = [Reason(
            "suspension.found_card_not_identity",
            "見つかったカード（一時停止中）とは別に、本人確認書類が必要です。",
            "Besides the found (suspended) card, an identity document is needed.",
            "DOMAIN.md: bring the found card and an identity document")] + problems
    return problems


def suspension_identity_stage(store, ctx):
    def stage(scope) -> Decision:
        problems = suspension_identity_problems(ctx.values)
        if problems:
            return Decision.refuse(*problems)
        docs = [d for d in ctx.values.get("identity_documents") or [] if d != "my_number_card"]
        return Decision.allow(*[r for r in identity_basis(docs) if r is not CARD_IS_ID])

    return stage


CERTIFICATE_HANDLING = {
    "held": ("電子証明書は一時保留されていたため、保留を解除します。", "The certificates were held: release the hold."),
    "revoked": ("電子証明書は一時停止の際に失効しているため、新しい電子証明書を発行します（本人が暗証番号を設定）。",
                "The certificates were revoked at the suspension: issue new ones (the holder sets the passwords)."),
}


def suspension_done_stage(store, ctx):
    def stage(scope) -> Decision:
        handling = ctx.settings["suspension.certificate_handling"]
        ja, en = CERTIFICATE_HANDLING[handling]
        return Decision.allow(
            LIFT_HERE,
            Reason(f"suspension.certificates.{handling}", ja, en, ctx.settings.source("suspension.certificate_handling")),
            certificate_handling=handling,
        )

    return stage


"""Face-authentication cards (顔認証マイナンバーカード, since 2023-12-15) in the PIN-reset case.

A face-authentication card has no PIN set and no signing certificate; its user-authentication
certificate is used without a PIN (by face recognition, e.g. as health-insurance card). So there
is nothing to reset: what applies at the counter is switching the card to a PIN card (the holder
sets the PINs, as after a reset) or, for a PIN card, switching it to a face-authentication card.
The holder decides; the clerk picks it in the case (``switch_card``). Whether the card is a
face-authentication card (``face_auth_card``) is filled when the card is read into the case (its
PIN files answer 6A 88: ``app.desk.cardfill``); the clerk can still change it. In training the
test card's administration performs either switch (``app.card.admin``).

Sources: DOMAIN.md "Since 2019" (2023-12-15; the holder can switch to a PIN card and back at the
counter); 垂井町「電子証明書」https://www.town.tarui.lg.jp/page/8639.html (署名用: 顔認証マイナンバー
カードでは利用できません; 利用者証明用: 暗証番号を設定せずに利用); 鹿角市
https://www.city.kazuno.lg.jp/kurashi_tetuzuki/todokede_shomei/1/10731.html (顔認証マイナンバー
カードでは暗証番号を設定しない利用者用電子証明書のみ発行可能).
"""

from __future__ import annotations

from app.rules.codes import Secret
from app.rules.core import Reason

SRC_FACE_AUTH = ("DOMAIN.md Since 2019 (2023-12-15 顔認証マイナンバーカード: 暗証番号なし・署名用電子証明書なし、"
                 "窓口で暗証番号付きカードへの切替・その逆が可能); 垂井町 電子証明書の案内 (town.tarui.lg.jp/page/8639.html)")

#: switch_card choices: (ja, en)
SWITCHES = {
    "to_pin_card": ("暗証番号付きカードへの切替（暗証番号の設定）", "switch to a PIN card (set PINs)"),
    "to_face_auth": ("顔認証マイナンバーカードへの切替", "switch to a face-authentication card"),
}

NO_RESET = Reason(
    "pin.face_auth.no_reset",
    "顔認証マイナンバーカードには暗証番号が設定されていないため、暗証番号の再設定（ロック解除）はできません。"
    "本人が希望すれば「暗証番号付きカードへの切替（暗証番号の設定）」を選んでください。",
    "A face-authentication card has no PIN set, so there is no PIN reset. If the holder wishes, choose "
    "\"switch to a PIN card (set PINs)\".", SRC_FACE_AUTH)
NOT_FACE_AUTH = Reason(
    "pin.face_auth.not_face_auth",
    "暗証番号付きカードへの切替は、顔認証マイナンバーカードだけが対象です。",
    "Switching to a PIN card applies only to a face-authentication card.", SRC_FACE_AUTH)
ALREADY_FACE_AUTH = Reason(
    "pin.face_auth.already",
    "このカードは既に顔認証マイナンバーカードです。",
    "This card is already a face-authentication card.", SRC_FACE_AUTH)
NO_SIGNING_ON_SWITCH = Reason(
    "pin.face_auth.no_signing",
    "顔認証マイナンバーカードには署名用電子証明書がありません。暗証番号付きカードへの切替で設定するのは利用者証明用・"
    "住民基本台帳用・券面事項入力補助用の暗証番号です（署名用電子証明書は別に発行の手続）。",
    "A face-authentication card has no signing certificate: switching to a PIN card sets the "
    "user-authentication, resident-registry and input-support PINs (a signing certificate is a separate issuance).",
    SRC_FACE_AUTH)


def face_auth_problems(values: dict) -> list[Reason]:
    """Blocking reasons of the PIN-reset case's first step where a face-authentication card or a
    switch is involved (empty: none). Nothing is refused: the clerk picks what applies."""
    face = values.get("face_auth_card") is True
    switch = values.get("switch_card")
    secrets = values.get("secrets") or []
    if switch == "to_face_auth":
        return [ALREADY_FACE_AUTH] if face else []
    if face and switch != "to_pin_card":
        return [NO_RESET]
    if switch == "to_pin_card" and not face:
        return [NOT_FACE_AUTH]
    if switch == "to_pin_card" and Secret.SIGN in secrets:
        return [NO_SIGNING_ON_SWITCH]
    return []

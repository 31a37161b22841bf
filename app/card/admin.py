"""Card administration for the PIN reset (暗証番号の再設定・ロック解除).

Resetting a blocked PIN is not a public card command: at a real counter it is done on the J-LIS
card-administration terminal (カード管理端末). The application guides the clerk, then confirms
the result itself by reading the retry counter through the reader (tries left == full).

- :class:`JLisTerminalAdministration` — the real office: :meth:`request_reset` does nothing on
  the card; it returns the instruction for the clerk (the holder enters the new PIN on the J-LIS
  terminal's own PIN pad). :meth:`confirm_reset` reads the counter.
- :class:`TestCardAdministration` — the test card (tests, training): the reset goes through the
  test card's test-only control socket (``app.card.emulator.ControlServer``), never as an APDU.
  The new PIN comes from the holder's PIN pad dialog and is passed on, never logged or kept.

A certificate renewal (電子証明書の更新) goes the same way: :meth:`request_renewal` — live, an
instruction for the J-LIS terminal (new key pairs and certificates are made there; the holder
types the PINs on its pad); in training, the test card's administration issues them from the
test CA. Either way the case then reads the card again and confirms the new validity itself.

A switch back to a face-authentication card (顔認証マイナンバーカードへの切替) removes the card's
PINs and its signing certificate: :meth:`request_face_auth_switch` — live, an instruction for the
J-LIS terminal; in training, the test card's administration does it.

No Qt; the confirmation runs on the reader service's card thread and comes back as a future.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from app.card import errors, layout
from app.card.emulator import control_call
from app.card.errors import secret_name
from app.card.service import ReaderService


@dataclass(frozen=True)
class ResetRequest:
    """What the clerk sees after asking for a reset."""

    secret: str
    done_by: str                 # 'jlis_terminal' or 'test_card'
    performed: bool              # True when the backend already did it
    instruction_ja: str
    instruction_en: str


@dataclass(frozen=True)
class ResetConfirmation:
    secret: str
    tries_left: int | None
    max_tries: int
    confirmed: bool
    message_ja: str
    message_en: str


def _confirmation(secret: str, tries_left: int | None) -> ResetConfirmation:
    full = layout.PIN_LOCATIONS[secret].max_tries
    ja_name, en_name = secret_name(secret)
    if tries_left is None:
        return ResetConfirmation(secret, None, full, False,
                                 f"このカードには{ja_name}がありません。",
                                 f"This card has no {en_name}.")
    if tries_left == full:
        return ResetConfirmation(secret, tries_left, full, True,
                                 f"{ja_name}の残り回数が{full}回に戻ったことをカードで確認しました。",
                                 f"Confirmed on the card: the {en_name} has all {full} tries again.")
    return ResetConfirmation(secret, tries_left, full, False,
                             f"{ja_name}の残り回数は{tries_left}回で、{full}回に戻っていません。"
                             "カード管理端末での処理が完了しているか確認してください。",
                             f"The {en_name} has {tries_left} of {full} tries: the reset is not done. "
                             "Check the card-administration terminal.")


@dataclass(frozen=True)
class RenewalRequest:
    """What the clerk sees after asking for new certificates."""

    certificates: tuple[str, ...]
    done_by: str                 # 'jlis_terminal' or 'test_card'
    performed: bool
    valid_until: dict            # certificate -> new expiry (ISO), when the backend says it
    instruction_ja: str
    instruction_en: str


@dataclass(frozen=True)
class SwitchRequest:
    """What the clerk sees after asking for the switch to a face-authentication card."""

    done_by: str                 # 'jlis_terminal' or 'test_card'
    performed: bool
    instruction_ja: str
    instruction_en: str


#: the two certificates of the card by name (ja, en)
CERTIFICATE_NAMES = {"sign": ("署名用電子証明書", "signing certificate"),
                     "auth": ("利用者証明用電子証明書", "user-authentication certificate")}


def _names(which, lang: int) -> str:
    return ("・" if lang == 0 else " and ").join(CERTIFICATE_NAMES[w][lang] for w in which)


class CardAdministration(ABC):
    """Who performs a PIN reset or a certificate renewal, and the common confirmation."""

    done_by = ""

    @abstractmethod
    def request_reset(self, secret: str, new_pin: str | None = None) -> ResetRequest: ...

    @abstractmethod
    def request_renewal(self, new_pins: dict[str, str] | None = None) -> RenewalRequest: ...

    @abstractmethod
    def request_face_auth_switch(self) -> SwitchRequest: ...

    def confirm_reset(self, service: ReaderService, secret: str) -> "Future[ResetConfirmation]":
        """Read the secret's retry counter (without using a try) and say whether it is full."""
        if secret not in layout.PIN_LOCATIONS:
            raise ValueError(f"unknown secret {secret!r}")

        def work(card):
            card.identify()
            return _confirmation(secret, card.tries_left(secret))
        return service.submit(work)


class JLisTerminalAdministration(CardAdministration):
    """The real office: the reset is done by the clerk on the J-LIS card-administration terminal."""

    done_by = "jlis_terminal"

    def request_reset(self, secret: str, new_pin: str | None = None) -> ResetRequest:
        if new_pin is not None:
            raise ValueError("the new PIN is entered by the holder on the J-LIS terminal, not here")
        ja_name, en_name = secret_name(secret)
        return ResetRequest(
            secret, self.done_by, False,
            f"カード管理端末（J-LIS）で{ja_name}の再設定を行ってください。新しい暗証番号は本人が端末の"
            "暗証番号入力装置で入力します。終わったらカードをこの端末のリーダーに置き、「確認」を押してください。",
            f"Reset the {en_name} on the J-LIS card-administration terminal; the holder types the new PIN "
            "on its PIN pad. Then place the card on this terminal's reader and press Confirm.",
        )

    def request_face_auth_switch(self) -> SwitchRequest:
        return SwitchRequest(
            self.done_by, False,
            "カード管理端末（J-LIS）で顔認証マイナンバーカードへの切替（暗証番号の削除・署名用電子証明書の失効）を"
            "行ってください。",
            "Switch the card to a face-authentication card on the J-LIS card-administration terminal "
            "(its PINs removed, its signing certificate revoked).",
        )

    def request_renewal(self, new_pins: dict[str, str] | None = None,
                        certificates: tuple[str, ...] = ("sign", "auth")) -> RenewalRequest:
        if new_pins is not None:
            raise ValueError("the holder types the new PINs on the J-LIS terminal, not here")
        return RenewalRequest(
            tuple(certificates), self.done_by, False, {},
            f"カード管理端末（J-LIS）で{_names(certificates, 0)}の更新（新しい電子証明書の発行）を行ってください。"
            "暗証番号は本人が端末の暗証番号入力装置で入力します。終わったらカードをこの端末のリーダーに置き、"
            "もう一度読み取って新しい有効期限を確認してください。",
            f"Renew the {_names(certificates, 1)} on the J-LIS card-administration terminal; the holder types "
            "the PINs on its pad. Then place the card on this terminal's reader and read it again to confirm "
            "the new validity.",
        )


class TestCardAdministration(CardAdministration):
    """The test card's administration, through its test-only control socket (not a card command)."""

    __test__ = False
    done_by = "test_card"

    def __init__(self, control_path: str | os.PathLike[str]):
        self.control_path = Path(control_path)

    def _call(self, request: dict, refused_ja: str, refused_en: str) -> dict:
        """One request to the training card's control socket; a refusal or no answer is a
        CardError worded for the clerk (the request's PINs never reach a message)."""
        try:
            answer = control_call(self.control_path, request)
        except OSError as exc:
            raise errors.CardError("研修用カードの管理機能に接続できません。研修用カードを置き直してください。",
                                   "Cannot reach the training card's administration. Insert the training card again.",
                                   detail=f"control socket: {exc}") from None
        if not answer.get("ok"):
            raise errors.CardError(refused_ja, refused_en, detail=str(answer.get("error", "")))
        return answer

    def request_reset(self, secret: str, new_pin: str | None = None) -> ResetRequest:
        if new_pin is None:
            raise ValueError("the test card's reset needs the new PIN from the holder's PIN pad")
        self._call({"op": "reset_pin", "secret": secret, "new_pin": new_pin},
                   "研修用カードが再設定を受け付けませんでした。", "The training card refused the reset.")
        ja_name, en_name = secret_name(secret)
        return ResetRequest(
            secret, self.done_by, True,
            f"【研修】カード管理端末の代わりに研修用カードで{ja_name}を再設定しました。リーダーで結果を確認します。",
            f"[Training] The training card stood in for the J-LIS terminal and reset the {en_name}. "
            "Now confirm it through the reader.",
        )

    def request_renewal(self, new_pins: dict[str, str] | None = None) -> RenewalRequest:
        """New key pairs and certificates from the test CA; ``new_pins``: the holder's PIN per
        renewed certificate, from the holder's PIN pad (passed on, never kept or logged)."""
        if not new_pins:
            raise ValueError("the test card's renewal needs the holder's new PINs from the PIN pad")
        answer = self._call({"op": "renew_certificates", "new_pins": new_pins},
                            "研修用カードが電子証明書の発行を受け付けませんでした。カードがリーダーにあるか確認してください。",
                            "The training card refused to issue the certificates. Check the card is on the reader.")
        which = tuple(w for w in ("sign", "auth") if w in new_pins)
        until = dict(answer.get("valid_until") or {})
        return RenewalRequest(
            which, self.done_by, True, until,
            f"【研修】カード管理端末の代わりに研修用カードが{_names(which, 0)}を発行しました。"
            "カードをもう一度読み取り、新しい有効期限を確認します。",
            f"[Training] The training card stood in for the J-LIS terminal and issued the new {_names(which, 1)}. "
            "Now read the card again to confirm the new validity.",
        )

    def request_face_auth_switch(self) -> SwitchRequest:
        """The training card becomes a face-authentication card: PINs and signing certificate removed."""
        self._call({"op": "switch_to_face_auth"},
                   "研修用カードが顔認証マイナンバーカードへの切替を受け付けませんでした（既に顔認証カードか、"
                   "カードがリーダーにありません）。",
                   "The training card refused the switch to a face-authentication card (it already is one, "
                   "or it is not on the reader).")
        return SwitchRequest(
            self.done_by, True,
            "【研修】カード管理端末の代わりに研修用カードを顔認証マイナンバーカードに切り替えました"
            "（暗証番号と署名用電子証明書を削除）。",
            "[Training] The training card stood in for the J-LIS terminal and became a face-authentication "
            "card (PINs and signing certificate removed).",
        )

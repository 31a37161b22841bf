"""Typed card errors, each with a message a clerk can act on (ja and en).

Every status word of CARD.md maps to one class through :data:`STATUS_WORDS` (a table, not an
if-chain); PC/SC failures map through :data:`PCSC_ERRORS` in ``app.card.transport``. Messages
say what happened and what to do next; technical detail (the status word, the PC/SC code) is in
``detail`` for the log. No message ever contains a PIN or a My Number.
"""

from __future__ import annotations

from app.errors import MadoguchiError

_SECRET_NAMES = {
    "sign": ("署名用電子証明書の暗証番号", "signing password"),
    "auth": ("利用者証明用電子証明書の暗証番号", "user-authentication PIN"),
    "juki": ("住民基本台帳用の暗証番号", "resident-registry PIN"),
    "input": ("券面事項入力補助用の暗証番号", "card-info input-support PIN"),
    "surface_b": ("照合番号B", "check code B"),
}


def secret_name(secret: str) -> tuple[str, str]:
    return _SECRET_NAMES.get(secret, (secret, secret))


_APPLICATION_NAMES = {
    "jpki": ("公的個人認証AP", "JPKI (public personal authentication) application"),
    "input_support": ("券面事項入力補助AP", "card-info input-support application"),
    "surface_check": ("券面事項確認AP", "card-surface check application"),
    "juki": ("住基AP（住民基本台帳）", "resident-registry (juki) application"),
}


def application_name(application: str) -> tuple[str, str]:
    return _APPLICATION_NAMES.get(application, (application, application))


class CardError(MadoguchiError):
    """Base of every card error. ``ja``/``en``: for the clerk; ``detail``: for the log.
    ``code`` is the card's own short identifier (``no_reader``...), as the JSON output shows it."""

    code = "card_error"
    ja = "カードの読み取りに失敗しました。もう一度お試しください。"
    en = "The card could not be read. Please try again."

    def __init__(self, ja: str | None = None, en: str | None = None, *, detail: str = ""):
        if ja is not None and en is None:
            en = self.en          # a Japanese text of its own keeps the class's English one
        super().__init__(ja, en, detail=detail)


# --- the PC/SC service and the reader ---------------------------------------------------------

class ServiceUnavailable(CardError):
    code = "no_service"
    ja = "カードリーダーのサービス（pcscd）が動いていません。端末を再起動するか、IT担当に連絡してください。"
    en = "The smart-card service (pcscd) is not running. Restart the terminal or call IT staff."


class NoReader(CardError):
    code = "no_reader"
    ja = "カードリーダーが見つかりません。USBケーブルを確認してください。"
    en = "No card reader found. Check the reader's USB cable."


class NoReaderSelected(CardError):
    code = "no_reader_selected"
    ja = "使用するカードリーダーを選んでください。"
    en = "Choose the card reader to use."


class ReaderGone(CardError):
    code = "reader_gone"
    ja = "選択したカードリーダーが外されました。接続し直すか、別のリーダーを選んでください。"
    en = "The chosen card reader was unplugged. Plug it in again or choose another reader."


# --- the card in the reader -------------------------------------------------------------------

class NoCard(CardError):
    code = "no_card"
    ja = "カードがリーダーに置かれていません。カードを置いてください。"
    en = "There is no card on the reader. Place the card on the reader."


class CardConnectionLost(CardError):
    """The card stopped answering in the middle of an operation (pulled, moved, reset)."""

    code = "card_lost"
    ja = "カードとの通信が途切れました。カードを置き直して、もう一度操作してください。"
    en = "Contact with the card was lost. Place the card again and repeat the step."


class CardRemoved(CardConnectionLost):
    code = "card_removed"
    ja = "操作中にカードが抜かれました。カードを置き直して、もう一度操作してください。"
    en = "The card was removed during the operation. Place it again and repeat the step."


class UnknownCard(CardError):
    code = "unknown_card"
    ja = "マイナンバーカードではないカードです。マイナンバーカードを置いてください。"
    en = "This is not a My Number card. Place the holder's My Number card on the reader."


class ApplicationNotFound(UnknownCard):
    """SELECT of an application answered ``6A 82``. Without the JPKI or input-support application
    the card is not a My Number card; a card that lacks only another one (e.g. the 住基AP) is
    one, and the readout names what it lacks."""

    code = "application_not_found"

    def __init__(self, application: str, *, detail: str = ""):
        self.application = application
        ja, en = application_name(application)
        super().__init__(f"マイナンバーカードではないカードです（{ja}がありません）。マイナンバーカードを置いてください。",
                         f"This is not a My Number card (it has no {en}). Place the holder's My Number card "
                         "on the reader.", detail=detail)


class CardMalfunction(CardError):
    code = "card_malfunction"
    ja = "カードが正しく応答しません（ICチップの故障の可能性）。カードの再交付を案内してください。"
    en = "The card does not answer properly (the chip may be damaged). Guide the holder to a re-issue."


class CardDoesNotAnswer(CardError):
    """The card is on the reader and gave its ATR but answers no command (a mute card)."""

    code = "card_mute"
    ja = "カードが応答しません。カードを置き直してください。続く場合はICチップの故障の可能性があり、カードの再交付を案内してください。"
    en = ("The card does not answer. Place it again; if it persists the chip may be damaged: "
          "guide the holder to a re-issue.")


class MalformedResponse(CardError):
    code = "malformed_response"
    ja = "カードから読み取った内容が正しくありません。カードを置き直して再度お試しください。続く場合はIT担当に連絡してください。"
    en = "What the card returned is not valid. Place the card again and retry; if it persists, call IT staff."


class InvalidCardData(MalformedResponse):
    code = "invalid_card_data"
    ja = "カードの記録内容に誤りがあります（個人番号の検査用数字など）。カードの再交付を案内してください。"
    en = "The data on the card is inconsistent (e.g. the My Number check digit). Guide the holder to a re-issue."


class UnexpectedStatus(CardError):
    code = "unexpected_status"
    ja = "カードが想定外の応答をしました。カードを置き直して再度お試しください。続く場合はIT担当に連絡してください。"
    en = "The card gave an unexpected answer. Place the card again and retry; if it persists, call IT staff."


# --- status words with a meaning of their own (CARD.md) ---------------------------------------

class PinError(CardError):
    secret = ""


class WrongPin(PinError):
    code = "wrong_pin"

    def __init__(self, secret: str, tries_left: int, *, detail: str = ""):
        self.secret, self.tries_left = secret, tries_left
        ja_name, en_name = secret_name(secret)
        if tries_left > 0:
            ja = f"{ja_name}が違います。あと{tries_left}回間違えるとロックされます。"
            en = f"Wrong {en_name}. {tries_left} {'try' if tries_left == 1 else 'tries'} left before it locks."
        else:
            ja = f"{ja_name}が違います。ロックされました。暗証番号の再設定（ロック解除）の手続きが必要です。"
            en = f"Wrong {en_name}. It is now locked: the PIN reset procedure is needed."
        super().__init__(ja, en, detail=detail)


class PinFormatError(PinError):
    """Refused before it reaches the card: a PIN of the wrong shape never costs a try."""

    code = "pin_format"

    def __init__(self, secret: str, rule_ja: str, rule_en: str):
        self.secret = secret
        super().__init__(f"暗証番号の形式が違います（{rule_ja}）。カードには送っていないので、回数は減っていません。",
                         f"The PIN does not have the right form ({rule_en}). It was not sent to the card: "
                         "no try was used.")


class PinBlocked(PinError):
    code = "pin_blocked"

    def __init__(self, secret: str, *, detail: str = ""):
        self.secret = secret
        ja_name, en_name = secret_name(secret)
        super().__init__(f"{ja_name}はロックされています。暗証番号の再設定（ロック解除）の手続きを案内してください。",
                         f"The {en_name} is locked. Guide the holder to the PIN reset procedure.", detail=detail)


class PinRequired(CardError):
    code = "pin_required"
    ja = "この情報を読むには暗証番号の照合が必要です。"
    en = "This information can be read only after the PIN is verified."


class PinNotSet(CardError):
    """``6A 88``: the card has this PIN's file but no PIN is set (a face-authentication card)."""

    code = "pin_not_set"
    ja = "このカードには暗証番号が設定されていません（顔認証マイナンバーカード）。"
    en = "No PIN is set on this card (a face-authentication card)."


class CardFileNotFound(CardError):
    code = "file_not_found"
    ja = "カードに必要な情報がありません（該当ファイルなし）。"
    en = "The card does not hold the requested information (file not found)."


class WrongParameters(UnexpectedStatus):
    code = "wrong_p1p2"


class WrongLength(UnexpectedStatus):
    code = "wrong_length"


class OffsetOutOfRange(UnexpectedStatus):
    code = "offset_out_of_range"


class InstructionNotSupported(UnknownCard):
    code = "instruction_not_supported"
    ja = "カードがこの操作に対応していません。マイナンバーカードか確認してください。"
    en = "The card does not support this operation. Check that it is a My Number card."


class ClassNotSupported(InstructionNotSupported):
    code = "class_not_supported"


class NoCurrentFile(UnexpectedStatus):
    code = "no_current_ef"


#: status word → error class (or a factory); ``63 Cx``, ``61 xx`` and ``6C xx`` are handled by the
#: protocol layer itself (they carry a number).
STATUS_WORDS: dict[int, type[CardError]] = {
    0x6982: PinRequired,
    0x6A82: CardFileNotFound,
    0x6A88: PinNotSet,
    0x6A86: WrongParameters,
    0x6700: WrongLength,
    0x6B00: OffsetOutOfRange,
    0x6D00: InstructionNotSupported,
    0x6E00: ClassNotSupported,
    0x6986: NoCurrentFile,
    0x6F00: CardMalfunction,
    0x6581: CardMalfunction,      # memory failure
}


def error_for_status(sw: int, *, secret: str | None = None, context: str = "") -> CardError:
    """The typed error of a status word other than 90 00."""
    detail = f"SW {sw:04X}" + (f" during {context}" if context else "")
    if sw & 0xFFF0 == 0x63C0 and secret:
        return WrongPin(secret, sw & 0x0F, detail=detail)
    if sw == 0x6984 and secret:
        return PinBlocked(secret, detail=detail)
    if sw == 0x6984:
        return CardError("カードの情報が使用できない状態です。", "The referenced data on the card is blocked.",
                         detail=detail)
    cls = STATUS_WORDS.get(sw, UnexpectedStatus)
    return cls(detail=detail)

"""The identity-document rule (本人確認): one official photo ID, or two documents of which at
least one from group A (A+A or A+B; B+B is not enough; nothing the requester made themself
counts); without a photo ID, oral questions are asked or judged unnecessary with a note.

Reads ``app.rules.tables.IDENTITY_DOCUMENTS``; returns the reasons why identity is not yet
sufficient (empty: sufficient), so the step can say why Next is disabled. No I/O.
"""

from __future__ import annotations

from typing import Iterable

from app.rules.core import Reason
from app.rules.said import IDENTITY_FAILED
from app.rules.tables import (
    GROUP_A, GROUP_B, IDENTITY_DOCUMENTS, NOT_ACCEPTED, ORAL_ANSWERS, PHOTO, SRC_ID_DOCS, SRC_ID_ORAL,
    SRC_PIN_CARD_ID,
)

NO_DOCUMENT = Reason("identity.none", "本人確認書類が提示されていません。",
                     "No identity document has been shown.", SRC_ID_DOCS)
NOT_ENOUGH = Reason(
    "identity.not_enough",
    "顔写真付きの本人確認書類が1点もないため、A群から1点を含む2点（A+A又はA+B）が必要です。B群のみ（B+B）では確認できません。",
    "Without an official photo ID, two documents are needed, at least one from group A (A+A or A+B); "
    "B+B is not enough.",
    SRC_ID_DOCS,
)
SELF_MADE = Reason("identity.self_made", "本人が作成した書類は本人確認書類になりません。",
                   "A document the requester made themself does not count.", SRC_ID_DOCS)
ORAL_MISSING = Reason(
    "identity.oral_questions",
    "顔写真付きの書類がないため、口頭質問を行うか、不要と判断した理由を記録してください。",
    "No photo ID: ask oral questions, or record why they are not needed.",
    SRC_ID_ORAL,
)
CARD_IS_ID = Reason(
    "identity.my_number_card_accepted",
    "マイナンバーカードは、暗証番号がロックされていても本人確認書類として使えます。",
    "The My Number card counts as identity document, even when its PIN is locked.",
    SRC_PIN_CARD_ID,
)
PHOTO_OK = Reason("identity.photo", "顔写真付きの本人確認書類1点で確認しました。",
                  "Identity confirmed with one official photo ID.", SRC_ID_DOCS)
TWO_OK = Reason("identity.two_documents", "A群を含む2点の書類と口頭質問で確認しました。",
                "Identity confirmed with two documents including group A, and oral questions.", SRC_ID_ORAL)


def identity_problems(documents: Iterable[str], oral_questions: str | None = None,
                      oral_note: str = "") -> list[Reason]:
    """Why the documents shown do not yet establish identity (empty list: they do)."""
    docs = [IDENTITY_DOCUMENTS[d] for d in dict.fromkeys(documents or ()) if d in IDENTITY_DOCUMENTS]
    groups = [d.group for d in docs]
    problems = [SELF_MADE] if NOT_ACCEPTED in groups else []
    if PHOTO in groups:
        return []
    a, b = groups.count(GROUP_A), groups.count(GROUP_B)
    if a + b == 0:
        return problems + [NO_DOCUMENT]
    if a < 1 or a + b < 2:
        return problems + [NOT_ENOUGH]
    if oral_questions not in ("done", "not_needed") or (oral_questions == "not_needed" and not oral_note.strip()):
        return problems + [ORAL_MISSING]
    return []


def oral_failed(item: str, *, against_record: bool = False) -> Reason:
    """A failed oral check of ``item`` (address, birth_date, sex): the staff text says which answer
    and against what; the requester hears only that identity could not be confirmed
    (:data:`app.rules.said.IDENTITY_FAILED`: never which answer, nor what the record says)."""
    ja, en = ORAL_ANSWERS[item][2]
    if against_record:
        staff_ja = (f"口頭質問の回答（{ja}）が住民記録と一致しません（照合欄は「一致」でも、記録と異なります）。"
                    "なりすましのおそれがあるため、手続を進めることはできません。")
        staff_en = (f"The oral answer ({en}) does not match the resident record (although checked as matching). "
                    "Possible impersonation: the request cannot go on.")
    else:
        staff_ja = (f"口頭質問の回答（{ja}）が記録・提示書類と一致しませんでした。"
                    "なりすましのおそれがあるため、手続を進めることはできません。")
        staff_en = (f"The oral answer ({en}) did not match the record or the documents. Possible impersonation: "
                    "the request cannot go on.")
    return Reason(f"identity.oral_failed.{item}", staff_ja, staff_en, SRC_ID_ORAL, said=IDENTITY_FAILED)


def rests_on_oral_answers(values, documents=None) -> bool:
    """Identity rests on oral answers: no photo ID among ``documents`` (by default the documents
    shown; a suspension lift leaves the found card out), two documents that would do (A+A or
    A+B), and the oral questions asked."""
    docs = values.get("identity_documents") or [] if documents is None else documents
    groups = [IDENTITY_DOCUMENTS[d].group for d in dict.fromkeys(docs) if d in IDENTITY_DOCUMENTS]
    return (values.get("oral_questions") == "done" and PHOTO not in groups and NOT_ACCEPTED not in groups
            and groups.count(GROUP_A) >= 1 and groups.count(GROUP_A) + groups.count(GROUP_B) >= 2)


def oral_failures(values, documents=None) -> list[Reason]:
    """The oral answers the clerk checked and recorded as not matching (``oral_failed``): each
    stops the case."""
    if not rests_on_oral_answers(values, documents):
        return []
    failed = set(values.get("oral_failed") or ())
    return [oral_failed(item) for item in ORAL_ANSWERS if item in failed]


def identity_basis(documents: Iterable[str]) -> list[Reason]:
    """The reasons recorded when identity is sufficient."""
    docs = list(documents or ())
    if any(IDENTITY_DOCUMENTS[d].group == PHOTO for d in docs if d in IDENTITY_DOCUMENTS):
        return [CARD_IS_ID, PHOTO_OK] if "my_number_card" in docs else [PHOTO_OK]
    return [TWO_OK]


#: the chip check at the counter (対面確認, 2024-08-20: the government's 対面確認アプリ reads the
#: card-surface check application with 照合番号B and verifies its signature)
SRC_CHIP_CHECK = ("デジタル庁「マイナンバーカード対面確認アプリ」(2024-08-20〜): 券面事項確認APを照合番号B"
                  "（生年月日6桁＋有効期限の西暦年4桁＋セキュリティコード4桁）で読み、ICチップ内の署名を検証して"
                  "偽造カードを見分ける（DOMAIN.md Since 2019）")

CHIP_SIGNATURE_INVALID = Reason(
    "identity.chip.signature_invalid",
    "ICチップ内の券面情報の署名を検証できませんでした（発行者の署名ではありません）。偽造カードのおそれがあるため、"
    "このカードでは本人確認ができません。手続を止め、上司に報告してください。",
    "The signature over the card-surface data on the chip does not verify (not the issuer's). The card may be "
    "forged: it cannot establish identity. Stop the request and report to your supervisor.",
    SRC_CHIP_CHECK, said=IDENTITY_FAILED)
CHIP_FACE_MISMATCH = Reason(
    "identity.chip.face_mismatch",
    "ICチップの顔写真・券面事項が、カードの券面又は来庁者と一致しないと職員が確認しました。偽造・改ざんのおそれがあるため、"
    "このカードでは本人確認ができません。",
    "The clerk found that the chip's photo or items do not match the printed card or the person. The card may be "
    "forged or altered: it cannot establish identity.",
    SRC_CHIP_CHECK, said=IDENTITY_FAILED)


def chip_record_mismatch(items: list[tuple[str, str]]) -> Reason:
    """The chip's items differ from the resident record: which ones (staff only; the requester
    hears the neutral identity text, never what the record says)."""
    ja = "・".join(j for j, _e in items)
    en = ", ".join(e for _j, e in items)
    return Reason("identity.chip.record_mismatch",
                  f"ICチップの券面事項（{ja}）が住民記録と一致しません。なりすまし又は偽造のおそれがあるため、手続を進めることはできません。",
                  f"The chip's card-surface items ({en}) do not match the resident record. Possible impersonation "
                  "or forgery: the request cannot go on.", SRC_CHIP_CHECK, said=IDENTITY_FAILED)


def chip_check_text(chip: dict) -> tuple[str, str]:
    """A recorded chip check in words (ja, en), for the case page and the processing slip."""
    if chip.get("trust_anchor") == "none":
        verdict = ("ICチップ読取済（署名は検証できず：J-LISの鍵が未設定）",
                   "chip read (signature not verifiable: no J-LIS key configured)")
    elif chip.get("signature_valid"):
        verdict = ("ICチップ確認済・署名は有効", "chip checked, signature valid")
    else:
        verdict = ("ICチップの署名が無効（偽造のおそれ）", "chip signature INVALID (possible forgery)")
    face = ("券面と一致", "matches the printed card") if chip.get("face_matches") else \
        ("券面と不一致", "does NOT match the printed card")
    return f"{verdict[0]} / {face[0]}", f"{verdict[1]} / {face[1]}"


def chip_check_problems(chip: dict | None, record: dict | None) -> list[Reason]:
    """Why a recorded chip check stops the case (empty: it does not). ``chip``: the case's
    ``chip_check`` value (what the chip said, the clerk's confirmation of the printed face);
    ``record``: birth_date and sex of the person's resident record, if there is one. A chip whose
    signature could not be checked at all (no trust anchor configured: a real card before the
    J-LIS key is set up) stops nothing by itself."""
    if not chip:
        return []
    problems = []
    if chip.get("trust_anchor") != "none" and chip.get("signature_valid") is not True:
        problems.append(CHIP_SIGNATURE_INVALID)
    if chip.get("face_matches") is False:
        problems.append(CHIP_FACE_MISMATCH)
    if record:
        differ = [(ja, en) for key, ja, en in (("birth_date", "生年月日", "birth date"), ("sex", "性別", "sex"))
                  if record.get(key) not in (None, "") and str(chip.get(key)) != str(record.get(key))]
        if differ:
            problems.append(chip_record_mismatch(differ))
    return problems


def has_photo_id(documents: Iterable[str]) -> bool:
    return any(IDENTITY_DOCUMENTS[d].group == PHOTO for d in documents or () if d in IDENTITY_DOCUMENTS)

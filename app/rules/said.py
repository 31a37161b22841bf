"""The requester texts (requester channel) that stand in for reasons whose staff text would tell
something about a person: neutral words plus the legal basis, the ONLY words about such a reason
that a requester hears, reads or receives (screens read aloud, the refusal notice, cover letters).

Rules of the wording (docs/DV.md lists every text with its basis):
- never name a support measure, a perpetrator, a support officer, DV or stalking;
- never say whether a person exists, lives here, moved away (除票), or where;
- the same sentence for the protected person, the unprotected person, the removed person and the
  person who does not exist, so that the answer cannot tell them apart;
- the legal basis is an article of the Act, never the DV section of the handling manual.

A reason built with one of these as ``said`` keeps its full staff text (``Reason.ja/en/source``).
"""

from __future__ import annotations

from app.rules.core import RequesterText
from app.rules.tables import SRC_ACT_12, SRC_ACT_12_3, SRC_SUSPENSION_LIFT

#: the one allowed difference: the request waits for a supervisor's check. Used for every review,
#: DV or not (stale support data after a failed sync, a name that resembles someone's, a release
#: that lapsed), so hearing it tells nothing.
REVIEW = RequesterText(
    "ご請求の内容を確認しています。確認が終わるまで、しばらくお待ちください。",
    "Your request is being checked. Please wait until the check is finished.",
    SRC_ACT_12 + "・" + SRC_ACT_12_3,
)

#: staff-only reasons (a release let the request through, an instruction to the clerk): nothing is
#: said to the requester, so a released request sounds exactly like one that never stopped
NOTHING = RequesterText("", "", "")

#: a copy request (or card procedure) that cannot be served, for whatever reason depends on the
#: person's record: not found, removed, not in the household, refused after review.
NOT_ISSUED = RequesterText(
    "ご請求の内容では、証明書を交付することができません。",
    "The certificate cannot be issued on this request.",
    SRC_ACT_12 + "・" + SRC_ACT_12_3,
)

#: a card procedure for a person whose record cannot be used here (not found, refused after review)
NOT_HERE = RequesterText(
    "このお手続は、この窓口ではお受けできません。",
    "This procedure cannot be done at this counter.",
    "行政手続における特定の個人を識別するための番号の利用等に関する法律第17条、同法施行令第13条〜第15条",
)

#: the identity check failed (stated particulars do not match the record)
IDENTITY_FAILED = RequesterText(
    "ご本人であることの確認ができませんでした。このため、お手続をお受けできません。",
    "Your identity could not be confirmed, so the request cannot be taken.",
    "住民基本台帳法第12条第4項・第12条の3第4項（本人確認）",
)

#: a status inquiry answered for nobody: the same words whether nobody matches or the answer is
#: withheld after review (the inquiry's own "not found" reason uses this text)
NO_APPLICATION = RequesterText(
    "入力された内容に一致する申請は見つかりませんでした。氏名・住所・生年月日・性別をもう一度確認してください"
    "（申請書IDがお手元にあれば、申請書IDでも照会できます）。",
    "No application matches what was entered. Check the name, address, birth date and sex again "
    "(the application ID can also be used if you have it).",
    "平成31年1月25日 総務省資料 事例③（申請状況の照会）",
)

#: a professional's request (職務上請求) without the client's name
CLIENT_REQUIRED = RequesterText(
    "職務上請求書に依頼者の氏名の記載がないため、受け付けることができません。依頼者の氏名を記載してください。",
    "A professional's request form must name the client; it cannot be taken without the client's name.",
    "住民基本台帳法第12条の3第4項・第5項（特定事務受任者の請求: 依頼者の氏名）",
)

#: the suspension of a card is lifted where the holder is registered (a municipality, never an address)
def elsewhere(municipality: str) -> RequesterText:
    where_ja = f"（{municipality}）" if municipality else ""
    where_en = f" ({municipality})" if municipality else ""
    return RequesterText(
        f"一時停止の解除は、住民登録のある市区町村{where_ja}の窓口で行います。コールセンターでは解除できません。",
        f"A suspension is lifted at the counter of the municipality where the holder is registered{where_en}, "
        "not by the call centre.",
        SRC_SUSPENSION_LIFT,
    )


ALL = {"review": REVIEW, "not_issued": NOT_ISSUED, "not_here": NOT_HERE, "identity_failed": IDENTITY_FAILED,
       "no_application": NO_APPLICATION, "client_required": CLIENT_REQUIRED}


def refused(case_type: str) -> RequesterText:
    """The requester text of a refusal after review: the words the same request gets when the
    person does not exist (a status inquiry: "no application found"; a copy: not issued; any
    other procedure — the card procedures and every case type added later — not here)."""
    if case_type == "status_inquiry":
        return NO_APPLICATION
    if case_type == "copy_issuance":
        return NOT_ISSUED
    return NOT_HERE

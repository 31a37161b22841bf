"""The legal basis a requester may be told, derived from a reason's staff source.

A reason's ``source`` is for staff: it may name the team's digest (DOMAIN.md), municipal practice,
a card-specification note or a setting's key. None of that is a legal basis, and none of it may
reach the requester's side. :func:`requester_basis` keeps the public parts of a source (statutes,
notices, the MIC briefing "S:NNN" lines, public pages) and replaces each internal part by the
public basis listed here; an internal part with no entry is dropped (another part of the same
source carries the basis). ``tests/rules/test_requester_basis.py`` walks every requester text
the rules produce and every source constant, so an internal part with no public basis fails there.
Where the two texts differ, see docs/SOURCES.md.
"""

from __future__ import annotations

import re

#: what marks a part of a source as internal (never a legal basis)
INTERNAL = re.compile(r"DOMAIN\.md|CARD\.md|\.md\b|practice|reference-diff|setting:|/work/|\bD\d+\b|§")

_JPKI_ACT = "電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律（公的個人認証法）"
_JPKI_RULES = "総務省 公的個人認証サービス事務処理要領"
#: an agent's application: the inquiry-and-answer form and power of attorney (施行規則第5条第2項, as
#: cited by municipal regulations, e.g. 稲沢市公的個人認証サービス事務処理要綱 第2条第2項)
_JPKI_AGENT = ("電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律施行規則第5条第2項"
               "（代理人による申請: 照会書兼回答書・委任状）; " + _JPKI_RULES)
_CARD_ACT = "行政手続における特定の個人を識別するための番号の利用等に関する法律（個人番号カード）"
_CASE_1 = "平成31年1月25日 総務省資料 事例①（暗証番号の再設定は住所地市区町村の窓口） S:823-831"
_CASE_2 = "平成31年1月25日 総務省資料 事例②（一時停止の解除は住所地市区町村の窓口） S:818-821"
_CASE_3 = "平成31年1月25日 総務省資料 事例③（申請状況の照会） S:839-841"

#: prefix of an internal part of a source -> the public basis said in its place ("" drops it)
PUBLIC_BASIS: dict[str, str] = {
    "practice: 市区町村の本人確認書類一覧": "住民基本台帳の一部の写しの閲覧及び住民票の写し等の交付に関する省令（本人確認書類）; "
                                "総務省資料 S:1132-1137（写真のない書類は複数の提示を求める）",
    "DOMAIN.md: who may come": "",
    "DOMAIN.md: the holder sets the new PIN": _CASE_1,
    "DOMAIN.md: bring the found card": _CASE_2,
    "DOMAIN.md（第三者には基本事項のみ）": "",
    "DOMAIN.md Since 2019 (2023-12-15 顔認証": _CARD_ACT,
    "使者等の郵便請求は資料に別記なし": "",
    "CARD.md: ": _CASE_1,
    "practice: 法定代理人は代理権の確認書類": _JPKI_RULES + "（法定代理人: 代理権の確認）",
    "practice: 任意代理人の場合は照会書兼回答書": _JPKI_AGENT,
    "practice: 廃止されたカードは回復できない": _CARD_ACT + "（再交付）",
    "電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律: 署名用電子証明書は": _JPKI_ACT + "（署名用電子証明書）",
    "setting: pin_reset.card_alone_is_identity": _CASE_1,
    "setting: status_inquiry.by_application_id": _CASE_3,
    "setting: suspension.certificate_handling": _CASE_2,
    "setting: fees.": "",
    "practice: 個人番号の記載を求める委任状": "個人番号を記載した住民票の写し等の交付の取扱い — 住民基本台帳事務処理要領の一部改正について"
                                   "（平成30年11月27日付け通知）",
    "practice: 有効期限が過ぎても新しい電子証明書": _JPKI_ACT + "第3条第1項（署名用電子証明書の発行の申請）",
    "practice: 代理人による更新は照会書兼回答書": _JPKI_AGENT,
}


def requester_basis(source: str) -> str:
    """The public parts of ``source`` (``"; "``-separated), each internal part replaced by its
    public basis or dropped, each basis once."""
    out: list[str] = []
    for part in source.split("; "):
        if INTERNAL.search(part):
            key = max((k for k in PUBLIC_BASIS if part.startswith(k)), key=len, default=None)
            part = PUBLIC_BASIS[key] if key is not None else ""
        for piece in part.split("; ") if part else ():
            if piece not in out:
                out.append(piece)
    return "; ".join(out)

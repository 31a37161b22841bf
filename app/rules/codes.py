"""Stable codes shared by rules, workflows, printing, sync and the screens. Text for people lives
with the rules (Reason) and in the UI's translations, never here."""

from __future__ import annotations

from enum import Enum


class Secret(str, Enum):
    """The four secrets of the card (CARD.md)."""

    SIGN = "sign"      # 署名用電子証明書 password, 6–16 A–Z/0–9, 5 tries
    AUTH = "auth"      # 利用者証明用 PIN, 4 digits, 3 tries
    JUKI = "juki"      # 住民基本台帳用 PIN, 4 digits, 3 tries
    INPUT = "input"    # 券面事項入力補助用 PIN, 4 digits, 3 tries


class RequesterType(str, Enum):
    SELF = "self"                          # 本人
    SAME_HOUSEHOLD = "same_household"      # 同一世帯員
    PUBLIC_BODY = "public_body"            # 国・地方公共団体 (公用請求)
    THIRD_PARTY = "third_party"            # 第三者 (正当な理由)
    PROFESSIONAL = "professional"          # 特定事務受任者
    VOLUNTARY_AGENT = "voluntary_agent"    # 任意代理人
    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代理人
    MESSENGER = "messenger"                # 法定代理人の使者等


class DocumentType(str, Enum):
    JUMINHYO = "juminhyo"                  # 住民票の写し
    KISAI_JIKO = "kisai_jiko"              # 住民票記載事項証明書
    FUHYO = "fuhyo"                        # 戸籍の附票の写し
    JUMINHYO_REMOVED = "juminhyo_removed"  # 除票の写し
    FUHYO_REMOVED = "fuhyo_removed"        # 戸籍の附票の除票の写し


class Item(str, Enum):
    """Items on a copy that are printed only on explicit request (the basic items — name with
    former surname or alias, birth date, sex, address, dates — are always printed)."""

    HOUSEHOLD = "household"        # 世帯主・続柄
    DOMICILE = "domicile"          # 本籍・筆頭者
    MY_NUMBER = "my_number"        # 個人番号
    RESIDENT_CODE = "resident_code"  # 住民票コード
    HISTORY = "history"            # 履歴 (前住所等)


class Role(str, Enum):
    CLERK = "clerk"                        # 窓口担当者
    SUPPORT_OFFICER = "support_officer"    # 支援措置責任者
    ADMINISTRATOR = "administrator"        # 管理者

"""The counter's decision tables, each in one place, as data: requester types, identity-document
groups, item permissions, the documents, the My-Number-copy delivery table (since the notice of
2018-11-27), the card's secrets, who may come for a card procedure, purposes and professions.

Rules (``app.rules.copies``, ``app.rules.identity``, ``app.rules.cards``) read these tables; they
never hold their own lists. Tests go through every row. Sources: the MIC briefing of 2019-01-25
("S:NNN" = its line), the Basic Resident Register Act (住民基本台帳法), and municipal practice
where marked so (see docs/SOURCES.md for where DOMAIN.md and the source differ).
No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.rules.codes import DocumentType, Item, RequesterType, Secret

# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------

SRC_ACT_12 = "住民基本台帳法第12条（本人等の請求による住民票の写し等の交付）"
SRC_ACT_12_2 = "住民基本台帳法第12条の2（国又は地方公共団体の機関の請求）"
SRC_ACT_12_3 = "住民基本台帳法第12条の3（本人等以外の者の申出）"
SRC_ACT_12_3_2 = "住民基本台帳法第12条の3第2項（特定事務受任者の申出）"
SRC_ACT_20 = "住民基本台帳法第20条（戸籍の附票の写しの交付）"
SRC_ACT_15_4 = "住民基本台帳法第15条の4（除票の写し等の交付）"
SRC_BASIC_ITEMS = ("住民基本台帳法第12条の2・第12条の3（公用請求・第三者の申出では個人番号・住民票コードを"
                   "記載しない）; DOMAIN.md（第三者には基本事項のみ）")
SRC_DELIVERY = ("個人番号を記載した住民票の写し等の交付の取扱い — 住民基本台帳事務処理要領の一部改正について"
                "（平成30年11月27日付け通知）; 総務省資料 S:849-942")
SRC_DELIVERY_MESSENGER_POST = (SRC_DELIVERY + "; 使者等の郵便請求は資料に別記なし（窓口欄と同じ扱い、"
                               "DOMAIN.md の推定）")
SRC_POWER_OF_ATTORNEY_MN = "practice: 個人番号の記載を求める委任状にはその旨の明記が必要"
SRC_ID_DOCS = ("practice: 市区町村の本人確認書類一覧（顔写真付き1点、又はA+A・A+B の2点。B+B は不可。"
               "資料に記載なし、docs/SOURCES.md D9）")
SRC_ID_ORAL = ("総務省資料 S:1132-1137: 写真が貼り付けられていない書類による場合は複数の書類の提示を求め、"
               "必要に応じ口頭で質問を行って補足する")
SRC_PIN_CARD_ID = ("総務省資料 事例① (S:823-831): 暗証番号の再設定（ロック解除）で、マイナンバーカードを"
                   "本人確認書類として提出することが可能")
SRC_PIN_AGENT = ("practice: 任意代理人の場合は照会書兼回答書を住所地へ送付（転送不要）し、回答書を持参して"
                 "再来庁")
#: the holder applies through the municipality where registered (公的個人認証法第3条第1項, verified
#: against the statute's text); the PIN reset itself: the MIC briefing's case ① (S:823-831)
SRC_CARD_HOLDER = ("電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律（公的個人認証法）第3条第1項"
                   "（住所地市町村長を経由した本人の申請）; 平成31年1月25日 総務省資料 事例① S:823-831; "
                   "DOMAIN.md: who may come (the holder)")
SRC_PIN_LEGAL_REP = "practice: 法定代理人は代理権の確認書類（戸籍謄本・登記事項証明書等）を提示"
SRC_SIGN_NOT_OFFERED = ("電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律: 署名用電子証明書は"
                        "原則として15歳未満の者・成年被後見人には発行しない（practice）")
SRC_SUSPENSION_LIFT = ("総務省資料 事例② (S:818-821): 紛失したマイナンバーカードの一時停止を解除する場合には"
                       "コールセンターではなく住所地市区町村で手続を行う")
SRC_REVOKED = "practice: 廃止されたカードは回復できない。再交付を案内（手数料 カード800円＋電子証明書200円）"
# certificate renewal (電子証明書の更新): not in the 2019 source; J-LIS and municipal pages
SRC_JLIS_PERIOD = ("J-LIS 公的個人認証サービスポータルサイト「電子証明書の有効期間と失効」"
                   "(https://www.jpki.go.jp/procedure/period.html, 2019-11-13 時点)")
SRC_RENEWAL_WINDOW = (SRC_JLIS_PERIOD + ": マイナンバーカードの電子証明書は有効期間満了日の3ヶ月前から更新手続きを"
                      "行うことができる; 同旨 金沢市・豊川市（2024-07-01）の案内")
SRC_RENEWAL_EXPIRED = ("practice: 有効期限が過ぎても新しい電子証明書を発行できる（金沢市「電子証明書の更新(有効期限"
                       "到来)について」、大洲市の案内）")
SRC_RENEWAL_VALIDITY = (SRC_JLIS_PERIOD + ": 有効期間は発行の日から5回目の誕生日まで（満了前の更新では6回目）; "
                        "発行から5回目の誕生日とマイナンバーカードの有効期限のいずれか早い日（野々市市・伊勢市の案内）")
SRC_RENEWAL_CARD_FIRST = (SRC_RENEWAL_VALIDITY + "; カード本体の有効期限が到来する場合は別の手続（カードの更新）"
                          "（金沢市の案内: 次の有効期限ではカード本体の更新と同時に電子証明書も更新される）")
SRC_RENEWAL_FEE = "practice: 電子証明書の更新手数料は無料（大洲市、三原市 2023-09-08 の案内; 期限後の新規発行も無料）"
SRC_RENEWAL_AGENT = ("practice: 代理人による更新は照会書兼回答書（J-LIS の有効期限通知書に同封）による"
                     "（三原市 2023-09-08・伊勢市の案内）")
SRC_RENEWAL_BASIS = "電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律（電子証明書の発行・有効期間）"


def _plain_code(row) -> None:
    """Row codes are stored as plain strings (a str Enum would print as ``RequesterType.SELF``)."""
    object.__setattr__(row, "code", str(getattr(row.code, "value", row.code)))


def _src_row(row: str) -> str:
    return f"{SRC_DELIVERY}（{row}）"


# ---------------------------------------------------------------------------------------------
# Documents (copy issuance)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    code: str
    ja: str
    en: str
    removed: bool                 # a removed-record (除票) version
    optional_items: frozenset     # items that may be requested on it
    source: str

    def __post_init__(self):
        _plain_code(self)


_JUMINHYO_ITEMS = frozenset({Item.HOUSEHOLD, Item.DOMICILE, Item.MY_NUMBER, Item.RESIDENT_CODE, Item.HISTORY})
_FUHYO_ITEMS = frozenset({Item.DOMICILE, Item.HISTORY})

DOCUMENTS: dict[str, DocumentRow] = {r.code: r for r in (
    DocumentRow(DocumentType.JUMINHYO, "住民票の写し", "copy of the resident record", False,
                _JUMINHYO_ITEMS, SRC_ACT_12),
    DocumentRow(DocumentType.KISAI_JIKO, "住民票記載事項証明書", "certificate of recorded items", False,
                _JUMINHYO_ITEMS, SRC_ACT_12),
    DocumentRow(DocumentType.FUHYO, "戸籍の附票の写し", "copy of the family-register supplement", False,
                _FUHYO_ITEMS, SRC_ACT_20),
    DocumentRow(DocumentType.JUMINHYO_REMOVED, "住民票の除票の写し", "copy of a removed resident record", True,
                _JUMINHYO_ITEMS, SRC_ACT_15_4),
    DocumentRow(DocumentType.FUHYO_REMOVED, "戸籍の附票の除票の写し", "copy of a removed family-register supplement",
                True, _FUHYO_ITEMS, SRC_ACT_15_4),
)}

ITEM_LABELS = {
    Item.HOUSEHOLD: ("世帯主の氏名及び続柄", "head of household and relationship"),
    Item.DOMICILE: ("本籍及び筆頭者", "permanent domicile and head of family register"),
    Item.MY_NUMBER: ("個人番号", "My Number"),
    Item.RESIDENT_CODE: ("住民票コード", "resident-record code"),
    Item.HISTORY: ("履歴（前住所等）", "history (previous addresses)"),
}

#: items printed on every copy without being asked for
BASIC_ITEMS = ("name", "birth_date", "sex", "address", "dates")

# ---------------------------------------------------------------------------------------------
# Requester types (copy issuance)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequesterRow:
    code: str
    ja: str
    en: str
    #: acts for the person (本人等請求): the request counts as the person's own
    for_person: bool
    #: what must be shown or stated, as checklist items (id, ja, en)
    requirements: tuple
    #: the request must state a purpose from this set (empty: stating one is enough)
    purposes: frozenset
    source: str

    def __post_init__(self):
        _plain_code(self)


REQUESTER_TYPES: dict[str, RequesterRow] = {r.code: r for r in (
    RequesterRow(RequesterType.SELF, "本人", "the person themself", True, (), frozenset(), SRC_ACT_12),
    RequesterRow(RequesterType.SAME_HOUSEHOLD, "同一世帯員", "a member of the same household", True, (),
                 frozenset(), SRC_ACT_12),
    RequesterRow(RequesterType.PUBLIC_BODY, "国・地方公共団体の機関（公用請求）", "a public body (official request)",
                 False, (
                     ("public_agency", "請求機関名を確認した", "requesting agency checked"),
                     ("public_legal_basis", "根拠法令を確認した", "legal basis checked"),
                     ("public_officer", "担当職員の氏名と職員証を確認した", "officer's name and ID checked"),
                 ), frozenset({"official_duty"}), SRC_ACT_12_2),
    RequesterRow(RequesterType.THIRD_PARTY, "第三者（正当な理由のある者）", "a third party with a legitimate interest",
                 False, (
                     ("third_party_reason_documents", "請求事由を疎明する資料を確認した",
                      "documents showing the reason checked"),
                 ), frozenset({"own_right", "public_submission", "other_justified", "court_submission"}),
                 SRC_ACT_12_3),
    RequesterRow(RequesterType.PROFESSIONAL, "特定事務受任者", "a professional on duty", False, (
        ("professional_form", "職務上請求書（所属会の統一用紙）を確認した", "association's official request form checked"),
        ("professional_badge", "資格者証（記章・身分証）を確認した", "badge / professional ID checked"),
    ), frozenset({"own_right", "public_submission", "other_justified", "court_submission"}), SRC_ACT_12_3_2),
    RequesterRow(RequesterType.VOLUNTARY_AGENT, "任意代理人", "a voluntary agent", True, (
        ("power_of_attorney", "委任状（本人の自署又は記名押印）を確認した", "power of attorney checked"),
    ), frozenset(), SRC_ACT_12),
    RequesterRow(RequesterType.LEGAL_REPRESENTATIVE, "法定代理人", "a legal representative", True, (
        ("authority_proof", "代理権を証する書類（戸籍謄本・登記事項証明書等）を確認した",
         "proof of authority (family register, registry certificate) checked"),
    ), frozenset(), SRC_ACT_12),
    RequesterRow(RequesterType.MESSENGER, "法定代理人の使者等", "a messenger of the legal representative", True, (
        ("authority_proof", "代理権を証する書類（戸籍謄本・登記事項証明書等）を確認した",
         "proof of authority (family register, registry certificate) checked"),
        ("messenger_letter", "法定代理人からの委任状を確認した", "letter from the legal representative checked"),
    ), frozenset(), SRC_ACT_12),
)}

PURPOSES = {
    "own_use": ("本人等の使用（請求事由を記載）", "the person's own use (reason stated)"),
    "official_duty": ("法令に基づく事務の遂行", "official duty under a law"),
    "own_right": ("自己の権利行使・義務履行", "exercise of own right or fulfilment of own duty"),
    "public_submission": ("国・地方公共団体の機関への提出", "submission to a public body"),
    "other_justified": ("その他正当な理由", "other justified reason"),
    "court_submission": ("裁判所への提出", "submission to a court"),
}

PROFESSIONS = {
    "lawyer": ("弁護士", "lawyer"),
    "judicial_scrivener": ("司法書士", "judicial scrivener"),
    "land_house_investigator": ("土地家屋調査士", "land and house investigator"),
    "tax_accountant": ("税理士", "tax accountant"),
    "labour_social_security_attorney": ("社会保険労務士", "labour and social security attorney"),
    "patent_attorney": ("弁理士", "patent attorney"),
    "maritime_procedure_agent": ("海事代理士", "maritime procedure agent"),
    "administrative_scrivener": ("行政書士", "administrative scrivener"),
}

#: kinds of legal representative; only the first two are the 法定代理人 row of the delivery table
REPRESENTATIONS = {
    "minor_under_15": ("15歳未満の者の法定代理人（親権者・未成年後見人）", "legal representative of a minor under 15"),
    "adult_guardian": ("成年後見人", "adult guardian"),
    "minor_15_plus": ("15歳以上の未成年者の法定代理人", "legal representative of a minor aged 15 or over"),
    "curator": ("保佐人（代理権付与）", "curator with power of representation"),
    "assistant": ("補助人（代理権付与）", "assistant with power of representation"),
}

# ---------------------------------------------------------------------------------------------
# Item permissions: which requester type may have which optional item printed
# ---------------------------------------------------------------------------------------------

_FOR_PERSON = frozenset({RequesterType.SELF, RequesterType.SAME_HOUSEHOLD, RequesterType.VOLUNTARY_AGENT,
                         RequesterType.LEGAL_REPRESENTATIVE, RequesterType.MESSENGER})

#: item -> (requester types allowed, source). My Number and resident-record code never go to a
#: public body, a third party or a professional; for the person's side the My-Number copy then
#: goes only as the delivery table allows (see docs/SOURCES.md D3: the table wins over "person or
#: same household only").
ITEM_PERMISSIONS: dict[str, tuple[frozenset, str]] = {
    Item.HOUSEHOLD: (_FOR_PERSON | {RequesterType.PUBLIC_BODY}, SRC_BASIC_ITEMS),
    Item.DOMICILE: (_FOR_PERSON | {RequesterType.PUBLIC_BODY}, SRC_BASIC_ITEMS),
    Item.HISTORY: (_FOR_PERSON | {RequesterType.PUBLIC_BODY}, SRC_BASIC_ITEMS),
    Item.MY_NUMBER: (_FOR_PERSON, SRC_BASIC_ITEMS + "; " + SRC_DELIVERY),
    Item.RESIDENT_CODE: (_FOR_PERSON, SRC_BASIC_ITEMS),
}

# ---------------------------------------------------------------------------------------------
# The My-Number-copy delivery table (個人番号を記載した住民票の写し等の交付の取扱い)
# ---------------------------------------------------------------------------------------------

HAND_OVER = "hand_over"                                  # 直接交付
POST_PERSON = "post_person_address"                      # 本人住所へ送付
POST_OTHER = "post_other_address"                        # 本人住所以外へ送付（理由・送付場所が正当な場合）
POST_REPRESENTATIVE = "post_representative_address"      # 本人住所以外（法定代理人の住所・職場等に限る）へ送付
POST_REQUESTER = "post_requester_address"                # ordinary copies by post to the requester

#: where a delivery sends the copy: nowhere (handed over), the person's registered address, the
#: requester's (their record, else the address they wrote), or a place the clerk types in
TO_NOBODY, TO_PERSON_RECORD, TO_REQUESTER, TO_TYPED_PLACE = "", "person_record", "requester", "typed_place"


@dataclass(frozen=True)
class DeliveryMethod:
    """One delivery code: THE table the rules, the destination check and printing all read."""

    code: str
    ja: str
    en: str
    leaves: str               # how the copy leaves the counter: counter / post (app.printing.model.Delivery)
    destination: str          # TO_NOBODY / TO_PERSON_RECORD / TO_REQUESTER / TO_TYPED_PLACE


DELIVERY_METHODS: dict[str, DeliveryMethod] = {m.code: m for m in (
    DeliveryMethod(HAND_OVER, "直接交付", "hand over at the counter", "counter", TO_NOBODY),
    DeliveryMethod(POST_PERSON, "本人住所へ送付", "post to the person's address", "post", TO_PERSON_RECORD),
    DeliveryMethod(POST_OTHER, "本人住所以外へ送付（理由及び送付場所が正当と認められる場合）",
                   "post elsewhere (reason and place justified)", "post", TO_TYPED_PLACE),
    DeliveryMethod(POST_REPRESENTATIVE, "本人住所以外（法定代理人の住所・職場等に限る）へ送付",
                   "post to the legal representative's home or workplace", "post", TO_TYPED_PLACE),
    DeliveryMethod(POST_REQUESTER, "請求者の住所へ送付", "post to the requester's address", "post", TO_REQUESTER),
)}

#: code -> (ja, en), for choices and reasons
DELIVERY_LABELS = {m.code: (m.ja, m.en) for m in DELIVERY_METHODS.values()}

CHANNELS = {"counter": ("窓口", "at the counter"), "post": ("郵便", "by post")}


@dataclass(frozen=True)
class DeliveryRow:
    row: str                  # the table's row: self / legal_representative / messenger / voluntary_agent
    channel: str              # counter / post
    ja: str                   # the source's row label
    en: str
    allowed: frozenset        # deliveries allowed since the notice of 2018-11-27
    before: frozenset         # deliveries allowed before it
    source: str


MY_NUMBER_DELIVERY: dict[tuple[str, str], DeliveryRow] = {(r.row, r.channel): r for r in (
    DeliveryRow("self", "counter", "本人", "the person", frozenset({HAND_OVER}), frozenset({HAND_OVER}),
                _src_row("本人・窓口: 直接交付○ S:861")),
    DeliveryRow("self", "post", "本人", "the person", frozenset({POST_PERSON, POST_OTHER}),
                frozenset({POST_PERSON, POST_OTHER}), _src_row("本人・郵便 S:866-871")),
    DeliveryRow("legal_representative", "counter", "法定代理人（15歳未満の者の法定代理人又は成年後見人）",
                "legal representative (of a minor under 15, or adult guardian)", frozenset({HAND_OVER}),
                frozenset({POST_PERSON}), _src_row("法定代理人・窓口: 改正後 直接交付○ S:884-888")),
    DeliveryRow("legal_representative", "post", "法定代理人（15歳未満の者の法定代理人又は成年後見人）",
                "legal representative (of a minor under 15, or adult guardian)",
                frozenset({POST_PERSON, POST_REPRESENTATIVE}), frozenset({POST_PERSON}),
                _src_row("法定代理人・郵便: 改正後 本人住所以外（法定代理人の住所・職場等に限る）○ S:905-911")),
    DeliveryRow("messenger", "counter", "法定代理人の使者等", "messenger of the legal representative",
                frozenset({POST_PERSON, POST_REPRESENTATIVE}), frozenset({POST_PERSON, POST_REPRESENTATIVE}),
                _src_row("法定代理人の使者等: 直接交付×、本人住所へ○、法定代理人の住所・職場等○ S:913-920")),
    DeliveryRow("messenger", "post", "法定代理人の使者等", "messenger of the legal representative",
                frozenset({POST_PERSON, POST_REPRESENTATIVE}), frozenset({POST_PERSON, POST_REPRESENTATIVE}),
                SRC_DELIVERY_MESSENGER_POST),
    DeliveryRow("voluntary_agent", "counter", "上記以外の任意代理人", "any other agent",
                frozenset({POST_PERSON}), frozenset({POST_PERSON}),
                _src_row("上記以外の任意代理人・窓口: 直接交付×、本人住所へ○ S:925-927")),
    DeliveryRow("voluntary_agent", "post", "上記以外の任意代理人", "any other agent",
                frozenset({POST_PERSON}), frozenset({POST_PERSON}),
                _src_row("上記以外の任意代理人・郵便: 本人住所へ○、以外× S:929-939")),
)}

#: (requester type, kind of legal representation or None) -> row of the delivery table.
#: The same household counts as the person (本人等). Only a legal representative of a minor under
#: 15 or an adult guardian is the 法定代理人 row; other legal representatives fall to the
#: 任意代理人 row (docs/SOURCES.md D4 d).
DELIVERY_ROW_OF = {
    (RequesterType.SELF, None): "self",
    (RequesterType.SAME_HOUSEHOLD, None): "self",
    (RequesterType.LEGAL_REPRESENTATIVE, "minor_under_15"): "legal_representative",
    (RequesterType.LEGAL_REPRESENTATIVE, "adult_guardian"): "legal_representative",
    (RequesterType.LEGAL_REPRESENTATIVE, "minor_15_plus"): "voluntary_agent",
    (RequesterType.LEGAL_REPRESENTATIVE, "curator"): "voluntary_agent",
    (RequesterType.LEGAL_REPRESENTATIVE, "assistant"): "voluntary_agent",
    (RequesterType.MESSENGER, None): "messenger",
    (RequesterType.VOLUNTARY_AGENT, None): "voluntary_agent",
}

# ---------------------------------------------------------------------------------------------
# Identity documents (本人確認書類)
# ---------------------------------------------------------------------------------------------

PHOTO, GROUP_A, GROUP_B, NOT_ACCEPTED = "photo", "A", "B", "not_accepted"


@dataclass(frozen=True)
class IdentityDocumentRow:
    code: str
    ja: str
    en: str
    group: str

    def __post_init__(self):
        _plain_code(self)


IDENTITY_DOCUMENTS: dict[str, IdentityDocumentRow] = {r.code: r for r in (
    IdentityDocumentRow("my_number_card", "マイナンバーカード", "My Number card", PHOTO),
    IdentityDocumentRow("driving_licence", "運転免許証", "driving licence", PHOTO),
    IdentityDocumentRow("passport", "旅券（パスポート）", "passport", PHOTO),
    IdentityDocumentRow("residence_card", "在留カード", "residence card", PHOTO),
    IdentityDocumentRow("special_permanent_resident_certificate", "特別永住者証明書",
                        "special permanent resident certificate", PHOTO),
    IdentityDocumentRow("disability_handbook_photo", "写真付きの身体障害者手帳等", "disability handbook with photo", PHOTO),
    IdentityDocumentRow("driving_history_certificate", "運転経歴証明書", "driving history certificate", PHOTO),
    IdentityDocumentRow("official_photo_licence", "官公署発行の写真付き免許証・資格証", "official licence with photo", PHOTO),
    IdentityDocumentRow("official_staff_id", "官公署の職員証（写真付き）", "public officer's ID with photo", PHOTO),
    IdentityDocumentRow("health_insurance_card", "健康保険の被保険者証", "health insurance card", GROUP_A),
    IdentityDocumentRow("pension_book", "年金手帳・年金証書", "pension book or certificate", GROUP_A),
    IdentityDocumentRow("care_insurance_card", "介護保険被保険者証", "care insurance card", GROUP_A),
    IdentityDocumentRow("seal_registration_certificate", "印鑑登録証明書と登録印", "seal registration certificate with the seal",
                        GROUP_A),
    IdentityDocumentRow("student_id", "学生証（写真なし）", "student ID", GROUP_B),
    IdentityDocumentRow("employee_id", "社員証（写真なし）", "employee ID", GROUP_B),
    IdentityDocumentRow("bank_book", "預金通帳・キャッシュカード", "bank book or cash card", GROUP_B),
    IdentityDocumentRow("other_b", "その他氏名の記載された書類（公共料金の領収書等）",
                        "other document with the name (utility receipt, ...)", GROUP_B),
    IdentityDocumentRow("self_written", "本人が作成した書類（メモ・手書きの書類等）",
                        "a document the requester made themself", NOT_ACCEPTED),
)}

ORAL_QUESTIONS = {
    "done": ("口頭質問を実施した（住所・生年月日・性別の回答を1項目ずつ照合する）",
             "oral questions asked (address, birth date and sex checked one by one)"),
    "not_needed": ("口頭質問は不要と判断した（理由を記入）", "oral questions judged unnecessary (note why)"),
}

#: the oral answers a requester without photo ID gives about themself: item -> (answer field,
#: checklist item ticked by the clerk who checked it against the record or the documents, (ja, en))
ORAL_ANSWERS = {
    "address": ("stated_address", "oral_address_checked", ("自分の住所", "own address")),
    "birth_date": ("stated_birth_date", "oral_birth_date_checked", ("生年月日", "birth date")),
    "sex": ("stated_sex", "oral_sex_checked", ("性別", "sex")),
}

# ---------------------------------------------------------------------------------------------
# Card procedures: secrets, who may come
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretRow:
    code: str
    ja: str
    en: str
    max_tries: int
    #: not offered for holders under 15 or adult wards (no signing certificate)
    needs_sign_certificate: bool

    def __post_init__(self):
        _plain_code(self)


SECRETS: dict[str, SecretRow] = {r.code: r for r in (
    SecretRow(Secret.SIGN, "署名用電子証明書の暗証番号（6〜16桁の英大文字・数字）", "signing password", 5, True),
    SecretRow(Secret.AUTH, "利用者証明用電子証明書の暗証番号（数字4桁）", "user-authentication PIN", 3, False),
    SecretRow(Secret.JUKI, "住民基本台帳用の暗証番号（数字4桁）", "resident-registry PIN", 3, False),
    SecretRow(Secret.INPUT, "券面事項入力補助用の暗証番号（数字4桁）", "card-info input-support PIN", 3, False),
)}


@dataclass(frozen=True)
class CardRequesterRow:
    """Who may come for a PIN reset or a suspension lift, and what that means."""

    code: str
    ja: str
    en: str
    same_day: bool               # False: the inquiry-and-answer form is mailed; a return visit finishes
    requirements: tuple          # checklist items (id, ja, en)
    source: str

    def __post_init__(self):
        _plain_code(self)


CARD_REQUESTERS: dict[str, CardRequesterRow] = {r.code: r for r in (
    CardRequesterRow(RequesterType.SELF, "本人", "the holder", True, (), SRC_CARD_HOLDER),
    CardRequesterRow(RequesterType.LEGAL_REPRESENTATIVE, "法定代理人", "a legal representative", True, (
        ("authority_proof", "代理権を証する書類（戸籍謄本・登記事項証明書等）を確認した",
         "proof of authority (family register, registry certificate) checked"),
    ), SRC_PIN_LEGAL_REP),
    CardRequesterRow(RequesterType.VOLUNTARY_AGENT, "任意代理人", "a voluntary agent", False, (
        ("power_of_attorney", "委任状を確認した", "power of attorney checked"),
    ), SRC_PIN_AGENT),
)}

"""What a printed document is made of: plain dataclasses, and builders that fill them from the
store.

The workflow and the screens build a request here (``build_copy_request(store, ...)``) and hand it
to a renderer (``render_copy(request) -> bytes``). The request carries the optional items the
rules allowed (a set of :class:`app.rules.codes.Item`) and, separately, which of the two numbers
(My Number, resident-record code) the rules said the requester is entitled to. Nothing here
decides entitlement; the builders only refuse to load a number nobody is entitled to, and the
renderers check again before printing.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from dataclasses import dataclass, field
from enum import Enum

from app.config import OfficeConfig
from app.errors import MadoguchiError
from app.rules.codes import DocumentType, Item, RequesterType
from app.store.db import Store
from app.store.furigana import reading_line

#: the two numbers that only an entitled requester may see on paper
NUMBER_ITEMS = frozenset({Item.MY_NUMBER, Item.RESIDENT_CODE})

#: documents that are records of persons who left the register (除票)
REMOVED_DOCUMENTS = frozenset({DocumentType.JUMINHYO_REMOVED, DocumentType.FUHYO_REMOVED})
#: documents made from the family-register supplement (戸籍の附票): Japanese nationals only
FUHYO_DOCUMENTS = frozenset({DocumentType.FUHYO, DocumentType.FUHYO_REMOVED})


class PrintRefused(MadoguchiError):
    """A document must not be printed as requested. The message is worded for the clerk
    (Japanese / English) and never contains a number or an address of a protected person."""

    code = "print.refused"


class NumberNotEntitledError(PrintRefused):
    """The request asks for the My Number or the resident-record code without entitlement."""


class PerpetratorAddressError(PrintRefused):
    """A mailing would go to an address registered for a perpetrator under a support measure."""


class RestrictedRecordError(PrintRefused):
    """A document about (or mailed to) a person under a support measure, without the support
    officer's release for this case, these persons and this document."""


class Delivery(str, Enum):
    COUNTER = "counter"   # 窓口で直接交付
    POST = "post"         # 郵送


@dataclass(frozen=True)
class PersonRecord:
    """The recorded items of one person (住民票の記載事項), as read from ``residents``."""

    resident_id: str
    family_name: str
    given_name: str
    family_kana: str = ""
    given_kana: str = ""
    birth_date: str = ""              # ISO, Western
    sex: int = 9                      # 1 male, 2 female, 9 not applicable
    postal_code: str = ""
    address: str = ""
    household_id: str | None = None
    relationship: str = ""            # 続柄
    former_surname: str = ""          # 旧氏
    former_surname_kana: str = ""     # search kana of the 旧氏 (not certified, never printed)
    furigana_family: str = ""         # 氏の振り仮名 (official, app.store.furigana)
    furigana_given: str = ""          # 名の振り仮名
    former_furigana: str = ""         # 旧氏の振り仮名
    alias: str = ""                   # 通称
    alias_kana: str = ""
    domicile: str = ""                # 本籍
    domicile_head: str = ""           # 筆頭者
    became_resident_date: str = ""    # 住民となった年月日
    address_date: str = ""            # 住所を定めた年月日
    notified_date: str = ""           # 届出年月日
    previous_address: str = ""        # 前住所
    status: str = "active"            # active / removed
    removal_reason: str = ""          # moved_out / deceased / deleted / other
    removal_date: str = ""
    moved_to_address: str = ""        # 転出先
    is_foreign: bool = False
    nationality: str = ""             # 国籍・地域
    residence_status: str = ""        # 在留資格
    residence_period: str = ""        # 在留期間
    residence_expiry: str = ""        # 在留期間の満了の日 (Western calendar on paper)
    foreign_category: str = ""        # 第30条の45に規定する区分
    resident_code: str | None = field(default=None, repr=False)   # only loaded when entitled
    my_number: str | None = field(default=None, repr=False)       # only loaded when entitled

    @property
    def name(self) -> str:
        return f"{self.family_name}　{self.given_name}".strip("　")

    @property
    def kana(self) -> str:
        """The search kana (the municipality's convenience reading): for ordering, never printed."""
        return f"{self.family_kana}　{self.given_kana}".strip("　")

    @property
    def reading(self) -> str:
        """The official reading (氏名の振り仮名) as printed; ``""`` where none is recorded."""
        return reading_line(self.furigana_family, self.furigana_given)

    @property
    def removed(self) -> bool:
        return self.status == "removed"


@dataclass(frozen=True)
class HouseholdInfo:
    """The household a copy is made from (世帯): its address, head, and every member id."""

    household_id: str
    household_code: str
    address: str
    postal_code: str = ""
    head_name: str = ""
    head_id: str | None = None
    member_ids: tuple[str, ...] = ()     # active members at the time of printing


@dataclass(frozen=True)
class CopyRequest:
    """One copy (one issue number) of a resident record or a related certificate.

    ``items`` are the optional items the rules allowed; ``entitled_numbers`` is the subset of
    :data:`NUMBER_ITEMS` the rules said this requester may receive. ``issue_number`` is filled by
    :func:`app.printing.issuance.issue_copy`; a copy rendered without one is a preview and says so.
    """

    document: DocumentType
    persons: tuple[PersonRecord, ...]
    office: OfficeConfig
    items: frozenset[Item] = frozenset()
    entitled_numbers: frozenset[Item] = frozenset()
    requester_type: RequesterType = RequesterType.SELF
    delivery: Delivery = Delivery.COUNTER
    household: HouseholdInfo | None = None
    issued_on: _dt.date = field(default_factory=_dt.date.today)
    issue_number: str = ""
    training: bool = False
    plain_paper: bool = True          # the paper is not anti-copy paper: print the notice
    purpose: str = ""                 # 記載事項証明書: 提出先・使用目的 (optional)

    @property
    def whole_household(self) -> bool:
        """Every active member of the household is on the copy (世帯全員)."""
        if self.household is None or not self.household.member_ids:
            return False
        return set(self.household.member_ids) <= {p.resident_id for p in self.persons}

    @property
    def printed_numbers(self) -> frozenset[Item]:
        return self.items & NUMBER_ITEMS


# --------------------------------------------------------------------------- store builders

_PERSON_COLUMNS = (
    "id, household_id, family_name, given_name, family_kana, given_kana, birth_date, sex, "
    "postal_code, address, relationship, former_surname, former_surname_kana, alias, alias_kana, "
    "domicile, domicile_head, became_resident_date, address_date, notified_date, previous_address, "
    "status, removal_reason, removal_date, moved_to_address, is_foreign, nationality, "
    "residence_status, residence_period, residence_expiry, foreign_category, "
    "furigana_family, furigana_given, former_furigana"
)


def _text(value) -> str:
    return "" if value is None else str(value)


def _person_from_row(row: sqlite3.Row | tuple, numbers: dict[str, str | None]) -> PersonRecord:
    (rid, household_id, family_name, given_name, family_kana, given_kana, birth_date, sex,
     postal_code, address, relationship, former_surname, former_surname_kana, alias, alias_kana,
     domicile, domicile_head, became_resident_date, address_date, notified_date, previous_address,
     status, removal_reason, removal_date, moved_to_address, is_foreign, nationality,
     residence_status, residence_period, residence_expiry, foreign_category,
     furigana_family, furigana_given, former_furigana) = row
    return PersonRecord(
        resident_id=rid, household_id=household_id,
        family_name=_text(family_name), given_name=_text(given_name),
        family_kana=_text(family_kana), given_kana=_text(given_kana),
        birth_date=_text(birth_date), sex=int(sex), postal_code=_text(postal_code),
        address=_text(address), relationship=_text(relationship),
        former_surname=_text(former_surname), former_surname_kana=_text(former_surname_kana),
        alias=_text(alias), alias_kana=_text(alias_kana), domicile=_text(domicile),
        domicile_head=_text(domicile_head), became_resident_date=_text(became_resident_date),
        address_date=_text(address_date), notified_date=_text(notified_date),
        previous_address=_text(previous_address), status=_text(status) or "active",
        removal_reason=_text(removal_reason), removal_date=_text(removal_date),
        moved_to_address=_text(moved_to_address), is_foreign=bool(is_foreign),
        nationality=_text(nationality), residence_status=_text(residence_status),
        residence_period=_text(residence_period), residence_expiry=_text(residence_expiry),
        foreign_category=_text(foreign_category), furigana_family=_text(furigana_family),
        furigana_given=_text(furigana_given), former_furigana=_text(former_furigana),
        resident_code=numbers.get("resident_code"), my_number=numbers.get("my_number"),
    )


def load_person(store: Store, resident_id: str, *, numbers: frozenset[Item] = frozenset()) -> PersonRecord:
    """One resident's recorded items. The My Number and the resident-record code are read from
    the store only when asked for in ``numbers`` (the entitled number items)."""
    row = store.conn.execute(f"SELECT {_PERSON_COLUMNS} FROM residents WHERE id = ?", (resident_id,)).fetchone()
    if row is None:
        raise PrintRefused(f"住民記録が見つかりません（{resident_id}） / no resident record {resident_id}")
    loaded: dict[str, str | None] = {}
    if numbers:
        code, my_number = store.conn.execute(
            "SELECT resident_code, my_number FROM residents WHERE id = ?", (resident_id,)
        ).fetchone()
        if Item.RESIDENT_CODE in numbers:
            loaded["resident_code"] = code
        if Item.MY_NUMBER in numbers:
            loaded["my_number"] = my_number
    return _person_from_row(row, loaded)


def load_household(store: Store, household_id: str) -> HouseholdInfo:
    row = store.conn.execute(
        "SELECT id, household_code, address, postal_code, head_id FROM households WHERE id = ?",
        (household_id,),
    ).fetchone()
    if row is None:
        raise PrintRefused(f"世帯が見つかりません（{household_id}） / no household {household_id}")
    hid, code, address, postal_code, head_id = row
    head_name = ""
    if head_id:
        head = store.conn.execute(
            "SELECT family_name, given_name FROM residents WHERE id = ?", (head_id,)
        ).fetchone()
        if head:
            head_name = f"{head[0]}　{head[1]}"
    members = tuple(r[0] for r in store.conn.execute(
        "SELECT id FROM residents WHERE household_id = ? AND status = 'active' ORDER BY id", (hid,)
    ))
    return HouseholdInfo(hid, _text(code), _text(address), _text(postal_code), head_name, head_id, members)


def office_settings(store: Store) -> dict:
    """Printing settings kept in the store (``settings`` table), with their defaults."""
    return {"plain_paper": bool(store.setting("printing.plain_paper", True))}


def is_demo_store(store: Store) -> bool:
    """A store filled with demo data (the ``demo`` setting written by ``madoguchi demo-data``):
    whatever the caller says, everything printed from it is a training SPECIMEN."""
    return store.setting("demo") is not None


def build_copy_request(
    store: Store,
    document: DocumentType,
    resident_ids: list[str] | tuple[str, ...],
    *,
    items: frozenset[Item] | set[Item] = frozenset(),
    entitled_numbers: frozenset[Item] | set[Item] = frozenset(),
    requester_type: RequesterType = RequesterType.SELF,
    delivery: Delivery = Delivery.COUNTER,
    office: OfficeConfig | None = None,
    training: bool = False,
    issued_on: _dt.date | None = None,
    purpose: str = "",
) -> CopyRequest:
    """A copy request for ``resident_ids`` filled from the store.

    Numbers are read from the store only if they are both requested (``items``) and entitled;
    a request for a number without entitlement raises :class:`NumberNotEntitledError` here
    already, before anything is read.
    """
    document = DocumentType(document)
    items = frozenset(Item(i) for i in items)
    entitled_numbers = frozenset(Item(i) for i in entitled_numbers) & NUMBER_ITEMS
    if not resident_ids:
        raise PrintRefused("対象者が選ばれていません / no person selected for the copy")
    check_number_entitlement(items, entitled_numbers, requester_type, delivery, document)
    numbers = items & entitled_numbers
    persons = tuple(load_person(store, rid, numbers=numbers) for rid in dict.fromkeys(resident_ids))
    household = None
    if document not in FUHYO_DOCUMENTS and persons[0].household_id:
        household = load_household(store, persons[0].household_id)
    return CopyRequest(
        document=document, persons=persons, office=office or OfficeConfig.load(), items=items,
        entitled_numbers=entitled_numbers, requester_type=RequesterType(requester_type),
        delivery=Delivery(delivery), household=household,
        issued_on=issued_on or _dt.date.today(), training=training or is_demo_store(store),
        plain_paper=office_settings(store)["plain_paper"], purpose=purpose,
    )


# --------------------------------------------------------------------------- number entitlement

#: Who may ever receive a copy showing a number, and how (個人番号を記載した住民票の写し等の交付の
#: 取扱い, notice of 2018-11-27). This is a second line of defence only: the rules decide; the
#: printer refuses anything outside this table even if a caller claims entitlement.
NUMBER_DELIVERY: dict[RequesterType, frozenset[Delivery]] = {
    RequesterType.SELF: frozenset({Delivery.COUNTER, Delivery.POST}),
    RequesterType.SAME_HOUSEHOLD: frozenset({Delivery.COUNTER, Delivery.POST}),
    RequesterType.LEGAL_REPRESENTATIVE: frozenset({Delivery.COUNTER, Delivery.POST}),
    RequesterType.MESSENGER: frozenset({Delivery.POST}),
    RequesterType.VOLUNTARY_AGENT: frozenset({Delivery.POST}),
    RequesterType.PUBLIC_BODY: frozenset(),
    RequesterType.THIRD_PARTY: frozenset(),
    RequesterType.PROFESSIONAL: frozenset(),
}

#: documents on which a number can appear at all
NUMBER_DOCUMENTS = frozenset({DocumentType.JUMINHYO, DocumentType.JUMINHYO_REMOVED, DocumentType.KISAI_JIKO})


def check_number_entitlement(
    items: frozenset[Item],
    entitled_numbers: frozenset[Item],
    requester_type: RequesterType,
    delivery: Delivery,
    document: DocumentType,
) -> None:
    """Raise :class:`NumberNotEntitledError` unless every number item asked for is entitled."""
    asked = items & NUMBER_ITEMS
    if not asked:
        return
    missing = asked - entitled_numbers
    if missing:
        names = "・".join(_NUMBER_NAMES[i][0] for i in sorted(missing, key=lambda i: i.value))
        names_en = ", ".join(_NUMBER_NAMES[i][1] for i in sorted(missing, key=lambda i: i.value))
        raise NumberNotEntitledError(
            f"{names}の記載が認められていない請求です。印刷しません。"
            f" / The request is not entitled to the {names_en}; nothing was printed."
        )
    if DocumentType(document) not in NUMBER_DOCUMENTS:
        raise NumberNotEntitledError(
            "この証明書には個人番号・住民票コードを記載できません。"
            " / This certificate cannot carry the My Number or the resident-record code."
        )
    if Delivery(delivery) not in NUMBER_DELIVERY.get(RequesterType(requester_type), frozenset()):
        raise NumberNotEntitledError(
            "この請求者・交付方法では個人番号・住民票コードを記載した写しを交付できません"
            "（個人番号を記載した住民票の写し等の交付の取扱い）。"
            " / This requester cannot receive a copy with these numbers this way."
        )


_NUMBER_NAMES = {
    Item.MY_NUMBER: ("個人番号", "My Number"),
    Item.RESIDENT_CODE: ("住民票コード", "resident-record code"),
}

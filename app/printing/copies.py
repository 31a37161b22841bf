"""Copies of the resident record and related certificates: 住民票の写し, 住民票記載事項証明書,
戸籍の附票の写し, and the removed-record versions (住民票の除票の写し, 戸籍の附票の除票の写し).

Owns the certificate layout: which rows a person block has for the items requested, household
order, up to four persons per sheet with continuation pages, the certification sentence with date,
mayor's title and seal area on the last page only.

Names and readings: since 2025-05-26 the official reading (氏名の振り仮名) and the 旧氏 reading
(旧氏の振り仮名) are items of the resident record and of the 戸籍の附票 (令和5年法律第48号; 住民基本台帳法
施行令 as amended by 令和7年政令第17号; municipal notices say the copies show them). Where the record
has one, the reading is printed in katakana on the line above the name inside the 氏名 field, whose
label then reads フリガナ / 氏名, and the 旧氏 reading in brackets after the 旧氏. The detailed form
layout of the national standard (総務省 住民記録システム標準仕様書, 帳票要件) was not available to us,
so this placement is our choice, following the long-standing practice of a reading line above the
name. The municipality's search kana is NOT printed: it was never certified, and printing it beside
or instead of the official reading would let a copy pass off an uncertified reading as official;
a person with no official reading yet has no reading line.

It prints what the request carries and never
decides entitlement; it refuses (raises) a request that asks for the My Number or the
resident-record code without entitlement, or whose persons do not fit the document.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.printing.era import seireki, wareki
from app.printing.fonts import GOTHIC, MINCHO
from app.printing.household import chunks, household_order
from app.printing.layout import (
    CONTENT_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_W, RULE, Furniture, draw_title,
    finish_document, fit_box, fit_line, label_cell, new_document, office_line, text_width, value_cell,
)
from app.printing.model import (
    FUHYO_DOCUMENTS, NUMBER_ITEMS, REMOVED_DOCUMENTS, CopyRequest, NumberNotEntitledError,
    PersonRecord, PrintRefused, check_number_entitlement,
)
from app.rules.codes import DocumentType, Item

PERSONS_PER_SHEET = 4


@dataclass(frozen=True)
class DocumentSpec:
    title: str                 # printed title
    name_ja: str               # the document's name in messages and history
    certification: str         # 認証文
    certification_part: str = ""   # for part of a household (住民票 only)


#: document type → title and certification sentence (認証文)
SPECS: dict[DocumentType, DocumentSpec] = {
    DocumentType.JUMINHYO: DocumentSpec(
        "住民票", "住民票の写し",
        "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
        "この写しは、世帯の一部の住民票の原本と相違ないことを証明する。"),
    DocumentType.JUMINHYO_REMOVED: DocumentSpec(
        "住民票の除票", "住民票の除票の写し",
        "この写しは、住民票の除票の原本と相違ないことを証明する。"),
    DocumentType.KISAI_JIKO: DocumentSpec(
        "住民票記載事項証明書", "住民票記載事項証明書",
        "上記の事項は、住民票に記載されていることを証明する。"),
    DocumentType.FUHYO: DocumentSpec(
        "戸籍の附票", "戸籍の附票の写し",
        "この写しは、戸籍の附票の原本と相違ないことを証明する。"),
    DocumentType.FUHYO_REMOVED: DocumentSpec(
        "戸籍の附票の除票", "戸籍の附票の除票の写し",
        "この写しは、戸籍の附票の除票の原本と相違ないことを証明する。"),
}

SEX = {1: "男", 2: "女", 9: "－"}

REMOVAL_REASONS = {"moved_out": "転出", "deceased": "死亡", "deleted": "職権消除", "other": "消除"}

READING_LABEL = "フリガナ"
CONTINUED = "（次頁に続く）"
END_MARK = "－ 以下余白 －"


def certification_sentence(request: CopyRequest) -> str:
    spec = SPECS[request.document]
    if spec.certification_part and not request.whole_household:
        return spec.certification_part
    return spec.certification


# --------------------------------------------------------------------------- checks

def check_request(request: CopyRequest) -> None:
    """Refuse a request the printer must not print (numbers without entitlement, persons that do
    not belong on this document). Raises :class:`PrintRefused`."""
    document = DocumentType(request.document)
    check_number_entitlement(request.items, request.entitled_numbers, request.requester_type,
                             request.delivery, document)
    # defence in depth: a number loaded into a person but not entitled must never reach paper
    for p in request.persons:
        if p.my_number and Item.MY_NUMBER not in request.entitled_numbers:
            raise NumberNotEntitledError("個人番号の記載が認められていない請求です。印刷しません。"
                                         " / Not entitled to the My Number; nothing was printed.")
        if p.resident_code and Item.RESIDENT_CODE not in request.entitled_numbers:
            raise NumberNotEntitledError("住民票コードの記載が認められていない請求です。印刷しません。"
                                         " / Not entitled to the resident-record code; nothing was printed.")
    if not request.persons:
        raise PrintRefused("対象者がいません / no person on the copy")
    if document in REMOVED_DOCUMENTS:
        if not all(p.removed for p in request.persons):
            raise PrintRefused("除票の写しには消除された記録だけを記載できます。"
                               " / A removed-record copy holds removed records only.")
    elif all(p.removed for p in request.persons):
        # a current copy may show removed household members (消除者を含む), never only them
        raise PrintRefused("消除された記録だけの写しは除票の写しとして請求してください。"
                           " / Removed records alone are issued as a removed-record (除票) copy.")
    if document in FUHYO_DOCUMENTS:
        if any(p.is_foreign or not p.domicile for p in request.persons):
            raise PrintRefused("本籍のない方（外国人住民等）には戸籍の附票がありません。"
                               " / A person without a Japanese family register has no 戸籍の附票.")
        if len({(p.domicile, p.domicile_head) for p in request.persons}) > 1:
            raise PrintRefused("本籍・筆頭者の異なる方を一枚の附票に記載できません。"
                               " / Persons of different family registers cannot share one 附票 copy.")
    elif len({p.household_id for p in request.persons}) > 1:
        raise PrintRefused("世帯の異なる方を一通の写しに記載できません。"
                           " / Persons of different households cannot share one copy.")
    for item in request.items & NUMBER_ITEMS:
        field_name = "my_number" if item is Item.MY_NUMBER else "resident_code"
        if any(not getattr(p, field_name) for p in request.persons):
            raise PrintRefused("記載を求められた番号が読み込まれていません（build_copy_request を使ってください）。"
                               " / A requested number was not loaded; build the request from the store.")


# --------------------------------------------------------------------------- person blocks

@dataclass(frozen=True)
class Cell:
    label: str
    value: str
    weight: float = 1.0


def _birth(p: PersonRecord) -> str:
    return seireki(p.birth_date) if p.is_foreign else wareki(p.birth_date)


def _name_notes(p: PersonRecord) -> str:
    notes = []
    if p.former_surname:
        kana = f"（{p.former_furigana}）" if p.former_furigana else ""
        notes.append(f"旧氏　{p.former_surname}{kana}")
    if p.alias:
        kana = f"（{p.alias_kana}）" if p.alias_kana else ""
        notes.append(f"通称　{p.alias}{kana}")
    return "　".join(notes)


def person_rows(request: CopyRequest, p: PersonRecord) -> list[list[Cell]]:
    """The rows under the name row, for the items this request prints."""
    items = request.items
    document = request.document
    rows: list[list[Cell]] = []
    if document in FUHYO_DOCUMENTS:
        rows.append([Cell("住所", p.address, 3.2), Cell("住所を定めた年月日", wareki(p.address_date), 1.5)])
        if Item.HISTORY in items and p.previous_address:
            rows.append([Cell("前住所", p.previous_address, 1.0)])
    else:
        if document is DocumentType.JUMINHYO_REMOVED or document is DocumentType.KISAI_JIKO:
            rows.append([Cell("住所", p.address, 1.0)])
        rows.append([Cell("住民となった年月日", wareki(p.became_resident_date)),
                     Cell("住所を定めた年月日", wareki(p.address_date)),
                     Cell("届出年月日", wareki(p.notified_date))])
        if Item.DOMICILE in items and not p.is_foreign:
            rows.append([Cell("本籍", p.domicile, 2.6), Cell("筆頭者", p.domicile_head, 1.2)])
        if Item.HISTORY in items:
            rows.append([Cell("前住所", p.previous_address or "", 1.0)])
        if p.is_foreign:
            rows.append([Cell("国籍・地域", p.nationality, 1.0),
                         Cell("法第30条の45に規定する区分", p.foreign_category, 1.4)])
            rows.append([Cell("在留資格", p.residence_status, 1.2), Cell("在留期間", p.residence_period, 0.9),
                         Cell("在留期間の満了の日", seireki(p.residence_expiry), 1.1)])
        numbers = []
        if Item.RESIDENT_CODE in items:
            numbers.append(Cell("住民票コード", p.resident_code or "", 1.0))
        if Item.MY_NUMBER in items:
            numbers.append(Cell("個人番号", p.my_number or "", 1.0))
        if numbers:
            rows.append(numbers)
    if p.removed:
        reason = REMOVAL_REASONS.get(p.removal_reason, "消除")
        cells = [Cell("消除", f"{wareki(p.removal_date)}　{reason}", 1.2)]
        if p.removal_reason == "moved_out":
            cells.append(Cell("転出先", p.moved_to_address, 2.0))
        rows.append(cells)
    return rows


NAME_ROW_H = 13 * mm
ROW_H = 6.6 * mm
NO_W = 7 * mm
BLOCK_GAP = 2.2 * mm


def block_height(request: CopyRequest) -> float:
    sample = max((len(person_rows(request, p)) for p in request.persons), default=0)
    return NAME_ROW_H + sample * ROW_H


def _label_width(label: str, total: float) -> float:
    return min(max(text_width(label, GOTHIC, 7.5) + 2.6 * mm, 9 * mm), total * 0.45)


def _draw_cells(c: Canvas, cells: list[Cell], x: float, y: float, w: float, h: float) -> None:
    total = sum(cell.weight for cell in cells)
    cx = x
    for i, cell in enumerate(cells):
        cw = w * cell.weight / total if i < len(cells) - 1 else x + w - cx
        lw = _label_width(cell.label, cw)
        label_cell(c, cell.label, cx, y, lw, h)
        value_cell(c, cell.value, cx + lw, y, cw - lw, h)
        cx += cw


def draw_person(c: Canvas, request: CopyRequest, p: PersonRecord, number: int, top: float, height: float) -> None:
    x0 = MARGIN_X
    w = CONTENT_W
    # sequence number column
    c.setStrokeColor(RULE)
    c.setLineWidth(0.8)
    c.rect(x0, top - height, w, height, stroke=1, fill=0)
    label_cell(c, str(number), x0, top - height, NO_W, height, size=9)
    x = x0 + NO_W
    inner_w = w - NO_W
    # name row: name (with its official reading above and former surname / alias below), birth date, sex, relationship
    y = top - NAME_ROW_H
    weights = [3.0, 2.3, 0.75]
    labels = ["氏名", "生年月日", "性別"]
    if Item.HOUSEHOLD in request.items and request.document not in FUHYO_DOCUMENTS:
        weights.append(1.3)
        labels.append("続柄")
    total = sum(weights)
    cx = x
    for i, (label, weight) in enumerate(zip(labels, weights)):
        cw = inner_w * weight / total if i < len(labels) - 1 else x + inner_w - cx
        lw = _label_width(label, cw) if label != "氏名" else 11 * mm
        if label == "氏名" and p.reading:
            label_cell(c, "", cx, y, lw, NAME_ROW_H)
            fit_box(c, READING_LABEL, cx, y + NAME_ROW_H - 4.4 * mm, lw, 4.4 * mm, GOTHIC, 5.5, min_size=4)
            fit_box(c, label, cx, y, lw, NAME_ROW_H - 3 * mm, GOTHIC, 7.5, min_size=5)
        else:
            label_cell(c, label, cx, y, lw, NAME_ROW_H)
        if label == "氏名":
            _draw_name(c, p, cx + lw, y, cw - lw, NAME_ROW_H)
        elif label == "生年月日":
            value_cell(c, _birth(p), cx + lw, y, cw - lw, NAME_ROW_H)
        elif label == "性別":
            value_cell(c, SEX.get(p.sex, "－"), cx + lw, y, cw - lw, NAME_ROW_H)
        else:
            value_cell(c, p.relationship, cx + lw, y, cw - lw, NAME_ROW_H)
        cx += cw
    for row in person_rows(request, p):
        y -= ROW_H
        _draw_cells(c, row, x, y, inner_w, ROW_H)


def _draw_name(c: Canvas, p: PersonRecord, x: float, y: float, w: float, h: float) -> None:
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setFillColor(black)
    pad = 1.5 * mm
    notes = _name_notes(p)
    if p.reading:
        fit_line(c, p.reading, x + pad, y + h - 3.3 * mm, w - 2 * pad, GOTHIC, 6.5, min_size=4.5)
    name_y = y + (4.9 * mm if notes else 3.4 * mm)
    fit_line(c, p.name, x + pad, name_y, w - 2 * pad, MINCHO, 12.5, min_size=7)
    if notes:
        fit_line(c, notes, x + pad, y + 1.3 * mm, w - 2 * pad, MINCHO, 7.5, min_size=5)


# --------------------------------------------------------------------------- page parts

HEADER_TOP = MARGIN_TOP + 9 * mm       # distance of the title baseline from the top edge
CERT_AREA_H = 44 * mm                  # reserved above the footer on every page


def _draw_header(c: Canvas, request: CopyRequest, page: int, pages: int, top: float) -> float:
    """Title and the address / head (or domicile / head of register) box; returns the y below it."""
    spec = SPECS[request.document]
    sub = "（続き）" if page > 1 else ""
    draw_title(c, spec.title, top, sub=sub)
    y = top - (11 * mm if sub else 8 * mm)
    rows: list[list[Cell]] = []
    first = request.persons[0]
    if request.document in FUHYO_DOCUMENTS:
        rows.append([Cell("本籍", first.domicile, 2.6), Cell("筆頭者", first.domicile_head, 1.2)])
    elif request.document is not DocumentType.KISAI_JIKO and request.document is not DocumentType.JUMINHYO_REMOVED:
        household = request.household
        address = household.address if household else first.address
        rows.append([Cell("住所", address, 1.0)])
        if Item.HOUSEHOLD in request.items and household:
            rows.append([Cell("世帯主", household.head_name, 1.0)])
    for row in rows:
        y -= 7.5 * mm
        _draw_cells(c, row, MARGIN_X, y, CONTENT_W, 7.5 * mm)
    return y - 3 * mm


def _draw_certification(c: Canvas, request: CopyRequest) -> None:
    base = MARGIN_BOTTOM + 12 * mm
    x = MARGIN_X + 6 * mm
    c.setFillColor(black)
    y = base + CERT_AREA_H - 9 * mm
    if request.purpose and request.document is DocumentType.KISAI_JIKO:
        c.setFont(GOTHIC, 8.5)
        c.drawString(x, y + 6 * mm, f"提出先・使用目的：{request.purpose}")
    fit_line(c, certification_sentence(request), x, y, CONTENT_W - 12 * mm, MINCHO, 11)
    fit_line(c, wareki(request.issued_on), x, y - 9 * mm, 60 * mm, MINCHO, 11)
    # mayor's title and the seal area
    seal = 21 * mm
    seal_x = PAGE_W - MARGIN_X - seal - 4 * mm
    seal_y = base + 3 * mm
    title_right = seal_x - 5 * mm
    fit_line(c, request.office.mayor_title, title_right - 80 * mm, seal_y + seal / 2 - 2 * mm, 80 * mm,
             MINCHO, 16, align="right")
    c.saveState()
    c.setStrokeColor(Color(0.75, 0.2, 0.2))
    c.setLineWidth(0.7)
    c.setDash(2, 1.5)
    c.rect(seal_x, seal_y, seal, seal, stroke=1, fill=0)
    c.setFillColor(Color(0.75, 0.2, 0.2))
    c.setFont(GOTHIC, 7)
    c.drawCentredString(seal_x + seal / 2, seal_y + seal / 2 - 2.5, "公印")
    c.restoreState()


def furniture_for(request: CopyRequest) -> Furniture:
    number = request.issue_number
    return Furniture(
        footer_left=f"交付番号 {number}" if number else "交付番号（未発行・交付前の確認用）",
        footer_office=office_line(request.office),
        plain_paper=request.plain_paper,
        training=request.training,
        preview=not number,
        title=SPECS[request.document].name_ja,
    )


def render_copy_with_pages(request: CopyRequest) -> tuple[bytes, int]:
    """Render the copy; returns the PDF and its page count. Raises :class:`PrintRefused`."""
    check_request(request)
    head_id = request.household.head_id if request.household else None
    persons = household_order(request.persons, head_id)
    block_h = block_height(request)
    buf, c = new_document(furniture_for(request))
    top = c._pagesize[1] - HEADER_TOP - (4 * mm if request.plain_paper else 0)
    # how many persons fit on a sheet under the header and above the certification area
    probe_bottom = MARGIN_BOTTOM + 12 * mm + CERT_AREA_H
    header_h = 8 * mm + 3 * mm + 7.5 * mm * (2 if Item.HOUSEHOLD in request.items else 1) + 3 * mm
    room = top - header_h - probe_bottom
    per_sheet = max(1, min(PERSONS_PER_SHEET, int((room + BLOCK_GAP) // (block_h + BLOCK_GAP))))
    sheets = chunks(persons, per_sheet)
    number = 0
    for index, sheet in enumerate(sheets, start=1):
        y = _draw_header(c, request, index, len(sheets), top)
        for p in sheet:
            number += 1
            draw_person(c, request, p, number, y, block_h)
            y -= block_h + BLOCK_GAP
        c.setFillColor(black)
        if index == len(sheets):
            c.setFont(MINCHO, 9)
            c.drawCentredString(PAGE_W / 2, y - 2 * mm, END_MARK)
            _draw_certification(c, request)
        else:
            c.setFont(GOTHIC, 9)
            c.drawRightString(PAGE_W - MARGIN_X, y - 2 * mm, CONTINUED)
        c.showPage()
    return finish_document(buf, c)


def render_copy(request: CopyRequest) -> bytes:
    """The PDF of one copy. Raises :class:`PrintRefused` (e.g. a number without entitlement)."""
    return render_copy_with_pages(request)[0]


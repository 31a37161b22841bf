"""Letters to residents: the refusal notice (the reason in plain words and the rule it comes
from) and the mailing cover letter (送付書) for post-only deliveries.

A cover letter is addressed from the store, to a resident's registered address, and NEVER to a
perpetrator of a support measure protecting a person the letter is about (its subjects or its
addressee) nor to one of his addresses (the measure's ``perpetrator_address``, the registered
address of its ``perpetrator_resident_id``): the builder refuses, the renderer checks again against
the addresses the builder loaded, and ``issue_cover_letter`` checks the store once more inside its
transaction. The places and the address comparison are those of the rules' destination check
(``app.security.destinations``, ``app.store.normalize.same_address``), so the rules never allow a
mailing that printing refuses — and the perpetrator's own copy to his own address is printed. This module does not decide who may receive
what by post; the rules do.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace

from reportlab.lib.colors import black
from reportlab.lib.units import mm

from app.config import OfficeConfig
from app.printing.era import wareki
from app.printing.fonts import GOTHIC, MINCHO
from app.printing.issuance import COVER_LETTER, check_restriction, issue
from app.printing.layout import (
    MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, Flow, Furniture, finish_document, fit_line, new_document,
    office_line, wrap,
)
from app.printing.model import PerpetratorAddressError, PrintRefused, is_demo_store
from app.printing.slip import SlipReason
from app.security.destinations import PerpetratorPlaces, perpetrator_places
from app.store.db import Store
from app.store.normalize import same_address

# --------------------------------------------------------------------------- address screening

def perpetrator_addresses(store: Store, about_ids=None) -> tuple[str, ...]:
    """The addresses registered for the perpetrators of the support measures (whatever their
    status) that protect one of ``about_ids``, or of every measure when ``about_ids`` is None:
    the recorded address, and the registered and household address of a perpetrator who lives here."""
    return perpetrator_places(store.conn, about_ids).addresses


def _about(addressee_id: str, subject_ids) -> set[str] | None:
    """Whom a letter is about: its subjects and its addressee; None (every measure) when the
    subjects are not known."""
    return {*subject_ids, *([addressee_id] if addressee_id else [])} if subject_ids else None


_PERPETRATOR_REFUSAL = (
    "この宛先には送付できません。対象者を保護する支援措置の加害者として登録された住所と一致（または重複）します。"
    "支援措置責任者に相談してください。"
    " / Cannot mail to this address: it matches an address registered for the perpetrator of a"
    " support measure protecting a person in this mailing. Ask the support officer."
)


def check_mailing_address(address: str, blocked: tuple[str, ...]) -> None:
    if PerpetratorPlaces(tuple(blocked)).blocks(address=address):
        raise PerpetratorAddressError(_PERPETRATOR_REFUSAL)


def _screen(store: Store, addressee: "MailingAddress", subject_ids) -> tuple[str, ...]:
    """Refuse a mailing that would reach a perpetrator (his resident record or one of his
    addresses) of a measure protecting the letter's subjects or addressee; the blocked addresses."""
    places = perpetrator_places(store.conn, _about(addressee.resident_id, subject_ids))
    if places.blocks(resident_id=addressee.resident_id or None, address=addressee.address):
        raise PerpetratorAddressError(_PERPETRATOR_REFUSAL)
    return places.addresses


# --------------------------------------------------------------------------- cover letter

@dataclass(frozen=True)
class MailingAddress:
    resident_id: str
    name: str
    postal_code: str
    address: str


@dataclass(frozen=True)
class Enclosure:
    title: str                # e.g. 住民票の写し
    copies: int = 1
    issue_number: str = ""
    carries_my_number: bool = False


@dataclass(frozen=True)
class CoverLetter:
    """送付書. Build it with :func:`build_cover_letter` (which screens the address)."""

    addressee: MailingAddress
    enclosures: tuple[Enclosure, ...]
    office: OfficeConfig
    subject_ids: tuple[str, ...] = ()
    case_id: str = ""
    issued_on: _dt.date = field(default_factory=_dt.date.today)
    training: bool = False
    do_not_forward: bool = True       # 転送不要
    blocked_addresses: tuple[str, ...] = ()
    screened: bool = False            # set only by build_cover_letter
    issue_number: str = ""


def build_cover_letter(store: Store, addressee_id: str, enclosures: list[Enclosure] | tuple[Enclosure, ...], *,
                       subject_ids: list[str] | tuple[str, ...] = (), case_id: str = "",
                       office: OfficeConfig | None = None, training: bool = False,
                       issued_on: _dt.date | None = None, do_not_forward: bool = True,
                       address: MailingAddress | None = None) -> CoverLetter:
    """A cover letter to ``addressee_id``'s registered address (from the store), or — where the
    rules allow another place (the legal representative's home or workplace, a justified place for
    the person) — to ``address`` as the rules handed it over.

    Raises :class:`PerpetratorAddressError` when the addressee is a perpetrator of a support
    measure or the address matches one registered for a perpetrator, and :class:`PrintRefused`
    when the addressee has no registered address here (a removed record)."""
    if address is None:
        row = store.conn.execute(
            "SELECT family_name, given_name, postal_code, address, status FROM residents WHERE id = ?",
            (addressee_id,),
        ).fetchone()
        if row is None:
            raise PrintRefused(f"宛先の住民記録が見つかりません（{addressee_id}） / no resident {addressee_id}")
        family, given, postal, registered, status = row
        if status != "active" or not (registered or "").strip():
            raise PrintRefused("宛先の方はこの市区町村に住所がありません（除票）。送付できません。"
                               " / The addressee has no registered address here; nothing can be mailed.")
        address = MailingAddress(addressee_id, f"{family}　{given}", postal or "", registered)
    elif not (address.name.strip() and address.address.strip()):
        raise PrintRefused("宛名と送付先住所を入力してください / the addressee's name and address are needed")
    blocked = _screen(store, address, subject_ids)
    if not enclosures:
        raise PrintRefused("同封する書類がありません / nothing to enclose")
    return CoverLetter(
        addressee=address, enclosures=tuple(enclosures), office=office or OfficeConfig.load(),
        subject_ids=tuple(subject_ids), case_id=case_id, issued_on=issued_on or _dt.date.today(),
        training=training or is_demo_store(store), do_not_forward=do_not_forward,
        blocked_addresses=blocked, screened=True,
    )


def render_cover_letter_with_pages(letter: CoverLetter) -> tuple[bytes, int]:
    if not letter.screened:
        raise PrintRefused("送付書は build_cover_letter で作成してください（宛先の確認が済んでいません）。"
                           " / Build the cover letter with build_cover_letter: the address was not screened.")
    check_mailing_address(letter.addressee.address, letter.blocked_addresses)
    office = letter.office
    furniture = Furniture(
        footer_left=f"送付書番号 {letter.issue_number}" if letter.issue_number else "送付書（未発行・確認用）",
        footer_office=office_line(office),
        training=letter.training, preview=not letter.issue_number, title="送付書",
    )
    buf, c = new_document(furniture)
    top = PAGE_H - MARGIN_TOP - 14 * mm
    # the address block sits where a window envelope (長形3号) shows it
    a = letter.addressee
    x = MARGIN_X + 5 * mm
    c.setFillColor(black)
    c.setFont(GOTHIC, 10)
    c.drawString(x, top, f"〒{a.postal_code}" if a.postal_code else "")
    y = top - 6 * mm
    for line in wrap(a.address, 85 * mm, MINCHO, 11)[:3]:
        c.setFont(MINCHO, 11)
        c.drawString(x, y, line)
        y -= 5.5 * mm
    fit_line(c, f"{a.name}　様", x + 4 * mm, y - 4 * mm, 80 * mm, MINCHO, 15)
    if letter.do_not_forward:
        c.setFont(GOTHIC, 9)
        c.rect(x, y - 15 * mm, 22 * mm, 6.5 * mm)
        c.drawCentredString(x + 11 * mm, y - 13 * mm, "転送不要")
    # sender, date
    right = PAGE_W - MARGIN_X
    c.setFont(MINCHO, 10.5)
    c.drawRightString(right, top, wareki(letter.issued_on))
    c.drawRightString(right, top - 6 * mm, office.municipality_name + "　" + office.office_name)
    c.setFont(MINCHO, 12)
    c.drawRightString(right, top - 13 * mm, office.mayor_title)
    # title and body
    flow = Flow(c, top=top - 52 * mm)
    c.setFont(MINCHO, 18)
    c.drawCentredString(PAGE_W / 2, flow.y, "送　付　書")
    flow.space(10 * mm)
    flow.paragraph("ご請求のありました次の書類を送付します。内容をご確認ください。", size=11)
    flow.space(3 * mm)
    flow.table(["書類", "通数", "交付番号"],
               [[e.title, f"{e.copies}通", e.issue_number or "－"] for e in letter.enclosures], [6, 1.2, 4.2],
               size=10)
    flow.space(4 * mm)
    notes = []
    if any(e.carries_my_number for e in letter.enclosures):
        notes.append("同封の書類には個人番号（マイナンバー）が記載されています。紛失・盗難に十分ご注意ください。")
    if letter.addressee.resident_id:
        notes.append("この送付書は、ご登録の住所あてにお送りしています。お心当たりのない場合は下記までご連絡ください。")
    else:
        notes.append("お心当たりのない場合は、開封せずに下記までご連絡ください。")
    for note in notes:
        flow.paragraph("※ " + note, size=9.5, font=GOTHIC)
    return _close(buf, flow, office, gap=8 * mm)


def _close(buf, flow: Flow, office: OfficeConfig, *, gap: float) -> tuple[bytes, int]:
    """The contact line, then the document is finished."""
    flow.space(gap)
    flow.paragraph(f"問合せ先　{office.municipality_name}　{office.office_name}", size=10, font=GOTHIC)
    flow.c.showPage()
    return finish_document(buf, flow.c)


def render_cover_letter(letter: CoverLetter) -> bytes:
    return render_cover_letter_with_pages(letter)[0]


def issue_cover_letter(store: Store, letter: CoverLetter, *, staff_id: str):
    """Number, render and record a cover letter (issuance history, document type 'cover_letter'),
    screening the address against the store again inside the transaction."""
    check_restriction(store, case_id=letter.case_id or None,
                      person_ids=[letter.addressee.resident_id, *letter.subject_ids], document=None)

    def render(number: str):
        fresh = _screen(store, letter.addressee, letter.subject_ids)
        return render_cover_letter_with_pages(replace(letter, issue_number=number,
                                                      blocked_addresses=fresh))

    office = letter.office
    return issue(
        store, day=letter.issued_on, office_code=office.office_code, office_name=office.office_name,
        terminal_id=office.terminal_id, staff_id=staff_id, case_id=letter.case_id or None,
        document_type=COVER_LETTER,
        target_ids=list(dict.fromkeys(filter(None, [letter.addressee.resident_id, *letter.subject_ids]))),
        items=[], delivery="post", training=letter.training, render=render,
    )


# --------------------------------------------------------------------------- refusal notice

APPEAL_SOURCE = "行政不服審査法第82条、行政事件訴訟法第46条（教示）"


def appeal_guidance(office: OfficeConfig) -> list[str]:
    """教示: how to appeal a refusal (an administrative disposition) — request and lawsuit."""
    m, mayor = office.municipality_name, office.mayor_title
    return [
        f"1　この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
        f"{mayor}に対して審査請求をすることができます。",
        f"2　この処分の取消しの訴えは、この処分があったことを知った日の翌日から起算して6か月以内に、"
        f"{m}を被告として（訴訟において{m}を代表する者は{mayor}となります。）提起することができます。",
        "3　ただし、処分があった日の翌日から起算して1年を経過した場合は、審査請求をすることも、"
        "処分の取消しの訴えを提起することもできません（正当な理由があるときを除きます。）。",
    ]


@dataclass(frozen=True)
class RefusalNotice:
    """The notice handed (or mailed with a cover letter) to the requester when a case is refused."""

    requester_name: str
    procedure: str                       # 手続の種類, e.g. 住民票の写し等の交付
    reasons: tuple[SlipReason, ...]
    office: OfficeConfig
    case_id: str = ""
    request_date: _dt.date | None = None
    issued_on: _dt.date = field(default_factory=_dt.date.today)
    appeal: bool = True                  # print 教示 (the refusal is an administrative disposition)
    training: bool = False


def render_refusal_with_pages(notice: RefusalNotice) -> tuple[bytes, int]:
    if not notice.reasons:
        raise PrintRefused("理由のない不可通知は作成できません / a refusal notice needs its reason")
    office = notice.office
    furniture = Furniture(
        footer_left=f"案件番号 {notice.case_id}" if notice.case_id else "",
        footer_office=office_line(office),
        training=notice.training, title="お手続きができない理由のお知らせ",
    )
    buf, c = new_document(furniture)
    top = PAGE_H - MARGIN_TOP - 8 * mm
    right = PAGE_W - MARGIN_X
    c.setFillColor(black)
    c.setFont(MINCHO, 10.5)
    c.drawRightString(right, top, wareki(notice.issued_on))
    fit_line(c, f"{notice.requester_name or '請求者'}　様", MARGIN_X, top - 10 * mm, 100 * mm, MINCHO, 13)
    c.setFont(MINCHO, 11.5)
    c.drawRightString(right, top - 18 * mm, office.mayor_title)
    flow = Flow(c, top=top - 34 * mm)
    c.setFont(MINCHO, 16)
    c.drawCentredString(PAGE_W / 2, flow.y, "お手続きができない理由のお知らせ")
    flow.space(9 * mm)
    when = f"{wareki(notice.request_date)}に" if notice.request_date else ""
    flow.paragraph(f"{when}お申出のあった次のお手続きは、下記の理由によりお受けすることができませんので、お知らせします。",
                   size=10.5)
    flow.space(2 * mm)
    flow.fields([("お手続き", notice.procedure)], label_w=28 * mm, size=10)
    flow.heading("理由")
    for i, reason in enumerate(notice.reasons, start=1):
        flow.paragraph(f"{i}　{reason.text}", size=10.5, indent=2 * mm)
        flow.paragraph(f"根拠：{reason.source}", size=8.5, font=GOTHIC, indent=7 * mm)
        flow.space(1.5 * mm)
    if notice.appeal:
        flow.heading("教示")
        for line in appeal_guidance(office):
            flow.paragraph(line, size=9, indent=2 * mm, leading=1.45)
        flow.paragraph(f"根拠：{APPEAL_SOURCE}", size=8, font=GOTHIC, indent=7 * mm)
    return _close(buf, flow, office, gap=6 * mm)


def render_refusal(notice: RefusalNotice) -> bytes:
    return render_refusal_with_pages(notice)[0]


__all__ = [
    "CoverLetter", "Enclosure", "MailingAddress", "RefusalNotice", "build_cover_letter",
    "check_mailing_address", "issue_cover_letter", "perpetrator_addresses",
    "render_cover_letter", "render_refusal", "same_address",
]

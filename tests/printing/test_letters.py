"""Refusal notice and mailing cover letter: read back, and never to a perpetrator's address."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.printing import PerpetratorAddressError, PrintRefused
from app.printing.issuance import issuance_history
from app.printing.letters import (
    CoverLetter, Enclosure, MailingAddress, RefusalNotice, build_cover_letter, issue_cover_letter,
    perpetrator_addresses, render_cover_letter, render_refusal,
)
from app.printing.samples import add_household, add_resident
from app.printing.slip import SlipReason
from app.store.normalize import fold_address
from tests.address_spellings import EQUIVALENT

from .pdfread import pdf_pages_text, pdffonts, squash

DAY = dt.date(2026, 11, 25)
ENCLOSED = [Enclosure("住民票の写し", 1, "20261125-00-T001-000001", carries_my_number=True)]


def text_of(pdf: bytes) -> str:
    return squash("".join(pdf_pages_text(pdf)))


def assert_no_perpetrator_address(store, pdf: bytes):
    text = text_of(pdf)
    for address in perpetrator_addresses(store):
        assert squash(address) not in text
        assert fold_address(address) not in fold_address(text)


def test_cover_letter_to_registered_address(store, town, office, tmp_path):
    letter = build_cover_letter(store, town.head, ENCLOSED, subject_ids=[town.head], office=office, issued_on=DAY)
    pdf = render_cover_letter(letter)
    text = text_of(pdf)
    assert "研修市中央一丁目2番3号" in text and "山田太郎様" in text and "〒100-0001" in text
    assert "送付書" in text.replace("　", "") and "転送不要" in text and "個人番号（マイナンバー）" in text
    assert "20261125-00-T001-000001" in text and "1/1頁" in text
    assert all(f["emb"] == "yes" for f in pdffonts(pdf, tmp_path))
    assert_no_perpetrator_address(store, pdf)


def test_never_to_the_perpetrator_resident(store, town, office):
    with pytest.raises(PerpetratorAddressError):
        build_cover_letter(store, town.perpetrator, ENCLOSED, office=office, subject_ids=[town.victim])
    with pytest.raises(PerpetratorAddressError):       # subjects not known: screened against every measure
        build_cover_letter(store, town.perpetrator, ENCLOSED, office=office)


def test_the_perpetrators_own_copy_goes_to_his_own_address(store, town, office):
    """Nothing about a protected person is in it: the over-block of the old check is gone."""
    letter = build_cover_letter(store, town.perpetrator, ENCLOSED, subject_ids=[town.perpetrator], office=office,
                                issued_on=DAY)
    issued = issue_cover_letter(store, letter, staff_id=town.staff_clerk)
    assert "研修市西町九丁目9番9号" in text_of(issued.pdf) and "高橋健様" in text_of(issued.pdf)


@pytest.mark.parametrize("spelling", [s for group in EQUIVALENT[:2] for s in group[2]])
def test_every_spelling_of_a_perpetrators_address_is_refused(store, town, office, spelling):
    """The shared table of equivalent spellings: a measure recording one spelling blocks all."""
    label, _key, spellings = next(g for g in EQUIVALENT[:2] if spelling in g[2])
    with store.transaction() as conn:
        conn.execute("UPDATE support_measures SET perpetrator_address = ?", (spellings[0],))
    with pytest.raises(PerpetratorAddressError):
        build_cover_letter(store, "", ENCLOSED, office=office, subject_ids=[town.victim],
                           address=MailingAddress("", "某", "", spelling))


@pytest.mark.parametrize("address", [
    "研修市東町二丁目8番8号",                    # the measure's perpetrator_address, as written
    "研修市東町2-8-8",                            # another notation
    "東京都研修市東町２丁目８番８号 コーポ東201",   # full width, prefecture, a room in the building
    "研修市西町九丁目9番9号",                    # the perpetrator resident's own registered address
])
def test_never_to_an_address_of_a_perpetrator(store, town, office, address):
    with store.transaction() as conn:
        hh = add_household(conn, "H0100", address)
        someone = add_resident(conn, hh, "佐々木", "花", "ササキ", "ハナ", "1970-01-01", 2, address,
                               relationship="世帯主", serial=40)
    with pytest.raises(PerpetratorAddressError):
        build_cover_letter(store, someone, ENCLOSED, office=office, subject_ids=[town.victim])
    with pytest.raises(PerpetratorAddressError):
        build_cover_letter(store, "", ENCLOSED, office=office, subject_ids=[town.victim],
                           address=MailingAddress("", "弁護士　山本　一郎", "100-0002", address))
    # a copy about someone the measure does not protect may go there
    assert build_cover_letter(store, someone, ENCLOSED, office=office, subject_ids=[someone]).screened


def test_ended_measures_still_block(store, town, office):
    with store.transaction() as conn:
        conn.execute("UPDATE support_measures SET status = 'ended', ended_date = '2026-02-01'")
    with pytest.raises(PerpetratorAddressError):
        build_cover_letter(store, "", ENCLOSED, office=office, subject_ids=[town.victim],
                           address=MailingAddress("", "某", "", "研修市東町二丁目8番8号"))


def test_renderer_rechecks_a_tampered_or_unscreened_letter(store, town, office):
    letter = build_cover_letter(store, town.head, ENCLOSED, office=office)
    tampered = dataclasses.replace(letter, addressee=MailingAddress(town.head, "山田　太郎", "", "研修市東町2-8-8"))
    with pytest.raises(PerpetratorAddressError):
        render_cover_letter(tampered)
    handmade = CoverLetter(addressee=MailingAddress("", "某", "", "研修市東町2-8-8"), enclosures=tuple(ENCLOSED),
                           office=office)
    with pytest.raises(PrintRefused):
        render_cover_letter(handmade)


def test_issue_rescreens_against_the_store(store, town, office):
    letter = build_cover_letter(store, town.head, ENCLOSED, subject_ids=[town.head, town.wife], office=office,
                                issued_on=DAY)
    issued = issue_cover_letter(store, letter, staff_id=town.staff_clerk)
    rows = issuance_history(store, resident_id=town.head)
    assert rows[0]["issue_number"] == issued.issue_number and rows[0]["document_type"] == "cover_letter"
    assert rows[0]["delivery"] == "post"
    assert f"送付書番号{issued.issue_number}" in text_of(issued.pdf)
    # a measure recorded after the letter was built (ended already, which still screens the mailing),
    # protecting the wife from someone at the head's address
    with store.transaction() as conn:
        conn.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, perpetrator_address)"
                     " VALUES ('m2', ?, 'stalking', 'ended', '2026-11-25', '研修市中央1-2-3')", (town.wife,))
    with pytest.raises(PerpetratorAddressError):
        issue_cover_letter(store, letter, staff_id=town.staff_clerk)
    assert len(issuance_history(store)) == 1


def test_removed_addressee_cannot_be_mailed(store, town, office):
    with pytest.raises(PrintRefused):
        build_cover_letter(store, town.removed, ENCLOSED, office=office)
    with pytest.raises(PrintRefused):
        build_cover_letter(store, town.head, [], office=office)


def test_refusal_notice(store, town, office, tmp_path):
    reason = SlipReason("加害者からの請求のため、住民票の写し等を交付することはできません。",
                        "DV等支援措置に係る総務省通知（平成30年3月28日）")
    notice = RefusalNotice(requester_name="高橋　健", procedure="住民票の写し等の交付", reasons=(reason,),
                           office=office, case_id="case-1", request_date=DAY, issued_on=DAY)
    pdf = render_refusal(notice)
    text = text_of(pdf)
    assert "高橋健様" in text and "お手続きができない理由のお知らせ" in text
    assert squash(reason.text) in text and "根拠：DV等支援措置に係る総務省通知（平成30年3月28日）" in text
    assert "審査請求" in text and "行政不服審査法第82条" in text and "1/1頁" in text
    assert "研修市長" in text and "令和8年11月25日" in text
    assert_no_perpetrator_address(store, pdf)
    assert "研修市南町" not in text  # no address of anyone on a refusal notice
    without = text_of(render_refusal(dataclasses.replace(notice, appeal=False, training=True)))
    assert "審査請求" not in without and "見本SPECIMEN" in without
    with pytest.raises(PrintRefused):
        render_refusal(dataclasses.replace(notice, reasons=()))
    assert all(f["emb"] == "yes" for f in pdffonts(pdf, tmp_path))

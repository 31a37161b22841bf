"""Copies of the resident record, read back from the PDF: what must and must not be printed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from app.printing import (
    NumberNotEntitledError, PrintRefused, build_copy_request, render_copy, render_copy_with_pages,
)
from app.printing.model import Delivery, PersonRecord
from app.rules.codes import DocumentType as D, Item as I, RequesterType as R

from .pdfread import pdf_pages_text, pdffonts, pdftotext, squash

ALL_ITEMS = {I.HOUSEHOLD, I.DOMICILE, I.HISTORY, I.MY_NUMBER, I.RESIDENT_CODE}
NUMBERS = {I.MY_NUMBER, I.RESIDENT_CODE}
DAY = dt.date(2026, 11, 25)


def household_ids(town):
    return [town.lodger, town.child_young, town.wife, town.child_old, town.head]


def numbered(request, number="20261125-00-T001-000099"):
    return dataclasses.replace(request, issue_number=number, issued_on=DAY)


def all_numbers(store, ids):
    rows = store.conn.execute(
        f"SELECT my_number, resident_code FROM residents WHERE id IN ({','.join('?' * len(ids))})", ids
    ).fetchall()
    return [n for row in rows for n in row]


def test_household_copy_with_numbers_order_pages_and_certification(store, town, tmp_path):
    req = numbered(build_copy_request(store, D.JUMINHYO, household_ids(town), items=ALL_ITEMS,
                                      entitled_numbers=NUMBERS, issued_on=DAY))
    pdf, pages = render_copy_with_pages(req)
    assert pages == 2
    texts = [squash(t) for t in pdf_pages_text(pdf)]
    assert len(texts) == 2
    # household order: head, wife, children by birth date on sheet 1 (four per sheet), lodger after
    first = texts[0]
    positions = [first.index(name) for name in ("山田太郎", "山田花子", "山田一郎", "山田次郎")]
    assert positions == sorted(positions)
    assert "田中実" not in first and "田中実" in texts[1]
    # page x/y and the issue number on every page
    for n, text in enumerate(texts, start=1):
        assert f"{n}/2頁" in text
        assert "交付番号20261125-00-T001-000099" in text
        assert "普通紙" in text
    # the certification sentence, date and mayor only on the last page; continuation mark on the first
    sentence = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    assert sentence not in texts[0] and sentence in texts[1]
    assert "研修市長" not in texts[0] and "研修市長" in texts[1]
    assert "令和8年11月25日" not in texts[0] and "令和8年11月25日" in texts[1]
    assert "次頁に続く" in texts[0] and "以下余白" in texts[1]
    # the numbers are on it, because requested and entitled
    for number in all_numbers(store, household_ids(town)):
        assert number in "".join(texts)
    # 旧氏, era dates (1989-01-08 is 平成元年), relationship and domicile items
    assert "旧氏佐藤（サトウ）" in first
    assert "平成元年1月8日" in first and "昭和35年2月10日" in first
    assert "世帯主山田太郎" in first and "続柄妻" in first and "続柄同居人" in texts[1]
    assert "東京都千代田区千代田一丁目1番" in first and "前住所" in first
    # poppler agrees page by page
    poppler = [squash(t) for t in pdftotext(pdf, tmp_path)]
    assert len(poppler) == 2 and sentence in poppler[1] and sentence not in poppler[0]


def test_my_number_and_code_absent_unless_requested(store, town, tmp_path):
    req = numbered(build_copy_request(store, D.JUMINHYO, household_ids(town), items={I.HOUSEHOLD},
                                      entitled_numbers=NUMBERS))
    assert all(p.my_number is None and p.resident_code is None for p in req.persons)
    pdf = render_copy(req)
    text = "".join(squash(t) for t in pdf_pages_text(pdf)) + "".join(squash(t) for t in pdftotext(pdf, tmp_path))
    assert "個人番号" not in text and "住民票コード" not in text
    for number in all_numbers(store, household_ids(town)):
        assert number not in text
    assert not re.search(r"\d{12}", text)


@pytest.mark.parametrize("requested, entitled", [
    ({I.MY_NUMBER}, set()),
    ({I.RESIDENT_CODE}, set()),
    ({I.MY_NUMBER, I.RESIDENT_CODE}, {I.RESIDENT_CODE}),
    ({I.MY_NUMBER}, {I.RESIDENT_CODE}),
])
def test_numbers_without_entitlement_are_refused(store, town, requested, entitled):
    with pytest.raises(NumberNotEntitledError):
        build_copy_request(store, D.JUMINHYO, [town.head], items=requested, entitled_numbers=entitled)


def test_renderer_refuses_numbers_even_if_the_builder_was_bypassed(store, town):
    good = build_copy_request(store, D.JUMINHYO, [town.head], items={I.MY_NUMBER}, entitled_numbers={I.MY_NUMBER})
    # a caller that drops the entitlement but keeps the item
    with pytest.raises(NumberNotEntitledError):
        render_copy(dataclasses.replace(good, entitled_numbers=frozenset()))
    # a caller that smuggles a loaded number into a request that does not print it
    with pytest.raises(NumberNotEntitledError):
        render_copy(dataclasses.replace(good, items=frozenset(), entitled_numbers=frozenset()))
    # a hand-made person with a number, no entitlement
    person = PersonRecord(resident_id="x", family_name="山田", given_name="太郎", my_number="123456789018")
    with pytest.raises(NumberNotEntitledError):
        render_copy(dataclasses.replace(good, persons=(person,), items=frozenset(), entitled_numbers=frozenset()))


@pytest.mark.parametrize("requester, delivery, ok", [
    (R.SELF, Delivery.COUNTER, True),
    (R.SAME_HOUSEHOLD, Delivery.COUNTER, True),
    (R.LEGAL_REPRESENTATIVE, Delivery.COUNTER, True),
    (R.MESSENGER, Delivery.COUNTER, False),
    (R.MESSENGER, Delivery.POST, True),
    (R.VOLUNTARY_AGENT, Delivery.COUNTER, False),
    (R.VOLUNTARY_AGENT, Delivery.POST, True),
    (R.THIRD_PARTY, Delivery.COUNTER, False),
    (R.PROFESSIONAL, Delivery.POST, False),
    (R.PUBLIC_BODY, Delivery.COUNTER, False),
])
def test_second_line_of_defence_table(store, town, requester, delivery, ok):
    def build():
        return build_copy_request(store, D.JUMINHYO, [town.head], items={I.MY_NUMBER},
                                  entitled_numbers={I.MY_NUMBER}, requester_type=requester, delivery=delivery)
    if ok:
        assert b"%PDF" in render_copy(build())[:8]
    else:
        with pytest.raises(NumberNotEntitledError):
            build()


def test_no_numbers_on_fuhyo(store, town):
    with pytest.raises(NumberNotEntitledError):
        build_copy_request(store, D.FUHYO, [town.head], items={I.MY_NUMBER}, entitled_numbers={I.MY_NUMBER})


def test_part_of_household_and_per_person_copy(store, town):
    req = numbered(build_copy_request(store, D.JUMINHYO, [town.wife, town.head], items={I.HOUSEHOLD}))
    assert not req.whole_household
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert "この写しは、世帯の一部の住民票の原本と相違ないことを証明する。" in text
    assert text.index("山田太郎") < text.index("山田花子")
    one = numbered(build_copy_request(store, D.JUMINHYO, [town.foreign]))
    assert one.whole_household  # a one-person household
    text = squash("".join(pdf_pages_text(render_copy(one))))
    assert "世帯全員" in text and "1/1頁" in text and "世帯主" not in text and "続柄" not in text


def test_foreign_resident_western_dates_and_alias(store, town):
    req = numbered(build_copy_request(store, D.JUMINHYO, [town.foreign], items={I.HOUSEHOLD, I.DOMICILE}))
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert "1990年4月1日" in text and "平成2年4月1日" not in text
    assert "2027年3月31日" in text and "令和9年3月31日" not in text
    assert "昭和60年4月1日" in text  # other dates stay in the era calendar
    assert "通称山本ジョン" in text and "SMITHJOHNALEXANDER" in text
    assert "アメリカ合衆国" in text and "中長期在留者" in text and "技術・人文知識・国際業務" in text
    assert "本籍" not in text  # a foreign resident has no domicile


def test_removed_record_copy(store, town):
    req = numbered(build_copy_request(store, D.JUMINHYO_REMOVED, [town.removed], items={I.HISTORY}))
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert "住民票の除票" in text.replace("　", "")
    assert "平成31年4月30日転出" in text and "福岡県福岡市中央区天神一丁目1番1号" in text
    assert "昭和元年12月25日" in text  # born on the first day of Shōwa
    assert "この写しは、住民票の除票の原本と相違ないことを証明する。" in text
    with pytest.raises(PrintRefused):
        render_copy(build_copy_request(store, D.JUMINHYO, [town.removed]))
    with pytest.raises(PrintRefused):
        render_copy(build_copy_request(store, D.JUMINHYO_REMOVED, [town.head]))


def test_fuhyo_and_kisai_jiko(store, town):
    req = numbered(build_copy_request(store, D.FUHYO, [town.head, town.wife], items={I.HISTORY}))
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert "戸籍の附票" in text.replace("　", "") and "筆頭者山田太郎" in text
    assert "この写しは、戸籍の附票の原本と相違ないことを証明する。" in text
    assert "住所を定めた年月日平成22年3月15日" in text
    with pytest.raises(PrintRefused):
        render_copy(build_copy_request(store, D.FUHYO, [town.foreign]))
    req = numbered(build_copy_request(store, D.KISAI_JIKO, [town.head], purpose="年金事務所へ提出"))
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert "上記の事項は、住民票に記載されていることを証明する。" in text and "年金事務所へ提出" in text
    assert "研修市中央一丁目2番3号" in text


def test_persons_of_two_households_refused(store, town):
    with pytest.raises(PrintRefused):
        render_copy(build_copy_request(store, D.JUMINHYO, [town.head, town.foreign]))


def test_training_specimen_and_preview_marks_on_every_page(store, town):
    req = build_copy_request(store, D.JUMINHYO, household_ids(town), training=True)
    texts = [squash(t) for t in pdf_pages_text(render_copy(numbered(req)))]
    assert len(texts) == 2 and all("見本SPECIMEN" in t for t in texts)
    texts = [squash(t) for t in pdf_pages_text(render_copy(dataclasses.replace(req, training=False)))]
    assert all("プレビューPREVIEW" in t and "未発行" in t and "見本" not in t for t in texts)


def test_plain_paper_notice_follows_the_setting(store, town):
    store.set_setting("printing.plain_paper", False)
    req = numbered(build_copy_request(store, D.JUMINHYO, [town.head]))
    assert "普通紙" not in squash("".join(pdf_pages_text(render_copy(req))))


def test_a4_portrait_fonts_embedded_and_nothing_outside_the_page(store, town, tmp_path):
    req = numbered(build_copy_request(store, D.JUMINHYO, household_ids(town), items=ALL_ITEMS,
                                      entitled_numbers=NUMBERS, training=True))
    pdf = render_copy(req)
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842
    fonts = pdffonts(pdf, tmp_path)
    assert {f["name"].split("+")[-1] for f in fonts} == {"IPAexGothic", "IPAexMincho"}
    assert all(f["emb"] == "yes" for f in fonts)
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html)
    assert words
    for x0, y0, x1, y1, word in words:
        if word in ("見本", "SPECIMEN"):  # the diagonal training mark
            continue
        assert 28 <= float(x0) and float(x1) <= 567, word   # inside 10 mm side margins
        assert 28 <= float(y0) and float(y1) <= 814, word


def test_long_address_is_shrunk_or_wrapped_never_cut(store, town):
    long = "研修市中央一丁目2番3号" + "グランドメゾン研修中央タワーレジデンス東棟" * 3 + "12階1203号室"
    with store.transaction() as conn:
        conn.execute("UPDATE households SET address = ? WHERE id = ?", (long, town.household))
        conn.execute("UPDATE residents SET previous_address = ? WHERE id = ?", (long, town.head))
    req = numbered(build_copy_request(store, D.JUMINHYO, [town.head], items={I.HISTORY}))
    text = squash("".join(pdf_pages_text(render_copy(req))))
    assert text.count(long) == 2


def test_pages_render_to_png(store, town, tmp_path):
    pdf = render_copy(numbered(build_copy_request(store, D.JUMINHYO, household_ids(town))))
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 2 and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_current_household_copy_may_show_a_removed_member(store, town):
    from app.printing.samples import add_resident

    with store.transaction() as conn:
        late = add_resident(conn, town.household, "山田", "梅", "ヤマダ", "ウメ", "1930-03-03", 2,
                            "研修市中央一丁目2番3号", relationship="母", serial=30, status="removed",
                            removal_reason="deceased", removal_date="2019-05-01")
    req = numbered(build_copy_request(store, D.JUMINHYO, household_ids(town) + [late], items={I.HOUSEHOLD}))
    assert req.whole_household
    texts = [squash(t) for t in pdf_pages_text(render_copy(req))]
    joined = "".join(texts)
    assert "山田梅" in joined and "令和元年5月1日死亡" in joined
    # order: children and lodger around the mother as DOMAIN says (parents after children)
    assert joined.index("山田次郎") < joined.index("山田梅") < joined.index("田中実")


def test_demo_store_always_prints_specimens(store, town):
    store.set_setting("demo", {"seed": 7})
    req = build_copy_request(store, D.JUMINHYO, [town.head], training=False)
    assert req.training
    assert "見本SPECIMEN" in squash("".join(pdf_pages_text(render_copy(numbered(req)))))

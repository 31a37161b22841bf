"""Official name readings (氏名の振り仮名) and 旧氏 readings on copies of the resident record, read
back from real PDFs (pypdf and poppler) and rendered to PNG: the certified reading is printed
where the record has one, the search kana never; the glyphs exist in the embedded font."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from reportlab.pdfbase import pdfmetrics

from app.printing import build_copy_request, render_copy
from app.printing.copies import READING_LABEL
from app.printing.fonts import GOTHIC, MINCHO, register_fonts
from app.rules.codes import DocumentType as D, Item as I

from .pdfread import pdf_pages_text, pdffonts, pdftotext, squash

DAY = dt.date(2026, 11, 25)


def _text(store, ids, tmp_path, document=D.JUMINHYO, items=frozenset({I.HOUSEHOLD})) -> tuple[str, str]:
    pdf = render_copy(build_copy_request(store, document, ids, items=set(items), issued_on=DAY))
    return "".join(squash(t) for t in pdf_pages_text(pdf)), "".join(squash(t) for t in pdftotext(pdf, tmp_path))


def test_household_copy_prints_each_recorded_reading(store, town, tmp_path):
    pypdf_text, poppler_text = _text(store, [town.head, town.wife, town.child_old, town.child_young], tmp_path)
    for text in (pypdf_text, poppler_text):
        assert text.count(READING_LABEL) == 3        # three of the four have an official reading
        assert "ヤマダタロウ" in text and "ヤマダハナコ" in text and "ヤマダイチロウ" in text
        assert "ジロウ" not in text                   # the younger son: no reading recorded yet
        assert "旧氏佐藤（サトウ）" in text            # the 旧氏 reading after the 旧氏


def test_the_official_reading_not_the_search_kana(store, town, tmp_path):
    # the lodger's search kana says ミノル, the family register ミノリ
    for text in _text(store, [town.lodger], tmp_path):
        assert "タナカミノリ" in text and "ミノル" not in text


def test_no_reading_recorded_no_reading_printed(store, town, tmp_path):
    for text in _text(store, [town.child_young], tmp_path, items=frozenset()):
        assert READING_LABEL not in text and "ヤマダ" not in text and "山田次郎" in text


def test_a_former_surname_without_its_official_reading(store, town, tmp_path):
    with store.transaction() as c:
        c.execute("UPDATE residents SET former_furigana = NULL, former_furigana_date = NULL, "
                  "former_furigana_source = NULL WHERE id = ?", (town.wife,))
    for text in _text(store, [town.wife], tmp_path, items=frozenset()):
        assert "旧氏佐藤" in text and "サトウ" not in text      # the search kana of the 旧氏 is not printed


@pytest.mark.parametrize("document", [D.KISAI_JIKO, D.FUHYO])
def test_certificate_and_fuhyo_print_the_reading(store, town, tmp_path, document):
    for text in _text(store, [town.wife], tmp_path, document=document, items=frozenset()):
        assert "ヤマダハナコ" in text and "旧氏佐藤（サトウ）" in text


def test_readings_render_with_embedded_fonts_that_have_the_glyphs(store, town, tmp_path):
    pdf = render_copy(build_copy_request(store, D.JUMINHYO, [town.head, town.wife, town.lodger],
                                         items={I.HOUSEHOLD}, issued_on=DAY))
    fonts = pdffonts(pdf, tmp_path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    register_fonts()
    printed = "ヤマダタロウハナコタナカミノリサトウ" + READING_LABEL + "ョッャーヴ"
    for name in (GOTHIC, MINCHO):
        cmap = pdfmetrics.getFont(name).face.charToGlyph
        assert [ch for ch in printed if ord(ch) not in cmap] == []      # no tofu
    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10_000

"""The sheet every printed document is drawn on: A4 portrait, embedded IPAex fonts, and the
furniture repeated on every page (issue number, page x/y, the plain-paper notice, the training
SPECIMEN mark).

Owns drawing helpers (text fitted into a box without clipping, label/value cells). It must not
know what a document says: the documents in ``copies``, ``slip`` and ``letters`` decide that.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Callable

from reportlab.lib.colors import Color, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as _canvas

from app.printing.fonts import GOTHIC, MINCHO, register_fonts

log = logging.getLogger(__name__)

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 12 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

LABEL_FILL = Color(0.92, 0.92, 0.92)
RULE = Color(0.25, 0.25, 0.25)
GREY = Color(0.45, 0.45, 0.45)
SPECIMEN_RED = Color(0.85, 0.1, 0.1, alpha=0.28)
PREVIEW_GREY = Color(0.4, 0.4, 0.4, alpha=0.22)

PLAIN_PAPER_NOTICE = (
    "この書面は普通紙に印刷されています（偽造防止用紙ではありません）。"
    "　Printed on plain paper, not on anti-copy paper."
)
SPECIMEN_TEXT = "見本  SPECIMEN"
SPECIMEN_NOTE = "研修モードで作成した見本です。証明書として使用できません。 / Training specimen: not a certificate."
PREVIEW_TEXT = "プレビュー  PREVIEW"


@dataclass(frozen=True)
class Furniture:
    """What is repeated on every page of one document."""

    footer_left: str = ""          # e.g. "交付番号 20261125-00-T001-000001"
    footer_office: str = ""        # e.g. "研修市 本庁 市民課 (端末 T001)"
    plain_paper: bool = False
    training: bool = False
    preview: bool = False          # not issued: a certificate rendered without an issue number
    title: str = ""                # PDF metadata


class _FurnishedCanvas(_canvas.Canvas):
    """A canvas that keeps every page until ``save`` so page x/y can be drawn on each."""

    def __init__(self, *args, furniture: Furniture, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._furniture = furniture

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        if not self._pages or self._code:  # a last page that was drawn on but not shown
            self._pages.append(dict(self.__dict__))
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            draw_furniture(self, self._furniture, number, total)
            _canvas.Canvas.showPage(self)
        self.page_count = total
        _canvas.Canvas.save(self)


def new_document(furniture: Furniture) -> tuple[io.BytesIO, _FurnishedCanvas]:
    register_fonts()
    buf = io.BytesIO()
    c = _FurnishedCanvas(buf, pagesize=A4, furniture=furniture, pageCompression=1,
                         initialFontName=GOTHIC, initialFontSize=9)
    c.setTitle(furniture.title)
    c.setAuthor("Madoguchi")
    c.setCreator("Madoguchi")
    c.setSubject(furniture.footer_left)
    return buf, c


def finish_document(buf: io.BytesIO, c: _FurnishedCanvas) -> tuple[bytes, int]:
    c.save()
    return buf.getvalue(), c.page_count


def office_line(office, terminal_id: str | None = None) -> str:
    """The office that printed a document, for the footer: 研修市　本庁 市民課　端末 T001."""
    return f"{office.municipality_name}　{office.office_name}　端末 {terminal_id or office.terminal_id}"


def page_label(number: int, total: int) -> str:
    return f"{number} / {total} 頁"


def draw_furniture(c: _canvas.Canvas, f: Furniture, number: int, total: int) -> None:
    c.saveState()
    # footer: issue number left, page x/y right, office below
    y = MARGIN_BOTTOM
    c.setStrokeColor(RULE)
    c.setLineWidth(0.4)
    c.line(MARGIN_X, y + 9 * mm, PAGE_W - MARGIN_X, y + 9 * mm)
    c.setFillColor(black)
    c.setFont(GOTHIC, 8.5)
    if f.footer_left:
        c.drawString(MARGIN_X, y + 5 * mm, f.footer_left)
    c.drawRightString(PAGE_W - MARGIN_X, y + 5 * mm, page_label(number, total))
    if f.footer_office:
        c.setFont(GOTHIC, 7)
        c.setFillColor(GREY)
        c.drawString(MARGIN_X, y + 1.5 * mm, f.footer_office)
    if f.plain_paper:
        top = PAGE_H - MARGIN_TOP
        c.setFillColor(white)
        c.setStrokeColor(black)
        c.setLineWidth(0.6)
        c.rect(MARGIN_X, top - 5.5 * mm, CONTENT_W, 5.5 * mm, stroke=1, fill=1)
        c.setFillColor(black)
        fit_line(c, PLAIN_PAPER_NOTICE, MARGIN_X + 2 * mm, top - 3.9 * mm, CONTENT_W - 4 * mm, GOTHIC, 7.5,
                 align="center")
    if f.training or f.preview:
        _draw_diagonal(c, SPECIMEN_TEXT if f.training else PREVIEW_TEXT,
                       SPECIMEN_RED if f.training else PREVIEW_GREY)
        if f.training:
            c.setFillColor(Color(0.8, 0.1, 0.1))
            c.setFont(GOTHIC, 8)
            c.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM + 10.5 * mm, SPECIMEN_NOTE)
    c.restoreState()


def _draw_diagonal(c: _canvas.Canvas, text: str, colour: Color) -> None:
    c.saveState()
    c.translate(PAGE_W / 2, PAGE_H / 2)
    c.rotate(50)
    c.setFillColor(colour)
    size = 86
    while stringWidth(text, GOTHIC, size) > PAGE_H * 0.95 and size > 20:
        size -= 4
    c.setFont(GOTHIC, size)
    c.drawCentredString(0, -size / 3, text)
    c.restoreState()


# --------------------------------------------------------------------------- text helpers

_CHAR_WIDTHS: dict[str, dict[str, float]] = {}


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points, from per-character widths cached per font (the fonts have
    no kerning, so the sum is exact and much cheaper than asking reportlab each time)."""
    widths = _CHAR_WIDTHS.setdefault(font, {})
    total = 0.0
    for ch in text:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = stringWidth(ch, font, 1000.0)
        total += w
    return total * size / 1000.0


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``. Japanese breaks between any two
    characters; a Latin word is kept whole where it fits on a line of its own."""
    lines: list[str] = []
    for paragraph in (text or "").split("\n"):
        line, line_w = "", 0.0
        for token in _tokens(paragraph):
            token_w = text_width(token, font, size)
            if line_w + token_w <= width:
                line, line_w = line + token, line_w + token_w
                continue
            if line and token_w <= width:
                lines.append(line.rstrip())
                line = token.lstrip()
                line_w = text_width(line, font, size)
                continue
            # a token wider than a whole line: split it by characters
            for ch in token:
                ch_w = text_width(ch, font, size)
                if line and line_w + ch_w > width:
                    lines.append(line)
                    line, line_w = "", 0.0
                line, line_w = line + ch, line_w + ch_w
        lines.append(line)
    return lines


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


def fit_line(c: _canvas.Canvas, text: str, x: float, y: float, width: float, font: str, size: float,
             *, min_size: float = 5.5, align: str = "left") -> float:
    """Draw one line, shrinking the font until it fits ``width``; returns the size used."""
    while size > min_size and text_width(text, font, size) > width:
        size -= 0.25
    if text_width(text, font, size) > width:
        log.warning("text wider than its box even at %.1f pt (%d chars)", size, len(text))
    c.setFont(font, size)
    if align == "center":
        c.drawCentredString(x + width / 2, y, text)
    elif align == "right":
        c.drawRightString(x + width, y, text)
    else:
        c.drawString(x, y, text)
    return size


def fit_box(c: _canvas.Canvas, text: str, x: float, y: float, w: float, h: float, font: str, size: float,
            *, min_size: float = 5.5, pad: float = 1.2 * mm, leading: float = 1.18,
            valign: str = "middle") -> float:
    """Draw ``text`` inside the box (x, y = bottom-left), wrapping and shrinking as needed so that
    nothing is clipped. Returns the font size used."""
    inner_w, inner_h = w - 2 * pad, h - 2 * pad * 0.6
    lines = wrap(text, inner_w, font, size)
    while size > min_size and (len(lines) * size * leading > inner_h or
                               any(text_width(ln, font, size) > inner_w for ln in lines)):
        size -= 0.25
        lines = wrap(text, inner_w, font, size)
    block = len(lines) * size * leading
    if block > inner_h + 0.5:
        log.warning("text taller than its box even at %.1f pt (%d lines)", size, len(lines))
    c.setFont(font, size)
    if valign == "top":
        first = y + h - pad * 0.6 - size
    else:
        first = y + (h + block) / 2 - size * 0.95
    for i, ln in enumerate(lines):
        c.drawString(x + pad, first - i * size * leading, ln)
    return size


def label_cell(c: _canvas.Canvas, label: str, x: float, y: float, w: float, h: float, *, size: float = 7.5) -> None:
    """A grey label cell with a border."""
    c.setFillColor(LABEL_FILL)
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.rect(x, y, w, h, stroke=1, fill=1)
    c.setFillColor(black)
    fit_box(c, label, x, y, w, h, GOTHIC, size, min_size=5, pad=0.8 * mm)


def value_cell(c: _canvas.Canvas, text: str, x: float, y: float, w: float, h: float, *, size: float = 9.5,
               font: str = MINCHO, valign: str = "middle") -> None:
    c.setStrokeColor(RULE)
    c.setLineWidth(0.5)
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setFillColor(black)
    if text:
        fit_box(c, text, x, y, w, h, font, size, valign=valign)


def spaced(title: str) -> str:
    """A short title letter-spaced the way certificates print it (住　民　票)."""
    return "　".join(title) if len(title) <= 4 else title


def draw_title(c: _canvas.Canvas, title: str, y: float, *, size: float = 18, sub: str = "") -> None:
    c.setFillColor(black)
    c.setFont(MINCHO, size)
    c.drawCentredString(PAGE_W / 2, y, spaced(title))
    if sub:
        c.setFont(GOTHIC, 9)
        c.drawCentredString(PAGE_W / 2, y - 5.5 * mm, sub)


Draw = Callable[[_canvas.Canvas], None]


# --------------------------------------------------------------------------- flowing documents

class Flow:
    """A cursor running down the page for documents of any length (slip, letters): a block that
    does not fit on the rest of the page starts a new one, with ``on_new_page`` drawing the
    continuation heading."""

    def __init__(self, c: _canvas.Canvas, *, top: float, bottom: float = MARGIN_BOTTOM + 14 * mm,
                 on_new_page: Callable[[_canvas.Canvas], float] | None = None):
        self.c = c
        self.top = top
        self.bottom = bottom
        self.y = top
        self.on_new_page = on_new_page

    def need(self, height: float) -> None:
        if self.y - height < self.bottom:
            self.new_page()

    def new_page(self) -> None:
        self.c.showPage()
        self.y = self.on_new_page(self.c) if self.on_new_page else self.top

    def heading(self, text: str, *, size: float = 10.5, gap: float = 3 * mm, keep: float = 12 * mm) -> None:
        """A section heading, kept on the same page as the first ``keep`` of what follows."""
        self.need(size + gap + keep)
        self.y -= gap + size
        self.c.setFillColor(black)
        self.c.setFont(GOTHIC, size)
        self.c.drawString(MARGIN_X, self.y, "■ " + text)
        self.y -= 1.8 * mm

    def paragraph(self, text: str, *, font: str = MINCHO, size: float = 10, indent: float = 0,
                  leading: float = 1.5, width: float | None = None) -> None:
        width = (width or CONTENT_W) - indent
        for line in wrap(text, width, font, size):
            self.need(size * leading)
            self.y -= size * leading
            self.c.setFillColor(black)
            self.c.setFont(font, size)
            self.c.drawString(MARGIN_X + indent, self.y, line)

    def space(self, height: float) -> None:
        self.y -= height

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float], *, size: float = 8.5,
              font: str = MINCHO, header_size: float = 7.5, min_row: float = 6 * mm) -> None:
        """A bordered table; every cell wraps, rows grow to fit, the header repeats on a new page."""
        total = sum(widths)
        ws = [CONTENT_W * w / total for w in widths]
        pad = 1.2 * mm

        def row_height(cells: list[str], fnt: str, sz: float) -> float:
            lines = max((len(wrap(t, w - 2 * pad, fnt, sz)) for t, w in zip(cells, ws)), default=1)
            return max(min_row, lines * sz * 1.25 + 2 * pad)

        def draw_row(cells: list[str], fnt: str, sz: float, fill: bool) -> None:
            h = row_height(cells, fnt, sz)
            x = MARGIN_X
            for text, w in zip(cells, ws):
                self.c.setStrokeColor(RULE)
                self.c.setLineWidth(0.5)
                if fill:
                    self.c.setFillColor(LABEL_FILL)
                    self.c.rect(x, self.y - h, w, h, stroke=1, fill=1)
                else:
                    self.c.rect(x, self.y - h, w, h, stroke=1, fill=0)
                self.c.setFillColor(black)
                self.c.setFont(fnt, sz)
                for i, line in enumerate(wrap(text, w - 2 * pad, fnt, sz)):
                    self.c.drawString(x + pad, self.y - pad - sz * 0.95 - i * sz * 1.25, line)
                x += w
            self.y -= h

        head_h = row_height(headers, GOTHIC, header_size)
        self.need(head_h + row_height(rows[0], font, size) if rows else head_h)
        draw_row(headers, GOTHIC, header_size, True)
        for cells in rows:
            h = row_height(cells, font, size)
            if self.y - h < self.bottom:
                self.new_page()
                draw_row(headers, GOTHIC, header_size, True)
            draw_row(cells, font, size, False)

    def fields(self, pairs: list[tuple[str, str]], *, label_w: float = 32 * mm, size: float = 9) -> None:
        """Label / value rows (a two-column form)."""
        pad = 1.2 * mm
        for label, value in pairs:
            lines = wrap(value, CONTENT_W - label_w - 2 * pad, MINCHO, size)
            h = max(6.5 * mm, len(lines) * size * 1.3 + 2 * pad)
            self.need(h)
            label_cell(self.c, label, MARGIN_X, self.y - h, label_w, h)
            value_cell(self.c, value, MARGIN_X + label_w, self.y - h, CONTENT_W - label_w, h, size=size)
            self.y -= h

"""The processing slip (処理票) printed for every case: case type, requester, targets, every
checklist item with who ticked it and when, what was entered, the confirmer fields (clerk; the
support officer where a release was given; the third person who confirmed the re-lock), the
decision with its legal basis, and the documents issued.

Takes a plain :class:`ProcessingSlip` (``app.printing.case_adapter.slip_from_case`` fills one from
the workflow engine's case). It is an internal record: it never shows a My Number — any run of
12 digits is masked whatever the caller hands in — and never a PIN (none exists to hand in).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.config import OfficeConfig
from app.ids import mask_my_number
from app.printing.era import as_date, wareki
from app.printing.fonts import GOTHIC, MINCHO
from app.printing.layout import (
    CONTENT_W, MARGIN_TOP, MARGIN_X, PAGE_H, PAGE_W, RULE, Flow, Furniture, draw_title, finish_document,
    fit_box, label_cell, new_document, office_line,
)

_TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def redact(text: str) -> str:
    """Mask anything shaped like a My Number (12 digits) in text printed on a slip."""
    return _TWELVE_DIGITS.sub(lambda m: mask_my_number(m.group(0)), text or "")


def local_time(at: str) -> str:
    """An ISO timestamp as the terminal's local date and time, era calendar: 令和8年11月25日 10:15:02."""
    if not at:
        return ""
    try:
        moment = _dt.datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{wareki(moment.date())} {moment:%H:%M:%S}"


@dataclass(frozen=True)
class SlipCheck:
    """One checklist item: who ticked it and when (unticked items show as 未確認)."""

    step: str
    label: str
    checked: bool
    by: str = ""
    at: str = ""            # ISO timestamp


@dataclass(frozen=True)
class SlipEntry:
    """One value entered during the case (already in words: choice labels, names, era dates)."""

    label: str
    value: str
    by: str = ""
    at: str = ""


@dataclass(frozen=True)
class Confirmer:
    """A confirmer field (確認者欄): the role, who, when, and a note (e.g. the release's scope)."""

    role: str
    name: str = ""
    at: str = ""
    note: str = ""


@dataclass(frozen=True)
class SlipReason:
    text: str               # what the clerk read aloud (ja)
    source: str             # the rule it comes from


@dataclass(frozen=True)
class ProcessingSlip:
    case_id: str
    case_type: str                      # label, e.g. 住民票の写し等の交付
    status: str                         # label, e.g. 完了
    opened_at: str
    opened_by: str
    terminal_id: str
    office: OfficeConfig
    requester: tuple[tuple[str, str], ...] = ()     # (label, value) pairs: type, name, ...
    targets: tuple[str, ...] = ()                   # names (with their role on the case)
    checks: tuple[SlipCheck, ...] = ()
    entries: tuple[SlipEntry, ...] = ()
    confirmers: tuple[Confirmer, ...] = ()
    decision: str = ""                  # outcome label, e.g. 交付可 / 不可
    reasons: tuple[SlipReason, ...] = ()
    issued: tuple[str, ...] = ()        # e.g. "住民票の写し 20261125-00-T001-000001 (2頁)"
    printed_at: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc).isoformat())
    training: bool = False


def _continuation(slip: ProcessingSlip):
    def heading(c: Canvas) -> float:
        top = PAGE_H - MARGIN_TOP - 6 * mm
        c.setFillColor(black)
        c.setFont(GOTHIC, 9)
        c.drawString(MARGIN_X, top, f"処理票（続き）　案件番号 {slip.case_id}")
        return top - 4 * mm

    return heading


def render_slip_with_pages(slip: ProcessingSlip) -> tuple[bytes, int]:
    furniture = Furniture(
        footer_left=f"処理票　案件番号 {slip.case_id}",
        footer_office=f"{office_line(slip.office, slip.terminal_id)}　印刷 {local_time(slip.printed_at)}",
        training=slip.training, title="処理票",
    )
    buf, c = new_document(furniture)
    top = PAGE_H - MARGIN_TOP - 8 * mm
    draw_title(c, "処理票", top, size=17)
    c.setFont(GOTHIC, 7.5)
    c.drawRightString(PAGE_W - MARGIN_X, top + 1 * mm, "内部記録（交付しない）")
    flow = Flow(c, top=top - 6 * mm, on_new_page=_continuation(slip))
    flow.fields([
        ("案件番号", slip.case_id),
        ("手続の種類", slip.case_type),
        ("状態", slip.status),
        ("受付", f"{local_time(slip.opened_at)}　{slip.opened_by}　（端末 {slip.terminal_id}）"),
    ])
    flow.heading("請求者・対象者")
    pairs = [(label, redact(value)) for label, value in slip.requester] or [("請求者", "（記録なし）")]
    pairs.append(("対象者", "、".join(slip.targets) if slip.targets else "（なし）"))
    flow.fields(pairs)
    flow.heading("確認事項（チェックリスト）")
    if slip.checks:
        flow.table(["手順", "確認項目", "確認", "確認者", "日時"],
                   [[c_.step, c_.label, "済" if c_.checked else "未確認", c_.by, local_time(c_.at)]
                    for c_ in slip.checks], [2.2, 5.0, 0.9, 1.8, 3.3])
    else:
        flow.paragraph("（確認項目なし）", size=9)
    if slip.entries:
        flow.heading("入力事項")
        flow.table(["項目", "内容", "入力者", "日時"],
                   [[e.label, redact(e.value), e.by, local_time(e.at)] for e in slip.entries],
                   [2.6, 5.4, 1.8, 3.3])
    flow.heading("判定")
    flow.fields([("結果", slip.decision or "（判定なし）")])
    if slip.reasons:
        flow.table(["理由", "根拠"], [[redact(r.text), r.source] for r in slip.reasons], [6.5, 4.5])
    if slip.issued:
        flow.heading("交付した書類")
        for line in slip.issued:
            flow.paragraph("・" + line, size=9, leading=1.45)
    _confirmer_boxes(flow, slip.confirmers)
    c.showPage()
    return finish_document(buf, c)


def _confirmer_boxes(flow: Flow, confirmers: tuple[Confirmer, ...]) -> None:
    """確認者欄: one column per confirmer, with the printed name and time and a box for a seal."""
    head_h, body_h = 6 * mm, 24 * mm
    flow.heading("確認者欄", keep=head_h + body_h + 2 * mm)
    cols = max(len(confirmers), 3)
    width = CONTENT_W / cols
    c = flow.c
    for i in range(cols):
        x = MARGIN_X + i * width
        conf = confirmers[i] if i < len(confirmers) else Confirmer("")
        label_cell(c, conf.role or "　", x, flow.y - head_h, width, head_h)
        c.setStrokeColor(RULE)
        c.rect(x, flow.y - head_h - body_h, width, body_h, stroke=1, fill=0)
        c.setFillColor(black)
        y = flow.y - head_h - 4.5 * mm
        for text, font, size in ((conf.name, MINCHO, 10), (local_time(conf.at), GOTHIC, 7),
                                 (conf.note, GOTHIC, 6.5)):
            if text:
                fit_box(c, text, x, y - 1.5 * mm, width - 12 * mm, 6 * mm, font, size, min_size=4.5)
                y -= 6 * mm
        # seal box
        c.setStrokeColor(RULE)
        c.setDash(1.5, 1.5)
        c.rect(x + width - 11 * mm, flow.y - head_h - 12 * mm, 9 * mm, 9 * mm, stroke=1, fill=0)
        c.setDash()
    flow.y -= head_h + body_h


def render_slip(slip: ProcessingSlip) -> bytes:
    return render_slip_with_pages(slip)[0]


def era_date_text(value: str) -> str:
    """An ISO date entered on a case, printed in the era calendar."""
    day = as_date(value)
    return wareki(day) if day else value

"""Reports of the supervisor's desk, UI-free: the monthly reconciliation of support measures
(``madoguchi measures reconcile``) and the daily / monthly report (``madoguchi report``), as data,
as text and as PDF (reportlab, IPAex fonts, the printing package's page furniture).

**Reconciliation of a month** — every application in the ledger (applied by the end of the month
and not ended before it began) against its blocks: each linked system, who confirmed it blocked and
when; registrations still waiting for their second person; renewals due (ending within 30 days or
past the end); forwardings (sent, acknowledged by the receiving side, received); every release and
refusal by a support officer in the month with who and why. Applications without a complete set
of blocks come first, and :attr:`Reconciliation.ok` is false (the command exits non-zero). The
PDF has sign-off fields; the supervisor's sign-off in the window is recorded as an audited ledger
event bound to :meth:`Reconciliation.digest` (``app.security.registration.record_signoff``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from app.desk.supervisor import (CASE_TYPE_LABELS, DOCUMENT_LABELS, QUEUES, STATUS_LABELS, Figures,
                                 Period, QueueItem, label, local_time, minutes, month_period, names_of,
                                 reason_words)
from app.security.registration import (STATE_LABELS, LedgerEntry, ledger, office_today,
                                       signoffs)
# lazy imports: reportlab (printing.layout) loads only when a report is rendered

KIND_LABELS = {"dv": "DV", "stalking": "ストーカー", "child_abuse": "児童虐待", "other": "その他"}


@dataclass(frozen=True)
class Forwarding:
    measure_id: str
    target: str
    direction: str
    municipality: str
    reason: str
    sent: str | None
    received: str | None

    @property
    def state(self) -> str:
        if self.direction == "received":
            return "received"
        return "acknowledged" if self.received else "sent"


FORWARDING_LABELS = {"sent": ("送付済み（受領未確認）", "sent (not yet acknowledged)"),
                     "acknowledged": ("送付・受領確認済み", "sent and acknowledged"),
                     "received": ("受付", "received")}


@dataclass(frozen=True)
class OfficerDecision:
    at: str
    decision: str               # released / refused
    officer: str
    clerk: str
    case_id: str
    documents: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Reconciliation:
    month: str
    as_of: dt.date
    entries: tuple[LedgerEntry, ...]
    targets: dict
    staff: dict
    forwardings: tuple[Forwarding, ...]
    decisions: tuple[OfficerDecision, ...]

    @property
    def incomplete(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.entries if not e.complete)

    @property
    def renewals(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.entries if e.state in ("ending_soon", "overdue"))

    @property
    def ok(self) -> bool:
        return not self.incomplete

    def as_dict(self) -> dict:
        return {
            "month": self.month, "as_of": self.as_of.isoformat(), "ok": self.ok,
            "incomplete": [e.measure.id for e in self.incomplete],
            "applications": [{
                "measure": e.measure.id, "target": self.targets.get(e.measure.target_id, ""),
                "kind": e.measure.kind, "status": e.measure.status, "state": e.state,
                "applied": e.measure.applied_date, "end": e.measure.end_date, "complete": e.complete,
                "pending_confirmations": [r.event.id for r in e.pending_registrations],
                "systems": [{"system": s.system, "confirmed_by": self.staff.get(s.confirmed_by, s.confirmed_by),
                             "blocked_at": s.blocked_at} for s in e.systems]} for e in self.entries],
            "renewals": [e.measure.id for e in self.renewals],
            "forwardings": [vars(f) | {"state": f.state} for f in self.forwardings],
            "decisions": [vars(d) | {"documents": list(d.documents)} for d in self.decisions],
        }

    def digest(self) -> str:
        """SHA-256 of the report's content (what a supervisor signs off)."""
        return hashlib.sha256(json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)
                              .encode()).hexdigest()


def reconcile(store, month: str, *, today: dt.date | None = None) -> Reconciliation:
    conn = store.conn
    period = month_period(month)
    as_of = min(today or office_today(), period.last)
    first = period.first.isoformat()
    entries = tuple(e for e in ledger(conn, as_of, include_ended=True, applied_until=period.last.isoformat())
                    if e.measure.in_force or (e.measure.ended_date or "") >= first)
    start, end = period.bounds()
    decisions_rows = conn.execute(
        "SELECT issued_at, decision, officer_id, handling_staff_id, case_id, documents, reason "
        "FROM releases WHERE issued_at >= ? AND issued_at < ? ORDER BY issued_at", (start, end)).fetchall()
    fw_rows = conn.execute(
        "SELECT f.measure_id, m.target_id, f.direction, f.municipality, COALESCE(f.reason, ''), f.sent_date, "
        "f.received_date FROM support_forwardings f JOIN support_measures m ON m.id = f.measure_id "
        "WHERE (f.sent_date BETWEEN ?1 AND ?2) OR (f.received_date BETWEEN ?1 AND ?2) "
        "OR (f.direction = 'sent' AND f.received_date IS NULL AND f.sent_date <= ?2) "
        "ORDER BY COALESCE(f.sent_date, f.received_date)", (first, period.last.isoformat())).fetchall()
    staff_ids = [r[2] for r in decisions_rows] + [r[3] for r in decisions_rows] + [
        s.confirmed_by for e in entries for s in e.systems] + [
        r.event.staff_id for e in entries for r in e.registrations] + [
        r.confirmation.staff_id for e in entries for r in e.registrations if r.confirmation]
    staff = names_of(conn, "staff", staff_ids)
    targets = names_of(conn, "residents", [e.measure.target_id for e in entries] + [r[1] for r in fw_rows])
    decisions = tuple(OfficerDecision(at, d, staff.get(o, o), staff.get(c, c), case, tuple(json.loads(docs)),
                                      reason or "") for at, d, o, c, case, docs, reason in decisions_rows)
    forwardings = tuple(Forwarding(mid, targets.get(tid, tid), d, muni, reason, sent, rec)
                        for mid, tid, d, muni, reason, sent, rec in fw_rows)
    return Reconciliation(period.label, as_of, entries, targets, staff, forwardings, decisions)


def _system_cell(rec: Reconciliation, s) -> str:
    if not s.confirmed:
        return f"{s.system}：未確認"
    return f"{s.system}：{rec.staff.get(s.confirmed_by, s.confirmed_by)} {local_time(s.blocked_at)}"


def _registration_cell(rec: Reconciliation, e: LedgerEntry) -> str:
    parts = []
    for r in e.registrations:
        ja, _en = r.event.label
        who = rec.staff.get(r.event.staff_id, r.event.staff_id)
        if r.confirmation:
            parts.append(f"{ja} 登録 {who}／確認 {rec.staff.get(r.confirmation.staff_id, '')} {r.event.office_day}")
        else:
            parts.append(f"{ja} 登録 {who} {r.event.office_day}／確認待ち")
    return "；".join(parts) or "（台帳登録なし）"


def reconciliation_text(rec: Reconciliation, signed: list[dict] | None = None) -> str:
    """The reconciliation as plain text (Japanese with English headings) for the terminal."""
    lines = [f"支援措置 月次照合 / monthly reconciliation {rec.month}（{rec.as_of} 現在）"]
    if rec.incomplete:
        lines.append(f"!! 制限が揃っていない申出 {len(rec.incomplete)} 件 / {len(rec.incomplete)} application(s) "
                     f"without a complete set of blocks:")
        for e in rec.incomplete:
            missing = "、".join(e.unconfirmed_systems) or "-"
            pending = len(e.pending_registrations)
            lines.append(f"!!  {e.measure.id}  {rec.targets.get(e.measure.target_id, '')}  未確認: {missing}"
                         + (f"  確認待ちの登録 {pending} 件" if pending else ""))
    else:
        lines.append("すべての申出で連携システムの制限を確認済み / every application has a complete set of blocks")
    lines.append("")
    lines.append("申出と制限 / applications and blocks:")
    for e in rec.entries:
        lines.append(f"  {e.measure.id}  {rec.targets.get(e.measure.target_id, '')}  "
                     f"{KIND_LABELS.get(e.measure.kind, e.measure.kind)}  申出 {e.measure.applied_date}  "
                     f"{STATE_LABELS[e.state][0]}  {e.measure.start_date or '-'}→{e.measure.end_date or '-'}")
        lines.append(f"      {_registration_cell(rec, e)}")
        for s in e.systems:
            lines.append(f"      {'OK ' if s.confirmed else 'NG '} {_system_cell(rec, s)}")
    lines.append("")
    lines.append(f"延長・終了の対応 / renewals due: {len(rec.renewals)}")
    for e in rec.renewals:
        lines.append(f"  {e.measure.id}  {rec.targets.get(e.measure.target_id, '')}  {STATE_LABELS[e.state][0]}  "
                     f"終了日 {e.measure.end_date}")
    lines.append(f"転送 / forwardings: {len(rec.forwardings)}")
    for f in rec.forwardings:
        lines.append(f"  {f.target}  {f.municipality}（{f.reason}）  {FORWARDING_LABELS[f.state][0]}  "
                     f"送付 {f.sent or '-'}  受領 {f.received or '-'}")
    lines.append(f"解除・拒否 / releases and refusals: {len(rec.decisions)}")
    for d in rec.decisions:
        lines.append(f"  {local_time(d.at)}  {'解除' if d.decision == 'released' else '拒否'}  責任者 {d.officer}  "
                     f"担当 {d.clerk}  案件 {d.case_id[:8]}  {','.join(d.documents)}  {d.reason}")
    for s in signed or []:
        lines.append(f"確認済み / signed off: {s['who']} {s['at']} {s['digest'][:16]}")
    return "\n".join(lines)


# -------------------------------------------------------------------------------------- PDF

def _doc(title: str, footer: str):
    from reportlab.lib.units import mm

    from app.printing.layout import MARGIN_TOP, PAGE_H, Flow, Furniture, draw_title, new_document

    furniture = Furniture(footer_left=footer, footer_office="内部資料（職員のみ） / internal: staff only",
                          title=title)
    buf, c = new_document(furniture)
    top = PAGE_H - MARGIN_TOP - 8 * mm
    draw_title(c, title, top, size=15)
    return buf, c, Flow(c, top=top - 8 * mm)


def _signoff_box(flow, signed: list) -> None:
    flow.heading("確認欄 / sign-off")
    rows = [[s.get("who", ""), s.get("at", ""), s.get("digest", "")[:16]] for s in signed]
    rows += [["", "", ""]] * max(0, 2 - len(rows))
    flow.table(["確認者（支援措置責任者） / supervisor", "日時 / date", "照合値 / digest"], rows, [4, 3, 3],
               min_row=12)


def render_reconciliation(rec: Reconciliation, signed: list[dict] | None = None) -> bytes:
    """The reconciliation as a PDF: incomplete applications first (in red), then every
    application with its blocks, renewals due, forwardings, releases and refusals, sign-off fields."""
    from reportlab.lib.colors import Color, black

    from app.printing.layout import finish_document

    red = Color(0.75, 0, 0)
    buf, c, flow = _doc(f"支援措置 月次照合 {rec.month}",
                        f"支援措置 月次照合 {rec.month}　{rec.as_of} 現在　照合値 {rec.digest()[:16]}")
    if rec.incomplete:
        flow.heading(f"制限が揃っていない申出 {len(rec.incomplete)} 件（最優先で対応）")
        c.setFillColor(red)
        flow.table(["対象者", "申出日", "状態", "未確認の連携システム・確認待ち"],
                   [[rec.targets.get(e.measure.target_id, ""), e.measure.applied_date,
                     STATE_LABELS[e.state][0],
                     "、".join(e.unconfirmed_systems) + (f"／確認待ちの登録 {len(e.pending_registrations)} 件"
                                                         if e.pending_registrations else "")]
                    for e in rec.incomplete], [2.5, 1.8, 2.4, 6])
        c.setFillColor(black)
    else:
        flow.heading("すべての申出で連携システムの制限を確認済み")
    flow.heading(f"申出と制限（{len(rec.entries)} 件）")
    for e in rec.entries:
        flow.fields([
            ("対象者", f"{rec.targets.get(e.measure.target_id, '')}（{KIND_LABELS.get(e.measure.kind, '')}）"
                       f"　申出 {e.measure.applied_date}　{STATE_LABELS[e.state][0]}　"
                       f"{e.measure.start_date or '-'} → {e.measure.end_date or '-'}"),
            ("登録・確認", _registration_cell(rec, e)),
            ("連携システム", "　".join(("○ " if s.confirmed else "× ") + _system_cell(rec, s) for s in e.systems)),
        ], size=8)
        flow.space(2)
    flow.heading(f"延長・終了の対応（{len(rec.renewals)} 件）")
    if rec.renewals:
        flow.table(["対象者", "終了日", "状態"],
                   [[rec.targets.get(e.measure.target_id, ""), e.measure.end_date or "-", STATE_LABELS[e.state][0]]
                    for e in rec.renewals], [3, 2, 4])
    flow.heading(f"転送（{len(rec.forwardings)} 件）")
    if rec.forwardings:
        flow.table(["対象者", "相手方", "理由", "状態", "送付", "受領"],
                   [[f.target, f.municipality, f.reason, FORWARDING_LABELS[f.state][0], f.sent or "-",
                     f.received or "-"] for f in rec.forwardings], [2.4, 2.4, 1.6, 2.6, 1.6, 1.6])
    flow.heading(f"解除・拒否（{len(rec.decisions)} 件）")
    if rec.decisions:
        flow.table(["日時", "判断", "支援措置責任者", "担当者", "案件", "書類", "理由"],
                   [[local_time(d.at), "解除" if d.decision == "released" else "拒否", d.officer, d.clerk,
                     d.case_id[:8], "、".join(label(DOCUMENT_LABELS, x) for x in d.documents), d.reason]
                    for d in rec.decisions], [2.2, 1, 1.8, 1.8, 1.3, 2.4, 2.8])
    _signoff_box(flow, signed or [])
    return finish_document(buf, c)[0]


def signed_rows(store, rec: Reconciliation) -> list[dict]:
    """The sign-offs recorded for this month whose digest matches this report's content and whose
    signature verifies (a row written past the API without the signer's key is not listed)."""
    events = [e for e in signoffs(store.conn, rec.month) if e.payload.get("digest") == rec.digest()]
    names = names_of(store.conn, "staff", [e.staff_id for e in events])
    return [{"who": names.get(e.staff_id, e.staff_id), "at": local_time(e.at), "digest": e.payload["digest"]}
            for e in events]


def render_report(fig: Figures, queues: dict[str, list[QueueItem]], *, title: str,
                  red_lines: list[str]) -> bytes:
    """The daily or monthly report: figures as tables, the queues, the red lines first."""
    from app.printing.layout import finish_document

    buf, c, flow = _doc(title, f"{title}　{fig.period.label}")
    if red_lines:
        flow.heading(f"要対応（赤）{len(red_lines)} 件")
        for line in red_lines:
            flow.paragraph("● " + line, size=9)
    statuses = [s for s in STATUS_LABELS if any(s in v for v in fig.by_type_outcome.values())]
    flow.heading(f"手続別・結果別の件数（計 {fig.total} 件）")
    if fig.by_type_outcome:
        flow.table(["手続", *(label(STATUS_LABELS, s) for s in statuses), "計"],
                   [[label(CASE_TYPE_LABELS, t), *(str(cells.get(s, 0)) for s in statuses), str(sum(cells.values()))]
                    for t, cells in sorted(fig.by_type_outcome.items())], [3] + [1.2] * (len(statuses) + 1))
    flow.heading("処理時間・待ち時間（分）")
    flow.table(["", "件数", "中央値", "90%"],
               [["処理時間（保留を除く）", str(fig.handling.count), minutes(fig.handling.median), minutes(fig.handling.p90)],
                ["解除待ちの時間", str(fig.waiting.count), minutes(fig.waiting.median), minutes(fig.waiting.p90)]]
               + [[f"　{label(CASE_TYPE_LABELS, t)}", str(s.count), minutes(s.median), minutes(s.p90)]
                  for t, s in fig.handling_by_type.items()], [4, 1.2, 1.2, 1.2])
    flow.heading("不可の理由")
    flow.table(["理由", "理由コード", "件数"],
               [[reason_words(code), code, str(n)] for code, n in fig.refusals] or [["（なし）", "", "0"]],
               [6.4, 2.6, 1])
    flow.heading("交付件数（書類別）")
    flow.table(["書類", "件数"], [[label(DOCUMENT_LABELS, d), str(n)] for d, n in fig.issuance] or [["（なし）", "0"]],
               [5, 1])
    flow.heading("監督者の確認が必要なもの")
    rows = [[QUEUES[q][0], item.ja, local_time(item.since) if item.since and "T" in item.since else (item.since or "")]
            for q, items in queues.items() for item in items]
    flow.table(["区分", "内容", "時点"], rows or [["（なし）", "", ""]], [2.2, 6, 2])
    _signoff_box(flow, [])
    return finish_document(buf, c)[0]


def red_lines(queues: dict[str, list[QueueItem]]) -> list[str]:
    return [f"{QUEUES[q][0]}：{i.ja}" for q, items in queues.items() for i in items if i.red]

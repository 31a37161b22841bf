"""The supervisor's desk, UI-free: the day's and the month's figures, the queues that need a
supervisor, the support-measure ledger's red lines, and the issuance-history search.

The window (``app/ui/supervisor*.py``) and ``madoguchi report daily|monthly`` read the same
objects from here; nothing in this module imports Qt.

Figures come from ``case_stats`` (store migration 10: kept by triggers from the status-changing
case events, so a month of 50,000 cases is counted without replaying any case):

- cases by type and outcome (status: completed, refused, abandoned, still open, paused,
  awaiting release);
- **handling time** = from opening to the end of the case, minus the time it was paused (a return
  visit is not handling); **waiting time** = time a case waited for a support officer's release
  (awaiting_release). Both as median and 90th percentile (nearest rank) over the ended cases;
- refusals by the first reason code of the refusing decision;
- issuance counts by document type (``issued_documents``; training specimens excluded).

Periods are office days (Asia/Tokyo); stored times are UTC ISO strings, compared as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.rules.settings import Settings
from app.rules.tables import DOCUMENTS
from app.security.registration import OFFICE_TZ, ledger
from app.store.normalize import fold_name
from app.workflows import registry
# lazy imports: the supervisor's queues load release and sync when asked for

UTC = dt.timezone.utc
FINAL = ("completed", "refused", "abandoned")

#: short forms for table columns and chart legends (the full words: the engine's STATUS_LABELS)
STATUS_LABELS = {"completed": ("完了", "completed"), "refused": ("不可", "refused"),
                 "abandoned": ("取りやめ", "abandoned"), "open": ("処理中", "open"),
                 "paused": ("保留", "paused"), "awaiting_release": ("解除待ち", "awaiting release")}
#: (ja, en) of each document type: the rule tables' names, and the cover letter of a mailing
DOCUMENT_LABELS = {code: (row.ja, row.en) for code, row in DOCUMENTS.items()} | {
    "cover_letter": ("送付書", "cover letter")}


class _CaseTypeNames(Mapping):
    """(ja, en) of each registered case type, read from the registry when asked (one declaration)."""

    def __getitem__(self, code: str) -> tuple[str, str]:
        if registry.entry(code) is None:
            raise KeyError(code)
        return registry.names(code)

    def __iter__(self):
        return iter(registry.BY_ID)

    def __len__(self) -> int:
        return len(registry.BY_ID)


CASE_TYPE_LABELS: Mapping[str, tuple[str, str]] = _CaseTypeNames()


def label(table: dict, key: str, lang: str = "ja") -> str:
    pair = table.get(key)
    return (pair[0] if lang == "ja" else pair[1]) if pair else key


# ------------------------------------------------------------------------------------- periods

@dataclass(frozen=True)
class Period:
    kind: str            # 'day' or 'month'
    first: dt.date
    last: dt.date        # inclusive

    @property
    def label(self) -> str:
        return self.first.isoformat() if self.kind == "day" else self.first.strftime("%Y-%m")

    def bounds(self) -> tuple[str, str]:
        """[start, end) as UTC ISO text, for comparing with stored times."""
        start = dt.datetime.combine(self.first, dt.time(), OFFICE_TZ).astimezone(UTC)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), OFFICE_TZ).astimezone(UTC)
        return start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds")


def day_period(day: dt.date) -> Period:
    return Period("day", day, day)


def month_period(month: str | dt.date) -> Period:
    """``YYYY-MM`` (or any date in the month)."""
    if isinstance(month, str):
        try:
            first = dt.date.fromisoformat(month + "-01")
        except ValueError:
            raise ValueError(f"月は YYYY-MM で指定してください: {month!r} / give the month as YYYY-MM") from None
    else:
        first = month.replace(day=1)
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Period("month", first, nxt - dt.timedelta(days=1))


# ------------------------------------------------------------------------------------- figures

@dataclass(frozen=True)
class Spread:
    count: int
    median: float | None      # seconds
    p90: float | None



@dataclass(frozen=True)
class Figures:
    period: Period
    by_type_outcome: dict[str, dict[str, int]]       # case type -> status -> count
    handling: Spread
    waiting: Spread
    refusals: list[tuple[str, int]]                  # reason code, count (most first)
    issuance: list[tuple[str, int]]                  # document type, count (most first)
    handling_by_type: dict[str, Spread] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(v.values()) for v in self.by_type_outcome.values())

    def as_dict(self) -> dict:
        spread = lambda s: {"count": s.count, "median_s": s.median, "p90_s": s.p90}  # noqa: E731
        return {"period": self.period.label, "cases": self.by_type_outcome, "total": self.total,
                "handling": spread(self.handling), "waiting": spread(self.waiting),
                "handling_by_type": {k: spread(v) for k, v in self.handling_by_type.items()},
                "refusals": dict(self.refusals), "issuance": dict(self.issuance)}


def _spread(values: list[float]) -> Spread:
    """Median and nearest-rank 90th percentile."""
    if not values:
        return Spread(0, None, None)
    values.sort()
    n = len(values)
    mid = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return Spread(n, mid, values[(9 * n + 9) // 10 - 1])


def figures(conn: sqlite3.Connection, period: Period) -> Figures:
    """One pass over the period's rows of the covering index ``case_stats_figures``."""
    start, end = period.bounds()
    counts: dict[tuple[str, str], int] = {}
    refusals: dict[str, int] = {}
    handling: dict[str, list[float]] = {}
    waiting: list[float] = []
    for case_type, status, handled, waited, code in conn.execute(
            "SELECT case_type, status, handling_seconds, wait_seconds, refusal_code FROM case_stats "
            "WHERE opened_at >= ? AND opened_at < ?", (start, end)):
        key = (case_type, status)
        counts[key] = counts.get(key, 0) + 1
        if handled is not None:
            handling.setdefault(case_type, []).append(handled)
        if waited:
            waiting.append(waited)
        if status == "refused":
            refusals[code or "-"] = refusals.get(code or "-", 0) + 1
    by: dict[str, dict[str, int]] = {}
    for (case_type, status), n in sorted(counts.items()):
        by.setdefault(case_type, {})[status] = n
    issuance = conn.execute(
        "SELECT document_type, count(*) FROM issued_documents WHERE issued_at >= ? AND issued_at < ? "
        "AND training = 0 GROUP BY 1 ORDER BY 2 DESC, 1", (start, end)).fetchall()
    return Figures(period, by, _spread([x for v in handling.values() for x in v]), _spread(waiting),
                   sorted(refusals.items(), key=lambda kv: (-kv[1], kv[0])), [tuple(r) for r in issuance],
                   {k: _spread(v) for k, v in sorted(handling.items())})


#: where reasons are declared: the rules, the restriction stage, destinations, support-data
#: freshness and the case types (app.rules.reasons: a code's words come from its declaration)
REASON_SOURCES = ("app.rules", "app.security.restriction", "app.security.destinations",
                  "app.sync.freshness", "app.workflows.cases")


def reason_words(code: str | None, lang: str = "ja") -> str:
    """The staff words of a refusal's reason code (never shown to a requester)."""
    from app.rules.reasons import staff_words

    ja, en = staff_words(code, REASON_SOURCES)
    return en if lang == "en" else ja


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def figures_csv(fig: Figures, lang: str = "ja") -> str:
    """The figures as CSV (one section per table, a blank line between), for a spreadsheet."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    ja = lang == "ja"
    w.writerow(["期間" if ja else "period", fig.period.label])
    w.writerow([])
    statuses = [s for s in STATUS_LABELS if any(s in v for v in fig.by_type_outcome.values())]
    w.writerow(["手続" if ja else "case type", *(label(STATUS_LABELS, s, lang) for s in statuses),
                "計" if ja else "total"])
    for ctype, cells in sorted(fig.by_type_outcome.items()):
        w.writerow([label(CASE_TYPE_LABELS, ctype, lang), *(cells.get(s, 0) for s in statuses),
                    sum(cells.values())])
    w.writerow([])
    w.writerow(["時間（分）" if ja else "time (minutes)", "件数" if ja else "count",
                "中央値" if ja else "median", "90%"])
    for name, s in ((("処理時間", "handling"), fig.handling), (("待ち時間（解除待ち）", "waiting (release)"),
                                                           fig.waiting)):
        w.writerow([name[0] if ja else name[1], s.count, minutes(s.median), minutes(s.p90)])
    w.writerow([])
    w.writerow(["不可の理由" if ja else "refusal reason", "理由コード" if ja else "reason code",
                "件数" if ja else "count"])
    for code, n in fig.refusals:
        w.writerow([reason_words(code, lang), code, n])
    w.writerow([])
    w.writerow(["交付書類" if ja else "document", "件数" if ja else "count"])
    for doc, n in fig.issuance:
        w.writerow([label(DOCUMENT_LABELS, doc, lang), n])
    return out.getvalue()


# -------------------------------------------------------------------------------------- queues

@dataclass(frozen=True)
class QueueItem:
    queue: str
    ref: str                 # case id, release id, registration/event id, measure id, terminal id
    ja: str
    en: str
    since: str | None = None
    red: bool = False

    def text(self, lang: str = "ja") -> str:
        return self.ja if lang == "ja" else self.en


QUEUES = {
    "releases": ("解除の判断待ち", "releases to give"),
    "relocks": ("再ロックの確認待ち", "re-locks to confirm"),
    "measures_confirm": ("支援措置の確認待ち", "measures to confirm"),
    "measures_renew": ("延長・終了の対応", "measures to renew or end"),
    "systems": ("連携システム未確認", "linked systems not confirmed"),
    "forwardings": ("転送（送付・受付・受領確認）", "forwardings (sent, received, acknowledged)"),
    "paused": ("長く保留中の案件", "cases paused too long"),
    "terminals": ("同期していない端末", "terminals not synced"),
}


def names_of(conn, table: str, ids) -> dict[str, str]:
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    col = "display_name" if table == "staff" else "family_name || ' ' || given_name"
    return dict(conn.execute(f"SELECT id, {col} FROM {table} WHERE id IN ({','.join('?' * len(ids))})", ids))


def local_time(ts: str | None) -> str:
    if not ts:
        return "-"
    return dt.datetime.fromisoformat(ts).astimezone(OFFICE_TZ).strftime("%Y-%m-%d %H:%M")


def queues(store, now: dt.datetime) -> dict[str, list[QueueItem]]:
    """Everything waiting for a supervisor, by queue (see :data:`QUEUES`)."""
    from app.security.release import pending_relock
    from app.sync import freshness, state

    conn = store.conn
    today = now.astimezone(OFFICE_TZ).date()
    out: dict[str, list[QueueItem]] = {k: [] for k in QUEUES}
    for case_id, ctype, since in conn.execute(
            "SELECT h.case_id, c.case_type, h.updated_at FROM case_heads h JOIN cases c ON c.id = h.case_id "
            "WHERE h.status = 'awaiting_release' ORDER BY h.updated_at"):
        out["releases"].append(QueueItem("releases", case_id, f"{label(CASE_TYPE_LABELS, ctype)} 案件 {case_id[:8]}",
                                         f"{label(CASE_TYPE_LABELS, ctype, 'en')} case {case_id[:8]}", since))
    relocks = pending_relock(conn)
    officers = names_of(conn, "staff", [r.officer_id for r in relocks])
    for r in relocks:
        who = officers.get(r.officer_id, r.officer_id)
        out["relocks"].append(QueueItem("relocks", r.id, f"解除 {r.id[:8]}（{who}）案件 {r.case_id[:8]}",
                                        f"release {r.id[:8]} ({who}) case {r.case_id[:8]}", r.issued_at))
    entries = ledger(conn, today)
    targets = names_of(conn, "residents", [e.measure.target_id for e in entries])
    for e in entries:
        who = targets.get(e.measure.target_id, e.measure.target_id[:8])
        for reg in e.pending_registrations:
            late = reg.overdue(today)
            ja_stage, en_stage = reg.event.label
            out["measures_confirm"].append(QueueItem(
                "measures_confirm", reg.event.id,
                f"{who}：{ja_stage}の確認待ち" + ("（期限切れ・再登録が必要）" if late else ""),
                f"{who}: {en_stage} to confirm" + (" (overdue: register again)" if late else ""),
                reg.event.at, red=True))
        if e.end_request is not None:
            out["measures_renew"].append(QueueItem(
                "measures_renew", e.end_request.id, f"{who}：終了の確認待ち（{e.end_request.payload.get('reason', '')}）",
                f"{who}: end to confirm ({e.end_request.payload.get('reason', '')})", e.end_request.at))
        if e.state in ("ending_soon", "overdue"):
            overdue = e.state == "overdue"
            out["measures_renew"].append(QueueItem(
                "measures_renew", e.measure.id,
                f"{who}：{'延長期限超過（ブロック継続）' if overdue else '終了間近'} 終了日 {e.measure.end_date}",
                f"{who}: {'renewal overdue (still blocking)' if overdue else 'ending soon'}, ends "
                f"{e.measure.end_date}", e.measure.end_date, red=overdue))
        if e.unconfirmed_systems:
            out["systems"].append(QueueItem(
                "systems", e.measure.id, f"{who}：未確認 {'、'.join(e.unconfirmed_systems)}",
                f"{who}: not confirmed: {', '.join(e.unconfirmed_systems)}", e.measure.applied_date, red=True))
    since = (today - dt.timedelta(days=31)).isoformat()
    for mid, target, direction, muni, sent, received in conn.execute(
            "SELECT f.measure_id, m.target_id, f.direction, f.municipality, f.sent_date, f.received_date "
            "FROM support_forwardings f JOIN support_measures m ON m.id = f.measure_id "
            "WHERE (f.direction = 'sent' AND f.received_date IS NULL) OR COALESCE(f.received_date, f.sent_date) >= ? "
            "ORDER BY COALESCE(f.received_date, f.sent_date)", (since,)):
        who = targets.get(target) or names_of(conn, "residents", [target]).get(target, target[:8])
        if direction == "received":
            ja, en = f"{who}：{muni} から受付 {received}", f"{who}: received from {muni} on {received}"
        elif received:
            ja, en = f"{who}：{muni} へ送付 {sent}・受領確認 {received}", f"{who}: sent to {muni} {sent}, acknowledged {received}"
        else:
            ja, en = f"{who}：{muni} へ送付 {sent}・受領未確認", f"{who}: sent to {muni} {sent}, not yet acknowledged"
        out["forwardings"].append(QueueItem("forwardings", mid, ja, en, received or sent))
    limit = Settings.from_store(store)["desk.paused_alert_minutes"]
    cutoff = (now - dt.timedelta(minutes=limit)).astimezone(UTC).isoformat(timespec="microseconds")
    for case_id, ctype, since in conn.execute(
            "SELECT h.case_id, c.case_type, h.updated_at FROM case_heads h JOIN cases c ON c.id = h.case_id "
            "WHERE h.status = 'paused' AND h.updated_at < ? ORDER BY h.updated_at", (cutoff,)):
        out["paused"].append(QueueItem("paused", case_id, f"{label(CASE_TYPE_LABELS, ctype)} 案件 {case_id[:8]}",
                                       f"{label(CASE_TYPE_LABELS, ctype, 'en')} case {case_id[:8]}", since))
    max_age = freshness.max_age(store)
    for t in state.get(conn, state.TERMINALS, []) or []:
        last = t.get("last_sync_at")
        if not last or dt.datetime.fromisoformat(last) < now - max_age:
            out["terminals"].append(QueueItem("terminals", t["id"], f"端末 {t['id']} 最終同期 {local_time(last)}",
                                              f"terminal {t['id']} last synced {local_time(last)}", last, red=True))
    return out


# ----------------------------------------------------------------------------- issuance history

@dataclass(frozen=True)
class IssuedRow:
    issued_at: str
    issue_number: str
    document_type: str
    staff: str
    targets: tuple[str, ...]         # names
    target_ids: tuple[str, ...]
    delivery: str
    pages: int
    protected: bool


def issuance_history(store, *, staff_id: str | None, terminal_id: str, name: str = "",
                     document: str = "", first: dt.date | None = None, last: dt.date | None = None,
                     issue_number: str = "", limit: int = 200) -> list[IssuedRow]:
    """Who issued what to whom, when. Every protected person in the result is audited as a
    look-up (``lookup.protected``), exactly like the window's resident search."""
    from app.security.restriction import record_lookup

    conn = store.conn
    sql = ["SELECT d.issued_at, d.issue_number, d.document_type, d.staff_id, d.target_ids, d.delivery, "
           "d.pages FROM issued_documents d WHERE 1"]
    args: list = []
    if first:
        sql.append("AND d.issued_at >= ?")
        args.append(day_period(first).bounds()[0])
    if last:
        sql.append("AND d.issued_at < ?")
        args.append(day_period(last).bounds()[1])
    if document:
        sql.append("AND d.document_type = ?")
        args.append(document)
    if issue_number:
        sql.append("AND d.issue_number LIKE ?")
        args.append(issue_number.strip() + "%")
    if name.strip():
        key = fold_name(name)
        sql.append("AND EXISTS (SELECT 1 FROM json_each(d.target_ids) j JOIN residents r ON r.id = j.value "
                   "WHERE r.name_key LIKE ? OR r.kana_key LIKE ?)")
        args += [key + "%", key + "%"]
    sql.append("ORDER BY d.issued_at DESC, d.issue_number DESC LIMIT ?")
    args.append(limit)
    rows = conn.execute(" ".join(sql), args).fetchall()
    all_ids = [rid for r in rows for rid in json.loads(r[4])]
    protected = record_lookup(store, all_ids, staff_id=staff_id, terminal_id=terminal_id,
                              context="issuance_history") if all_ids else set()
    residents = names_of(conn, "residents", all_ids)
    staff = names_of(conn, "staff", [r[3] for r in rows])
    out = []
    for at, number, doc, sid, targets, delivery, pages in rows:
        ids = tuple(json.loads(targets))
        out.append(IssuedRow(at, number, doc, staff.get(sid, sid), tuple(residents.get(i, i) for i in ids),
                             ids, delivery, pages, any(i in protected for i in ids)))
    return out

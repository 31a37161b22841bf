"""DV等支援措置 support-measure records: create (decide), provisional measures, renew, end,
protected household members, forwarding to and from related municipalities, and the look-up of
who is protected.

Rules kept here:
- a measure lasts one year (start 2020-04-01 → end 2021-03-31); renewal is possible from one month
  before the end and runs one year from the day after the old end; nothing is ever renewed
  automatically;
- a measure does NOT end by itself when its end date passes: only an explicit end by a support
  officer ends it (MIC standard specification 3.1/3.4) — until then it blocks;
- a provisional measure (仮支援措置) blocks between the application and the decision;
- every change needs a signed-in support officer (the officer's consent gates every support-
  measure procedure) and is audited;
- the perpetrator's phone number is never stored: there is no column for it and any particular that
  looks like a phone number is refused (erase it from the form: 消除);
- a DV restriction is always at the blocking level; the database refuses "alert only".
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

from app.errors import MadoguchiError
from app.rules.codes import Role
from app.security import audit
from app.security.clock import SYSTEM_CLOCK, Clock
from app.security.staff import Authenticated
from app.store.db import new_id

IN_FORCE = ("provisional", "active")
KINDS = ("dv", "stalking", "child_abuse", "other")


class MeasureError(MadoguchiError, ValueError):
    """A support-measure operation refused, worded for the officer (ja / en)."""

    code = "measure.refused"


@dataclass(frozen=True)
class Perpetrator:
    """加害者 particulars as on the support application. No phone number, ever."""

    family_name: str = ""
    given_name: str = ""
    family_kana: str = ""
    given_kana: str = ""
    birth_date: str = ""
    address: str = ""
    relationship: str = ""
    resident_id: str | None = None
    lawyer_name: str = ""
    lawyer_office: str = ""


@dataclass(frozen=True)
class Measure:
    id: str
    target_id: str
    kind: str
    status: str
    applied_date: str
    start_date: str | None
    end_date: str | None
    ended_date: str | None
    ended_reason: str | None
    counselling_body: str | None
    perpetrator: Perpetrator
    members: tuple[str, ...] = ()
    renewed_from: str | None = None

    @property
    def in_force(self) -> bool:
        """Blocks now. The end date passing does not end a measure: only :func:`end_measure`."""
        return self.status in IN_FORCE

    @property
    def protected(self) -> tuple[str, ...]:
        return (self.target_id, *self.members)

    def renewal_opens(self) -> dt.date | None:
        return _minus_one_month(dt.date.fromisoformat(self.end_date)) if self.end_date else None

    def past_end_date(self, today: dt.date) -> bool:
        """The end date has passed but nobody ended it: still blocking, shown for follow-up."""
        return bool(self.end_date) and self.in_force and today > dt.date.fromisoformat(self.end_date)


# ------------------------------------------------------------------------------------- dates

def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:                      # 29 February
        return day.replace(year=day.year + years, day=28)


def _minus_one_month(day: dt.date) -> dt.date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


def one_year_from(start: dt.date) -> dt.date:
    """The end date of a one-year period: 2020-04-01 → 2021-03-31."""
    return _add_years(start, 1) - dt.timedelta(days=1)


# ------------------------------------------------------------------------------------ folding
# Names and addresses are compared the way resident search folds them (app.store.normalize):
# full/half width, hiragana/katakana, spaces, kanji address numbers (五丁目6番7号 → 5-6-7).
from app.store.normalize import fold_address, fold_name  # noqa: E402


_PHONE = re.compile(r"(?:\+?81|0)[0-9()\-‐－ー ]{8,16}")


def looks_like_phone(text: str | None) -> bool:
    value = unicodedata.normalize("NFKC", text or "")
    for match in _PHONE.finditer(value):
        digits = re.sub(r"[^0-9]", "", match.group())
        if 10 <= len(digits) <= 13:
            return True
    return False


# ----------------------------------------------------------------------------------- reading

_COLUMNS = ("id, target_id, kind, status, applied_date, start_date, end_date, ended_date, "
            "ended_reason, counselling_body, perpetrator_family_name, perpetrator_given_name, "
            "perpetrator_family_kana, perpetrator_given_kana, perpetrator_birth_date, "
            "perpetrator_address, perpetrator_relationship, perpetrator_resident_id, "
            "perpetrator_lawyer_name, perpetrator_lawyer_office, renewed_from")


def _measure(conn, row) -> Measure:
    members = tuple(r[0] for r in conn.execute(
        "SELECT resident_id FROM support_measure_members WHERE measure_id = ? ORDER BY resident_id",
        (row[0],)))
    p = Perpetrator(*(v or "" for v in row[10:17]), row[17], *(v or "" for v in row[18:20]))
    return Measure(*row[:10], perpetrator=p, members=members, renewed_from=row[20])


def get_measure(conn: sqlite3.Connection, measure_id: str) -> Measure:
    row = conn.execute(f"SELECT {_COLUMNS} FROM support_measures WHERE id = ?",
                       (measure_id,)).fetchone()
    if row is None:
        raise MeasureError(f"支援措置 {measure_id} はありません / no support measure {measure_id}")
    return _measure(conn, row)


def measures_protecting(conn: sqlite3.Connection, resident_ids, *,
                        in_force_only: bool = True) -> dict[str, list[Measure]]:
    """For each given resident id that a measure protects (as the target or a household member
    covered by it), the measures. Only measures in force unless ``in_force_only`` is false."""
    ids = sorted({r for r in resident_ids if r})
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    status = f"AND m.status IN ({','.join(repr(s) for s in IN_FORCE)})" if in_force_only else ""
    rows = conn.execute(
        f"SELECT m.id, m.target_id AS rid FROM support_measures m WHERE m.target_id IN ({marks}) {status} "
        f"UNION SELECT m.id, mm.resident_id FROM support_measures m JOIN support_measure_members mm "
        f"ON mm.measure_id = m.id WHERE mm.resident_id IN ({marks}) {status}", (*ids, *ids)).fetchall()
    cache: dict[str, Measure] = {}
    out: dict[str, list[Measure]] = {}
    for measure_id, rid in rows:
        if measure_id not in cache:
            cache[measure_id] = get_measure(conn, measure_id)
        out.setdefault(rid, []).append(cache[measure_id])
    return out


def protected_ids(conn: sqlite3.Connection, resident_ids) -> set[str]:
    """The ids among ``resident_ids`` under a measure in force (for search results, which must
    show at once that a person is under restriction)."""
    return set(measures_protecting(conn, resident_ids))


def list_measures(conn: sqlite3.Connection, *, include_ended: bool = False) -> list[Measure]:
    where = "" if include_ended else f"WHERE status IN ({','.join(repr(s) for s in IN_FORCE)})"
    return [_measure(conn, r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM support_measures {where} ORDER BY applied_date, id")]


# ----------------------------------------------------------------------------------- writing

def _officer(auth: Authenticated, clock: Clock) -> str:
    if not auth.genuine() or not auth.staff.has(Role.SUPPORT_OFFICER):
        raise MeasureError("支援措置の手続は支援措置責任者の認証が必要です / a support officer must sign in "
                           "for support-measure procedures")
    return auth.staff.id


def _check_particulars(perpetrator: Perpetrator) -> None:
    for name, value in vars(perpetrator).items():
        if name not in ("resident_id", "birth_date") and looks_like_phone(value):
            raise MeasureError(
                "加害者の電話番号は記録しません。申出書に記載がある場合は消除してください / the perpetrator's phone "
                f"number is never recorded (field {name}); erase it from the form")


def _resident_exists(conn, resident_id: str) -> None:
    if not conn.execute("SELECT 1 FROM residents WHERE id = ?", (resident_id,)).fetchone():
        raise MeasureError(f"住民 {resident_id} は登録されていません / no resident {resident_id}")


def _insert(conn, *, target_id, kind, status, applied_date, start_date, end_date,
            perpetrator: Perpetrator, counselling_body, decided_by, renewed_from=None) -> str:
    if kind not in KINDS:
        raise MeasureError(f"措置の種類が不明です: {kind} / unknown kind (dv, stalking, child_abuse, other)")
    _check_particulars(perpetrator)
    _resident_exists(conn, target_id)
    measure_id = new_id()
    p = perpetrator
    conn.execute(
        "INSERT INTO support_measures(id, target_id, kind, status, applied_date, start_date, "
        "end_date, counselling_body, perpetrator_family_name, perpetrator_given_name, "
        "perpetrator_family_kana, perpetrator_given_kana, perpetrator_birth_date, "
        "perpetrator_address, perpetrator_relationship, perpetrator_resident_id, "
        "perpetrator_lawyer_name, perpetrator_lawyer_office, decided_by, renewed_from) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (measure_id, target_id, kind, status, applied_date, start_date, end_date, counselling_body,
         p.family_name, p.given_name, p.family_kana, p.given_kana, p.birth_date or None,
         p.address, p.relationship, p.resident_id, p.lawyer_name, p.lawyer_office, decided_by,
         renewed_from))
    return measure_id


def _add_members(conn, measure_id: str, members) -> None:
    for rid in members:
        _resident_exists(conn, rid)
        conn.execute("INSERT OR IGNORE INTO support_measure_members(measure_id, resident_id) "
                     "VALUES (?, ?)", (measure_id, rid))


def _log(conn, action, auth: Authenticated, measure_id, clock, **detail):
    audit.append(conn, action=action, staff_id=auth.staff.id, terminal_id=auth.terminal_id,
                 target_kind="support_measure", target_id=measure_id, clock=clock, detail=detail)


def apply_provisional(store, officer: Authenticated, *, target_id: str, kind: str,
                      applied_date: dt.date, perpetrator: Perpetrator, members=(),
                      counselling_body: str | None = None, clock: Clock = SYSTEM_CLOCK) -> Measure:
    """仮支援措置: record an application; it blocks at once, until decided or withdrawn."""
    officer_id = _officer(officer, clock)
    with store.transaction() as conn:
        mid = _insert(conn, target_id=target_id, kind=kind, status="provisional",
                      applied_date=applied_date.isoformat(), start_date=None, end_date=None,
                      perpetrator=perpetrator, counselling_body=counselling_body,
                      decided_by=officer_id)
        _add_members(conn, mid, members)
        _log(conn, "measure.provisional", officer, mid, clock, target=target_id, members=list(members))
        return get_measure(conn, mid)


def decide(store, officer: Authenticated, measure_id: str, *, start_date: dt.date,
           clock: Clock = SYSTEM_CLOCK) -> Measure:
    """Decide a provisional measure (with the counselling body's opinion): active for one year."""
    _officer(officer, clock)
    with store.transaction() as conn:
        m = get_measure(conn, measure_id)
        if m.status != "provisional":
            raise MeasureError("仮支援措置ではありません / the measure is not provisional")
        end = one_year_from(start_date)
        conn.execute("UPDATE support_measures SET status='active', start_date=?, end_date=?, "
                     "decided_by=? WHERE id=?", (start_date.isoformat(), end.isoformat(),
                                                 officer.staff.id, measure_id))
        _log(conn, "measure.decide", officer, measure_id, clock, start=start_date.isoformat(),
             end=end.isoformat())
        return get_measure(conn, measure_id)


def create_measure(store, officer: Authenticated, *, target_id: str, kind: str,
                   applied_date: dt.date, start_date: dt.date, perpetrator: Perpetrator,
                   members=(), counselling_body: str | None = None,
                   clock: Clock = SYSTEM_CLOCK) -> Measure:
    """A decided measure: one year from ``start_date``."""
    officer_id = _officer(officer, clock)
    with store.transaction() as conn:
        mid = _insert(conn, target_id=target_id, kind=kind, status="active",
                      applied_date=applied_date.isoformat(), start_date=start_date.isoformat(),
                      end_date=one_year_from(start_date).isoformat(), perpetrator=perpetrator,
                      counselling_body=counselling_body, decided_by=officer_id)
        _add_members(conn, mid, members)
        _log(conn, "measure.create", officer, mid, clock, target=target_id, members=list(members),
             start=start_date.isoformat())
        return get_measure(conn, mid)


def check_renewable(m: Measure, on: dt.date) -> None:
    """Renewal is possible for an active, decided measure from one month before its end."""
    if m.status != "active" or not m.end_date:
        raise MeasureError("継続できるのは決定済みの有効な支援措置だけです / only an active, decided "
                           "measure can be renewed")
    opens = m.renewal_opens()
    if on < opens:
        raise MeasureError(f"延長の申出は {opens.isoformat()} から受け付けます（終了日の1か月前から） / "
                           f"renewal can be applied for from {opens.isoformat()} (one month "
                           f"before the end)")


def renew_rows(conn, m: Measure, on: dt.date, decided_by: str) -> tuple[str, dt.date]:
    """Write the renewed record (one year from the day after the old end) and end the old one
    as 'renewed'; returns the new id and its start."""
    start = dt.date.fromisoformat(m.end_date) + dt.timedelta(days=1)
    new = _insert(conn, target_id=m.target_id, kind=m.kind, status="active",
                  applied_date=on.isoformat(), start_date=start.isoformat(),
                  end_date=one_year_from(start).isoformat(), perpetrator=m.perpetrator,
                  counselling_body=m.counselling_body, decided_by=decided_by,
                  renewed_from=m.id)
    _add_members(conn, new, m.members)
    conn.execute("UPDATE support_measures SET status='ended', ended_date=?, ended_reason="
                 "'renewed' WHERE id=?", (on.isoformat(), m.id))
    return new, start


def renew(store, officer: Authenticated, measure_id: str, *, on: dt.date,
          clock: Clock = SYSTEM_CLOCK) -> Measure:
    """Renew on application (never automatically): possible from one month before the end; the
    new period runs one year from the day after the old end. The old record ends as 'renewed'."""
    _officer(officer, clock)
    with store.transaction() as conn:
        m = get_measure(conn, measure_id)
        check_renewable(m, on)
        new, start = renew_rows(conn, m, on, officer.staff.id)
        _log(conn, "measure.renew", officer, new, clock, renewed_from=m.id, start=start.isoformat())
        return get_measure(conn, new)


def end_measure(store, officer: Authenticated, measure_id: str, *, on: dt.date, reason: str,
                clock: Clock = SYSTEM_CLOCK) -> Measure:
    """End a measure explicitly (the only way one ends)."""
    _officer(officer, clock)
    if not (reason or "").strip():
        raise MeasureError("終了の理由を記録してください / record the reason for ending")
    with store.transaction() as conn:
        m = get_measure(conn, measure_id)
        if not m.in_force:
            raise MeasureError("この支援措置は既に終了しています / the measure has already ended")
        conn.execute("UPDATE support_measures SET status='ended', ended_date=?, ended_reason=? "
                     "WHERE id=?", (on.isoformat(), reason.strip(), measure_id))
        _log(conn, "measure.end", officer, measure_id, clock, on=on.isoformat(), reason=reason.strip())
        return get_measure(conn, measure_id)


def add_members(store, officer: Authenticated, measure_id: str, members,
                clock: Clock = SYSTEM_CLOCK) -> Measure:
    """Protected household members (併せて支援を求める者) at the same address."""
    _officer(officer, clock)
    with store.transaction() as conn:
        get_measure(conn, measure_id)
        _add_members(conn, measure_id, members)
        _log(conn, "measure.members", officer, measure_id, clock, added=list(members))
        return get_measure(conn, measure_id)


# -------------------------------------------------------------------------------- forwarding

@dataclass(frozen=True)
class Forwarding:
    id: str
    measure_id: str
    direction: str
    municipality: str
    reason: str | None
    sent_date: str | None
    received_date: str | None


def forward(store, officer: Authenticated, measure_id: str, *, municipality: str, reason: str,
            sent_date: dt.date, clock: Clock = SYSTEM_CLOCK) -> Forwarding:
    """転送: record that the measure was forwarded to a related municipality (permanent domicile,
    destination of a move), to whom and when. Never by phone: in writing or through the system."""
    _officer(officer, clock)
    if not municipality.strip():
        raise MeasureError("転送先の市区町村を入力してください / name the municipality")
    with store.transaction() as conn:
        get_measure(conn, measure_id)
        fid = new_id()
        conn.execute("INSERT INTO support_forwardings(id, measure_id, direction, municipality, "
                     "reason, sent_date, recorded_by) VALUES (?,?,?,?,?,?,?)",
                     (fid, measure_id, "sent", municipality.strip(), reason,
                      sent_date.isoformat(), officer.staff.id))
        _log(conn, "measure.forward", officer, measure_id, clock, to=municipality.strip(),
             reason=reason, sent=sent_date.isoformat())
    return Forwarding(fid, measure_id, "sent", municipality.strip(), reason, sent_date.isoformat(), None)


def record_received(store, officer: Authenticated, *, from_municipality: str, sent_date: dt.date,
                    received_date: dt.date, target_id: str, kind: str, applied_date: dt.date,
                    start_date: dt.date | None, perpetrator: Perpetrator, members=(),
                    note: str = "", clock: Clock = SYSTEM_CLOCK) -> Measure:
    """The receiving side (転送受付): record the measure a related municipality forwarded, and
    its receipt (from whom, sent when, received when). It blocks here at once."""
    officer_id = _officer(officer, clock)
    with store.transaction() as conn:
        status = "active" if start_date else "provisional"
        mid = _insert(conn, target_id=target_id, kind=kind, status=status,
                      applied_date=applied_date.isoformat(),
                      start_date=start_date.isoformat() if start_date else None,
                      end_date=one_year_from(start_date).isoformat() if start_date else None,
                      perpetrator=perpetrator, counselling_body=None, decided_by=officer_id)
        _add_members(conn, mid, members)
        conn.execute("INSERT INTO support_forwardings(id, measure_id, direction, municipality, "
                     "sent_date, received_date, recorded_by, receipt_note) VALUES (?,?,?,?,?,?,?,?)",
                     (new_id(), mid, "received", from_municipality.strip(), sent_date.isoformat(),
                      received_date.isoformat(), officer_id, note or None))
        _log(conn, "measure.received", officer, mid, clock, source=from_municipality.strip(),
             sent=sent_date.isoformat(), received=received_date.isoformat())
        return get_measure(conn, mid)


def record_receipt(store, officer: Authenticated, forwarding_id: str, *, received_date: dt.date,
                   note: str = "", clock: Clock = SYSTEM_CLOCK) -> Forwarding:
    """The related municipality confirmed receipt of a measure we forwarded."""
    _officer(officer, clock)
    with store.transaction() as conn:
        row = conn.execute("SELECT measure_id, direction, received_date FROM support_forwardings "
                           "WHERE id = ?", (forwarding_id,)).fetchone()
        if row is None or row[1] != "sent":
            raise MeasureError("この転送記録はありません / no such forwarding")
        if row[2]:
            raise MeasureError("受領は記録済みです / receipt already recorded")
        conn.execute("UPDATE support_forwardings SET received_date = ?, receipt_note = ? WHERE id = ?",
                     (received_date.isoformat(), note or None, forwarding_id))
        _log(conn, "measure.forward_receipt", officer, row[0], clock, forwarding=forwarding_id,
             received=received_date.isoformat())
        return next(f for f in forwardings(conn, row[0]) if f.id == forwarding_id)


def forwardings(conn: sqlite3.Connection, measure_id: str) -> list[Forwarding]:
    return [Forwarding(*r) for r in conn.execute(
        "SELECT id, measure_id, direction, municipality, reason, sent_date, received_date "
        "FROM support_forwardings WHERE measure_id = ? ORDER BY sent_date, id", (measure_id,))]

"""The support-measure ledger: measures that cannot be forgotten (issue 16).

A measure is not done when one person types it in. This module keeps, per measure, an append-only
list of events (``measure_events``, store migration 10) that say who did what and when:

- **registered** — one staff member enters a stage of a measure: 申出 received (``application``),
  仮支援措置 (``provisional``), 支援決定 (``decision``) or a renewal (``renewal``). An application,
  a provisional measure or a new decision writes the measure row at once as ``provisional``: it
  blocks from that moment, before anyone confirms it.
- **confirmed** — a support officer other than the person who registered confirms the entry **on
  the same office day** (Asia/Tokyo). Only then does a decision become ``active`` (one year from
  its start) or a renewal take effect. A registration left unconfirmed past its day cannot be
  confirmed any more: it stays blocking, is listed as overdue on every supervisor's desk, and is
  registered again.
- **system_blocked** — each linked system (municipality setting ``measures.linked_systems``, copied
  into the registration so a later change of the setting does not rewrite history) confirmed
  "blocked" by a named person, with the time it was blocked there. A measure with a system not
  confirmed is listed in red until done. A renewed measure keeps the confirmations of the measure
  it renews.
- **end_requested** / **end_confirmed** — ending a measure needs a support officer and a second
  person's confirmation; until then it blocks (a measure past its end date blocks too, shown as
  "renewal overdue").
- **reconcile_signed** — a supervisor's sign-off of a monthly reconciliation (``app.desk.reports``).

SIGNED: every event carries the signature of the person who gives it, over the digest of what it
binds (:mod:`app.security.ledgersig`, :func:`app.security.sigcore.ledger_message`) — with the key
their password sign-in opened, or their card through ``card_sign``. Only events whose signature
verifies with the person's registered key or card are read (:func:`events`): a row written with
the sqlite3 shell confirms, blocks, ends and signs off nothing here; ``audit verify``, the
self-test and the central server name it.

Outsourced (委託) accounts can do none of this (checked here, and refused by the store's triggers).
Every event is audited and queued for the central server (outbox kind ``measure_event``, with a
snapshot of the measure rows it changed), where the same two-person rules are checked again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.rules.codes import Role
from app.security import audit, keys, ledgersig, sigcore
from app.security import measures as M
from app.security.clock import SYSTEM_CLOCK, Clock, iso
from app.security.measures import Measure, MeasureError, Perpetrator
from app.security.staff import Authenticated, StaffMember, get_staff
from app.store.db import new_id, replaying_ids
from app.store.outbox import enqueue

OFFICE_TZ = ZoneInfo("Asia/Tokyo")
STAGES = ("application", "provisional", "decision", "renewal")
STAGE_LABELS = {"application": ("申出受付", "application received"),
                "provisional": ("仮支援措置", "provisional measure"),
                "decision": ("支援決定", "support decision"),
                "renewal": ("延長", "renewal")}
ENDING_SOON_DAYS = 30
SETTING = "measures.linked_systems"


def office_day(at: dt.datetime) -> str:
    """The office's calendar day of an instant (the same-day rule is about the office's day)."""
    return at.astimezone(OFFICE_TZ).date().isoformat()


def office_today(clock: Clock = SYSTEM_CLOCK) -> dt.date:
    return clock.now().astimezone(OFFICE_TZ).date()


def linked_systems_setting(conn: sqlite3.Connection) -> list[str]:
    from types import SimpleNamespace

    # rules.settings only when a deadline is computed
    from app.rules.settings import Settings

    return list(Settings.from_store(SimpleNamespace(conn=conn))[SETTING])


# ------------------------------------------------------------------------------------ reading

@dataclass(frozen=True)
class Event:
    id: str
    measure_id: str
    kind: str
    stage: str | None
    system: str | None
    ref_id: str | None
    office_day: str
    at: str
    staff_id: str
    terminal_id: str
    payload: dict
    auth_method: str | None = None
    signature: str | None = None

    @property
    def label(self) -> tuple[str, str]:
        return STAGE_LABELS.get(self.stage or "", (self.stage or "", self.stage or ""))


_EVENT_COLUMNS = ", ".join(ledgersig.COLUMNS)


def _event(row) -> Event:
    return Event(*row[:10], json.loads(row[10] or "{}"), *row[11:13])


def _signed(conn: sqlite3.Connection, rows, every: bool = False) -> list[Event]:
    """The events of ``rows`` whose signature verifies (the others are not the ledger);
    ``every``: ``rows`` is the whole ledger (a confirmed event is found among them)."""
    checker = ledgersig.Checker(conn, {r[0]: r for r in rows} if every else None)
    out = []
    for row in rows:
        if checker.problem(dict(zip(ledgersig.COLUMNS, row))) is None:
            out.append(_event(row))
    return out


def events(conn: sqlite3.Connection, measure_ids=None) -> list[Event]:
    """The ledger's events (of these measures), oldest first: only those validly signed."""
    if measure_ids is None:
        rows = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM measure_events ORDER BY at, id")
    else:
        ids = list(measure_ids)
        if not ids:
            return []
        rows = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM measure_events WHERE measure_id IN "
                            f"({','.join('?' * len(ids))}) ORDER BY at, id", ids)
    return _signed(conn, rows.fetchall(), every=measure_ids is None)


def get_event(conn: sqlite3.Connection, event_id: str) -> Event:
    row = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM measure_events WHERE id = ?",
                       (event_id,)).fetchone()
    if row is None:
        raise MeasureError(f"登録 {event_id} はありません / no registration {event_id}")
    if not _signed(conn, [row]):
        raise MeasureError(f"記録 {event_id} は署名が確認できません（登録した職員の鍵・カードの署名ではありません） / "
                           f"ledger entry {event_id} is not validly signed (not by the registered key or "
                           f"card of who made it)")
    return _event(row)


@dataclass(frozen=True)
class SystemBlock:
    system: str
    confirmed_by: str | None = None      # staff id
    blocked_at: str | None = None        # when it was blocked in that system (as stated)
    recorded_at: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_by is not None


@dataclass(frozen=True)
class Registration:
    event: Event
    confirmation: Event | None

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None

    def overdue(self, today: dt.date) -> bool:
        """Not confirmed on its day: can no longer be confirmed; must be registered again."""
        return not self.confirmed and self.event.office_day < today.isoformat()


@dataclass(frozen=True)
class LedgerEntry:
    """One measure as the supervisor sees it."""

    measure: Measure
    registrations: tuple[Registration, ...]
    systems: tuple[SystemBlock, ...]
    end_request: Event | None
    state: str                            # see renewal_state
    renewable: bool
    forwardings: tuple = ()

    @property
    def unconfirmed_systems(self) -> tuple[str, ...]:
        return tuple(s.system for s in self.systems if not s.confirmed)

    @property
    def pending_registrations(self) -> tuple[Registration, ...]:
        return tuple(r for r in self.registrations if not r.confirmed)

    @property
    def complete(self) -> bool:
        """Every linked system confirmed blocked and no registration waiting for its second person."""
        return not self.unconfirmed_systems and not self.pending_registrations


def renewal_state(measure: Measure, today: dt.date) -> str:
    """``provisional`` (blocks, not decided), ``running``, ``ending_soon`` (ends within 30 days),
    ``overdue`` (past its end and nobody renewed or ended it: still blocks), ``ended``."""
    if measure.status == "ended":
        return "ended"
    if measure.status == "provisional" or not measure.end_date:
        return "provisional"
    end = dt.date.fromisoformat(measure.end_date)
    if today > end:
        return "overdue"
    if (end - today).days <= ENDING_SOON_DAYS:
        return "ending_soon"
    return "running"


STATE_LABELS = {"provisional": ("仮支援措置（ブロック中）", "provisional (blocking)"),
                "running": ("有効", "running"),
                "ending_soon": ("終了間近（30日以内）", "ending within 30 days"),
                "overdue": ("延長期限超過（ブロック継続）", "renewal overdue (still blocking)"),
                "ended": ("終了", "ended")}


def _ancestors(conn, measure: Measure) -> list[str]:
    chain, seen = [measure.id], {measure.id}
    current = measure.renewed_from
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        row = conn.execute("SELECT renewed_from FROM support_measures WHERE id = ?", (current,)).fetchone()
        current = row[0] if row else None
    return chain


def _entry(conn, measure: Measure, evs: list[Event], today: dt.date, default_systems: list[str],
           chain_events: list[Event] | None = None) -> LedgerEntry:
    own = [e for e in evs if e.measure_id == measure.id]
    chain = chain_events if chain_events is not None else own
    confirmations = {e.ref_id: e for e in own if e.kind == "confirmed"}
    regs = tuple(Registration(e, confirmations.get(e.id)) for e in own if e.kind == "registered")
    required: list[str] = []
    for e in chain:
        if e.kind == "registered":
            for s in e.payload.get("systems", []):
                if s not in required:
                    required.append(s)
    if not required:
        required = list(default_systems)
    blocks: dict[str, Event] = {}
    for e in chain:
        if e.kind == "system_blocked" and e.system not in blocks:
            blocks[e.system] = e
    systems = tuple(SystemBlock(s, blocks[s].staff_id, blocks[s].payload.get("blocked_at"),
                                blocks[s].at) if s in blocks else SystemBlock(s)
                    for s in required)
    ended_requests = {e.ref_id for e in own if e.kind == "end_confirmed"}
    end_request = next((e for e in reversed(own) if e.kind == "end_requested"
                        and e.id not in ended_requests), None) if measure.in_force else None
    state = renewal_state(measure, today)
    opens = measure.renewal_opens()
    renewable = measure.status == "active" and opens is not None and today >= opens
    return LedgerEntry(measure, regs, systems, end_request, state, renewable)


def ledger_entry(conn: sqlite3.Connection, measure_id: str, today: dt.date) -> LedgerEntry:
    measure = M.get_measure(conn, measure_id)
    chain = _ancestors(conn, measure)
    evs = events(conn, chain)
    return _entry(conn, measure, evs, today, linked_systems_setting(conn), evs)


def ledger(conn: sqlite3.Connection, today: dt.date, *, include_ended: bool = False,
           applied_until: str | None = None) -> list[LedgerEntry]:
    """Every measure (in force, or all) with its registrations, linked systems and state; the
    incomplete ones first."""
    measures = M.list_measures(conn, include_ended=include_ended)
    if applied_until:
        measures = [m for m in measures if m.applied_date <= applied_until]
    by_id = {m.id: m for m in M.list_measures(conn, include_ended=True)}
    all_events = events(conn)
    by_measure: dict[str, list[Event]] = {}
    for e in all_events:
        by_measure.setdefault(e.measure_id, []).append(e)
    default = linked_systems_setting(conn)
    out = []
    for m in measures:
        chain_ids, cur, seen = [m.id], m.renewed_from, {m.id}
        while cur and cur not in seen and cur in by_id:
            chain_ids.append(cur)
            seen.add(cur)
            cur = by_id[cur].renewed_from
        chain_events = sorted((e for mid in chain_ids for e in by_measure.get(mid, [])),
                              key=lambda e: (e.at, e.id))
        out.append(_entry(conn, m, by_measure.get(m.id, []), today, default, chain_events))
    out.sort(key=lambda e: (e.complete, e.measure.applied_date, e.measure.id))
    return out


# ------------------------------------------------------------------------------------ writing

def _current(conn, auth: Authenticated) -> StaffMember:
    if not auth.genuine():
        raise MeasureError("認証が確認できません / the sign-in could not be verified")
    member = get_staff(conn, staff_id=auth.staff.id)
    if member is None or member.disabled:
        raise MeasureError("このアカウントは使用できません / this account cannot be used")
    if member.outsourced:
        raise MeasureError("委託職員は支援措置の登録・確認ができません。職員に引き継いでください / outsourced "
                           "(委託) staff cannot register or confirm support measures: hand over to a "
                           "municipal employee")
    return member


def _snapshot(conn, measure_ids) -> dict:
    rows = []
    members = []
    for mid in measure_ids:
        cur = conn.execute("SELECT * FROM support_measures WHERE id = ?", (mid,))
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        if row:
            rows.append({k: v for k, v in zip(names, row) if k != "seq"})
        members += [[mid, r[0]] for r in conn.execute(
            "SELECT resident_id FROM support_measure_members WHERE measure_id = ?", (mid,))]
    return {"measures": rows, "members": members}


class SignatureNeeded(Exception):
    """The first pass of a :class:`CardSignature`: the event is built, nothing is stored."""


class CardSignature:
    """``card_sign`` for a ledger event signed by the card while the window goes on (the card
    answers on its own thread, later). :meth:`draft` runs the action up to the signature and rolls
    it back, giving the message the card must sign; :meth:`commit` runs the same action again, with
    the same row ids and time, and the card's signature of that message — which ``_write`` checks
    against the registered card before anything is stored. Actions: ``action(card_sign)``."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.at: dt.datetime | None = None
        self.message: bytes | None = None
        self.signature: bytes | None = None

    def __call__(self, message: bytes) -> bytes:
        if self.signature is None:
            self.message = message
            raise SignatureNeeded()
        if message != self.message:
            raise MeasureError("カードで署名している間に台帳が変わりました。もう一度操作してください / the ledger "
                               "changed while the card was signing: do it again")
        return self.signature

    def draft(self, action) -> bytes:
        with replaying_ids(self.ids):
            try:
                action(self)
            except SignatureNeeded:
                return self.message
        raise MeasureError("この操作には署名がありません / this action signs nothing")

    def commit(self, action, signature: bytes):
        self.signature = bytes(signature)
        with replaying_ids(self.ids):
            return action(self)


def _write(conn, auth: Authenticated, *, measure_id: str, kind: str, clock: Clock, stage=None,
           system=None, ref_id=None, payload=None, changed=(), card_sign=None) -> Event:
    """Sign and record one event (with the measure rows it changed, for the server): the
    signature binds the event, its payload and the digest of those rows."""
    now = clock.now()
    if isinstance(card_sign, CardSignature):       # the second pass signs what the first built
        now = card_sign.at = card_sign.at or now
    rows = _snapshot(conn, changed)
    row = {"id": new_id(), "measure_id": measure_id, "kind": kind, "stage": stage,
           "system": system, "ref_id": ref_id, "office_day": office_day(now), "at": iso(now),
           "staff_id": auth.staff.id, "terminal_id": auth.terminal_id,
           "payload": json.dumps({**(payload or {}), "rows_digest": sigcore.rows_digest(rows)},
                                 ensure_ascii=False, sort_keys=True),
           "auth_method": auth.method}
    checker = ledgersig.Checker(conn)
    signature = keys.sign_as(auth, sigcore.ledger_message(row, checker.ref_digest(row)), card_sign)
    if signature is None:
        raise MeasureError("署名鍵がありません。もう一度パスワードかカードで認証してください / no signing key is "
                           "open: sign in again with the password or the card")
    row["signature"] = signature
    if checker.problem(row) is not None:
        raise MeasureError("署名が確認できません（登録された鍵・カードの署名ではありません） / the signature cannot be "
                           "verified (not made by the registered key or card)")
    try:
        conn.execute(f"INSERT INTO measure_events({', '.join(row)}) VALUES ({','.join('?' * len(row))})",
                     tuple(row.values()))
    except sqlite3.IntegrityError as exc:       # the store's own triggers (second person, same day)
        raise MeasureError(f"記録できません: {exc} / refused by the store: {exc}") from None
    enqueue(conn, "measure_event", row["id"], {**row, **rows})
    audit.append(conn, action=f"measure.{kind}", staff_id=auth.staff.id,
                 terminal_id=auth.terminal_id, target_kind="support_measure" if measure_id else "report",
                 target_id=measure_id or (payload or {}).get("month"),
                 clock=clock, detail={k: v for k, v in (("stage", stage), ("system", system),
                                                        ("ref", ref_id)) if v})
    return _event(tuple(row[k] for k in _EVENT_COLUMNS.split(", ")))


def register(store, staff: Authenticated, *, stage: str, applied_date: dt.date,
             target_id: str | None = None, kind: str = "dv", perpetrator: Perpetrator = Perpetrator(),
             members=(), counselling_body: str | None = None, measure_id: str | None = None,
             start_date: dt.date | None = None, clock: Clock = SYSTEM_CLOCK,
             card_sign=None) -> Registration:
    """Enter one stage of a measure (the first of two people). An application, a provisional
    measure or a decision without an existing measure writes a ``provisional`` measure that blocks
    at once. A decision on an existing provisional measure, and a renewal, take effect when a
    support officer confirms them (:func:`confirm`)."""
    if stage not in STAGES:
        raise MeasureError(f"段階が不明です: {stage} / unknown stage ({', '.join(STAGES)})")
    with store.transaction() as conn:
        _current(conn, staff)
        systems = linked_systems_setting(conn)
        payload: dict = {}
        if stage == "decision":
            if start_date is None:
                raise MeasureError("支援決定の開始日を入力してください / give the start date of the decision")
            payload["start_date"] = start_date.isoformat()
        if stage == "renewal":
            if not measure_id:
                raise MeasureError("延長する支援措置を指定してください / name the measure to renew")
            M.check_renewable(M.get_measure(conn, measure_id), applied_date)
            payload["on"] = applied_date.isoformat()
        elif measure_id:
            m = M.get_measure(conn, measure_id)
            evs = events(conn, [measure_id])
            confirmed = {e.ref_id for e in evs if e.kind == "confirmed"}
            if stage != "decision" and not any(e.kind == "registered" and e.stage == stage
                                               and e.id not in confirmed
                                               and e.office_day < office_day(clock.now()) for e in evs):
                raise MeasureError("既存の措置に登録できるのは支援決定、延長、または前日以前の未確認登録の再登録だけです / "
                                   "an existing measure takes a decision, a renewal, or the "
                                   "re-entry of an earlier unconfirmed registration")
            if stage == "decision" and m.status != "provisional":
                raise MeasureError("仮支援措置ではありません / the measure is not provisional")
            payload["systems"] = systems
        else:
            if not target_id:
                raise MeasureError("支援対象者を指定してください / name the person to protect")
            measure_id = M._insert(conn, target_id=target_id, kind=kind, status="provisional",
                                   applied_date=applied_date.isoformat(), start_date=None,
                                   end_date=None, perpetrator=perpetrator,
                                   counselling_body=counselling_body, decided_by=None)
            M._add_members(conn, measure_id, members)
            payload["systems"] = systems
        ev = _write(conn, staff, measure_id=measure_id, kind="registered", stage=stage,
                    clock=clock, payload=payload, changed=(measure_id,), card_sign=card_sign)
        return Registration(ev, None)


def _to_confirm(conn, event_id: str, member: StaffMember, kind: str, confirm_kind: str) -> Event:
    """The event a second person confirms: of the right kind, not yet confirmed, not their own."""
    ev = get_event(conn, event_id)
    what = {"registered": ("登録", "registration"), "end_requested": ("終了の申請", "request to end")}[kind]
    if ev.kind != kind:
        raise MeasureError(f"これは{what[0]}ではありません / this is not a {what[1]}")
    if any(e.kind == confirm_kind and e.ref_id == ev.id for e in events(conn, [ev.measure_id])):
        raise MeasureError(f"この{what[0]}は確認済みです / this {what[1]} is already confirmed")
    if ev.staff_id == member.id:
        raise MeasureError(f"{what[0]}をした本人は確認できません。別の職員が確認してください / the person who "
                           f"made the {what[1]} cannot confirm it: a second person confirms")
    return ev


def confirm(store, officer: Authenticated, registration_id: str, *,
            clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Registration:
    """The second person: a support officer other than the one who registered, the same office
    day. Applies a decision (active for one year from its start) or a renewal."""
    with store.transaction() as conn:
        member = _current(conn, officer)
        if not member.has(Role.SUPPORT_OFFICER):
            raise MeasureError("確認は支援措置責任者が行います / a support officer confirms registrations")
        reg = _to_confirm(conn, registration_id, member, "registered", "confirmed")
        today = office_day(clock.now())
        if reg.office_day != today:
            raise MeasureError(f"登録（{reg.office_day}）と同じ日に確認する必要があります。措置はブロックを続けます。"
                               f"もう一度登録してください / a registration is confirmed on its own day "
                               f"({reg.office_day}); the measure keeps blocking — register it again")
        changed = [reg.measure_id]
        m = M.get_measure(conn, reg.measure_id)
        if reg.stage == "decision":
            if m.status != "provisional":
                raise MeasureError("仮支援措置ではありません / the measure is not provisional")
            start = dt.date.fromisoformat(reg.payload["start_date"])
            conn.execute("UPDATE support_measures SET status='active', start_date=?, end_date=?, "
                         "decided_by=? WHERE id=?", (start.isoformat(), M.one_year_from(start).isoformat(),
                                                     member.id, m.id))
        elif reg.stage == "renewal":
            if m.status != "active":
                raise MeasureError("この支援措置は延長できる状態ではありません / the measure can no longer be renewed")
            new, _start = M.renew_rows(conn, m, dt.date.fromisoformat(reg.payload["on"]), member.id)
            changed.append(new)
        ev = _write(conn, officer, measure_id=reg.measure_id, kind="confirmed", ref_id=reg.id,
                    stage=reg.stage, clock=clock, changed=changed, card_sign=card_sign)
        return Registration(reg, ev)


def confirm_system(store, staff: Authenticated, measure_id: str, system: str, *,
                   blocked_at: dt.datetime | None = None, note: str = "",
                   clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Event:
    """A named person confirms that ``system`` is blocked for this measure (and when)."""
    with store.transaction() as conn:
        _current(conn, staff)
        entry = ledger_entry(conn, measure_id, office_today(clock))
        names = [s.system for s in entry.systems]
        if system not in names:
            raise MeasureError(f"連携システム「{system}」はこの措置の対象ではありません（{'、'.join(names)}） / "
                               f"{system} is not a linked system of this measure")
        if any(s.system == system and s.confirmed for s in entry.systems):
            raise MeasureError(f"「{system}」は確認済みです / {system} is already confirmed blocked")
        when = blocked_at or clock.now()
        if when > clock.now() + dt.timedelta(minutes=5):
            raise MeasureError("未来の時刻は記録できません / the time it was blocked cannot be in the future")
        return _write(conn, staff, measure_id=measure_id, kind="system_blocked", system=system,
                      clock=clock, payload={"blocked_at": iso(when), **({"note": note} if note else {})},
                      card_sign=card_sign)


def request_end(store, officer: Authenticated, measure_id: str, *, on: dt.date, reason: str,
                clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Event:
    """A support officer asks to end a measure; it keeps blocking until a second person confirms."""
    if not (reason or "").strip():
        raise MeasureError("終了の理由を記録してください / record the reason for ending")
    with store.transaction() as conn:
        member = _current(conn, officer)
        if not member.has(Role.SUPPORT_OFFICER):
            raise MeasureError("終了は支援措置責任者が行います / a support officer ends a measure")
        entry = ledger_entry(conn, measure_id, office_today(clock))
        if not entry.measure.in_force:
            raise MeasureError("この支援措置は既に終了しています / the measure has already ended")
        if entry.end_request is not None:
            raise MeasureError("終了の確認待ちです / an end is already waiting for confirmation")
        return _write(conn, officer, measure_id=measure_id, kind="end_requested", clock=clock,
                      payload={"on": on.isoformat(), "reason": reason.strip()}, card_sign=card_sign)


def confirm_end(store, staff: Authenticated, request_id: str, *,
                clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Measure:
    """The second person confirms an end: only now the measure stops blocking."""
    with store.transaction() as conn:
        member = _current(conn, staff)
        req = _to_confirm(conn, request_id, member, "end_requested", "end_confirmed")
        m = M.get_measure(conn, req.measure_id)
        if not m.in_force:
            raise MeasureError("この支援措置は既に終了しています / the measure has already ended")
        conn.execute("UPDATE support_measures SET status='ended', ended_date=?, ended_reason=? "
                     "WHERE id=?", (req.payload["on"], req.payload["reason"], m.id))
        _write(conn, staff, measure_id=m.id, kind="end_confirmed", ref_id=req.id, clock=clock,
               changed=(m.id,), card_sign=card_sign)
        return M.get_measure(conn, m.id)


def record_signoff(store, supervisor: Authenticated, *, month: str, digest: str,
                   incomplete: int, clock: Clock = SYSTEM_CLOCK, card_sign=None) -> Event:
    """A support officer signs off a month's reconciliation, signed like a release: a ledger event
    whose payload binds the month and the SHA-256 of the report's content (``digest``), signed
    with the key their password sign-in opened (or their card through ``card_sign``)."""
    with store.transaction() as conn:
        member = get_staff(conn, staff_id=supervisor.staff.id)
        if not supervisor.genuine() or member is None or member.disabled \
                or not member.has(Role.SUPPORT_OFFICER):
            raise MeasureError("照合の確認は支援措置責任者が行います / a support officer signs off the "
                               "reconciliation")
        return _write(conn, supervisor, measure_id=None, kind="reconcile_signed", clock=clock,
                      payload={"month": month, "digest": digest, "incomplete": incomplete},
                      card_sign=card_sign)


def signoffs(conn: sqlite3.Connection, month: str) -> list[Event]:
    """The validly signed sign-offs of ``month`` (a forged one is not the ledger)."""
    rows = conn.execute(f"SELECT {_EVENT_COLUMNS} FROM measure_events WHERE kind = 'reconcile_signed' "
                        f"ORDER BY at").fetchall()
    return [e for e in _signed(conn, rows) if e.payload.get("month") == month]


__all__ = ["register", "confirm", "confirm_system", "request_end", "confirm_end", "ledger",
           "ledger_entry", "renewal_state", "office_day", "Registration", "LedgerEntry",
           "SystemBlock", "Event", "STAGES"]

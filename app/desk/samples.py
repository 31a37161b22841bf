"""A sample office for the supervisor's desk: fictional residents of 研修市, support measures in
every state of the ledger (complete, a linked system not confirmed, a registration waiting for its
second person, ending soon, renewal overdue, forwarded and acknowledged, received), a day of cases
with waits, refusals and issued documents, one release and one refusal by a support officer.

``python -m app.desk.samples OUTDIR`` writes the sample reconciliation PDF and daily report PDF
(``docs/samples/``). Used by the desk's tests, screenshots and benchmark (:func:`add_cases` writes
any number of cases straight into the case tables, as the engine would have). Never on a live
store: it writes residents and staff.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from app.security.clock import Clock, iso
from app.store.db import new_id, open_store
# lazy imports: the layers a sample drives load only when samples are made

UTC = dt.timezone.utc
#: the sample's "today": Monday 2026-11-30, 10:00 in Japan
NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
TERMINAL = "T001"


class MovableClock(Clock):
    def __init__(self, at: dt.datetime = NOW):
        self.t = at
        super().__init__(wall=lambda: self.t, mono=lambda: 0.0, boot_id="sample")


@dataclass
class SampleOffice:
    path: Path
    staff: dict[str, str]
    residents: dict[str, str]
    measures: dict[str, str] = field(default_factory=dict)
    pending_registration: str = ""


PEOPLE = [  # key, family, given, fkana, gkana, birth, sex, address
    ("aoki", "青木", "美咲", "アオキ", "ミサキ", "1988-06-12", 2, "研修市中央一丁目2番3号"),
    ("aoki_child", "青木", "蓮", "アオキ", "レン", "2016-02-03", 1, "研修市中央一丁目2番3号"),
    ("inoue", "井上", "由美", "イノウエ", "ユミ", "1979-11-30", 2, "研修市北町三丁目4番5号"),
    ("ueda", "上田", "さくら", "ウエダ", "サクラ", "1992-04-01", 2, "研修市南町2番8号"),
    ("endo", "遠藤", "真理子", "エンドウ", "マリコ", "1983-08-08", 2, "研修市西町5番1号"),
    ("okada", "岡田", "陽子", "オカダ", "ヨウコ", "1990-01-20", 2, "研修市東町7番2号"),
    ("kato", "加藤", "恵", "カトウ", "メグミ", "1985-03-15", 2, "研修市中央四丁目1番1号"),
    ("kimura", "木村", "健一", "キムラ", "ケンイチ", "1970-07-07", 1, "研修市北町1番9号"),
]


def _add_people(store) -> dict[str, str]:
    from app.store.residents import insert_resident

    ids = {}
    with store.transaction() as conn:
        for key, family, given, fk, gk, birth, sex, address in PEOPLE:
            rid = new_id()
            insert_resident(conn, {"id": rid, "family_name": family, "given_name": given,
                                   "family_kana": fk, "given_kana": gk, "birth_date": birth, "sex": sex,
                                   "address": address})
            ids[key] = rid
    return ids


def build(path: Path) -> SampleOffice:
    """Write the sample office into a new store at ``path``."""
    from app.security import measures as M
    from app.security import registration as R
    from app.security.demo import create_training_accounts
    from app.security.staff import authenticate_password

    store = open_store(path, create=True)
    try:
        create_training_accounts(store, terminal_id=TERMINAL)
        staff = {r[0]: r[1] for r in store.conn.execute("SELECT login, id FROM staff")}
        people = _add_people(store)
        office = SampleOffice(Path(path), staff, people)
        clock = MovableClock(NOW - dt.timedelta(days=400))

        def who(login):
            return authenticate_password(store, login, f"{login}-kenshu", terminal_id=TERMINAL, clock=clock)

        clerk, clerk2, officer, officer2 = who("clerk1"), who("clerk2"), who("officer1"), who("officer2")
        systems = R.linked_systems_setting(store.conn)
        p = M.Perpetrator(family_name="加害", given_name="一郎", family_kana="カガイ", given_kana="イチロウ",
                          address="研修市港町9番9号", relationship="元夫")

        def measure(key, target, *, at: dt.datetime, start: dt.date | None, confirm=True, blocked=None,
                    members=()):
            clock.t = at
            reg = R.register(store, clerk, stage="application" if start is None else "decision",
                             applied_date=at.date(), target_id=people[target], perpetrator=p,
                             members=[people[m] for m in members], start_date=start, clock=clock)
            if confirm:
                clock.t = at + dt.timedelta(hours=2)
                R.confirm(store, officer, reg.event.id, clock=clock)
            for i, system in enumerate(systems if blocked is None else blocked):
                clock.t = at + dt.timedelta(hours=3, minutes=10 * i)
                R.confirm_system(store, clerk2 if i % 2 else officer2, reg.event.measure_id, system,
                                 blocked_at=clock.t - dt.timedelta(minutes=5), clock=clock)
            office.measures[key] = reg.event.measure_id
            return reg

        # ending soon (complete), then forwarded and acknowledged
        measure("ending", "inoue", at=dt.datetime(2025, 12, 15, 1, tzinfo=UTC), start=dt.date(2025, 12, 20))
        clock.t = dt.datetime(2026, 11, 5, 2, tzinfo=UTC)
        fw = M.forward(store, officer, office.measures["ending"], municipality="横浜市", reason="転出先",
                       sent_date=dt.date(2026, 11, 5), clock=clock)
        M.record_receipt(store, officer, fw.id, received_date=dt.date(2026, 11, 9), clock=clock)
        # past its end: renewal overdue, still blocking (complete)
        measure("overdue", "endo", at=dt.datetime(2025, 11, 10, 1, tzinfo=UTC), start=dt.date(2025, 11, 20))
        # running, complete; forwarded (not yet acknowledged)
        measure("running", "kato", at=dt.datetime(2026, 6, 2, 1, tzinfo=UTC), start=dt.date(2026, 6, 10))
        clock.t = dt.datetime(2026, 11, 20, 2, tzinfo=UTC)
        M.forward(store, officer, office.measures["running"], municipality="千葉市", reason="本籍地",
                  sent_date=dt.date(2026, 11, 20), clock=clock)
        # this month: application confirmed, two linked systems not confirmed (red)
        measure("missing", "aoki", at=dt.datetime(2026, 11, 12, 0, 30, tzinfo=UTC), start=None,
                members=("aoki_child",), blocked=[s for s in systems if s not in ("戸籍の附票", "コンビニ交付")])
        # today: registered, waiting for its second person (red), nothing blocked elsewhere yet
        reg = measure("pending", "ueda", at=NOW - dt.timedelta(minutes=40), start=None, confirm=False, blocked=[])
        office.pending_registration = reg.event.id
        # received from another municipality
        clock.t = dt.datetime(2026, 11, 25, 2, tzinfo=UTC)
        received = M.record_received(store, officer, from_municipality="川崎市", sent_date=dt.date(2026, 11, 21),
                                     received_date=dt.date(2026, 11, 25), target_id=people["okada"], kind="stalking",
                                     applied_date=dt.date(2026, 10, 1), start_date=dt.date(2026, 10, 15),
                                     perpetrator=M.Perpetrator(family_name="付纏", given_name="二郎"), clock=clock)
        office.measures["received"] = received.id
        add_cases(store, staff, day=NOW.date(), count=60, seed=7, protected=people["aoki"])
        _add_release_and_refusal(store, staff, people)
        with store.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO sync_state(key, value) VALUES ('terminals', ?)", (json.dumps([
                {"id": "T001", "name": "本庁 1番窓口", "last_sync_at": iso(NOW - dt.timedelta(minutes=1))},
                {"id": "T002", "name": "北支所", "last_sync_at": iso(NOW - dt.timedelta(hours=3))}]),))
    finally:
        store.close()
    return office


_TYPES = ("copy_issuance", "copy_issuance", "copy_issuance", "pin_reset", "suspension_lift", "status_inquiry")
#: refusal reasons of the sample cases (codes the rules give; the desk shows their words)
_REFUSALS = ("copy.purpose.third_party", "identity.not_enough", "pin.card_revoked", "dv.perpetrator")
_DOCS = ("juminhyo", "juminhyo", "juminhyo", "kisai_jiko", "fuhyo", "juminhyo_removed")


def add_cases(store, staff: dict[str, str], *, day: dt.date, count: int, seed: int = 1,
              protected: str | None = None, days: int = 1, batch: int = 5000) -> None:
    """``count`` cases spread over ``days`` office days from ``day`` (9:00–17:00 JST), written as
    the engine writes them (header, status events; issued documents for completed copies), so that
    the triggers derive the queue heads and the desk's figures."""
    rnd = random.Random(seed)
    clerks = [staff["clerk1"], staff["clerk2"], staff.get("itaku1", staff["clerk1"])]
    base = dt.datetime.combine(day, dt.time(0, 0), UTC)        # 09:00 JST
    rows_c, rows_e, rows_d = [], [], []

    def flush():
        with store.transaction() as conn:
            conn.executemany("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                             "VALUES (?,?,?,?,?)", rows_c)
            conn.executemany("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, "
                             "payload) VALUES (?,?,?,?,?,?,?,?,?)", rows_e)
            conn.executemany("INSERT INTO issued_documents(id, issue_number, issued_at, office_code, office_name, "
                             "terminal_id, staff_id, case_id, document_type, target_ids, items, pages, sha256) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows_d)
        rows_c.clear(), rows_e.clear(), rows_d.clear()

    for i in range(count):
        cid = new_id()
        ctype = rnd.choice(_TYPES)
        clerk = rnd.choice(clerks)
        opened = base + dt.timedelta(days=i % days, seconds=rnd.randrange(8 * 3600))
        at = opened
        events = [("opened", {"status": "open"})]
        roll = rnd.random()
        if roll < 0.06:
            events.append(("gated", {"status": "awaiting_release"}))
            at += dt.timedelta(minutes=rnd.uniform(3, 25))
            events.append(("released", {"status": "open"}))
        if roll > 0.97:
            events.append(("paused", {"status": "paused"}))
        elif roll > 0.85:
            code = rnd.choice(_REFUSALS)
            events.append(("refused", {"status": "refused", "decision": {"outcome": "refuse",
                                                                        "reasons": [{"code": code}]}}))
        elif roll > 0.83:
            events.append(("abandoned", {"status": "abandoned"}))
        else:
            events.append(("completed", {"status": "completed"}))
        rows_c.append((cid, ctype, TERMINAL, clerk, iso(opened)))
        for n, (kind, payload) in enumerate(events, start=1):
            if n > 1:
                at += dt.timedelta(seconds=rnd.uniform(120, 900))
            rows_e.append((new_id(), cid, n, iso(at), clerk, TERMINAL, kind, "request", json.dumps(payload)))
        if ctype == "copy_issuance" and events[-1][0] == "completed":
            doc = rnd.choice(_DOCS)
            to_protected = bool(protected) and i == 3     # issued by a municipal clerk, never 委託
            rows_d.append((new_id(), f"{opened:%Y%m%d}-00-{TERMINAL}-{i:06d}-{seed}", iso(at), "00",
                           "本庁", TERMINAL, staff["clerk1"] if to_protected else clerk, cid, doc,
                           json.dumps([protected] if to_protected else []), "[]", 1, "0" * 64))
        if len(rows_c) >= batch:
            flush()
    flush()


def _add_release_and_refusal(store, staff, people) -> None:
    """One release and one refusal by a support officer this month, on cases of the sample day,
    through the real release API (signed with the officer's key)."""
    from app.rules.core import RequestScope
    from app.security import release
    from app.security.staff import authenticate_password

    # the sample's fixed "now" lies before the real time the accounts were made at: start the
    # store's clock afresh (a sample store only), or the release would see the clock moved back
    with store.transaction() as conn:
        conn.execute("DELETE FROM store_clock")
    rows = store.conn.execute("SELECT id, opened_by, case_type FROM cases WHERE opened_by IN (?, ?) "
                              "ORDER BY opened_at LIMIT 2", (staff["clerk1"], staff["clerk2"])).fetchall()
    for (case_id, clerk, ctype), minutes in zip(rows, (90, 30)):
        clock = MovableClock(NOW - dt.timedelta(minutes=minutes))
        officer = authenticate_password(store, "officer1", "officer1-kenshu", terminal_id=TERMINAL, clock=clock)
        scope = RequestScope(case_id=case_id, case_type=ctype, handling_staff_id=clerk,
                             persons=(people["aoki"],), documents=("juminhyo",))
        if minutes == 90:
            release.grant(store, scope, officer, checklist={"request_form": True, "identity": True}, clock=clock)
        else:
            release.refuse(store, scope, officer, reason="本人確認書類が申出書と一致しないため", clock=clock)


def write_samples(outdir: Path) -> list[Path]:
    """The sample reconciliation PDF and daily report PDF of the sample office."""
    import tempfile

    from app.desk import reports, supervisor

    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "sample.db")
        with open_store(Path(tmp) / "sample.db") as store:
            rec = reports.reconcile(store, NOW.strftime("%Y-%m"), today=NOW.date())
            fig = supervisor.figures(store.conn, supervisor.day_period(NOW.date()))
            queues = supervisor.queues(store, NOW)
    out = [outdir / "reconciliation-sample.pdf", outdir / "daily-report-sample.pdf"]
    out[0].write_bytes(reports.render_reconciliation(rec))
    out[1].write_bytes(reports.render_report(fig, queues, title="監督者 日報", red_lines=reports.red_lines(queues)))
    return out


if __name__ == "__main__":
    for p in write_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/samples")):
        print(p)

"""The support-measure ledger (issue 16): registration confirmed by a second person the same
office day, linked systems confirmed by name, renewal states, ending with a second confirmation,
and the store's own triggers refusing what a modified client could skip."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from app.security import registration as R
from app.security.measures import MeasureError, Perpetrator, measures_protecting

from tests.security.helpers import START


def _register(sstore, who, world, clock, **kw):
    kw.setdefault("stage", "application")
    kw.setdefault("applied_date", START.date())
    if "measure_id" not in kw:
        kw.setdefault("target_id", world["U"])
        kw.setdefault("perpetrator", Perpetrator(family_name="加害", given_name="三郎"))
    return R.register(sstore, who, clock=clock, **kw)


def test_registration_blocks_at_once_and_needs_a_second_person_the_same_day(sstore, world, sign_in, clock):
    reg = _register(sstore, sign_in("dual1"), world, clock)      # clerk and officer in one person
    # blocks before anyone confirms it
    assert world["U"] in measures_protecting(sstore.conn, [world["U"]])
    entry = R.ledger_entry(sstore.conn, reg.event.measure_id, START.date())
    assert entry.state == "provisional" and not entry.complete
    assert [r.event.id for r in entry.pending_registrations] == [reg.event.id]
    # the same person cannot confirm; a clerk (not an officer) cannot either
    with pytest.raises(MeasureError, match="second person"):
        R.confirm(sstore, sign_in("dual1"), reg.event.id, clock=clock)
    with pytest.raises(MeasureError, match="support officer"):
        R.confirm(sstore, sign_in("clerk2"), reg.event.id, clock=clock)
    done = R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)
    assert done.confirmed and done.confirmation.staff_id == sign_in("officer1").staff.id
    with pytest.raises(MeasureError, match="already confirmed"):
        R.confirm(sstore, sign_in("officer2"), reg.event.id, clock=clock)


def test_confirmation_on_another_day_is_refused_and_the_measure_keeps_blocking(sstore, world, sign_in, clock):
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    officer = sign_in("officer1")
    clock.advance(24 * 3600)
    with pytest.raises(MeasureError, match="own day"):
        R.confirm(sstore, officer, reg.event.id, clock=clock)
    today = R.office_today(clock)
    entry = R.ledger_entry(sstore.conn, reg.event.measure_id, today)
    assert entry.registrations[0].overdue(today)
    assert world["U"] in measures_protecting(sstore.conn, [world["U"]])
    # registered again, confirmed the same day
    again = _register(sstore, sign_in("clerk1"), world, clock, measure_id=reg.event.measure_id)
    R.confirm(sstore, sign_in("officer1"), again.event.id, clock=clock)


def test_same_day_means_the_office_day_in_japan(sstore, world, sign_in, clock):
    # 23:30 JST registered; 00:10 JST next day is another office day although UTC is still the same date
    clock.set_wall(dt.datetime(2030, 4, 1, 14, 30, tzinfo=dt.timezone.utc))
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    clock.set_wall(dt.datetime(2030, 4, 1, 15, 10, tzinfo=dt.timezone.utc))
    with pytest.raises(MeasureError, match="own day"):
        R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)


def test_the_store_refuses_a_self_confirmation_written_past_the_api(sstore, world, sign_in, clock, staff_ids):
    reg = _register(sstore, sign_in("dual1"), world, clock)
    with pytest.raises(sqlite3.IntegrityError, match="second person"):
        with sstore.transaction() as c:
            c.execute("INSERT INTO measure_events(id, measure_id, kind, ref_id, office_day, at, "
                      "staff_id, terminal_id, auth_method, signature) "
                      "VALUES ('x', ?, 'confirmed', ?, ?, ?, ?, 'T001', 'password', hex(zeroblob(64)))",
                      (reg.event.measure_id, reg.event.id, reg.event.office_day, reg.event.at,
                       staff_ids["dual1"]))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with sstore.transaction() as c:
            c.execute("DELETE FROM measure_events WHERE id = ?", (reg.event.id,))


def test_decision_takes_effect_only_when_confirmed(sstore, world, sign_in, clock):
    prov = world["provisional"]
    reg = _register(sstore, sign_in("officer2"), world, clock, stage="decision", measure_id=prov.id,
                    start_date=START.date())
    entry = R.ledger_entry(sstore.conn, prov.id, START.date())
    assert entry.measure.status == "provisional"
    R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)
    m = R.ledger_entry(sstore.conn, prov.id, START.date()).measure
    assert (m.status, m.start_date, m.end_date) == ("active", "2030-04-01", "2031-03-31")


def test_linked_systems_are_confirmed_one_by_one_by_a_named_person(sstore, world, sign_in, clock):
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    mid = reg.event.measure_id
    R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)
    entry = R.ledger_entry(sstore.conn, mid, START.date())
    assert "戸籍の附票" in entry.unconfirmed_systems and not entry.complete
    blocked_at = START - dt.timedelta(minutes=20)
    R.confirm_system(sstore, sign_in("clerk2"), mid, "戸籍の附票", blocked_at=blocked_at, clock=clock)
    with pytest.raises(MeasureError, match="already confirmed"):
        R.confirm_system(sstore, sign_in("clerk1"), mid, "戸籍の附票", clock=clock)
    with pytest.raises(MeasureError, match="not a linked system"):
        R.confirm_system(sstore, sign_in("clerk1"), mid, "図書館", clock=clock)
    entry = R.ledger_entry(sstore.conn, mid, START.date())
    block = next(s for s in entry.systems if s.system == "戸籍の附票")
    assert block.confirmed_by == sign_in("clerk2").staff.id and block.blocked_at.startswith("2030-04-01T08:40")
    for system in entry.unconfirmed_systems:
        R.confirm_system(sstore, sign_in("clerk1"), mid, system, clock=clock)
    assert R.ledger_entry(sstore.conn, mid, START.date()).complete


def test_systems_come_from_the_setting_at_registration(sstore, world, sign_in, clock):
    import json

    with sstore.transaction() as c:
        c.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('measures.linked_systems', ?)",
                  (json.dumps(["住民基本台帳", "税"]),))
    reg = _register(sstore, sign_in("clerk1"), world, clock)
    with sstore.transaction() as c:
        c.execute("UPDATE settings SET value = ? WHERE key = 'measures.linked_systems'",
                  (json.dumps(["住民基本台帳"]),))
    entry = R.ledger_entry(sstore.conn, reg.event.measure_id, START.date())
    assert [s.system for s in entry.systems] == ["住民基本台帳", "税"]


def test_renewal_states(world):
    m = world["measure"]        # 2030-04-01 → 2031-03-31
    assert R.renewal_state(m, dt.date(2030, 6, 1)) == "running"
    assert R.renewal_state(m, dt.date(2031, 3, 1)) == "ending_soon"
    assert R.renewal_state(m, dt.date(2031, 3, 31)) == "ending_soon"
    assert R.renewal_state(m, dt.date(2031, 4, 1)) == "overdue"
    assert R.renewal_state(world["provisional"], dt.date(2031, 4, 1)) == "provisional"


def test_renewal_opens_one_month_before_and_takes_effect_when_confirmed(sstore, world, sign_in, clock):
    m = world["measure"]
    with pytest.raises(MeasureError, match="2031-02-28"):
        _register(sstore, sign_in("clerk1"), world, clock, stage="renewal", measure_id=m.id,
                  applied_date=dt.date(2031, 2, 27))
    clock.set_wall(dt.datetime(2031, 4, 2, 1, 0, tzinfo=dt.timezone.utc))   # past its end: overdue
    assert R.ledger_entry(sstore.conn, m.id, R.office_today(clock)).state == "overdue"
    assert world["V"] in measures_protecting(sstore.conn, [world["V"]])      # still blocks
    reg = R.register(sstore, sign_in("clerk1"), stage="renewal", measure_id=m.id,
                     applied_date=R.office_today(clock), clock=clock)
    R.confirm(sstore, sign_in("officer1"), reg.event.id, clock=clock)
    (new,) = [e for e in R.ledger(sstore.conn, R.office_today(clock)) if e.measure.renewed_from == m.id]
    assert (new.measure.start_date, new.measure.end_date) == ("2031-04-01", "2032-03-31")
    assert new.state == "running"


def test_ending_needs_an_officer_and_a_second_person(sstore, world, sign_in, clock):
    m = world["measure"]
    with pytest.raises(MeasureError, match="support officer"):
        R.request_end(sstore, sign_in("clerk1"), m.id, on=START.date(), reason="申出の取下げ", clock=clock)
    req = R.request_end(sstore, sign_in("officer1"), m.id, on=START.date(), reason="申出の取下げ", clock=clock)
    assert world["V"] in measures_protecting(sstore.conn, [world["V"]])
    with pytest.raises(MeasureError, match="second person"):
        R.confirm_end(sstore, sign_in("officer1"), req.id, clock=clock)
    ended = R.confirm_end(sstore, sign_in("clerk2"), req.id, clock=clock)
    assert ended.status == "ended" and ended.ended_reason == "申出の取下げ"
    assert world["V"] not in measures_protecting(sstore.conn, [world["V"]])


def test_every_event_is_queued_for_the_server_with_the_measure_row(sstore, world, sign_in, clock):
    import json

    reg = _register(sstore, sign_in("clerk1"), world, clock)
    payload = json.loads(sstore.conn.execute(
        "SELECT payload FROM outbox WHERE kind = 'measure_event' AND row_id = ?",
        (reg.event.id,)).fetchone()[0])
    assert payload["kind"] == "registered" and payload["measures"][0]["id"] == reg.event.measure_id
    assert payload["measures"][0]["status"] == "provisional"


def test_cli_register_confirm_system_and_ledger(cli, sstore, world):
    path = str(sstore.path)
    sstore.close()
    r = cli("measures", "register", "--store", path, "--login", "clerk1", "--password-stdin",
            "--stage", "application", "--target", world["U"], "--perpetrator-family", "加害",
            input="clerk1-kenshu\n")
    assert r.returncode == 0, r.stderr
    reg = r.stdout.split()[1]
    mid = r.stdout.split("for measure ")[1].split(";")[0]
    r = cli("measures", "confirm", "--store", path, "--login", "clerk1", "--password-stdin", reg,
            input="clerk1-kenshu\n")
    assert r.returncode == 2 and "support officer" in r.stderr
    r = cli("measures", "confirm", "--store", path, "--login", "officer1", "--password-stdin", reg,
            input="officer1-kenshu\n")
    assert r.returncode == 0, r.stderr
    r = cli("measures", "system", "--store", path, "--login", "clerk2", "--password-stdin", mid, "戸籍の附票",
            "--blocked-at", "2026-11-30T09:15", input="clerk2-kenshu\n")
    assert r.returncode == 0, r.stderr
    r = cli("measures", "system", "--store", path, "--login", "clerk2", "--password-stdin", mid, "税",
            "--blocked-at", "yesterday", input="clerk2-kenshu\n")
    assert r.returncode == 2 and "ISO" in r.stderr
    r = cli("measures", "ledger", "--store", path)
    line = next(x for x in r.stdout.splitlines() if mid in x)
    assert line.startswith("!! ") and "戸籍の附票" not in line and "住民基本台帳" in line


def test_cli_outsourced_account(cli, sstore):
    path = str(sstore.path)
    sstore.close()
    r = cli("staff", "add", "--store", path, "itaku2", "--name", "委託 二郎", "--role", "clerk",
            "--role", "support_officer", "--outsourced", "--no-password")
    assert r.returncode == 2 and "outsourced" in r.stderr
    r = cli("staff", "add", "--store", path, "itaku2", "--name", "委託 二郎", "--role", "clerk",
            "--outsourced", "--no-password")
    assert r.returncode == 0, r.stderr
    r = cli("staff", "list", "--store", path, "--json")
    assert next(m for m in __import__("json").loads(r.stdout) if m["login"] == "itaku2")["outsourced"]
    r = cli("staff", "outsourced", "--store", path, "itaku2", "--off")
    assert r.returncode == 0 and "municipal employee" in r.stdout

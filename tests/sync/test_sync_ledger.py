"""The support-measure ledger over the central server (issue 16): a measure registered at branch
terminal A reaches terminal B (master pull) with its pending registration (traffic pull), so every
supervisor sees it; the confirmation from B reaches A; the server itself refuses a
self-confirmation, a ledger entry by an outsourced account and a release for a case an outsourced
clerk handles, whatever the terminal sends."""

from __future__ import annotations

import datetime as dt
import json

import psycopg
import pytest

from app.security import registration as R
from app.security import sigcore
from app.security.measures import measures_protecting
from app.security.staff import authenticate_password
from tests.sync.municipality import password_of, sid, sign_key
from tests.sync.test_sync_signoff import office  # noqa: F401  (terminals A and B on one server)

pytestmark = pytest.mark.postgres


def test_a_registration_reaches_every_terminal_and_its_confirmation_comes_back(office):
    central, a, b, sync = office
    target = sid("resident-5")
    clerk = authenticate_password(a, "clerk.a", password_of("clerk.a"), terminal_id="TA")
    reg = R.register(a, clerk, stage="application", applied_date=dt.date.today(), target_id=target)
    sync(a, "TA")
    pulled = sync(b, "TB")
    assert pulled.traffic["measure_events"] == 1
    assert target in measures_protecting(b.conn, [target])                 # blocks at B too
    entry = R.ledger_entry(b.conn, reg.event.measure_id, R.office_today())
    assert [r.event.id for r in entry.pending_registrations] == [reg.event.id]   # on B's desk
    officer = authenticate_password(b, "officer.b", password_of("officer.b"), terminal_id="TB")
    R.confirm(b, officer, reg.event.id)
    R.confirm_system(b, officer, reg.event.measure_id, "戸籍の附票")
    sync(b, "TB")
    sync(a, "TA")
    entry = R.ledger_entry(a.conn, reg.event.measure_id, R.office_today())
    assert entry.registrations[0].confirmed
    assert "戸籍の附票" not in entry.unconfirmed_systems
    # ended: asked at B by the officer, confirmed at A by a second person; every terminal follows
    ask = R.request_end(b, officer, reg.event.measure_id, on=dt.date.today(), reason="申出の取下げ")
    sync(b, "TB")
    sync(a, "TA")
    R.confirm_end(a, clerk, ask.id)
    sync(a, "TA")
    sync(b, "TB")
    assert target not in measures_protecting(b.conn, [target])


def _insert_as_terminal(central, terminal, sql, params):
    with psycopg.connect(central.terminal_dsn(terminal)) as conn:
        conn.execute(sql, params)


def test_the_server_refuses_a_self_confirmation_sent_by_a_modified_terminal(office):
    central, a, b, sync = office
    officer = authenticate_password(a, "officer.a", password_of("officer.a"), terminal_id="TA")
    reg = R.register(a, officer, stage="application", applied_date=dt.date.today(),
                     target_id=sid("resident-6"))
    sync(a, "TA")
    row = {"id": "forged-confirm", "measure_id": reg.event.measure_id, "kind": "confirmed",
           "ref_id": reg.event.id, "office_day": reg.event.office_day, "at": reg.event.at,
           "staff_id": sid("officer_a"), "terminal_id": "TA"}
    with pytest.raises(psycopg.errors.CheckViolation, match="second person"):
        _insert_as_terminal(central, "TA",
                            "INSERT INTO madoguchi.measure_events(id, measure_id, kind, ref_id, office_day, at, "
                            "staff_id, terminal_id, row) VALUES (%(id)s, %(measure_id)s, %(kind)s, %(ref_id)s, "
                            "%(office_day)s, %(at)s, %(staff_id)s, %(terminal_id)s, %(row)s)",
                            {**row, "row": json.dumps(row)})


def test_the_server_keeps_outsourced_staff_out_of_officer_roles(office):
    central, *_ = office
    with psycopg.connect(central.admin_dsn) as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE madoguchi.staff SET outsourced = 1 WHERE id = %s", (sid("officer_b"),))


def test_a_crafted_event_cannot_end_a_measure_on_the_server(office):
    """A modified terminal sends a 'system blocked' event whose snapshot says another measure has
    ended: the server records the event but changes no measure."""
    central, a, b, sync = office
    clerk = authenticate_password(a, "clerk.a", password_of("clerk.a"), terminal_id="TA")
    reg = R.register(a, clerk, stage="application", applied_date=dt.date.today(), target_id=sid("resident-7"))
    sync(a, "TA")
    row = {"id": "crafted", "measure_id": reg.event.measure_id, "kind": "system_blocked", "system": "税",
           "office_day": reg.event.office_day, "at": reg.event.at, "staff_id": sid("clerk_a"),
           "terminal_id": "TA",
           "measures": [{"id": reg.event.measure_id, "status": "ended", "ended_reason": "forged"}],
           "auth_method": "password"}
    # signed by the clerk's own key, rows and all: the signature holds, the rules still apply
    row["payload"] = json.dumps({"rows_digest": sigcore.rows_digest(row)})
    row["signature"] = sign_key("clerk_a").private.sign(sigcore.ledger_message(row)).hex()
    _insert_as_terminal(central, "TA",
                        "INSERT INTO madoguchi.measure_events(id, measure_id, kind, system, office_day, at, "
                        "staff_id, terminal_id, row) VALUES (%(id)s, %(measure_id)s, %(kind)s, %(system)s, "
                        "%(office_day)s, %(at)s, %(staff_id)s, %(terminal_id)s, %(row)s)",
                        {**row, "row": json.dumps(row)})
    with psycopg.connect(central.admin_dsn) as conn:
        status = conn.execute("SELECT status FROM madoguchi.support_measures WHERE id = %s",
                              (reg.event.measure_id,)).fetchone()[0]
    assert status == "provisional"

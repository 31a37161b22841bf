"""The queue's case heads (migration 6): kept by triggers from the events, right when events
arrive out of order (sync), and back-filled for cases written before the migration."""

from __future__ import annotations

import json

from app.store import open_store
from app.store.db import APPLICATION_ID, new_id, now_iso
from app.store.schema import MIGRATIONS
from tests.workflows.helpers import add_staff


def _case(conn, staff, events):
    cid = new_id()
    conn.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                 (cid, "status_inquiry", "T9", staff, now_iso()))
    for n, kind, payload in events:
        conn.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, payload) "
                     "VALUES (?,?,?,?,?,?,?,?,?)",
                     (new_id(), cid, n, f"2026-11-25T10:00:{n:02d}+00:00", staff, "T9", kind, "request",
                      json.dumps(payload)))
    return cid


def _queue(store, cid):
    return store.conn.execute("SELECT status, step, updated_at FROM case_queue WHERE case_id = ?", (cid,)).fetchone()


def test_events_out_of_order_recompute_the_status(store):
    staff = add_staff(store, "h", "H")
    with store.transaction() as conn:
        cid = _case(conn, staff, [(1, "opened", {"status": "open"}), (3, "tick", {"item": "x", "checked": True})])
    assert _queue(store, cid)[0] == "open"
    with store.transaction() as conn:            # n=2 arrives late (pulled from the server)
        conn.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, payload) "
                     "VALUES (?,?,2,?,?,?,?,?,?)", (new_id(), cid, "2026-11-25T10:00:02+00:00", staff, "T9",
                                                   "paused", "request", json.dumps({"status": "paused"})))
    status, step, updated_at = _queue(store, cid)
    assert status == "paused" and updated_at.endswith("10:00:03+00:00")


def test_cases_written_before_the_migration_are_back_filled(tmp_path):
    path = tmp_path / "old.db"
    s = open_store(path, create=True, migrate=False)
    for m in MIGRATIONS:
        if m.version > 5:
            break
        with s.transaction() as conn:
            m.apply(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {m.version}")
    staff = add_staff(s, "old", "旧")
    with s.transaction() as conn:
        paused = _case(conn, staff, [(1, "opened", {"status": "open"}), (2, "paused", {"status": "paused"}),
                                     (3, "value", {"field": "method", "value": "four_items"})])
        done = _case(conn, staff, [(1, "opened", {"status": "open"}), (2, "completed", {"status": "completed"})])
    s.close()
    s = open_store(path)
    assert s.version >= 6
    assert _queue(s, paused)[0] == "paused" and _queue(s, done)[0] == "completed"
    s.close()

"""Writes cases, events and audit entries into a local store exactly as the case engine and the
audit log do (row + outbox in one transaction), for sync tests that need many of them quickly."""

from __future__ import annotations

import hashlib
import json

from app.store.db import new_id, now_iso
from app.store.outbox import enqueue


def write_case(store, terminal: str, clerk: str, events: int = 3, last_status: str | None = None) -> str:
    case_id = new_id()
    header = {"id": case_id, "case_type": "copy_issuance", "terminal_id": terminal,
              "opened_by": clerk, "opened_at": now_iso()}
    with store.transaction() as conn:
        conn.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                     "VALUES (:id, :case_type, :terminal_id, :opened_by, :opened_at)", header)
        enqueue(conn, "case", case_id, header)
        for n in range(1, events + 1):
            payload = {"status": "open"} if n == 1 else {"item": f"i{n}", "checked": True}
            if n == events and last_status:
                payload = {"status": last_status}
            add_event(conn, case_id, n, terminal, clerk, "opened" if n == 1 else "tick", payload)
    return case_id


def add_event(conn, case_id: str, n: int, terminal: str, staff: str, kind: str, payload: dict) -> dict:
    row = {"id": new_id(), "case_id": case_id, "n": n, "at": now_iso(), "staff_id": staff,
           "terminal_id": terminal, "kind": kind, "step": "s1",
           "payload": json.dumps(payload, ensure_ascii=False, sort_keys=True)}
    conn.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, payload) "
                  "VALUES (:id, :case_id, :n, :at, :staff_id, :terminal_id, :kind, :step, :payload)", row)
    enqueue(conn, "case_event", row["id"], row)
    return row


def write_audit_outbox(store, terminal: str, count: int, start: int = 1, prev: str = "0" * 64) -> dict:
    """Write ``count`` chained audit entries into the log and the outbox, as ``audit.append``
    would (but chained onto ``prev`` as given); returns the head."""
    from app.security.audit import HASHED, entry_hash

    head = {"seq": start - 1, "hash": prev}
    with store.transaction() as conn:
        for seq in range(start, start + count):
            row = {"seq": seq, "id": new_id(), "at": now_iso(), "tick": seq, "staff_id": None,
                   "terminal_id": terminal, "action": "test.entry", "target_kind": None,
                   "target_id": None, "case_id": None, "detail": "{}", "prev_hash": head["hash"]}
            row["hash"] = entry_hash(row)
            conn.execute(f"INSERT INTO audit_log({', '.join((*HASHED, 'hash'))}) "
                         f"VALUES ({', '.join('?' * (len(HASHED) + 1))})",
                         tuple(row[k] for k in (*HASHED, "hash")))
            enqueue(conn, "audit", row["id"], row)
            head = {"seq": seq, "hash": row["hash"]}
    return head

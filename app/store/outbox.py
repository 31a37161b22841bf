"""The outbox: rows the terminal writes for the central server are queued here in the same
local transaction that wrote them, so a crash or a cut connection never loses one."""

from __future__ import annotations

import json
import sqlite3

from app.store.db import now_iso


def enqueue(conn: sqlite3.Connection, kind: str, row_id: str, payload: dict) -> None:
    """Queue ``payload`` for the server. Must be called inside the writing transaction.

    Idempotent per (kind, row_id): the same row queued twice is queued once — without using up
    a number, so the outbox is numbered without gaps (rows are never deleted: ``audit verify``
    reads a missing last number as rows deleted from its end).
    """
    conn.execute(
        "INSERT INTO outbox(kind, row_id, payload, created_at) SELECT ?, ?, ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE kind = ? AND row_id = ?)",
        (kind, row_id, json.dumps(payload, ensure_ascii=False, sort_keys=True), now_iso(),
         kind, row_id),
    )

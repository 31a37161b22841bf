"""The terminal's sync bookkeeping in the store's ``sync_state`` table (JSON values): pull cursors
per table, when support measures were last pulled, the last good sync, the last error, the server's
witness of the audit chain head, and which terminal this store belongs to.

Keys (stable: other packages read some of them):

- ``audit_witness`` — ``{"seq": .., "hash": ..}`` as recorded by the server (``madoguchi audit verify``)
- ``terminal_id`` — the terminal this store syncs as (a store never changes terminal)
- ``pull:<table>`` — the highest server change sequence applied for that table
- ``support_pulled_at`` — the server's ISO time at the last complete pull of support measures
- ``support_pulled`` — ``{"mono", "boot_id", "server_at"}``: the terminal's monotonic clock and boot
  at that pull (the age of support data is measured on these, ``app.sync.freshness``)
- ``last_sync`` — ``{"at", "pushed", "pulled"}`` of the last complete round
- ``last_error`` — ``{"at", "message"}`` of the last failed round (cleared by a good one)
- ``terminals`` — ``[{"id", "name", "last_sync_at"}]``: every terminal as the server saw it at the
  last sync (the supervisor's desk lists those not synced within the staleness limit)
"""

from __future__ import annotations

import json
import sqlite3

AUDIT_WITNESS = "audit_witness"
TERMINAL_ID = "terminal_id"
SUPPORT_PULLED_AT = "support_pulled_at"
SUPPORT_PULLED = "support_pulled"
LAST_SYNC = "last_sync"
LAST_ERROR = "last_error"
OFFICER_SIGNOFF = "stale_signoff"
TERMINALS = "terminals"


def cursor_key(table: str) -> str:
    return f"pull:{table}"


def get(conn: sqlite3.Connection, key: str, default=None):
    row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    if not row:
        return default
    try:
        return json.loads(row[0])
    except ValueError:
        return default


def put(conn: sqlite3.Connection, key: str, value) -> None:
    """Write one key; call inside the caller's transaction when it must commit with other rows."""
    conn.execute(
        "INSERT INTO sync_state(key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, ensure_ascii=False, sort_keys=True)),
    )


def delete(conn: sqlite3.Connection, key: str) -> None:
    conn.execute("DELETE FROM sync_state WHERE key = ?", (key,))

"""Pull: what comes down from the central server, by its change sequence.

1. **Master data** (staff, households, residents, cards, card applications, support measures with
   their members and forwardings) in foreign-key order. For each table the rows with
   ``cursor < seq <= horizon`` are streamed from a server-side cursor and upserted locally in
   batches; the table's cursor (``sync_state['pull:<table>']``) is written in the same local
   transaction as each batch, so an interrupted first sync of a large municipality resumes where it
   stopped. ``horizon`` comes from ``madoguchi.pull_horizon()``: every writer with a lower sequence
   has committed, so no row is ever skipped.
2. **Sign-off traffic** (remote sign-off, 遠隔の解除): cases waiting for a support officer's release
   (a ``gated`` event) that were opened at other terminals come down with all their events, so an
   officer sees them in the queue of their own terminal; releases and release events decided at
   other terminals for such cases come down too, so the branch terminal that waits receives the
   officer's decision. Rows this terminal wrote itself never come back.

Staff secrets (password hash, wrapped signing key) are not readable by a terminal's login; they
come through ``madoguchi.staff_credentials()`` for the staff rows pulled, only for staff who may
sign in at this terminal.

Columns are matched by name between the server and the local table, so a column added on one side
only is simply not copied. Per-terminal state (a staff member's failed sign-ins and lock-out) is
never overwritten by the server. Must not import Qt.
"""

from __future__ import annotations

import json
import logging
import operator
import sqlite3
from dataclasses import dataclass
from typing import Callable

import psycopg

from app.store.db import Store
from app.sync import state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MasterTable:
    name: str
    key: tuple[str, ...] = ("id",)
    local_only: tuple[str, ...] = ()      # kept as the terminal has them when a row is updated
    removed_flag: str | None = None       # server column marking a row taken away


MASTER: tuple[MasterTable, ...] = (
    MasterTable("staff", local_only=("failed_attempts", "locked_until")),
    MasterTable("staff_card_certs"),          # server v8: card history
    MasterTable("households"),
    MasterTable("residents"),
    MasterTable("cards"),
    MasterTable("card_applications"),
    MasterTable("support_measures"),
    MasterTable("support_measure_members", key=("measure_id", "resident_id"), removed_flag="removed"),
    MasterTable("support_forwardings"),
)
SUPPORT_TABLES = ("support_measures", "support_measure_members", "support_forwardings")

#: sign-off traffic: local table <- central table, in foreign-key order
TRAFFIC = ("cases", "case_events", "releases", "release_events")

ProgressFn = Callable[[str, int, int], None]

#: the store's page cache while master rows come down (KiB; given back afterwards)
PULL_CACHE_KIB = 256 * 1024


def terminals(conn: psycopg.Connection) -> list[dict]:
    """Every terminal with its last sync as the server saw it (for the supervisor's desk)."""
    return [{"id": t, "name": n, "last_sync_at": at.isoformat() if at else None}
            for t, n, at in conn.execute(
                "SELECT id, name, last_sync_at FROM madoguchi.terminals ORDER BY id")]


def horizon(conn: psycopg.Connection) -> int:
    return int(conn.execute("SELECT madoguchi.pull_horizon()").fetchone()[0])


def _local_columns(store: Store, table: str) -> list[str]:
    return [r[1] for r in store.conn.execute(f'PRAGMA table_info("{table}")')]


def _server_columns(conn: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'madoguchi' "
        "AND table_name = %s ORDER BY ordinal_position", (table,))]


def pending_counts(store: Store, conn: psycopg.Connection, hi: int) -> dict[str, int]:
    """How many master rows are waiting on the server for this terminal, per table."""
    out = {}
    for t in MASTER:
        if conn.execute("SELECT to_regclass(%s)", (f"madoguchi.{t.name}",)).fetchone()[0] is None:
            continue                          # a table of a later server version
        lo = int(state.get(store.conn, state.cursor_key(t.name), 0))
        out[t.name] = int(conn.execute(
            f"SELECT count(*) FROM madoguchi.{t.name} WHERE seq > %s AND seq <= %s", (lo, hi)
        ).fetchone()[0])
    return out


def pull_master(store: Store, conn: psycopg.Connection, hi: int, *, batch_size: int = 5000,
                on_progress: ProgressFn | None = None,
                fault: Callable[[str], None] | None = None) -> dict[str, int]:
    """Bring every master table up to ``hi``; returns rows applied per table."""
    done: dict[str, int] = {}
    totals = pending_counts(store, conn, hi) if on_progress else {}
    # While bulk rows come in: fewer, larger WAL checkpoints (each syncs the file); a page cache
    # that holds the indexes of a large first sync (with the usual 32 MiB, residents inserted in
    # random key order evict and re-read the same index pages); and statement journals in memory —
    # each row's INSERT, with its triggers and a dozen indexes, journals the pages it touches, and
    # in a temporary file that wrote 8 GB for 150,000 residents (most of a first sync's time)
    before = store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    cache = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    temp_store = store.conn.execute("PRAGMA temp_store").fetchone()[0]
    store.conn.execute("PRAGMA wal_autocheckpoint = 20000")
    store.conn.execute(f"PRAGMA cache_size = {-PULL_CACHE_KIB}")
    store.conn.execute("PRAGMA temp_store = MEMORY")
    try:
        for table in MASTER:
            lo = int(state.get(store.conn, state.cursor_key(table.name), 0))
            done[table.name] = _pull_table(store, conn, table, hi, batch_size,
                                           (lambda n, t=table.name: on_progress(t, n, totals.get(t, 0)))
                                           if on_progress else None, fault)
            if table.name == "staff" and done["staff"]:
                _pull_credentials(store, conn, lo, hi)
    finally:
        store.conn.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
        store.conn.execute(f"PRAGMA cache_size = {int(cache)}")
        store.conn.execute(f"PRAGMA temp_store = {int(temp_store)}")
    return done


def _pull_table(store: Store, conn: psycopg.Connection, table: MasterTable, hi: int,
                batch_size: int, progress, fault) -> int:
    local_cols = _local_columns(store, table.name)
    server_cols = _server_columns(conn, table.name)
    if not server_cols:                       # a table of a later server version
        return 0
    cols = [c for c in server_cols if c in local_cols]
    select_cols = cols + ["seq"] * ("seq" not in cols)
    if table.removed_flag:
        select_cols.append(table.removed_flag)
    seq_at = select_cols.index("seq")
    flag_at = select_cols.index(table.removed_flag) if table.removed_flag else None
    key = state.cursor_key(table.name)
    lo = int(state.get(store.conn, key, 0))
    if lo >= hi:
        return 0
    updatable = [c for c in cols if c not in table.key and c not in table.local_only]
    # plain INSERT and UPDATE, not an upsert: an upsert's conflict clause would override the
    # OR IGNORE inside other packages' triggers on these tables (SQLite rule)
    insert = f'INSERT INTO "{table.name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
    where_key = " AND ".join(f"{k} = ?" for k in table.key)
    key_of = operator.itemgetter(*[cols.index(k) for k in table.key])
    key_tuple = (lambda r: (key_of(r),)) if len(table.key) == 1 else key_of
    upd_idx = [cols.index(c) for c in updatable]
    delete = f'DELETE FROM "{table.name}" WHERE {where_key}'
    applied = 0
    with conn.transaction():
        cur = conn.cursor(name=f"pull_{table.name}")
        cur.itersize = batch_size
        cur.execute(f"SELECT {', '.join(select_cols)} FROM madoguchi.{table.name} "
                    f"WHERE seq > %s AND seq <= %s ORDER BY seq", (lo, hi))
        while True:
            rows = cur.fetchmany(batch_size)
            if not rows:
                break
            if fault:
                fault(f"fetched:{table.name}")
            ncols = len(cols)
            keep = [r[:ncols] for r in rows if flag_at is None or not r[flag_at]]
            gone = [key_tuple(r) for r in rows if flag_at is not None and r[flag_at]]
            with store.transaction() as local:
                if keep:
                    have = _local_rows(local, table.name, cols, table.key, [key_tuple(r) for r in keep])
                    local.executemany(insert, [r for r in keep if key_tuple(r) not in have])
                    _update_changed(local, table.name, cols, upd_idx, where_key, key_tuple, keep, have)
                if gone:
                    local.executemany(delete, gone)
                state.put(local, key, int(rows[-1][seq_at]))
            applied += len(rows)
            if progress:
                progress(applied)
        cur.close()
    # nothing newer below the horizon: the cursor may move up to it
    with store.transaction() as local:
        if int(state.get(local, key, 0)) < hi:
            state.put(local, key, hi)
    return applied


def _pull_credentials(store: Store, conn: psycopg.Connection, lo: int, hi: int) -> None:
    """Password hashes and wrapped signing keys of the staff rows just pulled: terminal logins
    cannot read those columns, the server hands them out only for staff who may sign in at
    this terminal (``madoguchi.staff_credentials``); anyone else's are cleared here."""
    try:
        rows = conn.execute("SELECT * FROM madoguchi.staff_credentials(%s, %s)", (lo, hi)).fetchall()
    except psycopg.errors.UndefinedFunction:       # a server before schema v3
        return
    with store.transaction() as local:
        local.executemany("UPDATE staff SET password_hash = ?, sign_key = ? WHERE id = ?",
                          [(h, k, i) for i, h, k in rows])


def _local_rows(conn: sqlite3.Connection, table: str, cols: list[str], key: tuple[str, ...],
                keys: list[tuple]) -> dict[tuple, tuple]:
    """The local rows (``cols``) of those ``keys`` that exist here, by key."""
    found: dict[tuple, tuple] = {}
    width = len(key)
    key_cols = ", ".join(key)
    step = max(1, 900 // width)
    key_at = [cols.index(k) for k in key]
    for i in range(0, len(keys), step):
        chunk = keys[i:i + step]
        if width > 1:
            where = f"({key_cols}) IN (VALUES {', '.join(f'({chr(44).join(chr(63) * width)})' for _ in chunk)})"
        else:
            where = f"{key_cols} IN ({', '.join('?' * len(chunk))})"
        for row in conn.execute(f'SELECT {", ".join(cols)} FROM "{table}" WHERE {where}',
                                [v for k in chunk for v in k]):
            found[tuple(row[j] for j in key_at)] = row
    return found


def _update_changed(conn, table: str, cols: list[str], upd_idx: list[int], where_key: str,
                    key_tuple, rows: list[tuple], have: dict[tuple, tuple]) -> None:
    """Update the existing rows, each only in the columns whose value changed (an unchanged
    indexed column then costs nothing), grouped by the set of changed columns."""
    groups: dict[tuple[int, ...], list[tuple]] = {}
    for row in rows:
        k = key_tuple(row)
        old = have.get(k)
        if old is None:
            continue
        changed = tuple(i for i in upd_idx if row[i] != old[i])
        if changed:
            groups.setdefault(changed, []).append(tuple(row[i] for i in changed) + k)
    for changed, params in groups.items():
        conn.executemany(f'UPDATE "{table}" SET {", ".join(f"{cols[i]} = ?" for i in changed)} '
                         f"WHERE {where_key}", params)


# ------------------------------------------------------------------------------ sign-off traffic

_NEW_WAITING = """
SELECT c.id FROM madoguchi.cases c
WHERE c.terminal_id <> %(me)s AND EXISTS (
    SELECT 1 FROM madoguchi.case_events g
    WHERE g.case_id = c.id AND g.kind = 'gated' AND g.seq > %(lo)s AND g.seq <= %(hi)s)
"""
_GATED = "SELECT case_id FROM madoguchi.case_events WHERE kind = 'gated'"

_WINDOW = {
    "cases": f"SELECT c.row, c.seq FROM madoguchi.cases c WHERE c.id = ANY(%(ids)s) AND c.seq <= %(hi)s",
    "case_events": f"""
        SELECT e.row, e.seq FROM madoguchi.case_events e
        WHERE e.seq <= %(hi)s AND (e.case_id = ANY(%(ids)s) OR (
              e.seq > %(lo)s AND e.terminal_id <> %(me)s AND e.case_id IN ({_GATED})))
        ORDER BY e.seq""",
    "releases": f"""
        SELECT r.row, r.seq FROM madoguchi.releases r
        WHERE r.seq <= %(hi)s AND (r.case_id = ANY(%(ids)s) OR (
              r.seq > %(lo)s AND r.terminal_id <> %(me)s AND r.case_id IN ({_GATED})))
        ORDER BY r.seq""",
    "release_events": f"""
        SELECT x.row, x.seq FROM madoguchi.release_events x JOIN madoguchi.releases r ON r.id = x.release_id
        WHERE x.seq <= %(hi)s AND (r.case_id = ANY(%(ids)s) OR (
              x.seq > %(lo)s AND x.terminal_id <> %(me)s AND r.case_id IN ({_GATED})))
        ORDER BY x.seq""",
}


def _table_exists(store: Store, table: str) -> bool:
    return store.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                              (table,)).fetchone() is not None


def pull_traffic(store: Store, conn: psycopg.Connection, hi: int, terminal_id: str) -> dict[str, int]:
    """Bring down sign-off traffic up to ``hi`` (see the module docstring)."""
    present = [t for t in TRAFFIC if _table_exists(store, t)]
    lo_events = int(state.get(store.conn, state.cursor_key("case_events"), 0))
    new_ids = [r[0] for r in conn.execute(_NEW_WAITING, {"me": terminal_id, "lo": lo_events, "hi": hi})]
    fetched: dict[str, list] = {}
    for table in present:
        lo = int(state.get(store.conn, state.cursor_key(table), 0))
        if table == "cases":
            rows = conn.execute(_WINDOW[table], {"ids": new_ids, "hi": hi}).fetchall() if new_ids else []
        else:
            rows = conn.execute(_WINDOW[table], {"ids": new_ids, "hi": hi, "lo": lo,
                                                 "me": terminal_id}).fetchall()
        fetched[table] = rows
    counts: dict[str, int] = {}
    with store.transaction() as local:
        for table in present:
            cols = _local_columns(store, table)
            n = 0
            for row_text, seq in fetched[table]:
                n += _insert_row(local, table, cols, json.loads(row_text), seq)
            counts[table] = n
            state.put(local, state.cursor_key(table), hi)
    return counts


def _insert_row(conn: sqlite3.Connection, table: str, cols: list[str], row: dict, seq: int) -> int:
    if "seq" in cols:
        row = {**row, "seq": seq}
    use = [c for c in cols if c in row]
    cur = conn.execute(
        f'INSERT INTO "{table}" ({", ".join(use)}) VALUES ({", ".join("?" * len(use))}) '
        f"ON CONFLICT(id) DO NOTHING", [row[c] for c in use])
    return cur.rowcount


def pull_measure_events(store: Store, conn: psycopg.Connection, hi: int, terminal_id: str) -> int:
    """The support-measure ledger events other terminals wrote (registrations waiting for their
    second person show on every supervisor's desk), in server order, up to ``hi``."""
    if not _table_exists(store, "measure_events"):
        return 0
    lo = int(state.get(store.conn, state.cursor_key("measure_events"), 0))
    rows = conn.execute("SELECT row, seq FROM madoguchi.measure_events WHERE seq > %s AND seq <= %s "
                        "AND terminal_id <> %s ORDER BY seq", (lo, hi, terminal_id)).fetchall()
    cols = _local_columns(store, "measure_events")
    with store.transaction() as local:
        n = sum(_insert_row(local, "measure_events", cols, json.loads(text), seq) for text, seq in rows)
        state.put(local, state.cursor_key("measure_events"), hi)
    return n


def mark_support_pulled(store: Store, server_at: str, clock=None) -> None:
    """The support measures were read completely as the server stood at ``server_at`` (its own
    clock, :func:`server_time`)."""
    # rules and security (freshness) load only when support data was pulled
    from app.sync.freshness import SYSTEM_CLOCK, mark_pulled

    with store.transaction() as local:
        mark_pulled(local, server_at, clock or SYSTEM_CLOCK)


def server_time(conn: psycopg.Connection) -> str:
    """The server's clock now (ISO), never the terminal's."""
    return conn.execute("SELECT clock_timestamp()").fetchone()[0].isoformat()

"""Load a municipality's master data into the central server from a local store (COPY), for setting
up an office from an existing store, for the tests and for the benchmarks:
``madoguchi server seed --dsn ADMIN_DSN --from-store demo.db``.

Rows are copied into a staging table and upserted, so seeding twice updates instead of failing;
every row gets a fresh change sequence from the server's trigger, so terminals pull it. Runs with
the administrator's DSN (not a terminal role). Must not import Qt.
"""

from __future__ import annotations

import logging
from typing import Callable

import psycopg

from app.store.db import Store
from app.sync.pull import MASTER

log = logging.getLogger(__name__)


def seed_from_store(store: Store, dsn: str, *, batch_size: int = 50000,
                    on_progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    counts: dict[str, int] = {}
    with psycopg.connect(dsn, autocommit=False) as conn:
        for table in MASTER:
            counts[table.name] = _copy_table(store, conn, table, batch_size, on_progress)
        conn.commit()
    return counts


def _copy_table(store: Store, conn: psycopg.Connection, table, batch_size: int, on_progress) -> int:
    local_cols = [r[1] for r in store.conn.execute(f'PRAGMA table_info("{table.name}")')]
    server_cols = [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'madoguchi' "
        "AND table_name = %s ORDER BY ordinal_position", (table.name,))]
    cols = [c for c in server_cols if c in local_cols and c != "seq"]
    total = store.conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
    if not total:
        return 0
    stage = f"seed_{table.name}"
    conn.execute(f"CREATE TEMP TABLE {stage} (LIKE madoguchi.{table.name} INCLUDING DEFAULTS) "
                 f"ON COMMIT DROP")
    done = 0
    with conn.cursor().copy(f"COPY {stage} ({', '.join(cols)}) FROM STDIN") as cp:
        cur = store.conn.execute(f'SELECT {", ".join(cols)} FROM "{table.name}"')
        while True:
            rows = cur.fetchmany(batch_size)
            if not rows:
                break
            for row in rows:
                cp.write_row(row)
            done += len(rows)
            if on_progress:
                on_progress(table.name, done, total)
    updates = [c for c in cols if c not in table.key]
    conflict = (f"DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in updates)}"
                if updates else "DO NOTHING")
    conn.execute(f"INSERT INTO madoguchi.{table.name} ({', '.join(cols)}) "
                 f"SELECT {', '.join(cols)} FROM {stage} ON CONFLICT ({', '.join(table.key)}) {conflict}")
    return done

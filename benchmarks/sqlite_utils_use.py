"""Where sqlite-utils replaced hand-written SQL, and where it did not, measured (not assumed).

* reading with optional filters: ``audit.entries`` through ``Table.rows_where`` against the raw
  query it replaced (2,000 audit entries, 200 rows per call);
* introspection: the store's triggers through ``Database.triggers`` against ``sqlite_master``;
* bulk inserts: ``Table.insert_all`` against ``executemany`` (20,000 rows) — the reason bulk
  inserts stay raw (see ``app.store.db``).
Wall and CPU milliseconds per call.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path

import sqlite_utils


def _per_call(fn, n: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return {"wall_ms": round((time.perf_counter() - wall) / n * 1000, 3),
            "cpu_ms": round((time.process_time() - cpu) / n * 1000, 3)}


def main(quick: bool = False) -> dict:
    from app.security import audit
    from app.store import open_store

    n = 100 if quick else 300
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-su-") as tmp:
        store = open_store(Path(tmp) / "s.db", create=True)
        with store.transaction() as conn:
            for i in range(2000):
                audit.append(conn, action="bench", staff_id=None, terminal_id="T", target_kind="resident",
                             target_id=f"t{i % 50}", detail={"i": i})
        columns = ", ".join((*audit.HASHED, "hash"))

        def raw(i):
            return [audit.AuditEntry(*r) for r in store.conn.execute(
                f"SELECT {columns} FROM audit_log WHERE target_id = ? ORDER BY seq DESC LIMIT 200", (f"t{i % 50}",))]

        assert raw(3) == audit.entries(store.conn, target_id="t3")
        out["audit_entries_raw"] = _per_call(raw, n)
        out["audit_entries_rows_where"] = _per_call(lambda i: audit.entries(store.conn, target_id=f"t{i % 50}"), n)
        out["triggers_sqlite_master"] = _per_call(lambda i: {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}, n)
        out["triggers_sqlite_utils"] = _per_call(lambda i: {t.name for t in store.db.triggers}, n)
        store.close()
    rows = [{"id": f"r{i}", "k": i, "v": "研修市中央一丁目" * 2} for i in range(20000)]
    for mode in ("executemany", "insert_all"):
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE t(id TEXT PRIMARY KEY, k INT, v TEXT)")
        wall, cpu = time.perf_counter(), time.process_time()
        if mode == "executemany":
            conn.executemany("INSERT INTO t(id, k, v) VALUES (:id, :k, :v)", rows)
        else:
            sqlite_utils.Database(conn)["t"].insert_all(rows, batch_size=500)
        out[f"bulk_20k_{mode}"] = {"wall_ms": round((time.perf_counter() - wall) * 1000, 1),
                                   "cpu_ms": round((time.process_time() - cpu) * 1000, 1)}
        conn.close()
    print("sqlite_utils_use:", json.dumps(out))
    return out


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

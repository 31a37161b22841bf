"""Benchmark: sync with a real PostgreSQL (a throwaway cluster started here and removed after).

- push 10,000 outbox events (cases and case events) from a terminal store — goal ≤ 2 s;
- pull 100,000 changed residents into a terminal that already has the rest — goal ≤ 5 s;
- first sync of a municipality of 1,000,000 residents (households, cards) into an empty store
  (full run only; ``--quick`` uses 100,000).

Master data is generated on the server with ``generate_series`` (the change-sequence triggers run
as for any write); the terminal side is the real :func:`app.sync.service.sync_round` path.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

PUSH_GOAL_S = 2.0
PULL_GOAL_S = 5.0

_RESIDENTS_SQL = """
INSERT INTO madoguchi.households(id, household_code, address)
SELECT 'h' || g, 'H' || lpad(g::text, 9, '0'), '研修市中央' || (g %% 9 + 1) || '丁目' || (g %% 30 + 1) || '番'
FROM generate_series(%(lo)s - %(lo)s %% 3, %(hi)s - 1, 3) g
ON CONFLICT (id) DO NOTHING;
INSERT INTO madoguchi.residents(id, household_id, resident_code, family_name, given_name, family_kana,
    given_kana, name_key, kana_key, birth_date, sex, address, address_key, relationship)
SELECT 'r' || g, 'h' || (g - g %% 3), (20000000000 + g)::text,
       (ARRAY['佐藤','鈴木','高橋','田中','伊藤','渡辺'])[g %% 6 + 1], (ARRAY['太郎','花子','健','優子'])[g %% 4 + 1],
       (ARRAY['サトウ','スズキ','タカハシ','タナカ','イトウ','ワタナベ'])[g %% 6 + 1],
       (ARRAY['タロウ','ハナコ','ケン','ユウコ'])[g %% 4 + 1], 'name' || g, 'kana' || g,
       (1940 + g %% 80) || '-' || lpad((g %% 12 + 1)::text, 2, '0') || '-' || lpad((g %% 28 + 1)::text, 2, '0'),
       1 + g %% 2, '研修市中央' || (g %% 9 + 1) || '丁目' || (g %% 30 + 1) || '番' || (g %% 20 + 1) || '号',
       '研修市中央' || (g %% 9 + 1) || '丁目' || (g %% 30 + 1) || '番' || (g %% 20 + 1) || '号',
       CASE WHEN g %% 3 = 0 THEN '世帯主' ELSE '子' END
FROM generate_series(%(lo)s, %(hi)s - 1) g;
INSERT INTO madoguchi.cards(id, resident_id, issued_date, expiry_date, status)
SELECT 'k' || g, 'r' || g, '2020-04-01', '2030-04-01', 'active'
FROM generate_series(%(lo)s, %(hi)s - 1, 2) g;
"""


def _line(name: str, seconds: float, count: int, goal: float | None = None,
          cpu: tuple[float, float] | None = None) -> None:
    rate = count / seconds if seconds else float("inf")
    verdict = "" if goal is None else (" OK" if seconds <= goal else f" SLOWER THAN GOAL {goal:.1f} s")
    used = f"; CPU terminal {cpu[0]:.2f} s + server {cpu[1]:.2f} s" if cpu else ""
    print(f"sync: {name}: {count:,} in {seconds:.2f} s ({rate:,.0f}/s){used}{verdict}", flush=True)


class _Clock:
    """Wall time plus the CPU time of this process and of the server backend serving ``conn``
    (from /proc): on a shared, loaded machine the CPU figures say what the work costs."""

    def __init__(self, conn):
        self.pid = conn.info.backend_pid

    def _server(self) -> float:
        try:
            fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def __enter__(self):
        self.t, self.c, self.s = time.perf_counter(), time.process_time(), self._server()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t
        self.cpu = (time.process_time() - self.c, self._server() - self.s)


def main(quick: bool = False) -> dict:
    big = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-sync-") as tmp:
        os.environ["MADOGUCHI_HOME"] = tmp
        import psycopg

        from app.store import open_store
        from app.sync.scratch import ScratchServer
        from app.sync.server_schema import add_terminal, init_server
        from app.sync.service import sync_round
        from app.sync import push, pull
        from app.sync.connection import SyncTarget, conninfo
        from app.sync.seed import seed_from_store
        from tests.sync.casewriter import write_case
        from tests.sync.municipality import fill_master, sid

        results: dict = {}
        with ScratchServer() as server:
            dsn = server.create_database("bench")
            init_server(dsn)
            role = add_terminal(dsn, "T1", "bench-pw")
            role2 = add_terminal(dsn, "T2", "bench-pw2")
            target = SyncTarget(str(server.sockdir), server.port, "bench", role, "T1")
            target2 = SyncTarget(str(server.sockdir), server.port, "bench", role2, "T2")
            master = open_store(Path(tmp) / "master.db", create=True)
            fill_master(master, residents=30)
            seed_from_store(master, dsn)
            master.close()

            # ---- push 10,000 events
            store = open_store(Path(tmp) / "t1.db", create=True)
            sync_round(store, target, password="bench-pw")
            for i in range(1000):
                write_case(store, "T1", sid("clerk_a"), events=9)     # 1 case + 9 events
            pending = push.pending_count(store)
            with psycopg.connect(conninfo(target, "bench-pw"), autocommit=True) as conn:
                with _Clock(conn) as clock:
                    pushed = push.push(store, conn)
                results["push_s"], results["push_cpu"] = clock.wall, clock.cpu
            assert pushed.pushed == pending == 10_000, (pushed.pushed, pending)
            _line("push outbox events", clock.wall, pending, PUSH_GOAL_S, clock.cpu)

            # ---- pull 100,000 changes
            with psycopg.connect(dsn, autocommit=True) as admin:
                t0 = time.perf_counter()
                _generate(admin, 0, 100_000)
                _line("server: generate 100k residents (+households, cards)", time.perf_counter() - t0,
                      100_000)
            sync_round(store, target, password="bench-pw")               # terminal is up to date
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute("UPDATE madoguchi.residents SET address = address || '（変更）' "
                              "WHERE id LIKE 'r%%'")
            with psycopg.connect(conninfo(target, "bench-pw"), autocommit=True) as conn:
                with _Clock(conn) as clock:
                    hi = pull.horizon(conn)
                    got = pull.pull_master(store, conn, hi)
                results["pull_s"], results["pull_cpu"] = clock.wall, clock.cpu
            assert got["residents"] == 100_000, got
            _line("pull changed residents", clock.wall, got["residents"], PULL_GOAL_S, clock.cpu)
            store.close()

            # ---- first sync of a large municipality
            with psycopg.connect(dsn, autocommit=True) as admin:
                t0 = time.perf_counter()
                _generate(admin, 100_000, big)
                _line(f"server: generate up to {big:,} residents", time.perf_counter() - t0, big - 100_000)
            fresh = open_store(Path(tmp) / "t2.db", create=True)
            with psycopg.connect(conninfo(target2, "bench-pw2"), autocommit=True) as conn:
                with _Clock(conn) as clock:
                    result = sync_round(fresh, target2, batch_size=10_000, connection=conn)
            results["first_sync_s"], results["first_sync_cpu"] = clock.wall, clock.cpu
            total = sum(result.pulled.values())
            _line(f"first sync, {result.pulled['residents']:,} residents "
                  f"({total:,} rows with households and cards)", clock.wall, total, None, clock.cpu)
            fresh.close()
        return results


def _generate(admin, lo: int, hi: int) -> None:
    for statement in _RESIDENTS_SQL.strip().split(";\n"):
        if statement.strip():
            admin.execute(statement, {"lo": lo, "hi": hi})


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

"""Benchmark: the supervisor's desk over a month of 50,000 cases (5,000 with --quick).

- the month's figures (cases by type and outcome, handling and waiting times with median and p90,
  refusals by reason, issuance counts by document): goal ≤ 200 ms;
- the day's figures; the queues (releases, re-locks, measures, linked systems, paused cases,
  terminals); the monthly reconciliation of the sample measures.

The cases are written as the engine writes them (header and status events; issued documents), so
the store's triggers derive ``case_stats`` as in service. Wall time and CPU time are both printed
(the machine may be shared). Returns the figures.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

GOAL_MS = 200.0


def _timed(fn, repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main(quick: bool = False) -> dict:
    n = 5_000 if quick else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("MADOGUCHI_HOME", tmp)
        from app.desk import reports, supervisor
        from app.desk.samples import NOW, add_cases, build
        from app.store.db import open_store

        path = Path(tmp) / "desk.db"
        office = build(path)
        with open_store(path) as store:
            t0 = time.perf_counter()
            add_cases(store, office.staff, day=dt.date(2026, 11, 1), count=n, seed=11, days=30)
            store.conn.execute("ANALYZE")
            written = time.perf_counter() - t0
            month = supervisor.month_period("2026-11")
            fig = supervisor.figures(store.conn, month)
            results = {"cases": fig.total, "write_s": round(written, 1)}
            for name, fn in (("month_figures", lambda: supervisor.figures(store.conn, month)),
                             ("day_figures", lambda: supervisor.figures(store.conn, supervisor.day_period(NOW.date()))),
                             ("queues", lambda: supervisor.queues(store, NOW)),
                             ("reconcile", lambda: reports.reconcile(store, "2026-11", today=NOW.date()))):
                wall, cpu = _timed(fn, 3 if quick else 7)
                results[name] = {"wall_ms": round(wall, 1), "cpu_ms": round(cpu, 1)}
    goal = results["month_figures"]["wall_ms"] <= GOAL_MS
    cpu_goal = results["month_figures"]["cpu_ms"] <= GOAL_MS
    load = os.getloadavg()[0]
    print(f"desk: {results['cases']} cases in the month (written in {results['write_s']} s; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs)")
    for key in ("month_figures", "day_figures", "queues", "reconcile"):
        r = results[key]
        extra = (f"  (goal ≤ {GOAL_MS:.0f} ms: wall {'met' if goal else 'NOT met'}, "
                 f"CPU {'met' if cpu_goal else 'NOT met'})") if key == "month_figures" else ""
        print(f"  {key:<14} {r['wall_ms']:>8.1f} ms wall  {r['cpu_ms']:>8.1f} ms CPU{extra}")
    results["goal_met"] = goal
    results["load"] = load
    return results


if __name__ == "__main__":
    main()

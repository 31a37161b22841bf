"""Benchmark: a household copy of four persons (住民票の写し, all items, embedded IPAex fonts),
median milliseconds per document. Goal ≤ 60 ms.

Builds a throw-away store under a temporary MADOGUCHI_HOME, renders the same request repeatedly
(fonts are registered once per process, as in the app), and reports the median and p95 of
rendering alone and of issuing (number + render + history row in one transaction).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

GOAL_MS = 60.0


def _measure(fn, runs: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms per call; CPU ms per call appended to ``cpu`` (the machine is shared: the
    CPU time shows the cost when other processes compete for the cores)."""
    times = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return times


def main(quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-print-") as tmp:
        os.environ["MADOGUCHI_HOME"] = tmp
        from app.config import OfficeConfig
        from app.printing import build_copy_request, issue_copy, render_copy
        from app.printing.fonts import register_fonts
        from app.printing.samples import create_sample_town
        from app.rules.codes import DocumentType, Item
        from app.store import open_store

        t0 = time.perf_counter()
        register_fonts()
        font_ms = (time.perf_counter() - t0) * 1000
        with open_store(Path(tmp) / "bench.db", create=True) as store:
            town = create_sample_town(store)
            ids, staff = [town.head, town.wife, town.child_old, town.child_young], town.staff_clerk
            items = {Item.HOUSEHOLD, Item.DOMICILE, Item.HISTORY, Item.MY_NUMBER, Item.RESIDENT_CODE}
            request = build_copy_request(store, DocumentType.JUMINHYO, ids, items=items, entitled_numbers=
                                         {Item.MY_NUMBER, Item.RESIDENT_CODE}, office=OfficeConfig(),
                                         issued_on=dt.date(2026, 11, 25))
            render_copy(request)  # warm-up
            runs = 15 if quick else 60
            cpu: list[float] = []
            render = _measure(lambda: render_copy(request), runs, cpu)
            issue = _measure(lambda: issue_copy(store, request, staff_id=staff), max(5, runs // 3))
        result = {
            "font_registration_ms": round(font_ms, 1),
            "render_median_ms": round(statistics.median(render), 1),
            "render_p95_ms": round(sorted(render)[int(len(render) * 0.95) - 1], 1),
            "render_cpu_median_ms": round(statistics.median(cpu), 1),
            "issue_median_ms": round(statistics.median(issue), 1),
            "goal_ms": GOAL_MS,
        }
        ok = result["render_median_ms"] <= GOAL_MS
        print(f"printing: household copy of 4 persons, embedded fonts: median {result['render_median_ms']} ms "
              f"(p95 {result['render_p95_ms']} ms; CPU {result['render_cpu_median_ms']} ms; issue incl. history {result['issue_median_ms']} ms; "
              f"font registration once {result['font_registration_ms']} ms) — goal ≤ {GOAL_MS:.0f} ms: "
              f"{'OK' if ok else 'MISSED'}")
        result["ok"] = ok
        return result


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

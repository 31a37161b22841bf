"""Benchmark of the store: demo generation rate (residents/s) and file size, resident search
p50/p95 by kind of query, and the time to generate 4 M residents (Yokohama).

Goals: search p95 ≤ 5 ms on 1 M residents; 4 M residents generated in ≤ 5 minutes.
``quick``: 100 000 residents, no 4 M run. Set ``MADOGUCHI_BENCH_SKIP_4M=1`` to skip the 4 M run
of the full benchmark (it needs about 4 GB of disk and several minutes). Stores are made in a
temporary folder (``MADOGUCHI_BENCH_DIR`` to choose it) and deleted afterwards.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path

SEARCH_GOAL_MS = 5.0
GENERATION_GOAL_S = 300.0


def _generate(folder: Path, residents: int) -> tuple[Path, float, int]:
    from app.store.demo import generate

    path = folder / f"bench-{residents}.db"
    t0 = time.perf_counter()
    generate(path, residents, seed=7, card_files=False, quiet=True, force=True)
    seconds = time.perf_counter() - t0
    return path, seconds, path.stat().st_size


def _queries(conn, rng: random.Random, n: int) -> list[tuple[str, dict]]:
    """A mix of what clerks type, drawn from real rows of the store."""
    total = conn.execute("SELECT max(rowid) FROM residents").fetchone()[0]
    out: list[tuple[str, dict]] = []
    while len(out) < n:
        row = conn.execute(
            "SELECT family_name, given_name, family_kana, given_kana, birth_date, sex, address, my_number, "
            "alias_kana FROM residents WHERE rowid >= ? LIMIT 1", (rng.randint(1, total),)).fetchone()
        fam, given, fkana, gkana, birth, sex, address, number, alias_kana = row
        m = re.match(r"研修県研修市(.+?(?:丁目|[０-９]+番))", address)
        town = m.group(1) if m else address[6:10]      # 中央町三丁目, or 城山１２番
        out += [
            ("surname kanji", {"name": fam}),
            ("full name kana (hiragana)", {"name": _hira(fkana + " " + gkana)}),
            ("name + birth", {"name": fam + given, "birth_date": birth}),
            ("four items", {"name": fkana, "birth_date": birth, "sex": sex, "address": town}),
            ("birth date", {"birth_date": birth}),
            ("address fragment", {"address": address[6:14]}),
            ("surname + address", {"name": fam, "address": town}),
            ("my number", {"my_number": number}),
        ]
        if alias_kana:
            out.append(("alias kana", {"name": alias_kana.split(" ")[0]}))
    return out


def _hira(text: str) -> str:
    import jaconv

    return jaconv.kata2hira(text)


def _search_times(path: Path, rounds: int) -> tuple[dict[str, list[float]], list[float]]:
    from app.store import open_store
    from app.store.search import ResidentQuery, search_residents

    times: dict[str, list[float]] = {}
    with open_store(path) as store:
        queries = _queries(store.conn, random.Random(11), rounds)
        for kind, q in queries[:20]:   # warm the page cache as a running terminal would be
            search_residents(store, ResidentQuery(limit=20, **q))
        cpu: list[float] = []
        for kind, q in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            search_residents(store, ResidentQuery(limit=20, **q))
            cpu.append((time.thread_time() - c0) * 1000)
            times.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
    return times, cpu


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main(quick: bool = False) -> dict:
    base = os.environ.get("MADOGUCHI_BENCH_DIR")
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-store-", dir=base))
    results: dict = {}
    try:
        n = 100_000 if quick else 1_000_000
        path, seconds, size = _generate(folder, n)
        results["generation"] = {"residents": n, "seconds": round(seconds, 1),
                                 "residents_per_s": round(n / seconds), "size_mb": round(size / 1e6, 1),
                                 "bytes_per_resident": round(size / n)}
        print(f"store: generated {n:,} residents in {seconds:,.1f} s ({n / seconds:,.0f}/s), "
              f"{size / 1e6:,.0f} MB ({size / n:,.0f} B/resident)")
        times, cpu = _search_times(path, 150 if quick else 400)
        every = [t for ts in times.values() for t in ts]
        p50, p95 = _pct(every, 50), _pct(every, 95)
        load = os.getloadavg()[0]
        results["search"] = {"queries": len(every), "p50_ms": round(p50, 2), "p95_ms": round(p95, 2),
                             "cpu_p50_ms": round(_pct(cpu, 50), 2), "cpu_p95_ms": round(_pct(cpu, 95), 2),
                             "load_average": round(load, 1), "goal_p95_ms": SEARCH_GOAL_MS,
                             "by_kind": {k: {"p50_ms": round(_pct(v, 50), 2), "p95_ms": round(_pct(v, 95), 2)}
                                         for k, v in times.items()}}
        print(f"store: search on {n:,} residents, {len(every)} queries: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
              f"(goal p95 ≤ {SEARCH_GOAL_MS} ms) {'OK' if p95 <= SEARCH_GOAL_MS else 'OVER GOAL'}")
        print(f"    CPU time of the searching thread: p50 {_pct(cpu, 50):.2f} ms, p95 {_pct(cpu, 95):.2f} ms "
              f"(wall time includes waiting for a core: load average {load:.1f} on {os.cpu_count()} cores)")
        for kind, ts in sorted(times.items()):
            print(f"    {kind:28s} p50 {_pct(ts, 50):6.2f} ms  p95 {_pct(ts, 95):6.2f} ms  (n={len(ts)})")
        path.unlink()
        if not quick and not os.environ.get("MADOGUCHI_BENCH_SKIP_4M"):
            path, seconds, size = _generate(folder, 4_000_000)
            results["generation_4m"] = {"seconds": round(seconds, 1), "size_mb": round(size / 1e6, 1),
                                        "goal_s": GENERATION_GOAL_S}
            print(f"store: generated 4,000,000 residents in {seconds:,.0f} s "
                  f"(goal ≤ {GENERATION_GOAL_S:.0f} s) {'OK' if seconds <= GENERATION_GOAL_S else 'OVER GOAL'}, "
                  f"{size / 1e9:,.2f} GB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

"""Benchmark of the one address normaliser: folding rate (addresses/s, cold cache), and what a
change of the folding rules costs a terminal: the store migration that refolds every address key
and rebuilds the address index (``app.store.residents.refold_addresses``), and ``store reindex``
(every search key, ``app.store.residents.reindex``).

``quick``: 100 000 residents; full: 1 000 000 (a 4 M store takes about four times as long).
Wall and CPU time are both printed: the machine may be shared.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path


def _fold_rate(n: int) -> tuple[float, float]:
    from app.store.normalize import fold_address

    fold_address.cache_clear()
    texts = [f"研修県研修市中央町{i % 9 + 1}丁目{i % 97 + 1}番{i % 31 + 1}号　研修ハイツ{i % 900 + 100}号室"
             for i in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    for text in texts:
        fold_address(text)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def _timed_rewrite(store, rewrite) -> tuple[int, float, float]:
    """Half the address keys made stale, then ``rewrite`` in one transaction: (changed, wall s, CPU s)."""
    from app.store.normalize import fold_address, fold_name

    fold_address.cache_clear()
    fold_name.cache_clear()
    store.conn.execute("UPDATE residents SET address_key = 'stale' WHERE rowid % 2 = 0")
    t0, c0 = time.perf_counter(), time.process_time()
    with store.transaction() as conn:
        changed = rewrite(conn)
    return changed, time.perf_counter() - t0, time.process_time() - c0


def main(quick: bool = False) -> dict:
    from app.store import open_store
    from app.store.demo import generate
    from app.store.residents import refold_addresses, reindex

    results: dict = {}
    wall_rate, cpu_rate = _fold_rate(50_000 if quick else 200_000)
    results["fold_per_s"] = {"wall": round(wall_rate), "cpu": round(cpu_rate)}
    print(f"addresses: fold_address {wall_rate:,.0f}/s wall, {cpu_rate:,.0f}/s CPU (distinct addresses, cold cache)")

    n = 100_000 if quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="madoguchi-bench-addr-", dir=os.environ.get("MADOGUCHI_BENCH_DIR")))
    try:
        path = folder / "store.db"
        generate(path, n, seed=7, card_files=False, quiet=True, force=True)
        with open_store(path) as store:
            for name, label, rewrite in (("reindex", "store reindex (every key)", reindex),
                                         ("refold_migration", "the refold migration (address keys, in SQL)",
                                          refold_addresses)):
                changed, wall, cpu = _timed_rewrite(store, rewrite)
                results[name] = {"residents": n, "changed": changed, "seconds": round(wall, 1),
                                 "cpu_seconds": round(cpu, 1)}
                print(f"addresses: {label} of {n:,} residents ({changed:,} stale): {wall:,.1f} s wall, "
                      f"{cpu:,.1f} s CPU ({n / cpu:,.0f} residents per CPU second)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

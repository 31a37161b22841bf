"""Benchmark: the resident importer (interchange layout → central PostgreSQL) and a terminal's first
sync after it, on a throwaway cluster.

- import 1,000,000 residents (333,334 households, 500,000 cards) from layout files into an empty
  central server — goal ≤ 60 s on 2 cores (``--quick``: 100,000);
- import the same files again (nothing changes: every row is compared, none written);
- the first sync of an empty terminal store after that import.

The files are written here by a fast generator (valid My Numbers and resident-record codes, era dates, household
references) rather than by ``demo-data``, whose own cost is measured in benchmarks/store.py.
Wall time, and CPU time of this process and of the server backend, are reported: the machine is
shared, so the CPU figures say what the work costs.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from pathlib import Path

IMPORT_GOAL_S = 60.0

_FAMILY = ["佐藤:サトウ", "鈴木:スズキ", "高橋:タカハシ", "田中:タナカ", "伊藤:イトウ", "渡辺:ワタナベ",
           "山本:ヤマモト", "中村:ナカムラ", "小林:コバヤシ", "加藤:カトウ", "吉田:ヨシダ", "山田:ヤマダ"]
_GIVEN = ["太郎:タロウ", "花子:ハナコ", "健:ケン", "優子:ユウコ", "翔太:ショウタ", "美咲:ミサキ", "大輔:ダイスケ",
          "陽菜:ヒナ", "誠:マコト", "恵:メグミ"]


def write_files(folder: Path, residents: int, seed: int = 1) -> list[Path]:
    """SETAI / JUMIN / CARD files of ``residents`` persons in households of three."""
    from app.ids import my_number_check_digit, resident_code_check_digit
    from app.sync.layout import load_layout

    layout = load_layout()
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / layout.datasets[d].file for d in ("households", "residents", "cards")]
    handles = [p.open("w", encoding="utf-8", newline="") for p in paths]
    setai, jumin, card = (csv.writer(h, lineterminator="\r\n") for h in handles)
    for w, d in zip((setai, jumin, card), ("households", "residents", "cards")):
        w.writerow(layout.datasets[d].header)
    family = [f.split(":") for f in _FAMILY]
    given = [g.split(":") for g in _GIVEN]
    empty9 = [""] * 9
    readings = [""] * sum(i.added for i in layout.datasets["residents"].items)   # none recorded
    for g in range(residents):
        household = f"{g // 3 + 1:010d}"
        town = f"研修県研修市中央{g // 3 % 9 + 1}丁目{g // 27 % 30 + 1}番{g // 3 % 20 + 1}号"
        code = f"{2000000000 + g}"
        code += str(resident_code_check_digit(code))
        if g % 3 == 0:
            setai.writerow([household, code, "999-0001", town])
        first11 = f"{10000000000 + g * 7919 % 89999999999:011d}"
        number = first11 + str(my_number_check_digit(first11))
        fam, giv = family[(g // 3) % len(family)], given[rnd.randrange(len(given))]
        birth = f"3{rnd.randrange(20, 64):02d}{rnd.randrange(1, 13):02d}{rnd.randrange(1, 29):02d}"
        jumin.writerow(["00", "", code, number, household, "01" if g % 3 == 0 else "04", fam[0], giv[0],
                        fam[1], giv[1], "", "", "", "", birth, str(1 + g % 2), "999-0001", town,
                        "研修県研修市中央1丁目1番地", fam[0] + "　" + giv[0], "4010401", "4010401",
                        "4010405", "東京都千代田区千代田1番1号", "", *empty9[:6], *readings])
        if g % 2 == 0:
            card.writerow([code, "20200401", "20300401", "1", "", "", "1", "1"])
    for h in handles:
        h.close()
    return paths


def main(quick: bool = False) -> dict:
    n = 100_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-import-") as tmp:
        os.environ["MADOGUCHI_HOME"] = tmp
        import psycopg

        from app.store import open_store
        from app.sync.connection import SyncTarget, conninfo
        from app.sync.importer import import_files
        from app.sync.scratch import ScratchServer
        from app.sync.server_schema import add_terminal, init_server
        from app.sync.service import sync_round
        from benchmarks.sync import _Clock, _line

        t0 = time.perf_counter()
        files = write_files(Path(tmp) / "files", n)
        size = sum(p.stat().st_size for p in files) / 1e6
        print(f"import: wrote layout files of {n:,} residents ({size:.0f} MB) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        results: dict = {}
        with ScratchServer() as server:
            dsn = server.create_database("bench")
            init_server(dsn)
            role = add_terminal(dsn, "T1", "bench-pw")
            with psycopg.connect(dsn) as conn:
                with _Clock(conn) as clock:
                    checked: list = []           # CPU (this process, server) when loading starts

                    def phase(step: str, done: int, total: int) -> None:
                        if not checked and step.startswith("load"):
                            checked.append((time.process_time() - clock.c, clock._server() - clock.s))

                    result = import_files(dsn, files, connection=conn, on_progress=phase)
            assert result.ok and result.inserted["residents"] == n, (result.error_count, result.inserted)
            results["import_s"], results["import_cpu"] = clock.wall, clock.cpu
            _line(f"import {n:,} residents into an empty server", clock.wall, n,
                  IMPORT_GOAL_S * n / 1_000_000, clock.cpu)
            # reading and checking is this process alone; while loading, both processes work at
            # once (the COPY streams), so on an idle machine of 2 cores the wall time is about
            # check + max(load here, load on the server)
            check = checked[0][0]
            load = (clock.cpu[0] - check, clock.cpu[1] - checked[0][1])
            results["import_idle_estimate_s"] = check + max(load)
            print(f"import: CPU by phase: check {check:.1f} s (this process only); load {load[0]:.1f} s "
                  f"here + {load[1]:.1f} s server, concurrently; on an idle 2-core machine about "
                  f"{check + max(load):.0f} s wall", flush=True)

            with psycopg.connect(dsn) as conn:
                with _Clock(conn) as clock:
                    again = import_files(dsn, files, connection=conn)
            assert again.updated["residents"] == 0 and again.inserted["residents"] == 0
            results["reimport_s"] = clock.wall
            _line("import the same files again (nothing changes)", clock.wall, n, None, clock.cpu)

            target = SyncTarget(str(server.sockdir), server.port, "bench", role, "T1")
            store = open_store(Path(tmp) / "t1.db", create=True)
            with psycopg.connect(conninfo(target, "bench-pw"), autocommit=True) as conn:
                with _Clock(conn) as clock:
                    synced = sync_round(store, target, batch_size=10_000, connection=conn)
            results["first_sync_s"], results["first_sync_cpu"] = clock.wall, clock.cpu
            total = sum(synced.pulled.values())
            assert synced.pulled["residents"] == n
            _line(f"first sync after the import, {n:,} residents ({total:,} rows)", clock.wall, total,
                  None, clock.cpu)
            store.close()
        return results


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

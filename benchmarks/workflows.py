"""Benchmark: the case engine and ``rules explain``, as a clerk feels them.

- one action (tick / set a value): median and p95 ms, goal p95 ≤ 30 ms (the screen re-renders
  after every tick, and every tick is a committed event plus an outbox row);
- Next on the copy request (replay, store look-ups, the decision pipeline incl. the DV stage, two
  events): p95 ≤ 60 ms;
- re-opening a long case (replay of 400 events): ≤ 30 ms;
- the queue with many cases (5,000; 500 with --quick): ≤ 200 ms;
- ``rules explain`` of each documented example in process: median ms.

Runs on a throw-away store under a temporary MADOGUCHI_HOME. Prints a small report; returns the
figures.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

GOALS_MS = {"action_p95": 30.0, "next_p95": 60.0, "replay_400": 30.0, "queue": 200.0}


def _ms(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def _town(store) -> tuple[str, str]:
    from app.store.db import new_id, now_iso

    staff, hid, rid = new_id(), new_id(), new_id()
    with store.transaction() as c:
        c.execute("INSERT INTO staff(id, login, display_name, created_at) VALUES (?, 'bench', 'ベンチ', ?)",
                  (staff, now_iso()))
        c.execute("INSERT INTO households(id, household_code, address) VALUES (?, 'B1', '研修市中央1-1-1')", (hid,))
        for n in range(4):
            c.execute(
                "INSERT INTO residents(id, household_id, family_name, given_name, family_kana, given_kana, name_key,"
                " kana_key, birth_date, sex, address, address_key) VALUES (?, ?, '研修', ?, 'ケンシュウ', 'ハナコ',"
                " '研修花子', 'ケンシュウハナコ', '1980-04-01', 2, '研修市中央1-1-1', '研修市中央1-1-1')",
                (rid if n == 0 else new_id(), hid, f"花子{n}"))
    return staff, rid


def main(quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-wf-") as tmp:
        os.environ["MADOGUCHI_HOME"] = tmp
        from app.store import open_store
        from app.workflows.engine import CaseEngine
        from app.workflows.explain import explain, load_request

        store = open_store(Path(tmp) / "bench.db", create=True)
        staff, rid = _town(store)
        engine = CaseEngine(store, staff_id=staff, terminal_id="TBENCH")
        runs = 20 if quick else 100
        actions, nexts = [], []
        for _ in range(runs):
            cid = engine.open_case("copy_issuance").case_id
            actions.append(_ms(lambda: engine.tick(cid, "request_form")))
            for k, v in {"document": "juminhyo", "requester_type": "self", "requester_resident_id": rid,
                         "target_resident_ids": [rid], "scope": "household", "items": ["household"],
                         "purpose": "own_use", "purpose_detail": "ベンチ"}.items():
                actions.append(_ms(lambda k=k, v=v: engine.set_value(cid, k, v)))
            nexts.append(_ms(lambda: engine.next(cid)))
        # a long case: 400 ticks and unticks, then re-open it as another terminal would
        cid = engine.open_case("copy_issuance").case_id
        for n in range(200):
            engine.tick(cid, "request_form", True)
            engine.tick(cid, "request_form", False)
        other = CaseEngine(store, staff_id=staff, terminal_id="TOTHER")
        replay = statistics.median(_ms(lambda: other.current_step(cid)) for _ in range(10))
        # many cases in the queue
        many = 500 if quick else 5000
        from app.store.db import new_id, now_iso

        with store.transaction() as c:
            for n in range(many):
                case_id = new_id()
                c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) VALUES (?,?,?,?,?)",
                          (case_id, "status_inquiry", "TBENCH", staff, now_iso()))
                for k, kind in enumerate(("opened", "tick", "paused" if n % 3 == 0 else "tick"), 1):
                    payload = {"status": "open"} if kind == "opened" else (
                        {"status": "paused"} if kind == "paused" else {"item": "identity_checked", "checked": True})
                    c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind, step, payload)"
                              " VALUES (?,?,?,?,?,?,?,?,?)",
                              (new_id(), case_id, k, now_iso(), staff, "TBENCH", kind, "request", json.dumps(payload)))
        queue_rows = []
        queue = statistics.median(_ms(lambda: queue_rows.append(len(engine.queue(limit=many + 500)))) for _ in range(5))
        store.close()
        examples = sorted((Path(__file__).resolve().parent.parent / "docs" / "examples").glob("*.json"))
        explain_ms = [_ms(lambda p=p: explain(load_request(p.read_text(encoding="utf-8")))) for p in examples]
    result = {
        "action_median": statistics.median(actions), "action_p95": _p95(actions),
        "next_median": statistics.median(nexts), "next_p95": _p95(nexts),
        "replay_400": replay, "queue": queue, "queue_cases": many,
        "explain_median": statistics.median(explain_ms), "explain_examples": len(explain_ms),
    }
    print("workflows:")
    print(f"  action (tick / value)   median {result['action_median']:.1f} ms   p95 {result['action_p95']:.1f} ms"
          f"   goal p95 ≤ {GOALS_MS['action_p95']:.0f}")
    print(f"  Next (copy request)     median {result['next_median']:.1f} ms   p95 {result['next_p95']:.1f} ms"
          f"   goal p95 ≤ {GOALS_MS['next_p95']:.0f}")
    print(f"  re-open, 400 events     {replay:.1f} ms   goal ≤ {GOALS_MS['replay_400']:.0f}")
    print(f"  queue of {many} cases     {queue:.1f} ms   goal ≤ {GOALS_MS['queue']:.0f}")
    print(f"  rules explain           median {result['explain_median']:.1f} ms over {len(explain_ms)} examples")
    return result


if __name__ == "__main__":
    main(quick=False)

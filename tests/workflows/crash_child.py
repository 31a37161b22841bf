"""Child process of the crash tests: drives a case on a real store along a plan, stops half-way
through one step, reports what it has done and waits to be killed (SIGKILL, no clean-up).

stdin: JSON {"store", "staff", "case_type", "plan": [[step, ticks, values], ...], "stop_at": k}
stdout: one line "READY <json>" with the case id and what the case should show after a restart.
"""

from __future__ import annotations

import json
import sys
import time

from app.store import open_store
from app.workflows.engine import CaseEngine


def main() -> None:
    job = json.loads(sys.stdin.read())
    store = open_store(job["store"])
    engine = CaseEngine(store, staff_id=job["staff"], terminal_id="T-CRASH", today="2026-11-25")
    case_id = engine.open_case(job["case_type"]).case_id
    plan, stop = job["plan"], job["stop_at"]
    for n, (step, ticks, values) in enumerate(plan):
        view = engine.current_step(case_id)
        assert view.step == step, (view.step, step)
        if view.status == "paused":
            engine.resume(case_id)
        if n == stop:
            # half of this step's work, then the terminal dies
            for item in ticks[: (len(ticks) + 1) // 2]:
                engine.tick(case_id, item)
            for key, value in list(values.items())[: (len(values) + 1) // 2]:
                engine.set_value(case_id, key, value)
            view = engine.current_step(case_id)
            print("READY " + json.dumps({
                "case_id": case_id, "step": view.step, "status": view.status,
                "values": {f.id: f.value for f in view.fields if f.value is not None},
                "checked": sorted(i.id for i in view.items if i.checked),
            }), flush=True)
            time.sleep(600)
        for item in ticks:
            engine.tick(case_id, item)
        for key, value in values.items():
            engine.set_value(case_id, key, value)
        view = engine.next(case_id)
        if view.status == "paused":
            engine.resume(case_id)


if __name__ == "__main__":
    main()

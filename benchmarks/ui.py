"""Benchmarks of the counter window: cold start to the sign-in window (median, offscreen; goal
≤ 0.8 s on 2 cores) and resident memory when idle on the main window (goal ≤ 200 MB).

Each start is a fresh Python process (``python -m benchmarks.ui --child``) on a training store
made once beforehand, so the figure includes the interpreter, the Qt and app imports, the font,
the style and the catalogue — what a clerk waits for after double-clicking the icon.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _child(store: str, stage: str) -> None:
    """Run inside the measured process: start like ``madoguchi --training`` and report."""
    from app.config import OfficeConfig
    from app.ui.main import Controller, create_application
    from app.ui.services import Services

    app = create_application(lang="ja")
    services = Services.open(config=OfficeConfig(), training=True, store_path=Path(store))
    controller = Controller(services)
    controller.show_sign_in()          # what Controller.start() shows first ...
    app.processEvents()
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"signin-shown {usage.ru_utime + usage.ru_stime:.3f}", flush=True)
    services.prepare()                 # ... and what it does right after (store, accounts)
    print("ready", flush=True)
    if stage == "idle":
        controller.signin.login.setText("clerk1")
        controller.signin.password.setText("clerk1-kenshu")
        controller.signin.sign_in_with_password()
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        rss_kb = next(int(line.split()[1]) for line in open("/proc/self/status")
                      if line.startswith("VmRSS:"))
        print(json.dumps({"rss_mb": rss_kb / 1024}), flush=True)
    controller.close()
    services.close()


def _spawn(store: str, stage: str, env: dict) -> tuple[float, list[str]]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.ui", "--child", store, stage],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=REPO, env=env)
    first = proc.stdout.readline()
    shown = time.perf_counter() - start
    second = proc.stdout.readline()
    ready = time.perf_counter() - start
    rest = proc.stdout.read().splitlines()
    proc.wait(timeout=60)
    if "signin-shown" not in first or "ready" not in second:
        raise RuntimeError("the window did not start")
    cpu = float(first.split()[1])
    return (shown, ready, cpu), rest


def main(quick: bool = False) -> dict:
    runs = 3 if quick else 7
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-ui-") as home:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MADOGUCHI_HOME=home,
                   PYTHONPATH=str(REPO))
        store = str(Path(home) / "demo.db")
        _spawn(store, "start", env)                 # makes the store and the training accounts
        pairs = [_spawn(store, "start", env)[0] for _ in range(runs)]
        times = [p[0] for p in pairs]
        ready = [p[1] for p in pairs]
        cpu = [p[2] for p in pairs]
        _, lines = _spawn(store, "idle", env)
        rss = json.loads(lines[-1])["rss_mb"]
    result = {
        "cold_start_to_signin_median_s": round(statistics.median(times), 3),
        "cold_start_runs_s": [round(t, 3) for t in times],
        "ready_for_sign_in_median_s": round(statistics.median(ready), 3),
        # CPU seconds the process used until the window showed: less sensitive to a busy machine
        "cpu_to_signin_median_s": round(statistics.median(cpu), 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "idle_rss_mb": round(rss, 1),
        "goals": {"cold_start_s": 0.8, "idle_rss_mb": 200},
    }
    print("ui:", json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main(quick="--quick" in sys.argv)

"""Benchmark of the start-up of single commands, as whole processes: ``madoguchi --version``,
``madoguchi card readers`` and ``madoguchi card read --no-pin`` side by side in one run.

Each round runs the three commands once each, in turn, as fresh processes (the installed
``madoguchi`` script, as IT staff and scripts run it), against our own private pcscd with the
test card on reader 0. Reported per command: median wall time and median CPU time (user +
system of the child, from ``getrusage``); and the ratio of each card command to ``--version``.
Goals: ``--version`` ≤ 80 ms; ``card readers`` and ``card read --no-pin`` ≤ 1.5 × ``--version``.
``quick``: 7 rounds instead of 21.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VERSION_GOAL_MS = 80.0
RATIO_GOAL = 1.5

COMMANDS = {
    "--version": ["--version"],
    "card readers": ["card", "readers"],
    "card read --no-pin": ["card", "read", "--no-pin"],
}


def _program() -> list[str]:
    script = Path(sys.executable).with_name("madoguchi")
    if script.exists():
        return [str(script)]
    found = shutil.which("madoguchi")
    return [found] if found else [sys.executable, "-m", "app"]


def _timed(command: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    wall = (time.perf_counter() - t0) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = ((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)) * 1000
    return wall, cpu, done


def main(quick: bool = False) -> dict:
    from app.card.stack import PcscStack
    from benchmarks.card import make_test_card

    rounds = 7 if quick else 21
    program = _program()
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-startup-") as tmp:
        folder = Path(tmp)
        card_file = make_test_card(folder)
        with PcscStack(folder / "pcsc") as stack:
            stack.use_in_this_process()        # insert() waits for pcscd to see the card
            stack.insert(card_file, slot=0)
            env = dict(os.environ, **stack.client_env(), MADOGUCHI_HOME=str(folder / "home"))
            # the card must be seen by pcscd before timing: wait for the command to say so
            deadline = time.monotonic() + 30
            while True:
                _, _, done = _timed([*program, "card", "read", "--no-pin", "--json"], env)
                if done.returncode == 0:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the test card was not readable: {done.stderr.strip()}")
            wall: dict[str, list[float]] = {name: [] for name in COMMANDS}
            cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
            for _ in range(rounds):
                for name, args in COMMANDS.items():
                    w, c, done = _timed([*program, *args], env)
                    if done.returncode != 0:
                        raise RuntimeError(f"madoguchi {name} failed ({done.returncode}): {done.stderr.strip()}")
                    wall[name].append(w)
                    cpu[name].append(c)
    med_wall = {name: statistics.median(v) for name, v in wall.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    base = med_wall["--version"]
    result = {
        "rounds": rounds,
        "wall_median_ms": med_wall,
        "cpu_median_ms": med_cpu,
        "ratio_to_version": {name: med_wall[name] / base for name in COMMANDS if name != "--version"},
        "cpu_ratio_to_version": {name: med_cpu[name] / med_cpu["--version"] for name in COMMANDS
                                 if name != "--version"},
    }
    print(f"start-up of single commands, whole processes ({' '.join(program)}), median of {rounds} rounds:")
    for name in COMMANDS:
        ratio = "" if name == "--version" else (
            f"  = {result['ratio_to_version'][name]:.2f}× --version (goal ≤ {RATIO_GOAL}×; "
            f"CPU {result['cpu_ratio_to_version'][name]:.2f}×)")
        print(f"  madoguchi {name:<20} {med_wall[name]:7.1f} ms wall  {med_cpu[name]:7.1f} ms CPU{ratio}")
    print(f"  goal: --version ≤ {VERSION_GOAL_MS:.0f} ms "
          f"({'met' if base <= VERSION_GOAL_MS else 'NOT met'}); card commands ≤ {RATIO_GOAL}× --version "
          f"({'met' if all(r <= RATIO_GOAL for r in result['ratio_to_version'].values()) else 'NOT met'})")
    return result


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

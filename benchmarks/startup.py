"""Benchmark of the start-up of single commands, as whole processes: ``madoguchi --version``,
``madoguchi card readers`` and ``madoguchi card read --no-pin --json`` side by side in one run.

Each round runs the three commands once each, in turn, as fresh processes (the installed
``madoguchi`` script, as IT staff and scripts run it), against our own private pcscd with the
test card on reader 0. Reported per command: median wall time and median CPU time (user +
system of the child, from ``getrusage``); and the ratio of each card command to ``--version``
(wall and CPU: on a loaded machine the CPU ratio is the steadier one). Then where each card
command's extra time goes: its top-level imports that ``--version`` does not make, the least of
five ``python -X importtime`` runs each (the rest is the work itself: PC/SC and the card's answers).
Goals: ``--version`` ≤ 80 ms; ``card readers`` and ``card read --no-pin`` ≤ 1.5 × ``--version``.

Where the rest goes (issue 12 §4; best of 11 ``-X importtime`` runs, 2 cores): ``card readers``
imports the reader service (about 17 ms: dataclasses with inspect 5, pyscard's package 3 of which
its own scard module 0.6, typing 2 through pyscard, our card modules 4), logging 4.5 and
platformdirs for the log folder 3; the work itself (parser, PC/SC, the card thread, one log
line) is 3-6 ms. ``card read`` adds cryptography's x509 (about 26 ms) to print the certificate and
the office configuration (3 ms) to find the terminal's reader. The card thread stays: it is what
lets a mute card time out (the caller's wait ends, the thread stays in the transmit).

As installed: the modules' bytecode is compiled first (a package ships it; without it every start
would compile the sources again), and the user's folders are the platform's own under a
temporary ``HOME``, not the test override ``MADOGUCHI_HOME``. ``quick``: 7 rounds instead of 21.
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
    "card read --no-pin --json": ["card", "read", "--no-pin", "--json"],
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


def _environment(folder: Path, stack_env: dict) -> dict:
    """The user's environment with a fresh HOME and none of the test or XDG overrides."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "MADOGUCHI_")) and key != "PYTHONDONTWRITEBYTECODE"}
    (folder / "home").mkdir()
    return dict(env, **stack_env, HOME=str(folder / "home"))


def _imports(program: list[str], args: list[str], env: dict) -> tuple[list[tuple[str, float]], set[str]]:
    """One run under ``python -X importtime``: its top-level imports with their cumulative
    milliseconds, and the names of every module it imported."""
    script = program[-1:] if len(program) == 1 else ["-m", "app"]
    done = subprocess.run([sys.executable, "-X", "importtime", *script, *args], capture_output=True,
                          text=True, env=env, timeout=60)
    top, every = [], set()
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        every.add(parts[2].strip())
        if not parts[2].startswith("   "):        # one space follows the bar at the top level
            top.append((parts[2].strip(), int(parts[1]) / 1000))
    return top, every


def main(quick: bool = False) -> dict:
    from app.card.stack import PcscStack
    from benchmarks.card import make_test_card

    rounds = 7 if quick else 21
    program = _program()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).parent.parent / "app")],
                   check=True, capture_output=True)
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-startup-") as tmp:
        folder = Path(tmp)
        card_file = make_test_card(folder)
        with PcscStack(folder / "pcsc") as stack:
            stack.use_in_this_process()        # insert() returns once pcscd reports the card
            stack.insert(card_file, slot=0)
            env = _environment(folder, stack.client_env())
            wall: dict[str, list[float]] = {name: [] for name in COMMANDS}
            cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
            for n in range(rounds + 1):        # round 0 warms the file cache and is not counted
                for name, args in COMMANDS.items():
                    w, c, done = _timed([*program, *args], env)
                    if done.returncode != 0:
                        raise RuntimeError(f"madoguchi {name} failed ({done.returncode}): {done.stderr.strip()}")
                    if n:
                        wall[name].append(w)
                        cpu[name].append(c)
            baseline = _imports(program, COMMANDS["--version"], env)[1]
            extra = {}
            for name, args in COMMANDS.items():
                if name != "--version":        # the least of 5 runs: a busy machine only adds
                    best: dict[str, float] = {}
                    for _ in range(5):
                        for module, ms in _imports(program, args, env)[0]:
                            if module not in baseline:
                                best[module] = min(ms, best.get(module, ms))
                    extra[name] = sorted(best.items(), key=lambda item: -item[1])
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
        print(f"  madoguchi {name:<26} {med_wall[name]:7.1f} ms wall  {med_cpu[name]:7.1f} ms CPU{ratio}")
    print(f"  goal: --version ≤ {VERSION_GOAL_MS:.0f} ms "
          f"({'met' if base <= VERSION_GOAL_MS else 'NOT met'}); card commands ≤ {RATIO_GOAL}× --version "
          f"({'met' if all(r <= RATIO_GOAL for r in result['ratio_to_version'].values()) else 'NOT met'})")
    for name, found in extra.items():
        total = sum(ms for _name, ms in found)
        shown = ", ".join(f"{module} {ms:.1f}" for module, ms in found[:8])
        print(f"  madoguchi {name}: imports beyond --version {total:.1f} ms (-X importtime, least of 5): {shown}")
    result["extra_imports_ms"] = {name: dict(found) for name, found in extra.items()}
    return result


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

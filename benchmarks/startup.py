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
The same three commands of the packaged program (``dist/madoguchi``, what the office's package
installs; ``make bench`` builds it first) run in the same rounds and are reported apart: there
PyInstaller's start (its loader, the archive, its runtime hooks) comes first in every command.

Where the rest goes (issue 12 §4; 21 rounds, 2 cores, quiet; two runs on 2026-11-30):
``--version`` 25.7–26.9 ms; ``card readers`` 45.5–48.9 ms (1.77–1.82×; 2.76× before the card
layer dropped dataclasses, lingered between jobs and stopped logging routine events in the
diagnostics); its floor 1.08–1.13×, and 1.30–1.35× with the standard library's futures and queue,
which the card thread answers with (they import logging). The rest, about 12 ms, is ours: the
card modules (about 3 ms), the argument parser of the card commands (about 2 ms), the card thread
with its four jobs and its stop, and the interpreter's exit. ``card read`` (92–101 ms, 3.6–3.8×)
adds cryptography's x509 to print the certificate (about 25 ms) and the office configuration,
which names the terminal's reader (about 12 ms: dataclasses, platformdirs). The card thread
stays: it is what lets a mute card time out (the caller's wait ends, the thread stays in the
transmit). Packaged: ``--version`` 60.6 ms (115.8 ms while the command line carried PyInstaller's
PySide6 hook, which imported QtCore), ``card readers`` 1.30×, ``card read`` 2.02×: the absolute
times fell by the same 53 ms, so the ratios rose.

As installed: the modules' bytecode is compiled first (a package ships it; without it every start
would compile the sources again), and the user's folders are the platform's own under a
temporary ``HOME``, not the test override ``MADOGUCHI_HOME``. ``quick``: 7 rounds instead of 21.

The floor: beside each card command runs the least program that can give its answer at all — the
same interpreter, pyscard's low-level ``smartcard.scard`` and nothing else, sending the very APDUs
the command sent (recorded at the test card in the warm-up round) to the card it used, without
parsing, checking or printing anything. No version of the command can start faster than its
floor; the ratio goal is met only where the floor leaves room for the command's own work. A
third floor adds to the first the standard library's futures and queue, with which the card
thread answers every caller (they import logging): what the reader service costs before it runs.
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


#: the packaged program as offices install it (``make build``; ``make bench`` builds it first)
FROZEN = Path(__file__).resolve().parent.parent / "dist" / "madoguchi" / "madoguchi"


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


def _run_or_fail(name: str, command: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    wall, cpu, done = _timed(command, env)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed ({done.returncode}): {done.stderr.strip()}")
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


#: The floor program (see the module's docstring): argv[1] is a file of APDUs, one hex line each.
FLOOR_PROGRAM = """
import sys
from smartcard import scard
hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
hr, names = scard.SCardListReaders(ctx, [])
hr, states = scard.SCardGetStatusChange(ctx, 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
reader = next(n for n, state, atr in states if state & scard.SCARD_STATE_PRESENT)
hr, card, protocol = scard.SCardConnect(ctx, reader, scard.SCARD_SHARE_SHARED,
                                        scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
scard.SCardBeginTransaction(card)
with open(sys.argv[1]) as apdus:
    for line in apdus:
        hr, answer = scard.SCardTransmit(card, protocol, list(bytes.fromhex(line)))
        if hr or len(answer) < 2:
            raise SystemExit(f"APDU {line.strip()}: PC/SC {hr:08X}, {len(answer)} bytes")
scard.SCardEndTransaction(card, scard.SCARD_LEAVE_CARD)
scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
scard.SCardReleaseContext(ctx)
"""


#: What the card thread's answers cost by themselves: the standard library's futures (which
#: import logging) and the job queue, put in front of the floor program.
WITH_FUTURES = "import concurrent.futures, queue\n"


def _floor_command(folder: Path, name: str, apdus: list[bytes], prefix: str = "") -> list[str]:
    """The floor of card command ``name``: the floor program with the APDUs it sent."""
    script = folder / f"floor{'-futures' if prefix else ''}.py"
    script.write_text(prefix + FLOOR_PROGRAM)
    listed = folder / f"apdus-{name.replace(' ', '_')}.txt"
    listed.write_text("".join(apdu.hex() + "\n" for apdu in apdus))
    return [sys.executable, str(script), str(listed)]


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
            card = stack.insert(card_file, slot=0)
            env = _environment(folder, stack.client_env())
            runs = {name: [*program, *args] for name, args in COMMANDS.items()}
            sent: dict[str, list[bytes]] = {}
            for name in COMMANDS:              # round 0 warms the file cache, records the APDUs
                sent[name] = []
                card.response_filter = lambda _n, command, answer, into=sent[name]: (into.append(command),
                                                                                     answer)[1]
                _run_or_fail(name, runs[name], env)
                card.response_filter = None
            floors = {f"floor of {name}": _floor_command(folder, name, sent[name])
                      for name in COMMANDS if name != "--version"}
            notes = {floor: f"python + pyscard + the same {len(sent[name])} APDUs, nothing else"
                     for floor, name in zip(floors, (n for n in COMMANDS if n != "--version"))}
            floors["floor of card readers + futures"] = _floor_command(folder, "card readers", sent["card readers"],
                                                                       WITH_FUTURES)
            notes["floor of card readers + futures"] = ("that floor + concurrent.futures and queue, which the card "
                                                        "thread answers with; they bring logging")
            for name, command in floors.items():
                _run_or_fail(name, command, env)
            runs.update(floors)
            frozen = {f"packaged {name}": [str(FROZEN), *args] for name, args in COMMANDS.items()} \
                if FROZEN.exists() else {}
            for name, command in frozen.items():
                _run_or_fail(name, command, env)
            runs.update(frozen)
            wall: dict[str, list[float]] = {name: [] for name in runs}
            cpu: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(rounds):            # side by side: each round runs each once, in turn
                for name, command in runs.items():
                    w, c, _done = _run_or_fail(name, command, env)
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
    print(f"start-up of single commands, whole processes ({' '.join(program)}), median of {rounds} rounds:")
    ratios, cpu_ratios = _rows([n for n in runs if n not in frozen], "--version", med_wall, med_cpu, notes)
    floor_ratios = ", ".join(f"{ratios[f'floor of {name}']:.2f}×" for name in COMMANDS if name != "--version")
    _goal(med_wall["--version"], [ratios[n] for n in COMMANDS if n != "--version"], f"; their floors: {floor_ratios}")
    result = {"rounds": rounds, "wall_median_ms": med_wall, "cpu_median_ms": med_cpu, "ratio_to_version": ratios,
              "cpu_ratio_to_version": cpu_ratios, "apdus": {name: len(sent[name]) for name in COMMANDS}}
    for name, found in extra.items():
        total = sum(ms for _name, ms in found)
        shown = ", ".join(f"{module} {ms:.1f}" for module, ms in found[:8])
        print(f"  madoguchi {name}: imports beyond --version {total:.1f} ms (-X importtime, least of 5): {shown}")
    result["extra_imports_ms"] = {name: dict(found) for name, found in extra.items()}
    if not frozen:
        print(f"  the packaged program ({FROZEN}) is not built: `make build` first to time it as offices run it")
        return result
    print(f"as offices run it, the packaged program ({FROZEN.parent.name}/ of `make build`, PyInstaller), "
          "same rounds:")
    packed, _cpu = _rows(list(frozen), "packaged --version", med_wall, med_cpu, {})
    _goal(med_wall["packaged --version"], list(packed.values()))
    result["packaged"] = {name.removeprefix("packaged "): {"wall_ms": med_wall[name], "cpu_ms": med_cpu[name],
                                                            "ratio": packed.get(name, 1.0)} for name in frozen}
    return result


def _rows(names: list[str], version: str, wall: dict, cpu: dict, notes: dict) -> tuple[dict, dict]:
    """Print one program's lines (each against that program's own ``--version``); returns the
    wall and CPU ratios of the other commands."""
    ratios, cpu_ratios = {}, {}
    for name in names:
        ratio = ""
        if name != version:
            ratios[name], cpu_ratios[name] = wall[name] / wall[version], cpu[name] / cpu[version]
            ratio = f"  = {ratios[name]:.2f}× --version (CPU {cpu_ratios[name]:.2f}×)"
        command = name.removeprefix("packaged ")
        label = f"madoguchi {command}" if command in COMMANDS else f"  {name}"
        print(f"  {label:<40} {wall[name]:7.1f} ms wall  {cpu[name]:7.1f} ms CPU{ratio}")
        if name in notes:
            print(f"      ({notes[name]})")
    return ratios, cpu_ratios


def _goal(version_ms: float, command_ratios: list[float], more: str = "") -> None:
    met = all(ratio <= RATIO_GOAL for ratio in command_ratios)
    print(f"  goal: --version ≤ {VERSION_GOAL_MS:.0f} ms ({'met' if version_ms <= VERSION_GOAL_MS else 'NOT met'}); "
          f"card commands ≤ {RATIO_GOAL}× --version ({'met' if met else 'NOT met'}{more})")

if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

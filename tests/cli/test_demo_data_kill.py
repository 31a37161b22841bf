"""demo-data killed outright (SIGKILL: no clean-up runs): its worker processes end with it, and
the next run removes the ``.building-PID`` files it left (issue 12 §3)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, run_cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find the worker processes")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"     # a zombie has ended
    except OSError:
        return False


def _wait_for(condition, timeout: float, what: str):
    """Poll a condition of the system (processes, files) until it holds; fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_killed_demo_data_takes_its_workers_along_and_the_next_run_cleans_up(tmp_path):
    store = tmp_path / "demo.db"
    env = dict(os.environ, PYTHONPATH=str(REPO), MADOGUCHI_DEMO_WORKERS="2")
    parent = subprocess.Popen([sys.executable, "-m", "app", "demo-data", "--store", str(store),
                               "--residents", "600000", "--quiet", "--no-card-files"],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers = _wait_for(lambda: (c if len(c := _children(parent.pid)) >= 2 else None), 60,
                            "the two worker processes")
        _wait_for(lambda: list(tmp_path.glob(f".demo.db.building-{parent.pid}*")), 60, "the building file")
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
    try:
        _wait_for(lambda: not any(_running(w) for w in workers), 30, "the workers to end with their parent")
    finally:
        for w in workers:           # never leave a hung worker behind, even when the test fails
            if _running(w):
                os.kill(w, signal.SIGKILL)
    left = sorted(p.name for p in tmp_path.glob(".demo.db.building-*"))
    assert left, "the killed run left nothing to clean: the test did not kill it mid-build"

    # a build file of a process that still runs is not someone else's leftover: it stays
    alive = tmp_path / f".demo.db.building-{os.getpid()}"
    alive.write_bytes(b"in use")
    result = run_cli("demo-data", "--store", str(store), "--residents", "20", "--quiet", "--no-card-files",
                     env={"MADOGUCHI_DEMO_WORKERS": "1"})
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.glob(".demo.db.building-*")) == [alive.name]

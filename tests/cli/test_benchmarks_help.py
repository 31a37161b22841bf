"""``python -m benchmarks --help`` prints its usage and runs nothing (it used to run every
benchmark: over ten minutes)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def _benchmarks(*args):
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO)))


def test_help_prints_the_usage_and_the_list_of_benchmarks():
    result = _benchmarks("--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m benchmarks")
    names = sorted(p.stem for p in (REPO / "benchmarks").glob("*.py") if not p.stem.startswith("_"))
    listed = result.stdout.split("benchmarks:\n", 1)[1]
    assert [line.split()[0] for line in listed.splitlines() if line.strip()] == names


def test_an_unknown_benchmark_or_option_is_a_usage_error():
    for args in (("nosuch",), ("--fast",)):
        result = _benchmarks(*args)
        assert result.returncode == 2 and "usage:" in result.stderr and "Traceback" not in result.stderr

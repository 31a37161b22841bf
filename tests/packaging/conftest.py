"""Fixtures of the packaging tests: one PyInstaller build per test session (reused by every
frozen test), the .deb made from it and unpacked into a scratch root.

The build takes a minute or more of CPU, so it happens once per session, under
``build/frozen-test/`` (PyInstaller's work folder is kept there between sessions, which makes
a rebuild of unchanged sources quicker). ``MADOGUCHI_SKIP_FROZEN_TESTS=1`` skips these tests on
a developer's machine; in CI (``CI`` set) they always run.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_ROOT = REPO / "build" / "frozen-test"
SKIP_ENV = "MADOGUCHI_SKIP_FROZEN_TESTS"
_REPORT: dict = {}


def _skip_requested() -> bool:
    return bool(os.environ.get(SKIP_ENV)) and not os.environ.get("CI")


def pytest_collection_modifyitems(config, items):
    if not _skip_requested():
        return
    mark = pytest.mark.skip(reason=f"{SKIP_ENV} is set (never honoured in CI)")
    for item in items:
        if "frozen" in item.keywords:
            item.add_marker(mark)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="session")
def frozen_dist() -> Path:
    """``dist/madoguchi`` built from this checkout with build.spec (once per session)."""
    pyinstaller = Path(sys.executable).parent / "pyinstaller"
    if not pyinstaller.exists():
        pytest.fail("PyInstaller is not installed in this venv: `make venv` installs it "
                    "(the [build] extra of pyproject.toml)")
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    dist = BUILD_ROOT / "dist"
    with open(BUILD_ROOT / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions in one checkout take turns
        started = time.monotonic()
        env = {k: v for k, v in os.environ.items() if k != "MADOGUCHI_HOME"}
        result = subprocess.run(
            [str(pyinstaller), "--noconfirm", "--log-level", "WARN", "--distpath", str(dist),
             "--workpath", str(BUILD_ROOT / "work"), str(REPO / "build.spec")],
            cwd=REPO, capture_output=True, text=True, timeout=1800, env=env)
        seconds = time.monotonic() - started
        (BUILD_ROOT / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")
        if result.returncode != 0:
            pytest.fail(f"PyInstaller failed ({BUILD_ROOT / 'build.log'}):\n{result.stderr[-4000:]}")
    folder = dist / "madoguchi"
    _REPORT.update(build_seconds=round(seconds), bundle_bytes=_dir_size(folder))
    (BUILD_ROOT / "report.json").write_text(json.dumps(_REPORT), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def installed_root(frozen_dist, tmp_path_factory) -> tuple[Path, Path]:
    """(.deb file, scratch root it was unpacked into with ``dpkg -x``)."""
    out = tmp_path_factory.mktemp("deb")
    started = time.monotonic()
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-deb.sh"), "--dist", str(frozen_dist), "--out", str(out),
         "--compression", "none"], cwd=REPO, capture_output=True, text=True, timeout=1200)
    if result.returncode != 0:
        pytest.fail(f"build-deb.sh failed:\n{result.stdout}\n{result.stderr}")
    deb = Path(result.stdout.strip().splitlines()[-1])
    _REPORT.update(deb_seconds=round(time.monotonic() - started), deb_bytes=deb.stat().st_size)
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True, timeout=600)
    return deb, root


@pytest.fixture
def run_frozen(madoguchi_home):
    """Run a program of a frozen folder with this test's MADOGUCHI_HOME and no source on the path."""
    def run(program: Path, *args: str, env: dict | None = None, timeout: float = 120,
            input: str | None = None) -> subprocess.CompletedProcess:
        full = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
        full.update(QT_QPA_PLATFORM="offscreen", MADOGUCHI_HOME=str(madoguchi_home))
        full.update(env or {})
        return subprocess.run([str(program), *args], capture_output=True, text=True, env=full,
                              timeout=timeout, cwd=madoguchi_home, input=input)
    return run


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        mib = 1024 * 1024
        parts = [f"build {_REPORT['build_seconds']} s", f"bundle {_REPORT['bundle_bytes'] / mib:.0f} MiB unpacked"]
        if "deb_bytes" in _REPORT:
            parts.append(f".deb {_REPORT['deb_seconds']} s, {_REPORT['deb_bytes'] / mib:.0f} MiB (uncompressed test build)")
        terminalreporter.write_line("frozen build: " + ", ".join(parts))


"""Fixtures shared by the whole suite.

Every test runs with ``MADOGUCHI_HOME`` pointing at a fresh temporary folder, so config, logs
and stores never touch the developer's own. ``QT_QPA_PLATFORM=offscreen`` is set before any Qt
import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def madoguchi_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MADOGUCHI_HOME", str(home))
    return home


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store(store_path):
    from app.store import open_store

    s = open_store(store_path, create=True)
    yield s
    s.close()


def run_cli(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120):
    """Run ``python -m app ARGS`` from this checkout; returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=input, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO,
    )


@pytest.fixture
def cli():
    return run_cli

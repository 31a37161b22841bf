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
# as the application does at start-up (app.cli.main): files made by the tests are private too,
# so a store copied by a test is not refused as readable by others
os.umask(0o077)

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


# --- the card: one private PC/SC stack (pcscd + vpcd) per session, and test card files ---------

@pytest.fixture(scope="session")
def pcsc_stack(tmp_path_factory):
    """Our own ``pcscd -f`` (log: <tmp>/pcsc*/pcscd.log) with two vpcd readers, started once per
    session; this process's PC/SC client talks to it (and so do ``cli`` subprocesses)."""
    from app.card.stack import PcscStack

    workdir = tmp_path_factory.mktemp("pcsc")
    stack = PcscStack(workdir, log_path=workdir / "pcscd.log")
    stack.start()
    stack.use_in_this_process()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def test_card_ca(tmp_path_factory) -> Path:
    """One test CA for the whole session (card files share it)."""
    return tmp_path_factory.mktemp("test-card-ca")


TEST_HOLDER = dict(family_name="窓口", given_name="花子", address="東京都千代田区霞が関1-2-3",
                   birth_date="1985-04-01", sex=2, my_number="123456789018")


@pytest.fixture(scope="session")
def _card_template(tmp_path_factory, test_card_ca) -> Path:
    from app.card.cardfile import TRAINING_PINS, create_card_file

    return create_card_file(tmp_path_factory.mktemp("card-template") / "card.json", pins=TRAINING_PINS,
                            ca_dir=test_card_ca, **TEST_HOLDER)


@pytest.fixture
def card_file(tmp_path, _card_template) -> Path:
    """A fresh copy of the session's test card (training PINs, full counters) for one test."""
    import shutil

    return Path(shutil.copy(_card_template, tmp_path / "card.json"))


@pytest.fixture
def inserted_card(pcsc_stack, card_file):
    """The fresh test card inserted in reader slot 0 ("Virtual PCD 00 00"); removed afterwards."""
    emulator = pcsc_stack.insert(card_file, slot=0)
    yield emulator
    pcsc_stack.remove(0)

"""Running the ``madoguchi`` command in this process (fast enough for hundreds of runs) with its
output, its exit status and the incidents its top-level handler logged."""

from __future__ import annotations

import io
import logging
import sys
from dataclasses import dataclass

import pytest


@dataclass
class Run:
    status: int
    out: str
    err: str
    incidents: list[str]          # log records of unexpected errors (each one a traceback)

    @property
    def clean(self) -> bool:
        """Ended with a message or a result: no traceback shown, no incident logged."""
        return not self.incidents and "Traceback" not in self.err + self.out


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record):
        self.records.append(record.getMessage())


def run_in_process(argv: list[str], stdin: str = "") -> Run:
    from app.cli import main

    collect = _Collect()
    logger = logging.getLogger("app.incident")
    logger.addHandler(collect)
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        status = main(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        logger.removeHandler(collect)
    return Run(status, out.getvalue(), err.getvalue(), collect.records)


@pytest.fixture
def madoguchi():
    return run_in_process


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory):
    """A small demo store (研修市) with the training accounts, made once per session."""
    from app.security.demo import create_training_accounts
    from app.store import open_store
    from app.store.demo import generate

    path = tmp_path_factory.mktemp("cli-demo") / "demo.db"
    generate(path, 60, seed=7, card_files=False, quiet=True)
    with open_store(path) as store:
        create_training_accounts(store, terminal_id="T-CLI")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def demo_store(_demo_template, tmp_path):
    """A fresh copy of the demo store for one test."""
    import shutil

    return shutil.copy(_demo_template, tmp_path / "demo.db")

"""Fixtures for the security tests: a controllable clock and a template store with the training
accounts (Argon2 hashing is deliberately slow, so accounts are made once per session and each
test gets its own copy of the SQLite file)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from app.security.clock import UTC, Clock
from app.store import open_store

TERMINAL = "T001"
START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock(Clock):
    """Wall and monotonic time the test moves by hand (``advance``) or sets the wall clock only
    (``set_wall``: somebody changed the system time)."""

    def __init__(self, start: dt.datetime = START):
        self.t = start
        self.m = 5000.0
        super().__init__(wall=lambda: self.t, mono=lambda: self.m, boot_id="test-boot")

    def advance(self, seconds: float) -> None:
        self.t += dt.timedelta(seconds=seconds)
        self.m += seconds

    def set_wall(self, value: dt.datetime) -> None:
        self.t = value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory):
    from app.security.demo import create_training_accounts

    path = tmp_path_factory.mktemp("security-template") / "template.db"
    s = open_store(path, create=True)
    create_training_accounts(s, terminal_id=TERMINAL)
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def sstore(template_store, tmp_path):
    """A store with the training accounts (clerk1, clerk2, officer1, officer2, admin1, dual1)."""
    path = tmp_path / "store.db"
    shutil.copyfile(template_store, path)
    s = open_store(path)
    yield s
    s.close()


@pytest.fixture
def staff_ids(sstore) -> dict[str, str]:
    return {r[0]: r[1] for r in sstore.conn.execute("SELECT login, id FROM staff")}

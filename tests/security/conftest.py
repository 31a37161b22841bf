"""Fixtures for the security tests: a controllable clock and a template store with the training
accounts (Argon2 hashing is deliberately slow, so accounts are made once per session and each
test gets its own copy of the SQLite file)."""

from __future__ import annotations

import json
import shutil

import pytest

from app.store import open_store

from tests.security.helpers import START, TERMINAL, FakeClock, build_world  # noqa: F401


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory):
    """Training accounts plus the DV world (see :func:`build_world`), made once."""
    from app.security.demo import create_training_accounts

    path = tmp_path_factory.mktemp("security-template") / "template.db"
    s = open_store(path, create=True)
    create_training_accounts(s, terminal_id=TERMINAL)
    ids = build_world(s, FakeClock())
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    (path.parent / "world.json").write_text(json.dumps(ids))
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


@pytest.fixture
def world(sstore, template_store, staff_ids):
    """Ids of the DV world in the store: V, C, U, R, P, measure, provisional, staff."""
    from app.security import measures

    ids = json.loads((template_store.parent / "world.json").read_text())
    return {**ids, "measure": measures.get_measure(sstore.conn, ids["measure"]),
            "provisional": measures.get_measure(sstore.conn, ids["provisional"]), "staff": staff_ids}


_SIGN_INS: dict = {}


@pytest.fixture
def sign_in(sstore, clock):
    """sign_in('officer1') → an Authenticated proof made by a real Argon2 sign-in at START (the
    time every test's clock starts at). Argon2 is slow on purpose, so each login signs in once per
    session; tests of sign-in itself call ``authenticate_password`` directly."""
    from app.security.staff import authenticate_password

    def _sign_in(login):
        if clock.now() != START:
            return authenticate_password(sstore, login, f"{login}-kenshu", terminal_id=TERMINAL,
                                         clock=clock)
        if login not in _SIGN_INS:
            _SIGN_INS[login] = authenticate_password(sstore, login, f"{login}-kenshu",
                                                     terminal_id=TERMINAL, clock=FakeClock())
        return _SIGN_INS[login]

    return _sign_in

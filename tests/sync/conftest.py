"""Fixtures for the sync tests: a real PostgreSQL server started once per session (its own data
directory, Unix socket and port; stopped and removed afterwards), a fresh central database per
test with two registered terminals, local stores with a small municipality, a TCP proxy that cuts
the connection after a chosen number of bytes, and a real OS keyring (gnome-keyring on a D-Bus
session; ``scripts/run-tests.sh`` provides one, otherwise one is started here).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.store import open_store
from app.sync.connection import SyncTarget
from app.sync.scratch import ScratchServer
from app.sync.server_schema import add_terminal, init_server
from tests.sync.municipality import fill_master

PASSWORDS = {"TA": "pw-branch-A-7f3", "TB": "pw-main-B-2c9"}


@pytest.fixture(scope="session")
def pg_server():
    server = ScratchServer().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Central:
    server: ScratchServer
    dbname: str
    admin_dsn: str
    roles: dict

    def target(self, terminal: str, host: str | None = None, port: int | None = None) -> SyncTarget:
        return SyncTarget(host or str(self.server.sockdir), port or self.server.port, self.dbname,
                          self.roles[terminal], terminal)

    def password(self, terminal: str) -> str:
        return PASSWORDS[terminal]

    def terminal_dsn(self, terminal: str) -> str:
        return self.server.dsn(self.dbname, self.roles[terminal], PASSWORDS[terminal])

    def admin(self):
        import psycopg
        return psycopg.connect(self.admin_dsn, autocommit=True)


@pytest.fixture
def central(pg_server):
    name = "t_" + uuid.uuid4().hex[:10]
    dsn = pg_server.create_database(name)
    init_server(dsn)
    roles = {t: add_terminal(dsn, t, pw, name=f"terminal {t}") for t, pw in PASSWORDS.items()}
    yield Central(pg_server, name, dsn, roles)
    pg_server.drop_database(name)


@pytest.fixture
def master_store(tmp_path):
    """The main office's store holding the municipality's master data (what gets seeded)."""
    s = open_store(tmp_path / "master.db", create=True)
    fill_master(s, residents=60)
    yield s
    s.close()


@pytest.fixture
def seeded(central, master_store):
    from app.sync.seed import seed_from_store
    seed_from_store(master_store, central.admin_dsn)
    return central


@pytest.fixture
def terminal_store(tmp_path):
    """Local stores of terminals A and B (empty: everything comes from the server)."""
    opened = []

    def make(name: str):
        s = open_store(tmp_path / f"{name}.db", create=True)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


# ---------------------------------------------------------------------------- cutting proxy

class CuttingProxy:
    """Loopback TCP → the server's Unix socket. ``cut_after(n)`` makes every following connection
    drop (both directions closed) once ``n`` bytes have passed through it in total."""

    def __init__(self, unix_path: str):
        self.unix_path = unix_path
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.limit: int | None = None
        self.cuts = 0
        self.passed = 0          # bytes through all connections so far
        self._closed = False
        self._threads: list[threading.Thread] = []
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    def cut_after(self, n: int | None) -> None:
        self.limit = n

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.unix_path)
            budget = {"left": self.limit, "lock": threading.Lock()}
            for a, b in ((client, upstream), (upstream, client)):
                t = threading.Thread(target=self._pump, args=(a, b, client, upstream, budget), daemon=True)
                t.start()

    def _pump(self, src, dst, client, upstream, budget) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with budget["lock"]:
                    left = budget["left"]
                    if left is not None:
                        if len(data) >= left:
                            data = data[:left]
                            budget["left"] = 0
                        else:
                            budget["left"] = left - len(data)
                if data:
                    dst.sendall(data)
                    self.passed += len(data)
                if budget["left"] == 0:
                    self.cuts += 1
                    break
        except OSError:
            pass
        for s in (client, upstream):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._closed = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()


@pytest.fixture
def proxy(pg_server):
    p = CuttingProxy(str(pg_server.sockdir / f".s.PGSQL.{pg_server.port}"))
    yield p
    p.close()


# ---------------------------------------------------------------------------- OS keyring

@pytest.fixture(scope="session")
def os_keyring():
    """A real Secret Service: the one run-tests.sh started, or a private D-Bus session with an
    unlocked gnome-keyring started here (stopped afterwards)."""
    started = []
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        if not shutil.which("dbus-daemon") or not shutil.which("gnome-keyring-daemon"):
            pytest.fail("dbus-daemon and gnome-keyring-daemon are needed (Debian packages dbus, "
                        "gnome-keyring; make deps installs them)")
        home = Path(tempfile.mkdtemp(prefix="madoguchi-keyring-"))
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                               stdout=subprocess.PIPE, text=True)
        address = bus.stdout.readline().strip()
        started.append(bus)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
        env = dict(os.environ, XDG_DATA_HOME=str(home / "data"), XDG_RUNTIME_DIR=str(home))
        os.chmod(home, 0o700)
        kr = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                            input="madoguchi-test", capture_output=True, text=True, env=env, timeout=30)
        if kr.returncode:
            pytest.fail(f"gnome-keyring-daemon did not start: {kr.stderr}")
    import keyring
    from keyring.backends import SecretService

    keyring.set_keyring(SecretService.Keyring())
    yield keyring.get_keyring()
    for proc in started:
        proc.terminate()
        proc.wait(10)

"""A throwaway PostgreSQL cluster in a temporary directory, for the test suite, the benchmarks and
IT staff trying the sync on one machine. Not used by a terminal in service.

Runs the Debian server binaries (``/usr/lib/postgresql/<v>/bin``) as the ``postgres`` user when
started as root (initdb refuses root), listens only on its own Unix socket directory and port (no
TCP), and is stopped and removed by :meth:`ScratchServer.stop`. Local connections of the
``postgres`` superuser are trusted; every other role must give its password (scram-sha-256), so
terminal logins really use the password from the keyring.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: install the Debian package "
                           "'postgresql' (make deps does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_PREFIX = "madoguchi-pg-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> list[Path]:
    """Stop and remove scratch clusters whose owning process has died without stopping them (a
    test run killed by a timeout). Only clusters that recorded their owner are touched."""
    reaped = []
    for owner in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*/owner"):
        try:
            pid = int(owner.read_text().strip())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        root = owner.parent
        cluster = ScratchServer.__new__(ScratchServer)
        cluster.bin, cluster.root, cluster.data = _bin_dir(), root, root / "data"
        cluster._as_postgres, cluster.started = os.geteuid() == 0, (root / "data").exists()
        cluster.stop()
        reaped.append(root)
    return reaped


class ScratchServer:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        reap_orphans()
        self.root = Path(tempfile.mkdtemp(prefix=_PREFIX))
        (self.root / "owner").write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.sockdir = self.root / "sock"
        self.port = _free_port()
        self.superuser = "postgres"
        self._as_postgres = os.geteuid() == 0
        if not self._as_postgres:
            self.superuser = pwd.getpwuid(os.geteuid()).pw_name
        self.started = False

    # -- process control -----------------------------------------------------------------
    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> "ScratchServer":
        self.sockdir.mkdir()
        if self._as_postgres:
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockdir, "postgres", "postgres")
        r = self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                      self.superuser, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()}")
        hba = self.data / "pg_hba.conf"
        hba_text = (f"local all {self.superuser} trust\n"
                    "local all all scram-sha-256\n")
        self._write_as_owner(hba, hba_text)
        opts = (f"-p {self.port} -k {self.sockdir} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                "-c shared_buffers=64MB")
        r = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                      "-o", opts, "-w", "-t", "60", "start")
        if r.returncode:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log[-2000:]}")
        self.started = True
        return self

    def _write_as_owner(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self._as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def stop(self) -> None:
        if self.started:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "ScratchServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- connection strings ----------------------------------------------------------------
    def dsn(self, dbname: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        parts = {"host": str(self.sockdir), "port": str(self.port), "dbname": dbname,
                 "user": user or self.superuser}
        if password is not None:
            parts["password"] = password
        return psycopg.conninfo.make_conninfo(**parts)

    def create_database(self, name: str) -> str:
        """A fresh database; returns its superuser DSN."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            roles = [r[0] for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (f"mdg\\_{name}\\_%",))]
            for role in roles:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()

"""The install guide is a tested script: the go-live walk-through of docs/INSTALL.md, run exactly.

The commands come from the guide's code blocks marked ``<!-- golive: root -->`` (run as root; a
``sudo`` that is missing on the machine is replaced by a shell function that does the same with
``runuser``) and ``<!-- golive: clerk1 -->`` (run as the clerk's OS account), in the guide's order,
with the variables the guide names. So the guide and the test cannot drift.

What it does to this machine, as the guide says: ``apt install`` of the .deb built once for the
session (tests/packaging/conftest.py), which creates the account and group ``madoguchi``,
``/var/lib/madoguchi`` and ``/etc/madoguchi``; a clerk account ``clerk1`` and an ``outsider``
account (useradd). A real PostgreSQL (app.sync.scratch) is reached over TCP through a loopback
relay, as terminals reach the office server. Afterwards the package is purged and the accounts
and folders removed. It needs root (CI runs as root); on a machine that is already a configured
terminal it refuses to run rather than touch it.
"""

from __future__ import annotations

import configparser
import grp
import json
import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from app.sync.scratch import ScratchServer
from tests.sync.conftest import CuttingProxy

pytestmark = [pytest.mark.frozen, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "INSTALL.md"
SUDO_SHIM = """
if ! command -v sudo >/dev/null 2>&1; then
    sudo() {
        if [ "$1" = "-u" ]; then
            local user=$2; shift 2
            runuser -u "$user" -- env HOME="$(getent passwd "$user" | cut -d: -f6)" "$@"
        else
            "$@"
        fi
    }
fi
"""
PASSWORDS = {"TERMINAL_PASSWORD": "kita01-terminal-pw-7Q", "CLERK_PASSWORD": "kita-clerk-first-pw"}


def guide_steps(text: str) -> list[tuple[str, str]]:
    """(who, script) for every marked block of the guide, in order."""
    return [(m.group(1), m.group(2)) for m in re.finditer(
        r"<!-- golive: (\w+) -->\n```sh\n(.*?)```", text, re.S)]


def test_guide_marks_every_step_of_the_walk_through():
    steps = guide_steps(GUIDE.read_text(encoding="utf-8"))
    joined = "\n".join(s for _, s in steps)
    for needed in ("apt install ./madoguchi_", "server init", "server import", "--dry-run",
                   "server add-terminal", "server staff add", "config init --system",
                   "server login --system", "sudo -u madoguchi madoguchi sync", "adduser clerk1 madoguchi",
                   "MADOGUCHI_SMOKE_SIGN_IN"):
        assert needed in joined, needed
    assert [who for who, _ in steps][-1] == "clerk1"


def _clean_machine() -> None:
    subprocess.run(["apt-get", "purge", "-y", "-qq", "madoguchi"], capture_output=True, timeout=300,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for user in ("clerk1", "outsider"):
        subprocess.run(["userdel", "-r", user], capture_output=True)
    subprocess.run(["userdel", "madoguchi"], capture_output=True)
    subprocess.run(["groupdel", "madoguchi"], capture_output=True)
    shutil.rmtree("/var/lib/madoguchi", ignore_errors=True)
    shutil.rmtree("/etc/madoguchi", ignore_errors=True)
    Path("/tmp/madoguchi-golive.json").unlink(missing_ok=True)


#: left by this test on the machine it set up, so a run killed half-way is cleaned by the next one
#: instead of being taken for a real terminal
MARKER = Path("/var/lib/madoguchi-golive-test")


@pytest.fixture
def machine():
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the go-live test installs the package: CI must run it as root")
        pytest.skip("the go-live test installs the package system-wide: run it as root (CI does)")
    configured = Path("/etc/madoguchi/config.json").exists() or Path("/var/lib/madoguchi/live/store.db").exists()
    if configured and not MARKER.exists():
        pytest.skip("this machine is a configured Madoguchi terminal: the go-live test will not touch it")
    MARKER.write_text("the go-live test is setting up this machine\n")
    _clean_machine()
    yield
    _clean_machine()
    MARKER.unlink(missing_ok=True)


UNITS = Path("/lib/systemd/system")


def _unit(path: Path) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read(path, encoding="utf-8")
    return unit


class PathActivation:
    """What systemd does with the installed ``madoguchi-sync-request.path``, on a machine where
    systemd is not running (this container; CI's too): when the watched file changes, start the
    path unit's service — its ``ExecStart=`` as its ``User=`` with its ``UMask=``, in a clean
    environment. The unit files are the package's own, read after the install."""

    def __init__(self) -> None:
        path_unit = _unit(UNITS / "madoguchi-sync-request.path")
        self.watched = Path(path_unit["Path"]["PathModified"])
        service = _unit(UNITS / path_unit["Path"]["Unit"])["Service"]
        self.user, self.umask = service["User"], service.get("UMask", "0022")
        self.command = shlex.split(service["ExecStart"])
        self.success = {0, *(int(c) for c in service.get("SuccessExitStatus", "").split())}
        self.runs: list[subprocess.CompletedProcess] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="path-activation", daemon=True)
        self._thread.start()

    def _stamp(self):
        try:
            st = self.watched.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _watch(self) -> None:
        seen = self._stamp()
        while not self._stop.wait(0.2):          # inotify's job in systemd
            now = self._stamp()
            if now is not None and now != seen:
                seen = now
                body = f"umask {self.umask}; exec {shlex.join(self.command)}"
                self.runs.append(subprocess.run(
                    ["runuser", "-u", self.user, "--", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                     "LANG=C.UTF-8", "sh", "-c", body], capture_output=True, text=True, timeout=600))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(30)


def _run(who: str, script: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    body = f"set -euo pipefail\n{SUDO_SHIM}\n{script}"
    if who == "root":
        cmd = ["bash", "-c", body]
    else:
        home = pwd.getpwnam(who).pw_dir
        cmd = ["runuser", "-u", who, "--", "env", f"HOME={home}", f"USER={who}", "bash", "-c", body]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.timeout(2400)    # the frozen build and the .deb may be made for this test first
def test_go_live_as_the_guide_says(installed_root, machine, tmp_path):
    deb, _root = installed_root
    work = tmp_path / "office"
    work.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(work, 0o777)                          # the clerk's step runs here too
    shutil.copy(deb, work / deb.name)
    steps = guide_steps(GUIDE.read_text(encoding="utf-8"))
    assert f"./{deb.name}" in steps[0][1], "the guide installs another file name than the build makes"

    subprocess.run(["useradd", "-m", "-s", "/bin/bash", "clerk1"], check=True)
    subprocess.run(["useradd", "-m", "-s", "/bin/bash", "outsider"], check=True)
    with ScratchServer() as server:
        admin_dsn = server.create_database("golive")
        relay = CuttingProxy(str(server.sockdir / f".s.PGSQL.{server.port}"))
        try:
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("MADOGUCHI_") and k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
            env.update(PASSWORDS, ADMIN_DSN=admin_dsn, SERVER=f"127.0.0.1:{relay.port}/golive",
                       DEBIAN_FRONTEND="noninteractive",
                       PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            timings, outputs, activation = {}, {}, None
            try:
                for n, (who, script) in enumerate(steps, start=1):
                    started = time.monotonic()
                    r = _run(who, script, env, work)
                    timings[n] = round(time.monotonic() - started, 1)
                    assert r.returncode == 0, (f"guide step {n} as {who} failed:\n{script}\n"
                                               f"--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-3000:]}")
                    for secret in PASSWORDS.values():
                        assert secret not in r.stdout + r.stderr, f"step {n} printed a password"
                    outputs[n] = r.stdout
                    if activation is None and (UNITS / "madoguchi-sync-request.path").exists():
                        activation = PathActivation()      # the package is installed: its units
            finally:
                if activation is not None:
                    activation.close()
            print("go-live step timings (s):", timings)

            # the units are valid for systemd; the clerk's "sync now" started the sync service,
            # which ran as the sync account, and the clerk was shown its result
            verify = subprocess.run(["systemd-analyze", "verify", "--man=no",
                                     *(str(UNITS / u) for u in ("madoguchi-sync-request.path",
                                                                "madoguchi-sync.service",
                                                                "madoguchi-sync.timer"))],
                                    capture_output=True, text=True, timeout=120)
            assert verify.returncode == 0, verify.stderr
            asked = [n for n, (who, script) in enumerate(steps, start=1)
                     if who == "clerk1" and re.search(r"^madoguchi sync\b", script, re.M)]
            assert asked and activation is not None and activation.runs, "nobody asked for a sync"
            assert all(r.returncode in activation.success for r in activation.runs), activation.runs
            answer = json.loads(outputs[asked[0]].strip().splitlines()[-1])
            assert answer["error"] is None and answer["last_sync"]["at"] > answer["asked_at"], answer
            assert Path("/var/lib/madoguchi/live/sync-request").stat().st_gid == grp.getgrnam("madoguchi").gr_gid

            # the clerk signed in with the centrally made account and found residents by name
            report = json.loads(Path("/tmp/madoguchi-golive.json").read_text(encoding="utf-8"))
            assert report["signed_in"] == "kita.clerk", report
            assert report["found"] > 0, report

            # 10,000 residents went through the layout into the server and down to the terminal
            with psycopg.connect(admin_dsn) as conn:
                assert conn.execute("SELECT count(*) FROM madoguchi.residents").fetchone()[0] == 10_000
                assert conn.execute("SELECT count(*) FROM madoguchi.imports").fetchone()[0] == 1
            store = Path("/var/lib/madoguchi/live/store.db")
            count = subprocess.run(["sqlite3", str(store), "SELECT count(*) FROM residents"],
                                   capture_output=True, text=True, check=True).stdout.strip()
            assert count == "10000"
        finally:
            relay.close()

    # one store for the terminal, for the group only; the credential for the sync account only
    group = subprocess.run(["getent", "group", "madoguchi"], capture_output=True, text=True).stdout
    assert "clerk1" in group
    folder = Path("/var/lib/madoguchi/live")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o2770
    for path in [store, *folder.glob("store.db-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o660, path
        assert path.stat().st_gid == folder.stat().st_gid
    denied = _run("outsider", f"cat {store} > /dev/null", {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, Path("/"))
    assert denied.returncode != 0 and "Permission denied" in denied.stderr
    secret = _run("clerk1", "cat /etc/madoguchi/credentials/sync", {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}, Path("/"))
    assert secret.returncode != 0 and PASSWORDS["TERMINAL_PASSWORD"] not in secret.stdout
    assert not list(Path("/home/clerk1").rglob("*.db")), "the clerk's account holds its own store"

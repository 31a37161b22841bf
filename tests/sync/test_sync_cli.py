"""The commands IT staff use: server init / add-terminal / seed / login (password into the real OS
keyring, never into a file), and `madoguchi sync` with its exit codes and plain-word errors."""

from __future__ import annotations

import json

import pytest

from app.config import OfficeConfig
from app.sync.connection import KEYRING_SERVICE

pytestmark = pytest.mark.postgres


def test_it_staff_set_up_a_terminal_and_sync_from_the_command_line(
        pg_server, central, master_store, tmp_path, cli, os_keyring, madoguchi_home):
    dsn = central.admin_dsn
    r = cli("server", "init", "--dsn", dsn)
    assert r.returncode == 0 and "up to date" in r.stdout, r.stderr
    r = cli("server", "add-terminal", "--dsn", dsn, "--terminal", "TC", "--name", "北支所",
            "--password-stdin", input="c-secret-91\n")
    assert r.returncode == 0, r.stderr
    role = r.stdout.split()[-1]
    master_store.close()
    r = cli("server", "seed", "--dsn", dsn, "--from-store", str(tmp_path / "master.db"))
    assert r.returncode == 0 and json.loads(r.stdout.splitlines()[-1])["residents"] == 60, r.stderr

    login = ("server", "login", "--host", str(pg_server.sockdir), "--port", str(pg_server.port),
             "--db", central.dbname, "--user", role, "--terminal", "TC", "--password-stdin")
    r = cli(*login, input="wrong\n")
    assert r.returncode == 4 and "refused the password" in r.stderr
    r = cli(*login, input="c-secret-91\n")
    assert r.returncode == 0, r.stderr
    account = f"{role}@{pg_server.sockdir}:{pg_server.port}/{central.dbname}"
    assert os_keyring.get_password(KEYRING_SERVICE, account) == "c-secret-91"
    config_text = OfficeConfig.path().read_text()
    assert "c-secret-91" not in config_text and json.loads(config_text)["terminal_id"] == "TC"

    store = tmp_path / "c.db"
    cli("store", "info", "--store", str(store))   # does not create
    from app.store import open_store
    open_store(store, create=True).close()
    r = cli("sync", "--store", str(store))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["pulled"]["residents"] == 60 and "residents: 60/60" in r.stderr
    assert "c-secret-91" not in store.read_bytes().decode("latin-1")
    status = json.loads(cli("sync-status", "--store", str(store)).stdout)
    assert status["error"] is None and status["support_stale"] is False

    # the password removed from the keyring: a plain-word error, exit 4
    os_keyring.delete_password(KEYRING_SERVICE, account)
    r = cli("sync", "--store", str(store))
    assert r.returncode == 4 and "madoguchi server login" in r.stderr

    # the server unreachable: exit 3, the terminal keeps working
    cfg = OfficeConfig.load()
    cfg.server_host, cfg.server_port = "127.0.0.1", 1
    cfg.save()
    os_keyring.set_password(KEYRING_SERVICE, f"{role}@127.0.0.1:1/{central.dbname}", "c-secret-91")
    r = cli("sync", "--store", str(store))
    assert r.returncode == 3 and "Cannot reach the central server" in r.stderr
    assert "Traceback" not in r.stderr


def test_sync_without_configuration_says_what_to_do(cli, tmp_path):
    from app.store import open_store
    open_store(tmp_path / "x.db", create=True).close()
    r = cli("sync", "--store", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "not configured" in r.stderr

"""Support information (app.support, `madoguchi support-info`): what the help desk is read out,
from a real store, without writing to it and without secrets."""

from __future__ import annotations

import json

from app import __version__
from app.config import OfficeConfig
from app.store.outbox import enqueue
from app.support import format_text, support_info


def _configure():
    c = OfficeConfig.load()
    c.set_value("office_name", "北支所")
    c.set_value("terminal_id", "KITA-02")
    c.set_value("server", "postgresql://kita02@db.city.local:5433/central")
    c.set_value("default_reader", "Virtual PCD 00 00")
    c.save("system")


def test_support_info_reads_store_sync_state_and_config(store, store_path):
    _configure()
    with store.transaction() as conn:
        enqueue(conn, "case", "c-1", {"id": "c-1"})
        enqueue(conn, "case", "c-2", {"id": "c-2"})
        conn.execute("UPDATE outbox SET pushed_at = '2026-11-25T09:00:00+00:00' WHERE row_id = 'c-1'")
        conn.execute("INSERT INTO sync_state(key, value) VALUES ('last_sync', ?)",
                     (json.dumps({"at": "2026-11-25T09:00:00+00:00", "pushed": 1, "pulled": 0}),))
    store.close()
    before = store_path.read_bytes()

    info = support_info(store_path, qt_version="6.x", readers=["Virtual PCD 00 00"])

    assert info["version"] == __version__ and info["qt"] == "6.x"
    assert info["build"]["frozen"] is False
    assert info["config"]["office_name"] == "北支所" and info["config"]["terminal_id"] == "KITA-02"
    assert info["config"]["server"] == "db.city.local:5433/central" and info["config"]["configured"]
    assert info["store"]["schema_version"] >= 1 and info["store"]["path"] == str(store_path)
    assert info["sync"]["pending_outbox"] == 1
    assert info["sync"]["last_sync"]["at"].startswith("2026-11-25")
    assert info["reader"] == {"default": "Virtual PCD 00 00", "present": ["Virtual PCD 00 00"]}
    assert store_path.read_bytes() == before  # read-only: never migrated or written

    text = format_text(info)
    for words in ("北支所", "KITA-02", "db.city.local:5433/central", "1 waiting to be sent",
                  "Virtual PCD 00 00", f"Madoguchi {__version__}", "Qt 6.x"):
        assert words in text


def test_support_info_without_store_or_config(tmp_path):
    info = support_info(tmp_path / "missing.db")
    assert info["store"]["exists"] is False and info["config"]["configured"] is False
    assert "not created yet" in format_text(info) and "not configured yet" in format_text(info)
    assert not (tmp_path / "missing.db").exists()


def test_support_info_reports_a_damaged_config_instead_of_failing(tmp_path):
    OfficeConfig.path().parent.mkdir(parents=True)
    OfficeConfig.path().write_text("{", encoding="utf-8")
    info = support_info(tmp_path / "x.db")
    assert "damaged" in info["config"]["error"]
    assert "config error" in format_text(info)


def test_support_info_reports_a_file_that_is_not_a_store(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"not a database at all, just text" * 10)
    info = support_info(bogus)
    assert "cannot read" in info["store"]["error"]
    assert bogus.read_bytes() == b"not a database at all, just text" * 10


def test_cli_support_info_json(cli, store, store_path):
    store.close()
    r = cli("support-info", "--json", "--no-readers", "--store", str(store_path))
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["version"] == __version__ and info["store"]["exists"]
    assert "present" not in info["reader"]


def test_cli_support_info_probes_readers_without_hanging(cli, tmp_path):
    # with or without a PC/SC service the probe answers (readers or a reason) within its limit
    r = cli("support-info", "--store", str(tmp_path / "none.db"), env={"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.sock")})
    assert r.returncode == 0, r.stderr
    assert "reader / リーダー:" in r.stdout


def test_cli_test_print_writes_specimens_and_touches_no_store(cli, tmp_path, madoguchi_home):
    r = cli("test-print", str(tmp_path / "out"), timeout=180)
    assert r.returncode == 0, r.stderr
    written = [line for line in r.stdout.splitlines() if line.endswith(".pdf")]
    assert written and all((tmp_path / "out" / line.rsplit("/", 1)[-1]).read_bytes().startswith(b"%PDF")
                           for line in written)
    assert not list(madoguchi_home.rglob("*.db"))  # fictional residents live in a throw-away store

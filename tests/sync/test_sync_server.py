"""The central schema: versioned init, terminal roles with only their rights, and what the database
itself refuses (self-release, rows for another terminal, unknown staff, changing sent audit entries)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from app.sync.server_schema import SERVER_VERSION, init_server, server_version
from app.security import sigcore
from tests.sync.municipality import STAFF, sid, sign_key

pytestmark = pytest.mark.postgres


def _case(conn, terminal, case_id="c1", opened_by="clerk_a"):
    row = {"id": case_id, "case_type": "copy_issuance", "terminal_id": terminal,
           "opened_by": sid(opened_by), "opened_at": "2026-11-25T10:00:00+00:00"}
    conn.execute("INSERT INTO madoguchi.cases(id, case_type, terminal_id, opened_by, opened_at, row) "
                 "VALUES (%s, %s, %s, %s, %s, %s)",
                 (case_id, row["case_type"], terminal, row["opened_by"], row["opened_at"], json.dumps(row)))


def _release(conn, terminal, officer, clerk, case_id="c1", rid="r1"):
    """A release row signed with the officer's own key (so the four-eyes rules are what decide)."""
    row = {"id": rid, "case_id": case_id, "handling_staff_id": sid(clerk), "officer_id": sid(officer),
           "terminal_id": terminal, "decision": "released", "persons": "[]", "protected": "[]",
           "documents": "[]", "scope_digest": "d", "reason": None, "checklist": "{}",
           "auth_method": "password", "issued_at": "2026-11-25T10:05:00+00:00",
           "expires_at": "2026-11-25T10:20:00+00:00"}
    if officer in STAFF:
        row["signature"] = sign_key(officer).private.sign(sigcore.release_message(row)).hex()
    conn.execute(
        "INSERT INTO madoguchi.releases(id, case_id, officer_id, handling_staff_id, terminal_id, "
        "decision, issued_at, row) VALUES (%s, %s, %s, %s, %s, 'released', %s, %s)",
        (rid, case_id, sid(officer), sid(clerk), terminal, row["issued_at"], json.dumps(row)))


def test_init_is_versioned_and_idempotent(seeded):
    assert init_server(seeded.admin_dsn) == (SERVER_VERSION, SERVER_VERSION)
    with seeded.admin() as conn:
        assert server_version(conn) == SERVER_VERSION
        assert conn.execute("SELECT count(*) FROM madoguchi.residents").fetchone()[0] == 60


def test_terminal_role_has_only_its_rights(seeded):
    with psycopg.connect(seeded.terminal_dsn("TA"), autocommit=True) as conn:
        assert conn.execute("SELECT madoguchi.current_terminal()").fetchone()[0] == "TA"
        assert conn.execute("SELECT count(*) FROM madoguchi.residents").fetchone()[0] == 60
        for statement in ("UPDATE madoguchi.residents SET address = 'x'",
                          "DELETE FROM madoguchi.staff",
                          "INSERT INTO madoguchi.terminals(id, role_name) VALUES ('X', 'x')",
                          "CREATE TABLE madoguchi.evil (x int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_database_refuses_self_release_inserted_with_sql(seeded):
    with psycopg.connect(seeded.terminal_dsn("TA"), autocommit=True) as conn:
        _case(conn, "TA", opened_by="officer_a")     # an officer who also works as a clerk
        # the same person as officer: refused even though the account holds the officer role
        with pytest.raises(psycopg.errors.CheckViolation):
            _release(conn, "TA", "officer_a", "officer_a")
        # lying about the clerk does not help: the case's opener is checked
        with pytest.raises(psycopg.errors.CheckViolation, match="handling clerk|never handled"):
            _release(conn, "TA", "officer_a", "clerk_b")
        # a clerk without the officer role cannot release
        with pytest.raises(psycopg.errors.CheckViolation, match="support officer"):
            _release(conn, "TA", "clerk_b", "officer_a")
        _release(conn, "TA", "officer_b", "officer_a")
    with seeded.admin() as conn:   # not even the administrator's connection skips the rule
        _case(conn, "TB", case_id="c2", opened_by="clerk_b")
        with pytest.raises(psycopg.errors.CheckViolation):
            _release(conn, "TB", "officer_b", "clerk_a", case_id="c2", rid="r2")
        assert conn.execute("SELECT count(*) FROM madoguchi.releases").fetchone()[0] == 1


def test_rows_for_another_terminal_or_unknown_staff_are_refused(seeded):
    with psycopg.connect(seeded.terminal_dsn("TA"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            _case(conn, "TB")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO madoguchi.cases(id, case_type, terminal_id, opened_by, opened_at, row) "
                         "VALUES ('c9', 'x', 'TA', 'nobody', '2026-01-01', %s)",
                         (json.dumps({"id": "c9", "case_type": "x", "terminal_id": "TA", "opened_by": "nobody",
                                      "opened_at": "2026-01-01"}),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO madoguchi.audit(id, terminal_id, chain_seq, hash, row) "
                         "VALUES ('a1', 'TB', 1, 'h', '{}')")


def test_sent_audit_entries_cannot_be_changed_or_deleted(seeded):
    with psycopg.connect(seeded.terminal_dsn("TA"), autocommit=True) as conn:
        conn.execute("INSERT INTO madoguchi.audit(id, terminal_id, chain_seq, hash, prev_hash, row) "
                     "VALUES ('a1', 'TA', 1, 'h1', '0', '{}')")
        for statement in ("UPDATE madoguchi.audit SET hash = 'x'", "DELETE FROM madoguchi.audit",
                          "TRUNCATE madoguchi.audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        # other terminals do not even see them
    with psycopg.connect(seeded.terminal_dsn("TB"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM madoguchi.audit").fetchone()[0] == 0
    with seeded.admin() as conn:   # the owner is stopped by the trigger
        for statement in ("UPDATE madoguchi.audit SET hash = 'x'", "DELETE FROM madoguchi.audit",
                          "TRUNCATE madoguchi.audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT hash FROM madoguchi.audit").fetchone()[0] == "h1"


def test_an_older_central_schema_is_migrated_in_place(pg_server, monkeypatch):
    from app.sync import server_schema

    dsn = pg_server.create_database("t_migrate")
    try:
        monkeypatch.setattr(server_schema, "SERVER_MIGRATIONS", server_schema.SERVER_MIGRATIONS[:1])
        monkeypatch.setattr(server_schema, "SERVER_VERSION", 1)
        assert server_schema.init_server(dsn) == (0, 1)
        monkeypatch.undo()
        assert server_schema.init_server(dsn) == (1, SERVER_VERSION)
        with psycopg.connect(dsn) as conn:
            assert server_version(conn) == SERVER_VERSION
            assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_chain_continues'"
                                ).fetchone()[0] == 1
        # a server newer than this program is refused untouched
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("UPDATE madoguchi.meta SET value = '99' WHERE key = 'schema_version'")
        with pytest.raises(server_schema.ServerError, match="newer"):
            server_schema.init_server(dsn)
    finally:
        pg_server.drop_database("t_migrate")


def test_a_scratch_cluster_left_by_a_killed_run_is_reaped():
    from app.sync.scratch import reap_orphans, wait_until

    code = ("from app.sync.scratch import ScratchServer; s = ScratchServer().start(); "
            "print(s.root, flush=True); import time; time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    root = Path(proc.stdout.readline().strip())
    proc.kill()                                  # no teardown: the server is orphaned
    proc.wait()
    postmaster = int((root / "data" / "postmaster.pid").read_text().split()[0])
    assert reap_orphans() == [root]
    assert not root.exists()
    assert wait_until(lambda: not Path(f"/proc/{postmaster}").exists(), 10)

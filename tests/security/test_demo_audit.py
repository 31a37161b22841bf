"""Must show (issue 5): `madoguchi audit verify` passes on a demo store after a demo run, and fails
naming the first broken entry after ANY single row of the log is altered with the sqlite3 shell."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.rules.core import RequestScope
from app.security import audit
from app.security.restriction import record_lookup, restriction_stage
from app.store import open_store
from app.store.db import new_id, now_iso

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    from tests.conftest import run_cli

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    for args in (("demo-data", "--store", str(path), "--residents", "300", "--seed", "7"),
                 ("staff", "demo", "--store", str(path))):
        r = run_cli(*args)
        assert r.returncode == 0, r.stderr
    with open_store(path) as s:                  # a little counter work touching protected persons
        protected = [r[0] for r in s.conn.execute(
            "SELECT target_id FROM support_measures WHERE status != 'ended' LIMIT 3")]
        clerk = s.conn.execute("SELECT id FROM staff WHERE login='clerk1'").fetchone()[0]
        record_lookup(s, protected, staff_id=clerk, terminal_id="T001", context="search")
        stage = restriction_stage(s, terminal_id="T001")
        for rid in protected:
            case_id = new_id()
            with s.transaction() as c:
                c.execute("INSERT INTO cases(id, case_type, terminal_id, opened_by, opened_at) "
                          "VALUES (?, 'copy_issuance', 'T001', ?, ?)", (case_id, clerk, now_iso()))
            stage(RequestScope(case_id=case_id, case_type="copy_issuance", handling_staff_id=clerk,
                               persons=(rid,), documents=("juminhyo",)))
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        entries = s.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert entries >= 10
    return path, entries


def test_verify_passes_after_the_demo_run(demo_store, cli):
    path, entries = demo_store
    r = cli("audit", "verify", "--store", str(path))
    assert r.returncode == 0 and f"{entries} entries" in r.stdout


def test_any_single_altered_row_is_named(demo_store, cli, tmp_path):
    path, entries = demo_store
    for seq in range(1, entries + 1):
        copy = tmp_path / f"altered-{seq}.db"
        shutil.copyfile(path, copy)
        subprocess.run(["sqlite3", str(copy)], check=True, text=True, capture_output=True, input=(
            "DROP TRIGGER audit_log_no_update;"
            f"UPDATE audit_log SET at = replace(at, '+00:00', '+00:01') WHERE seq = {seq};"))
        with open_store(copy) as s:
            result = audit.verify(s.conn)
        assert not result.ok and result.first.seq == seq, (seq, result.problems)
    r = cli("audit", "verify", "--store", str(tmp_path / f"altered-{entries}.db"))
    assert r.returncode == 1 and f"first broken entry: {entries}" in r.stderr

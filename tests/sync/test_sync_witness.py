"""The server witnesses the terminal's audit chain head at each sync: `madoguchi audit verify`
passes after a sync and catches a local log rewritten after the witnessed head, even with the
append-only triggers dropped and the hashes recomputed; the server's copy stays untouched."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.security import audit
from app.sync import state
from app.sync.service import sync_round

pytestmark = pytest.mark.postgres


def test_rewritten_log_after_a_witnessed_sync_is_detected(seeded, terminal_store, cli):
    a = terminal_store("a")
    target = seeded.target("TA")
    for i in range(5):
        audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                     target_id=f"r{i}", detail={"context": "test"})
    sync_round(a, target, password=seeded.password("TA"))
    witness = state.get(a.conn, "audit_witness")
    head = audit.head(a.conn)
    assert witness == head and witness["seq"] == 5
    path = str(a.path)
    assert cli("audit", "verify", "--store", path).returncode == 0

    # someone with the sqlite3 shell rewrites entry 4 and recomputes every hash after it
    raw = sqlite3.connect(path)
    raw.executescript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
    rows = [dict(zip([c[0] for c in raw.execute("SELECT * FROM audit_log").description], r))
            for r in raw.execute("SELECT * FROM audit_log ORDER BY seq")]
    prev = rows[2]["hash"]
    for row in rows[3:]:
        if row["seq"] == 4:
            row["target_id"] = "someone-else"
        row["prev_hash"] = prev
        row["hash"] = audit.entry_hash(row)
        prev = row["hash"]
        raw.execute("UPDATE audit_log SET target_id = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                    (row["target_id"], row["prev_hash"], row["hash"], row["seq"]))
    raw.execute("DELETE FROM outbox WHERE kind = 'audit'")        # cover the tracks
    raw.executescript("""
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""")
    raw.commit()
    raw.close()
    r = cli("audit", "verify", "--store", path)
    assert r.returncode != 0
    assert "5" in (r.stdout + r.stderr) and "witness" in (r.stdout + r.stderr).lower()
    # the server still holds what the terminal sent
    with seeded.admin() as conn:
        sent = conn.execute("SELECT row FROM madoguchi.audit WHERE chain_seq = 4").fetchone()[0]
    assert json.loads(sent)["target_id"] == "r3"


def test_server_refuses_audit_entries_that_do_not_continue_its_chain(seeded, terminal_store):
    from app.sync.connection import SyncError
    from tests.sync.casewriter import write_audit_outbox

    a = terminal_store("a")
    target = seeded.target("TA")
    head = write_audit_outbox(a, "TA", 3)
    sync_round(a, target, password=seeded.password("TA"))
    # entries 4.. built on a different entry 3 (the local log was rewritten)
    write_audit_outbox(a, "TA", 2, start=4, prev="f" * 64)
    with pytest.raises(SyncError, match="does not continue the chain") as info:
        sync_round(a, target, password=seeded.password("TA"))
    assert info.value.exit_status == 5
    assert state.get(a.conn, "audit_witness") == head
    with seeded.admin() as conn:
        assert conn.execute("SELECT max(chain_seq) FROM madoguchi.audit").fetchone()[0] == 3

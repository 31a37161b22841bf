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
#: the append-only triggers, put back after tampering
GUARDS_BACK = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"""


def test_rewritten_log_after_a_witnessed_sync_is_detected(seeded, terminal_store, cli):
    a = terminal_store("a")
    target = seeded.target("TA")
    for i in range(5):
        audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                     target_id=f"r{i}", detail={"context": "test"})
    sync_round(a, target, password=seeded.password("TA"))
    witness = state.get(a.conn, "audit_witness")
    head = audit.head(a.conn)
    assert {"seq": witness["seq"], "hash": witness["hash"]} == head and witness["seq"] == 5
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
    raw.executescript(GUARDS_BACK)
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
    assert {k: state.get(a.conn, "audit_witness")[k] for k in ("seq", "hash")} == head
    with seeded.admin() as conn:
        assert conn.execute("SELECT max(chain_seq) FROM madoguchi.audit").fetchone()[0] == 3


def _rewrite_from(path: str, seq: int, *, delete_tail: bool = False) -> None:
    """What someone with the sqlite3 shell does: drop the guards, change entry ``seq`` (or delete
    it and everything after) and recompute the chain and the outbox copies, then put the guards
    back."""
    raw = sqlite3.connect(path)
    raw.executescript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
    if delete_tail:
        ids = [r[0] for r in raw.execute("SELECT id FROM audit_log WHERE seq >= ?", (seq,))]
        raw.execute("DELETE FROM audit_log WHERE seq >= ?", (seq,))
        raw.executemany("DELETE FROM outbox WHERE kind = 'audit' AND row_id = ?", [(i,) for i in ids])
    else:
        cols = [c[0] for c in raw.execute("SELECT * FROM audit_log").description]
        rows = [dict(zip(cols, r)) for r in raw.execute("SELECT * FROM audit_log ORDER BY seq")]
        prev = rows[seq - 2]["hash"]
        for row in rows[seq - 1:]:
            if row["seq"] == seq:
                row["target_id"] = "someone-else"
            row["prev_hash"], row["hash"] = prev, None
            row["hash"] = audit.entry_hash(row)
            prev = row["hash"]
            raw.execute("UPDATE audit_log SET target_id = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                        (row["target_id"], row["prev_hash"], row["hash"], row["seq"]))
            raw.execute("UPDATE outbox SET payload = ? WHERE kind = 'audit' AND row_id = ?",
                        (json.dumps(row, sort_keys=True), row["id"]))
    raw.executescript(GUARDS_BACK)
    raw.commit()
    raw.close()


@pytest.mark.parametrize("how", ["rewritten", "rewound"])
def test_server_quarantines_a_terminal_whose_chain_was_rewound_or_rewritten(seeded, terminal_store,
                                                                            how):
    """Issue 14 §4: instead of a raw duplicate-key error at the next push (after which the
    terminal could push nothing), the server names the first differing entry, quarantines the
    terminal and alerts the administrator."""
    from app.sync.connection import SyncError

    a = terminal_store("a")
    target = seeded.target("TA")
    for i in range(8):
        audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                     target_id=f"r{i}", detail={"context": "test"})
    sync_round(a, target, password=seeded.password("TA"))
    _rewrite_from(str(a.path), 3, delete_tail=(how == "rewound"))
    audit.record(a, action="lookup.protected", terminal_id="TA", target_kind="resident",
                 target_id="new", detail={"context": "after"})
    with pytest.raises(SyncError) as info:
        sync_round(a, target, password=seeded.password("TA"))
    message = str(info.value)
    assert info.value.exit_status == 5 and "quarantined" in message
    assert f"audit entry 3 of terminal TA differs" in message
    assert ("rewound" if how == "rewound" else "rewritten") in message
    assert "duplicate key" not in message
    with seeded.admin() as conn:
        alert = conn.execute("SELECT terminal_id, kind, message FROM madoguchi.alerts").fetchall()
        quarantined = conn.execute("SELECT quarantined_at IS NOT NULL FROM madoguchi.terminals "
                                   "WHERE id = 'TA'").fetchone()[0]
        held = conn.execute("SELECT max(chain_seq) FROM madoguchi.audit").fetchone()[0]
    assert quarantined and alert and alert[0][:2] == ("TA", "audit_chain") and "entry 3" in alert[0][2]
    assert held == 8                                    # nothing more was accepted
    with pytest.raises(SyncError, match="quarantined"):       # and stays so
        sync_round(a, target, password=seeded.password("TA"))

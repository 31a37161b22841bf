"""Sync rounds against the real server: first sync, push of cases and audit entries with the
witness, incremental pull of changes and removals, an interrupted first sync that resumes, the
store bound to one terminal, standalone training stores."""

from __future__ import annotations

import pytest

from app.sync import freshness, state
from app.sync.connection import SyncError
from app.sync.service import status_of, sync_round
from tests.sync.casewriter import write_audit_outbox, write_case
from tests.sync.municipality import sid

pytestmark = pytest.mark.postgres


def _count(store, table):
    return store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_first_sync_brings_the_municipality_and_sends_cases(seeded, terminal_store):
    a = terminal_store("a")
    target = seeded.target("TA")
    first = sync_round(a, target, password=seeded.password("TA"))
    assert first.pulled["residents"] == 60 and _count(a, "residents") == 60
    assert _count(a, "staff") == 4 and _count(a, "support_measure_members") == 1
    assert a.conn.execute("SELECT seq > 0 FROM residents LIMIT 1").fetchone()[0] == 1
    assert state.get(a.conn, "support_pulled_at")
    assert freshness.stale_support_reason(a) is None

    case_id = write_case(a, "TA", sid("clerk_a"), events=4)
    second = sync_round(a, target, password=seeded.password("TA"))
    assert second.pushed == 5 and second.pulled_total == 0
    with seeded.admin() as conn:
        assert conn.execute("SELECT count(*) FROM madoguchi.case_events WHERE case_id = %s",
                            (case_id,)).fetchone()[0] == 4
    third = sync_round(a, target, password=seeded.password("TA"))
    assert third.pushed == 0
    assert _count(a, "outbox") == 5
    assert a.conn.execute("SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0] == 0
    status = status_of(a, target)
    assert status.pending_events == 0 and status.error is None and status.last_sync_at


def test_server_witnesses_the_audit_chain_head(seeded, terminal_store):
    a = terminal_store("a")
    head = write_audit_outbox(a, "TA", 7)
    result = sync_round(a, seeded.target("TA"), password=seeded.password("TA"))
    assert result.witness["seq"] == head["seq"] and result.witness["hash"] == head["hash"]
    assert state.get(a.conn, "audit_witness") == result.witness and result.witness["at"]
    with seeded.admin() as conn:
        rows = conn.execute("SELECT audit_seq, audit_hash FROM madoguchi.witnesses "
                            "WHERE terminal_id = 'TA'").fetchall()
    assert rows[-1] == (head["seq"], head["hash"])


def test_changes_and_removals_come_down_incrementally(seeded, terminal_store):
    a = terminal_store("a")
    target = seeded.target("TA")
    sync_round(a, target, password=seeded.password("TA"))
    with seeded.admin() as conn:
        conn.execute("UPDATE madoguchi.residents SET address = '研修市北1丁目1番1号' WHERE id = %s",
                     (sid("resident-5"),))
        conn.execute("UPDATE madoguchi.support_measure_members SET removed = true")
        conn.execute("UPDATE madoguchi.staff SET disabled = 1, failed_attempts = 9 WHERE login = 'clerk.b'")
    a.conn.execute("UPDATE staff SET failed_attempts = 2 WHERE login = 'clerk.b'")
    result = sync_round(a, target, password=seeded.password("TA"))
    assert result.pulled["residents"] == 1 and result.pulled["support_measure_members"] == 1
    assert a.conn.execute("SELECT address FROM residents WHERE id = ?",
                          (sid("resident-5"),)).fetchone()[0] == "研修市北1丁目1番1号"
    assert _count(a, "support_measure_members") == 0
    # the server disables the account; the terminal's own failed-attempt count is its own
    assert a.conn.execute("SELECT disabled, failed_attempts FROM staff WHERE login = 'clerk.b'"
                          ).fetchone() == (1, 2)


def test_interrupted_first_sync_resumes_where_it_stopped(seeded, terminal_store):
    a = terminal_store("a")
    target = seeded.target("TA")
    batches = []

    def interrupt(point):
        if point == "fetched:residents":
            batches.append(point)
            if len(batches) == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_round(a, target, password=seeded.password("TA"), batch_size=10, fault=interrupt)
    assert _count(a, "residents") == 20           # two batches committed, the third rolled back
    assert state.get(a.conn, "pull:households") > 0
    assert state.get(a.conn, "support_pulled_at") is None
    progress = []
    sync_round(a, target, password=seeded.password("TA"), batch_size=10,
               on_progress=lambda phase, done, total: progress.append((phase, done, total)))
    assert _count(a, "residents") == 60
    assert ("residents", 40, 40) in progress      # only what was missing was fetched
    assert state.get(a.conn, "support_pulled_at")


def test_a_store_syncs_as_one_terminal_only(seeded, terminal_store):
    a = terminal_store("a")
    sync_round(a, seeded.target("TA"), password=seeded.password("TA"))
    with pytest.raises(SyncError, match="belongs to terminal TA") as info:
        sync_round(a, seeded.target("TB"), password=seeded.password("TB"))
    assert info.value.exit_status == 2


def test_standalone_training_store_never_syncs_and_is_never_stale(seeded, terminal_store):
    t = terminal_store("training")
    freshness.mark_standalone(t)
    with pytest.raises(SyncError, match="standalone"):
        sync_round(t, seeded.target("TA"), password=seeded.password("TA"))
    assert freshness.stale_support_reason(t) is None


def test_wrong_password_and_unreachable_server_are_told_in_plain_words(seeded, terminal_store, proxy):
    a = terminal_store("a")
    with pytest.raises(SyncError, match="refused the password") as info:
        sync_round(a, seeded.target("TA"), password="wrong")
    assert info.value.exit_status == 4
    assert "password" in state.get(a.conn, "last_error")["message"]
    proxy.close()
    with pytest.raises(SyncError, match="Cannot reach the central server") as info:
        sync_round(a, seeded.target("TA", host="127.0.0.1", port=proxy.port),
                   password=seeded.password("TA"))
    assert info.value.exit_status == 3


def test_the_demo_municipality_never_goes_to_an_office_server(seeded, tmp_path, cli):
    from app.store import open_store

    r = cli("demo-data", "--store", str(tmp_path / "demo.db"), "--residents", "30", "--no-card-files")
    assert r.returncode == 0, r.stderr
    demo = open_store(tmp_path / "demo.db")
    try:
        assert freshness.is_standalone(demo, server_configured=True)
        with pytest.raises(SyncError, match="standalone"):
            sync_round(demo, seeded.target("TA"), password=seeded.password("TA"))
        with seeded.admin() as conn:
            assert conn.execute("SELECT count(*) FROM madoguchi.residents").fetchone()[0] == 60
    finally:
        demo.close()

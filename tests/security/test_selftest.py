"""The DV self-test run at installation and update (docs/SOURCES.md §2.7)."""

from __future__ import annotations

import json
import sqlite3


def test_selftest_passes_and_is_recorded_in_the_store(cli, sstore):
    sstore.close()
    r = cli("security", "selftest", "--store", str(sstore.path), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)
    assert result["ok"] and {c["name"] for c in result["checks"]} >= {
        "restriction_blocks", "pipeline_runs_restriction", "perpetrator_refused", "clerk_cannot_release",
        "release_opens_exactly_and_expires", "no_alert_level", "audit_detects_tampering",
        "live_store_guards"}
    conn = sqlite3.connect(sstore.path)
    recorded = json.loads(conn.execute("SELECT value FROM settings WHERE key='security.selftest'").fetchone()[0])
    assert recorded["ok"] and recorded["failed"] == []
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action='selftest.pass'").fetchone()[0] == 1


def test_selftest_fails_on_a_store_whose_guard_was_dropped(cli, sstore):
    sstore.conn.execute("DROP TRIGGER releases_officer_not_clerk")
    sstore.close()
    r = cli("security", "selftest", "--store", str(sstore.path))
    assert r.returncode == 1
    assert "FAIL live_store_guards: releases_officer_not_clerk missing" in r.stdout
    assert "do not go live" in r.stdout
    conn = sqlite3.connect(sstore.path)
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action='selftest.fail'").fetchone()[0] == 1


def test_selftest_fails_on_a_guard_replaced_by_one_that_does_nothing(cli, sstore):
    """Issue 14 §3: a same-name trigger that never fires passed a name-only check."""
    sstore.conn.executescript(
        "DROP TRIGGER releases_officer_role; "
        "CREATE TRIGGER releases_officer_role BEFORE INSERT ON releases WHEN 0 "
        "BEGIN SELECT RAISE(ABORT, 'never'); END;")
    sstore.close()
    r = cli("security", "selftest", "--store", str(sstore.path))
    assert r.returncode == 1
    assert ("FAIL live_store_guards: releases_officer_role differs from the migrations "
            "(only a support officer releases)") in r.stdout

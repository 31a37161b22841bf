"""The audit log: append-only in the database, hash-chained, verified by `madoguchi audit verify`
even after somebody with the sqlite3 shell dropped the triggers and edited, deleted, reordered or
cut off entries; the server-witnessed head catches a wholesale rewrite."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from app.security import audit

TERMINAL = "T001"
RECREATE_TRIGGERS = """
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def _fill(store, n=6):
    for i in range(n):
        audit.record(store, action="lookup.protected", staff_id=None, terminal_id=TERMINAL,
                     target_kind="resident", target_id=f"r{i}", detail={"i": i})
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _shell(path, sql: str) -> None:
    """Tamper like an insider would: the real sqlite3 command-line shell."""
    subprocess.run(["sqlite3", str(path)], input=sql, text=True, check=True, capture_output=True)


def test_chain_links_every_entry_and_queues_it_for_the_server(store):
    _fill(store, 3)
    rows = store.conn.execute("SELECT seq, id, prev_hash, hash FROM audit_log ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert rows[0][2] == audit.GENESIS
    assert rows[1][2] == rows[0][3] and rows[2][2] == rows[1][3]
    queued = {r[0]: json.loads(r[1]) for r in store.conn.execute(
        "SELECT row_id, payload FROM outbox WHERE kind='audit'")}
    assert set(queued) == {r[1] for r in rows}
    assert queued[rows[2][1]]["hash"] == rows[2][3]
    assert audit.verify(store.conn).ok


def test_database_refuses_update_and_delete(store):
    _fill(store, 2)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE audit_log SET action='x' WHERE seq=1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM audit_log WHERE seq=2")


def test_append_needs_a_transaction(store):
    with pytest.raises(RuntimeError):
        audit.append(store.conn, action="x", terminal_id=TERMINAL)


def test_never_a_pin_password_or_my_number(store):
    for key in ("pin", "new_pin", "password", "my_number", "myNumber_raw"):
        with pytest.raises(audit.AuditSecretError):
            audit.record(store, action="x", terminal_id=TERMINAL, detail={key: "1234"})
    entry = audit.record(store, action="x", terminal_id=TERMINAL,
                         detail={"note": "番号 123456789018 を確認", "nested": ["123456789018"]})
    assert "123456789018" not in entry.detail and "************" in entry.detail
    assert audit.verify(store.conn).ok


def test_edited_entry_found_with_triggers_dropped_and_recreated(store, cli):
    _fill(store)
    _shell(store.path, """
        DROP TRIGGER audit_log_no_update;
        DROP TRIGGER audit_log_no_delete;
        UPDATE audit_log SET detail = '{"i":99}' WHERE seq = 3;
    """ + RECREATE_TRIGGERS)
    r = cli("audit", "verify", "--store", str(store.path))
    assert r.returncode == 1
    assert "first broken entry: 3" in r.stderr and "altered" in r.stderr


def test_dropped_triggers_alone_are_reported(store, cli):
    _fill(store, 2)
    _shell(store.path, "DROP TRIGGER audit_log_no_delete;")
    r = cli("audit", "verify", "--store", str(store.path))
    assert r.returncode == 1 and "triggers" in r.stderr


def _tamper(path, sql):
    conn = sqlite3.connect(path)
    conn.executescript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;" + sql)
    conn.close()


TAMPERING = {
    "deleted": ("DELETE FROM audit_log WHERE seq = 4;", 4, "missing"),
    "reordered": ("""UPDATE audit_log SET seq = -2 WHERE seq = 2;
                     UPDATE audit_log SET seq = 2 WHERE seq = 3;
                     UPDATE audit_log SET seq = 3 WHERE seq = -2;""", 2, "does not follow"),
    "truncated": ("DELETE FROM audit_log WHERE seq >= 5;", 5, "outbox"),
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_tampered_log_names_the_first_broken_entry(store, attack):
    sql, first, words = TAMPERING[attack]
    _fill(store)
    _tamper(store.path, sql)
    result = audit.verify(store.conn)
    assert not result.ok and result.first.seq == first and words in result.first.text


def test_truncation_with_outbox_wiped_found_through_the_server_witness(store):
    _fill(store)
    store.conn.execute("INSERT INTO sync_state(key, value) VALUES ('audit_witness', ?)",
                       (json.dumps(audit.head(store.conn)),))
    _tamper(store.path, "DELETE FROM audit_log WHERE seq >= 5; DELETE FROM outbox WHERE kind='audit';")
    result = audit.verify(store.conn)
    assert not result.ok and result.first.seq == 6 and "witnessed" in result.first.text


def test_wholesale_rewrite_with_recomputed_hashes_found_through_the_witness(store):
    _fill(store, 4)
    store.conn.execute("INSERT INTO sync_state(key, value) VALUES ('audit_witness', ?)",
                       (json.dumps(audit.head(store.conn)),))
    rows = [dict(zip((*audit.HASHED, "hash"), r)) for r in store.conn.execute(
        f"SELECT {', '.join((*audit.HASHED, 'hash'))} FROM audit_log ORDER BY seq")]
    rows[1]["detail"] = '{"i":42}'
    prev = audit.GENESIS
    for row in rows:                      # an attacker who knows the algorithm rebuilds the chain
        row["prev_hash"] = prev
        row["hash"] = prev = audit.entry_hash(row)
    conn = sqlite3.connect(store.path)
    conn.executescript("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                       "DELETE FROM audit_log; DELETE FROM outbox WHERE kind='audit';")
    conn.executemany(f"INSERT INTO audit_log({', '.join((*audit.HASHED, 'hash'))}) VALUES "
                     f"({', '.join('?' * (len(audit.HASHED) + 1))})",
                     [tuple(r[k] for k in (*audit.HASHED, "hash")) for r in rows])
    conn.executescript(RECREATE_TRIGGERS)
    conn.commit()
    conn.close()
    result = audit.verify(store.conn)
    assert not result.ok and result.first.seq == 4 and "witnessed" in result.first.text


def test_verify_json_output(store, cli):
    _fill(store, 2)
    r = cli("audit", "verify", "--store", str(store.path), "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["ok"] and data["entries"] == 2 and data["first_broken"] is None


@pytest.mark.parametrize("tamper", [None, 3, 8])
def test_a_long_log_is_walked_in_two_processes_with_the_same_findings(store, monkeypatch, tamper):
    monkeypatch.setattr(audit, "PARALLEL_FROM", 2)
    _fill(store, 10)
    if tamper:
        _shell(store.path, f"DROP TRIGGER audit_log_no_update; "
                           f"UPDATE audit_log SET detail = '{{}}' WHERE seq = {tamper};")
    result = audit.verify(store.conn)
    assert result.entries == (10 if tamper is None else tamper)      # the walk stops at a break
    assert (result.ok, result.first and result.first.seq) == ((True, None) if tamper is None
                                                              else (False, tamper))


def test_sqlite_writes_every_character_as_the_canonical_json_does(store):
    """The fast pass hashes the JSON SQLite's json_object() writes; for each character (all of
    Unicode but the surrogates, in chunks) it is the text :func:`audit.canonical` writes."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(chars), 8192):
        text = "".join(chars[i:i + 8192])
        got = store.conn.execute("SELECT json_object('detail', ?, 'seq', ?, 'x', NULL)",
                                 (text, 2 ** 40)).fetchone()[0]
        assert got == audit.canonical({"detail": text, "seq": 2 ** 40, "x": None}), i
    assert audit._sqlite_json_agrees(store.conn)


FAST_VS_REFERENCE = {
    "clean": "",
    "detail edited": "UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3;",
    "fractional tick": "UPDATE audit_log SET tick = 4.5 WHERE seq = 4;",
    "text tick": "UPDATE audit_log SET tick = 'x' WHERE seq = 2;",
    "blob in a text column": "UPDATE audit_log SET action = x'00ff' WHERE seq = 5;",
    "first entry deleted": "DELETE FROM audit_log WHERE seq = 1;",
    "middle deleted": "DELETE FROM audit_log WHERE seq = 4;",
    "link broken": "UPDATE audit_log SET prev_hash = hash WHERE seq = 6;",
    "outbox copy differs": "UPDATE outbox SET payload = json_set(payload, '$.hash', 'f') "
                           "WHERE kind = 'audit' AND row_id = (SELECT id FROM audit_log WHERE seq = 7);",
    "outbox copy without hash": "UPDATE outbox SET payload = json_remove(payload, '$.hash') "
                                "WHERE kind = 'audit' AND row_id = (SELECT id FROM audit_log WHERE seq = 2);",
    "outbox row held twice": "CREATE TABLE o2 AS SELECT * FROM outbox; DROP TABLE outbox; "
                             "CREATE TABLE outbox AS SELECT * FROM o2; INSERT INTO outbox "
                             "SELECT * FROM o2 WHERE kind = 'audit' AND row_id = "
                             "(SELECT id FROM audit_log WHERE seq = 5);",
    "log table without types": "CREATE TABLE a2 AS SELECT * FROM audit_log; DROP TABLE audit_log; "
                               "CREATE TABLE audit_log(seq, id, at, tick, staff_id, terminal_id, "
                               "action, target_kind, target_id, case_id, detail, prev_hash, hash); "
                               "INSERT INTO audit_log SELECT * FROM a2; "
                               "UPDATE audit_log SET tick = 1.0 WHERE seq = 3;",
}


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("attack", sorted(FAST_VS_REFERENCE))
def test_the_fast_pass_finds_what_the_reference_walk_finds(store, monkeypatch, attack, parallel):
    """A clean stretch is proven clean in SQL; any entry it cannot prove sends the walk to the
    one-entry-at-a-time reference from the entry before: the same findings in the same words,
    whichever way the log was tampered with (and in two processes)."""
    if parallel:
        monkeypatch.setattr(audit, "PARALLEL_FROM", 2)
    _fill(store, 10)
    store.conn.execute("INSERT INTO sync_state(key, value) VALUES ('audit_witness', ?)",
                       (json.dumps({**audit.head(store.conn), "seq": 3,
                                    "hash": store.conn.execute("SELECT hash FROM audit_log "
                                                               "WHERE seq = 3").fetchone()[0]}),))
    store.conn.execute("UPDATE outbox SET pushed_at = '2026-11-30' WHERE kind = 'audit' AND "
                       "row_id IN (SELECT id FROM audit_log WHERE seq <= 3)")
    if FAST_VS_REFERENCE[attack]:
        _tamper(store.path, FAST_VS_REFERENCE[attack])

    def findings():
        result = audit.verify(store.conn)
        return result.ok, result.entries, [(p.seq, p.text) for p in result.problems]

    fast = findings()
    monkeypatch.setattr(audit, "_walk", audit._walk_exact)
    assert fast == findings()
    assert fast[0] is (attack == "clean"), fast

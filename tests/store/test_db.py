"""Opening stores: creation, refusal of foreign and newer files, migrations."""

import sqlite3

import pytest

from app.store import LATEST_VERSION, NewerStoreError, NotAStoreError, StoreNotFoundError, open_store
from app.store.schema import APPLICATION_ID


def test_new_store_has_latest_version_wal_and_foreign_keys(store_path):
    with open_store(store_path, create=True) as s:
        assert s.version == LATEST_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert s.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_missing_store_is_not_created_without_create(store_path):
    with pytest.raises(StoreNotFoundError):
        open_store(store_path)
    assert not store_path.exists()


def test_non_sqlite_file_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a text file, not a store\n" * 10)
    before = path.read_bytes()
    with pytest.raises(NotAStoreError):
        open_store(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_file_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(NotAStoreError):
        open_store(path)
    assert path.read_bytes() == before


def test_newer_store_refused_with_clear_message(store_path):
    with open_store(store_path, create=True) as s:
        s.conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    with pytest.raises(NewerStoreError, match="newer"):
        open_store(store_path)


def test_case_events_are_append_only(store):
    from app.store import new_id, now_iso

    with store.transaction() as c:
        staff = new_id()
        c.execute("INSERT INTO staff(id, login, display_name, created_at) VALUES (?,?,?,?)",
                  (staff, "a", "A", now_iso()))
        case = new_id()
        c.execute("INSERT INTO cases VALUES (?,?,?,?,?)", (case, "pin_reset", "T1", staff, now_iso()))
        c.execute("INSERT INTO case_events(id, case_id, n, at, staff_id, terminal_id, kind) "
                  "VALUES (?,?,?,?,?,?,?)", (new_id(), case, 1, now_iso(), staff, "T1", "opened"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE case_events SET kind = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM case_events")

"""Upgrading stores: a store left at schema 1 (made before search keys existed) opens, upgrades
in place, and its residents are then found by name and address; a newer store is refused."""

from __future__ import annotations

import sqlite3

import pytest

from app.store import LATEST_VERSION, NewerStoreError, open_store
from app.store.schema import APPLICATION_ID, MIGRATIONS
from app.store.search import ResidentQuery, search_residents


def _v1_store(path):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    MIGRATIONS[0].apply(conn)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    # keys as an older version might have written them (or not folded at all)
    conn.execute(
        "INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, kana_key, "
        "birth_date, sex, address, address_key, former_surname, former_surname_kana) VALUES "
        "('old-1', '髙橋', '花子', 'タカハシ', 'ハナコ', '髙橋 花子', 'タカハシ ハナコ', '1970-05-05', 2, "
        "'研修県研修市中央町三丁目５番２号', 'raw', '田中', 'タナカ')")
    conn.execute("COMMIT")
    conn.close()


def test_a_version_1_store_upgrades_and_its_residents_are_searchable(tmp_path):
    path = tmp_path / "old.db"
    _v1_store(path)
    with open_store(path) as s:
        assert s.version == LATEST_VERSION
        assert [h.id for h in search_residents(s, ResidentQuery(name="髙橋 花")).hits] == ["old-1"]
        assert [h.id for h in search_residents(s, ResidentQuery(name="たなか")).hits] == ["old-1"]
        assert [h.id for h in search_residents(s, ResidentQuery(address="中央町3-5")).hits] == ["old-1"]
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with open_store(path) as s:   # opening again changes nothing
        assert s.version == LATEST_VERSION


def test_each_migration_is_applied_once_and_in_order(tmp_path):
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    path = tmp_path / "s.db"
    _v1_store(path)
    open_store(path).close()
    open_store(path).close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM addresses").fetchone()[0] == 1


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path):
    path = tmp_path / "new.db"
    with open_store(path, create=True) as s:
        s.conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(NewerStoreError, match="newer"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_failed_migration_leaves_the_old_version(tmp_path, monkeypatch):
    """A migration that fails half-way is rolled back whole: the store stays at its version."""
    from app.store import db
    from app.store.schema import Migration

    path = tmp_path / "old.db"
    _v1_store(path)

    def broken(conn):
        conn.execute("CREATE TABLE half_done(x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db, "MIGRATIONS", [MIGRATIONS[0], Migration(2, "broken", broken)])
    monkeypatch.setattr(db, "LATEST_VERSION", 2)
    with pytest.raises(sqlite3.OperationalError):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone()


def test_store_reindex_repairs_keys_written_behind_the_stores_back(tmp_path, cli):
    """Keys changed without the store's functions (e.g. by an older version) are recomputed."""
    path = tmp_path / "s.db"
    with open_store(path, create=True) as s:
        with s.transaction() as c:
            c.execute("INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, "
                      "kana_key, birth_date, sex, address, address_key) VALUES ('a', '山田', '花子', 'ヤマダ', "
                      "'ハナコ', '', '', '1980-01-01', 2, '研修市本町1番1号', '')")
            c.execute("UPDATE residents SET name_key = 'broken', kana_key = 'broken'")   # keys only: no trigger
    result = cli("store", "reindex", "--store", str(path))
    assert result.returncode == 0 and "1" in result.stdout
    with open_store(path) as s:
        assert [h.id for h in search_residents(s, ResidentQuery(name="やまだ")).hits] == ["a"]
    again = cli("store", "reindex", "--store", str(path))
    assert again.returncode == 0 and ": 0 " in again.stdout


def _store_with_an_older_address_fold(path):
    """One resident whose address key and address index were written by the older fold
    (号室 kept, a room run into the lot number)."""
    with open_store(path, create=True) as s:
        with s.transaction() as conn:
            conn.execute(
                "INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, kana_key,"
                " birth_date, sex, address, address_key) VALUES ('r1', '研修', '花子', 'ケンシュウ', 'ハナコ', '', '',"
                " '1980-04-01', 2, '研修市中央町三丁目5番2号 201号室', '')")
    old_key = "研修市中央町3-5-2201号室"
    raw = sqlite3.connect(path)
    with raw:
        raw.execute("UPDATE residents SET address_key = ?", (old_key,))
        raw.execute("DELETE FROM addresses")
        raw.execute("INSERT INTO address_fts(address_fts) VALUES ('delete-all')")
        raw.execute("INSERT INTO addresses(address_key) VALUES (?)", (old_key,))
    raw.close()


def _finds_every_spelling(s):
    from app.store.normalize import fold_address

    key = fold_address("研修市中央町三丁目5番2号 201号室")
    assert s.conn.execute("SELECT address_key FROM residents").fetchone()[0] == key == "研修市中央町3-5-2-201"
    assert [r[0] for r in s.conn.execute("SELECT address_key FROM addresses")] == [key]
    for spelling in ("中央町3丁目5番地2 201", "中央町三丁目５番２号２０１号室", "中央町3-5-2-201"):
        assert [h.id for h in search_residents(s, ResidentQuery(address=spelling)).hits] == ["r1"], spelling
    assert search_residents(s, ResidentQuery(address="中央町3-5-2201")).hits == []
    assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_address_keys_of_an_older_fold_are_refolded_on_upgrade(tmp_path):
    """The refold migration: keys and the address-fragment index follow the one normaliser, and
    the equivalent spellings of one place then find the same resident."""
    path = tmp_path / "s.db"
    _store_with_an_older_address_fold(path)
    refold = next(m for m in MIGRATIONS if m.name == "address keys refolded by the one address normaliser")
    with open_store(path) as s:
        with s.transaction() as conn:          # what upgrading a store from before the refold runs
            refold.apply(conn)
        _finds_every_spelling(s)


def test_store_reindex_refolds_too(tmp_path, cli):
    path = tmp_path / "s.db"
    _store_with_an_older_address_fold(path)
    result = cli("store", "reindex", "--store", str(path))
    assert result.returncode == 0 and "1 人" in result.stdout, result.stdout + result.stderr
    with open_store(path) as s:
        _finds_every_spelling(s)

"""Official name readings (氏名の振り仮名) and 旧氏 readings in the store: kept apart from the
search kana with date and source, refused by the store itself when they are not katakana or lack a
date (from 2025-05-26) or a source, found by search in any writing, and an older store upgraded."""

from __future__ import annotations

import sqlite3

import pytest

from app.store import open_store
from app.store.furigana import ReadingProblem, check_reading, check_reading_date, check_source
from app.store.residents import insert_resident
from app.store.schema import MIGRATIONS
from app.store.search import ResidentQuery, search_residents

KAWANO = dict(id="k1", family_name="河野", given_name="恭子", family_kana="コウノ", given_kana="キヨウコ",
              birth_date="1980-01-01", sex=2, address="研修市中央町1-2-3", former_surname="佐藤",
              former_surname_kana="サトウ", furigana_family="カワノ", furigana_given="キョウコ",
              furigana_date="2025-06-01", furigana_source="notification", former_furigana="サトオ",
              former_furigana_date="2026-06-01", former_furigana_source="ex_officio")
PLAIN = dict(id="p1", family_name="河野", given_name="一郎", family_kana="コウノ", given_kana="イチロウ",
             birth_date="1970-01-01", sex=1, address="研修市中央町1-2-3")


@pytest.fixture
def town(store):
    with store.transaction() as c:
        insert_resident(c, dict(KAWANO))
        insert_resident(c, dict(PLAIN))
    return store


def ids(store, name):
    return sorted(h.id for h in search_residents(store, ResidentQuery(name=name)).hits)


def test_reading_kept_apart_from_search_kana_with_date_and_source(town):
    row = town.conn.execute("SELECT family_kana, given_kana, furigana_family, furigana_given, furigana_date, "
                            "furigana_source, former_surname_kana, former_furigana, former_furigana_date, "
                            "former_furigana_source FROM residents WHERE id = 'k1'").fetchone()
    assert tuple(row) == ("コウノ", "キヨウコ", "カワノ", "キョウコ", "2025-06-01", "notification",
                          "サトウ", "サトオ", "2026-06-01", "ex_officio")
    hit = search_residents(town, ResidentQuery(name="カワノ")).hits[0]
    assert (hit.furigana_family, hit.furigana_given, hit.furigana_source) == ("カワノ", "キョウコ", "notification")
    assert hit.to_json()["former_furigana"] == {"reading": "サトオ", "date": "2026-06-01", "source": "ex_officio"}


@pytest.mark.parametrize("typed, expected", [
    ("カワノ", ["k1"]), ("かわの", ["k1"]), ("ｶﾜﾉ", ["k1"]), ("カワノキョウコ", ["k1"]), ("かわのきよう", ["k1"]),
    ("サトオ", ["k1"]), ("さとおきょうこ", ["k1"]),            # 旧氏 reading + given reading
    ("コウノ", ["k1", "p1"]), ("こうの　いちろう", ["p1"]),      # the search kana still finds both
    ("サトウキヨウコ", ["k1"]), ("河野", ["k1", "p1"]),
])
def test_search_finds_by_either_reading_in_any_writing(town, typed, expected):
    assert ids(town, typed) == expected


def test_reading_keys_follow_every_change(town):
    with town.transaction() as c:
        c.execute("UPDATE residents SET furigana_given = 'ヤスコ' WHERE id = 'k1'")
    assert ids(town, "カワノヤスコ") == ["k1"] and ids(town, "カワノキョウコ") == []
    with town.transaction() as c:      # a tampered key is put back by the store
        c.execute("UPDATE residents SET furigana_key = 'ニセ' WHERE id = 'k1'")
    assert town.conn.execute("SELECT furigana_key FROM residents WHERE id = 'k1'").fetchone()[0] == "カワノヤスコ"
    with town.transaction() as c:      # a reading removed: its key goes with it
        c.execute("UPDATE residents SET furigana_family = NULL, furigana_given = NULL, furigana_date = NULL, "
                  "furigana_source = NULL WHERE id = 'k1'")
    assert ids(town, "カワノ") == []


@pytest.mark.parametrize("change", [
    "furigana_family = 'かわの'",                          # hiragana
    "furigana_family = 'ｶﾜﾉ'",                             # half-width
    "furigana_family = 'カワ ノ'",                          # a space
    "furigana_family = '河野'",
    "furigana_family = ''",
    "furigana_family = '" + "ア" * 101 + "'",
    "furigana_date = '2025-05-25'",                        # before the law
    "furigana_date = '2025-13-01'",
    "furigana_date = NULL",
    "furigana_source = 'guess'",
    "furigana_source = NULL",
    "former_surname = NULL",                               # a 旧氏 reading without the 旧氏
    "former_furigana_date = NULL",
])
def test_store_refuses_a_bad_reading(town, change):
    with pytest.raises(sqlite3.IntegrityError, match="振り仮名"):
        with town.transaction() as c:
            c.execute(f"UPDATE residents SET {change} WHERE id = 'k1'")


def test_a_reading_needs_date_and_source_on_insert(store):
    with pytest.raises(sqlite3.IntegrityError, match="振り仮名"), store.transaction() as c:
        insert_resident(c, {**PLAIN, "furigana_family": "コウノ"})


@pytest.mark.parametrize("call, kind", [
    (lambda: check_reading("かわの"), "reading_not_katakana"),
    (lambda: check_reading("カワ ノ"), "reading_not_katakana"),
    (lambda: check_reading("ア" * 101), "reading_too_long"),
    (lambda: check_reading_date("2025-05-25", __import__("datetime").date(2026, 1, 1)), "reading_date_before_law"),
    (lambda: check_reading_date("2027-01-01", __import__("datetime").date(2026, 1, 1)), "reading_date_future"),
    (lambda: check_source("guess"), "reading_source"),
])
def test_checks_say_what_is_wrong_in_both_languages(call, kind):
    with pytest.raises(ReadingProblem) as err:
        call()
    assert err.value.kind == kind and err.value.ja and err.value.en
    assert check_reading("キョウコ") == "キョウコ" and check_reading("ヴァン") == "ヴァン"


def test_an_older_store_is_upgraded_with_its_residents(tmp_path):
    path = tmp_path / "old.db"
    s = open_store(path, create=True)
    target = next(m.version for m in MIGRATIONS if "振り仮名" in m.name)
    s.close()
    # rebuild the store at the version before, with a resident, then open it again
    path.unlink()
    conn = sqlite3.connect(path)
    from app.store import db

    db._register_functions(conn)
    conn.execute(f"PRAGMA application_id = {db.APPLICATION_ID}")
    for m in MIGRATIONS:
        if m.version < target:
            m.apply(conn)
    conn.execute(f"PRAGMA user_version = {target - 1}")
    conn.execute("INSERT INTO residents (id, family_name, given_name, family_kana, given_kana, name_key, "
                 "kana_key, birth_date, sex, address, address_key) VALUES ('o1', '河野', '一郎', 'コウノ', "
                 "'イチロウ', '河野一郎', 'コウノイチロウ', '1970-01-01', 1, '研修市中央町1', '研修市中央町1')")
    conn.commit()
    conn.close()
    path.chmod(0o600)
    s = open_store(path)
    try:
        assert s.version == MIGRATIONS[-1].version
        assert s.conn.execute("SELECT furigana_family, furigana_key FROM residents WHERE id = 'o1'").fetchone() \
            == (None, None)
        assert ids(s, "コウノ") == ["o1"]
    finally:
        s.close()


def test_demo_town_fills_a_realistic_share_of_readings(demo):
    from app.store.demo import DEMO_AS_OF, FORMER_READING_SHARE, READING_SHARES
    from app.store.residents import refresh_search_keys

    conn = demo.conn
    total, with_reading, differing = conn.execute(
        "SELECT count(*), count(furigana_family), sum(furigana_family <> family_kana) FROM residents "
        "WHERE is_foreign = 0 AND (status = 'active' OR removal_date >= '2025-05-26')").fetchone()
    expected = sum(READING_SHARES.values()) / 1000
    assert abs(with_reading / total - expected) < 0.05 and differing > 0
    sources = dict(conn.execute("SELECT furigana_source, count(*) FROM residents "
                                "WHERE furigana_source IS NOT NULL GROUP BY 1").fetchall())
    assert set(sources) == {"notification", "koseki_notice", "ex_officio"}
    assert abs(sources["notification"] / total - READING_SHARES["notification"] / 1000) < 0.04
    assert conn.execute("SELECT count(*) FROM residents WHERE is_foreign = 1 AND furigana_family IS NOT NULL"
                        ).fetchone()[0] == 0
    former, former_reading = conn.execute(
        "SELECT count(*), count(former_furigana) FROM residents WHERE former_surname IS NOT NULL "
        "AND furigana_family IS NOT NULL").fetchone()
    assert former_reading > 0 and former_reading <= former
    assert abs(former_reading / former - FORMER_READING_SHARE / 1000) < 0.2
    first, last = conn.execute("SELECT min(furigana_date), max(furigana_date) FROM residents").fetchone()
    assert "2025-05-26" <= first and last <= DEMO_AS_OF.isoformat()
    # the demo wrote the reading keys itself; they are what the store would compute
    conn.execute("BEGIN")
    try:
        assert refresh_search_keys(conn) == 0
    finally:
        conn.execute("ROLLBACK")
    reader = conn.execute("SELECT id, furigana_family FROM residents WHERE furigana_family <> family_kana "
                          "LIMIT 1").fetchone()
    assert reader[0] in [h.id for h in search_residents(demo, ResidentQuery(name=reader[1], limit=500)).hits]

"""Resident search on the demo store and on hand-made residents: names in every writing,
birth dates, sex, address fragments, the four items, My Number, flags, bad input."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.ids import my_number_check_digit
from app.store import open_store
from app.store.residents import insert_resident
from app.store.search import ResidentQuery, SearchError, search_residents


def _valid(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


@pytest.fixture
def town(store):
    """A few hand-made residents whose every detail the tests know."""
    people = [
        dict(id="r1", family_name="髙橋", given_name="さゆり", family_kana="タカハシ", given_kana="サユリ",
             birth_date="1980-04-01", sex=2, address="研修県研修市中央町三丁目５番２号　研修ハイツ２０１号室",
             former_surname="田中", former_surname_kana="タナカ", my_number=_valid("12345678901")),
        dict(id="r2", family_name="高橋", given_name="一郎", family_kana="タカハシ", given_kana="イチロウ",
             birth_date="1978-01-15", sex=1, address="研修県研修市中央町三丁目５番２号　研修ハイツ２０１号室",
             my_number=_valid("22345678901")),
        dict(id="r3", family_name="金", given_name="英哲", family_kana="キム", given_kana="ヨンチョル",
             birth_date="1960-07-07", sex=1, address="研修県研修市本町一丁目２番３号", is_foreign=1,
             nationality="韓国", alias="金本　英一", alias_kana="カネモト エイイチ", my_number=_valid("32345678901")),
        dict(id="r4", family_name="NGUYEN", given_name="VAN AN", family_kana="グエン", given_kana="ヴァン アン",
             birth_date="1999-12-31", sex=1, address="研修県研修市港町二丁目１０番１号", is_foreign=1,
             nationality="ベトナム", my_number=_valid("42345678901")),
        dict(id="r5", family_name="山田", given_name="太郎", family_kana="ヤマダ", given_kana="タロウ",
             birth_date="1940-02-11", sex=1, address="研修県研修市栄町１番１号", status="removed",
             removal_reason="deceased", removal_date="2024-05-01", my_number=_valid("52345678901")),
        dict(id="r6", family_name="山田", given_name="花子", family_kana="ヤマダ", given_kana="ハナコ",
             birth_date="1985-03-03", sex=2, address="研修県研修市栄町１番１号", my_number=_valid("62345678901")),
        dict(id="r7", family_name="山田", given_name="陽菜", family_kana="ヤマダ", given_kana="ヒナ",
             birth_date="2015-06-06", sex=2, address="研修県研修市栄町１番１号", my_number=_valid("72345678901")),
    ]
    with store.transaction() as c:
        for p in people:
            insert_resident(c, {"name_key": "", **p})
        c.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, "
                  "perpetrator_family_name) VALUES ('m1', 'r6', 'dv', 'active', '2026-01-01', '加害')")
        c.execute("INSERT INTO support_measure_members VALUES ('m1', 'r7')")
        c.execute("INSERT INTO support_measures(id, target_id, kind, status, applied_date, "
                  "perpetrator_family_name) VALUES ('m2', 'r2', 'stalking', 'ended', '2020-01-01', '某')")
    return store


def ids(store, **kw):
    return [h.id for h in search_residents(store, ResidentQuery(**kw)).hits]


@pytest.mark.parametrize("typed", ["高橋", "髙橋", "たかはし", "タカハシ", "ﾀｶﾊｼ", "ﾀｶﾊｼ ", " 高 橋"])
def test_name_in_any_writing_finds_both_takahashi(town, typed):
    assert sorted(ids(town, name=typed)) == ["r1", "r2"]


@pytest.mark.parametrize("typed, expected", [
    ("高橋 さ", ["r1"]), ("タカハシ　サユ", ["r1"]), ("たかはしいちろう", ["r2"]), ("高橋一郎", ["r2"]),
    ("田中", ["r1"]), ("たなか さゆり", ["r1"]),                    # former surname 旧氏
    ("金本", ["r3"]), ("かねもと", ["r3"]), ("キム", ["r3"]), ("金", ["r3"]),  # alias 通称 and real name
    ("nguyen", ["r4"]), ("ＮＧＵＹＥＮ　ＶＡＮ", ["r4"]), ("グエン", ["r4"]),
    ("鈴木", []),
])
def test_name_prefix_alias_and_former_surname(town, typed, expected):
    assert sorted(ids(town, name=typed)) == expected


def test_four_basic_items_together(town):
    assert ids(town, name="やまだ", birth_date="昭和60年3月3日", sex="女", address="栄町1-1") == ["r6"]
    assert ids(town, name="やまだ", birth_date="1985-03-03", sex="男") == []
    assert ids(town, name="山田", birth_date="S60") == ["r6"]
    assert sorted(ids(town, birth_date="1985-03-03")) == ["r6"]
    assert ids(town, birth_date="1999-12-31", sex="M") == ["r4"]


def test_address_fragments(town):
    assert sorted(ids(town, address="中央町3丁目5")) == ["r1", "r2"]
    assert sorted(ids(town, address="中央町３－５－２")) == ["r1", "r2"]
    assert sorted(ids(town, address="研修ハイツ")) == ["r1", "r2"]
    assert sorted(ids(town, address="本町")) == ["r3"]        # two characters: scanned, still found
    assert sorted(ids(town, address="栄町", sex=2)) == ["r6", "r7"]
    assert ids(town, address="存在しない町") == []


def test_removed_records_are_found_and_marked(town):
    hits = search_residents(town, ResidentQuery(name="山田太郎")).hits
    assert [(h.id, h.removed, h.removal_reason) for h in hits] == [("r5", True, "deceased")]
    assert ids(town, name="山田太郎", include_removed=False) == []


def test_restriction_flag_for_target_and_protected_member_only_while_not_ended(town):
    flags = {h.id: h.restricted for h in search_residents(town, ResidentQuery(name="やまだ")).hits}
    assert flags == {"r5": False, "r6": True, "r7": True}
    assert [h.restricted for h in search_residents(town, ResidentQuery(name="高橋一郎")).hits] == [False]


def test_my_number_search_validates_the_check_digit_first(town):
    assert ids(town, my_number=_valid("62345678901")) == ["r6"]
    assert ids(town, my_number=" ".join([_valid("62345678901")[i:i + 4] for i in (0, 4, 8)])) == ["r6"]
    wrong = _valid("62345678901")[:11] + str((int(_valid("62345678901")[11]) + 1) % 10)
    with pytest.raises(SearchError, match="check digit"):
        search_residents(town, ResidentQuery(my_number=wrong))
    with pytest.raises(SearchError, match="12 digits"):
        search_residents(town, ResidentQuery(my_number="1234"))
    assert ids(town, my_number=_valid("99999999999")) == []


@pytest.mark.parametrize("query, message", [
    (ResidentQuery(), "nothing to search"),
    (ResidentQuery(name="   "), "nothing to search"),
    (ResidentQuery(sex="女"), "sex alone"),
    (ResidentQuery(name="・・ー"), None),                    # only a long-vowel mark: searched as kana
    (ResidentQuery(name="!!"), "no letters"),
    (ResidentQuery(name="山" * 61), "too long"),
    (ResidentQuery(address="町"), "two"),
    (ResidentQuery(birth_date="2099-01-01"), "future"),
    (ResidentQuery(birth_date="H1.1.7"), "era"),
    (ResidentQuery(sex="x", name="山田"), "sex"),
    (ResidentQuery(name="山田", limit=0), "limit"),
    (ResidentQuery(name="山田", limit=100000), "limit"),
])
def test_empty_or_absurd_searches_get_a_clear_message(town, query, message):
    if message is None:
        search_residents(town, query)
        return
    with pytest.raises(SearchError, match=message) as info:
        search_residents(town, query)
    assert " / " in str(info.value)


def test_limit_and_truncation_on_the_demo_store(demo):
    result = search_residents(demo, ResidentQuery(name="サ", limit=5))
    assert len(result.hits) == 5 and result.truncated
    keys = [h.kana for h in result.hits]
    assert keys == sorted(keys) or all(k.startswith("サ") for k in keys)


def test_every_demo_resident_is_found_by_the_four_items(demo):
    rows = demo.conn.execute("SELECT id, family_name, given_name, family_kana, given_kana, birth_date, sex, "
                             "address FROM residents ORDER BY rowid LIMIT 150").fetchall()
    for rid, fam, given, fkana, gkana, birth, sex, addr in rows:
        assert rid in ids(demo, name=fam + given, birth_date=birth, sex=sex, address=addr[6:16])
        assert rid in ids(demo, name=fkana + " " + gkana, birth_date=birth, limit=200)


def test_demo_restricted_persons_are_flagged(demo):
    target = demo.conn.execute("SELECT r.family_kana || r.given_kana, r.birth_date FROM support_measures m "
                               "JOIN residents r ON r.id = m.target_id WHERE m.status = 'active' LIMIT 1").fetchone()
    hits = search_residents(demo, ResidentQuery(name=target[0], birth_date=target[1])).hits
    assert any(h.restricted for h in hits)


# -- the command for IT staff ------------------------------------------------------------------

def test_cli_find_json_masks_the_my_number(demo_store_path, cli):
    number = sqlite3.connect(demo_store_path).execute(
        "SELECT my_number FROM residents WHERE family_kana = 'ヤマダ' LIMIT 1").fetchone()[0]
    result = cli("residents", "find", "--store", str(demo_store_path), "--name", "ヤマダ", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["count"] > 0 and all(r["family_kana"] == "ヤマダ" or r["kana"].startswith("ヤマダ")
                                     or r["former_surname"] for r in data["residents"])
    assert number not in result.stdout
    assert all(r["my_number"].startswith("********") for r in data["residents"])
    shown = cli("residents", "find", "--store", str(demo_store_path), "--my-number", number, "--json",
                "--show-number")
    assert json.loads(shown.stdout)["residents"][0]["my_number"] == number


def test_cli_find_text_marks_removed_and_restricted(tmp_path, cli):
    from app.store.demo import generate

    path = tmp_path / "d.db"
    generate(path, 600, seed=4, card_files=False, quiet=True)
    kana = sqlite3.connect(path).execute(
        "SELECT r.family_kana FROM support_measures m JOIN residents r ON r.id = m.target_id "
        "WHERE m.status != 'ended' LIMIT 1").fetchone()[0]
    result = cli("residents", "find", "--store", str(path), "--name", kana, "--limit", "200")
    assert result.returncode == 0 and "支援措置対象" in result.stdout
    removed = cli("residents", "find", "--store", str(path), "--address", "研修市", "--limit", "1000")
    assert "除票" in removed.stdout


@pytest.mark.parametrize("args, message", [
    (["--name", ""], "nothing to search"),
    (["--sex", "2"], "sex alone"),
    (["--my-number", "123456789012"], "check digit"),
    (["--birth", "1980-13-45"], "birth date"),
])
def test_cli_find_bad_input_exits_non_zero(demo_store_path, cli, args, message):
    before = demo_store_path.read_bytes()
    result = cli("residents", "find", "--store", str(demo_store_path), *args)
    assert result.returncode != 0 and message in result.stderr and "Traceback" not in result.stderr
    assert demo_store_path.read_bytes() == before


def test_cli_find_refuses_bad_stores_untouched(tmp_path, cli):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 1000)
    other = tmp_path / "other.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE x(y)")
    c.commit()
    c.close()
    newer = tmp_path / "newer.db"
    with open_store(newer, create=True) as s:
        s.conn.execute("PRAGMA user_version = 999")
    corrupt = tmp_path / "corrupt.db"
    with open_store(corrupt, create=True):
        pass
    data = bytearray(corrupt.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    corrupt.write_bytes(bytes(data))
    for path, message in [(junk, "not a Madoguchi store"), (other, "another program"), (newer, "newer"),
                          (corrupt, "damaged"), (tmp_path / "missing.db", "no store")]:
        before = path.read_bytes() if path.exists() else None
        result = cli("residents", "find", "--store", str(path), "--name", "山田")
        assert result.returncode != 0, path
        assert message in result.stderr and "Traceback" not in result.stderr, (path, result.stderr)
        assert (path.read_bytes() if path.exists() else None) == before


def test_keys_written_wrong_by_any_writer_are_corrected_by_the_store(store):
    """Sync, tests and samples insert residents with raw SQL: the store's triggers recompute the
    keys from the originals, so search finds them whatever keys were written."""
    with store.transaction() as c:
        c.execute("INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, name_key, "
                  "kana_key, birth_date, sex, address, address_key) VALUES ('w1', '齋藤', 'ハル', 'さいとう', "
                  "'はる', 'junk', 'junk', '1930-03-03', 2, '研修県研修市城山１２３番地', 'junk')")
    assert ids(store, name="斎藤はる") == ["w1"]
    assert ids(store, name="サイトウ ハル") == ["w1"]
    assert ids(store, address="城山123") == ["w1"]
    with store.transaction() as c:
        c.execute("UPDATE residents SET family_name = '山本', family_kana = 'ヤマモト', "
                  "address = '研修県研修市港町二丁目１番１号' WHERE id = 'w1'")
    assert ids(store, name="斎藤") == [] and ids(store, name="やまもと") == ["w1"]
    assert ids(store, address="港町2-1-1") == ["w1"] and ids(store, address="城山123") == []


def test_keys_written_right_are_kept_and_the_address_still_indexed(store):
    """A pulled row arrives with its keys already right: the insert trigger leaves it alone
    (migration 8), and its address still reaches the trigram index; a row with one stale key
    among right ones is corrected."""
    from app.store.normalize import resident_search_keys

    right = resident_search_keys("高橋", "美咲", "タカハシ", "ミサキ", "研修県研修市港町三丁目５番２号",
                                 former_surname="佐藤", former_surname_kana="サトウ")
    stale = dict(right, former_key="junk")
    cols = ", ".join(right)
    with store.transaction() as c:
        for rid, keys in (("k1", right), ("k2", stale)):
            c.execute(f"INSERT INTO residents(id, family_name, given_name, family_kana, given_kana, "
                      f"former_surname, former_surname_kana, birth_date, sex, address, {cols}) VALUES "
                      f"(?, '高橋', '美咲', 'タカハシ', 'ミサキ', '佐藤', 'サトウ', '1990-01-0{rid[1]}', 2, "
                      f"'研修県研修市港町三丁目５番２号', {', '.join('?' * len(keys))})", (rid, *keys.values()))
    assert ids(store, address="港町3-5-2") == ["k1", "k2"]
    assert sorted(ids(store, name="佐藤美咲")) == ["k1", "k2"]
    row = store.conn.execute("SELECT former_key FROM residents WHERE id = 'k2'").fetchone()
    assert row[0] == right["former_key"]

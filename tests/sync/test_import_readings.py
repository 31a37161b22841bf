"""The official name readings (氏名の振り仮名) and 旧氏 readings in the interchange layout: the sample
files carry them into the central server; each bad reading, date or source is refused with the
file, line and item named in Japanese and English and nothing loaded; a file written before the
readings were added to the layout still loads."""

from __future__ import annotations

import psycopg
import pytest

from app.sync.importer import import_files
from app.sync.layout import LayoutError, load_layout
from tests.sync.test_import import (  # noqa: F401  (fixtures)
    BASE, _first_line, _index, _rows, _set, _snapshot, _write, loaded_server, samples,
)

LAYOUT = load_layout()
ADDED = [i.key for i in LAYOUT.datasets["residents"].items if i.added]


def _with_reading(d):
    return d["event"] == "00" and d["furigana_family"]


def _without_reading(d):
    return d["event"] == "00" and not d["furigana_family"] and not d["former_surname"] and d["given_name"]


def test_readings_of_the_samples_reach_the_server(central, samples):
    rows = _rows(samples / "JUMIN.csv")[1:]
    with_reading = sum(1 for r in rows if r[_index("residents", "furigana_family")])
    with_former = sum(1 for r in rows if r[_index("residents", "former_furigana")])
    assert with_reading > 50 and with_former > 0
    assert import_files(central.admin_dsn, [samples / f for f in BASE]).ok
    with psycopg.connect(central.admin_dsn) as conn:
        got = conn.execute("SELECT count(furigana_family), count(former_furigana), "
                           "count(DISTINCT furigana_source) FROM madoguchi.residents").fetchone()
    assert got == (with_reading, with_former, 3)


def test_a_file_from_before_the_readings_still_loads(central, samples):
    rows = _rows(samples / "JUMIN.csv")
    first_added = _index("residents", ADDED[0])
    _write(samples / "JUMIN.csv", [r[:first_added] for r in rows])
    result = import_files(central.admin_dsn, [samples / f for f in BASE])
    assert result.ok and result.inserted["residents"] == 200
    with psycopg.connect(central.admin_dsn) as conn:
        assert conn.execute("SELECT count(furigana_family) FROM madoguchi.residents").fetchone()[0] == 0


def test_an_older_change_file_keeps_the_recorded_readings(central, samples):
    assert import_files(central.admin_dsn, [samples / f for f in BASE]).ok
    ido = samples / "IDO-JUMIN.csv"
    rows = _rows(ido)
    first_added = _index("residents", ADDED[0])
    codes = [r[_index("residents", "resident_code")] for r in rows[1:]]
    with psycopg.connect(central.admin_dsn) as conn:
        before = conn.execute("SELECT resident_code, furigana_family, furigana_date FROM madoguchi.residents "
                              "WHERE resident_code = ANY(%s) ORDER BY 1", (codes,)).fetchall()
    assert any(r[1] for r in before)
    _write(ido, [r[:first_added] for r in rows])          # the change file as an older system writes it
    changed = import_files(central.admin_dsn, [ido])
    assert changed.ok and changed.updated == {"residents": 5}
    with psycopg.connect(central.admin_dsn) as conn:
        after = conn.execute("SELECT resident_code, furigana_family, furigana_date FROM madoguchi.residents "
                             "WHERE resident_code = ANY(%s) ORDER BY 1", (codes,)).fetchall()
    assert after == before                                # moved, readings untouched


def test_files_of_both_versions_are_imported_separately(central, samples):
    ido = samples / "IDO-JUMIN.csv"
    _write(ido, [r[:_index("residents", ADDED[0])] for r in _rows(ido)])
    result = import_files(central.admin_dsn, [samples / f for f in BASE] + [ido])
    assert not result.ok and not result.written
    found = [p for p in result.problems if p.kind == "mixed_layout_versions"]
    assert [(p.file, p.line) for p in found] == [("IDO-JUMIN.csv", 1)] and found[0].ja and found[0].en


def test_a_header_with_only_some_readings_is_not_recognised(central, samples):
    rows = _rows(samples / "JUMIN.csv")
    cut = _index("residents", "furigana_date")
    _write(samples / "JUMIN.csv", [r[:cut] for r in rows])
    result = import_files(central.admin_dsn, [samples / f for f in BASE])
    assert not result.ok and not result.written
    assert [(p.file, p.line) for p in result.problems if p.kind == "unknown_header"] == [("JUMIN.csv", 1)]


# kind → (which row, item, value, the item the problem names)
SPOILS = {
    "reading_not_katakana": (_with_reading, "furigana_family", "やまだ", "furigana_family"),
    "too_long": (_with_reading, "furigana_given", "ア" * 101, "furigana_given"),
    "date_too_early": (_with_reading, "furigana_date", "20250525", "furigana_date"),
    "date_format": (_with_reading, "furigana_date", "2025-06-01", "furigana_date"),
    "reading_date_future": (_with_reading, "furigana_date", "20990101", "furigana_date"),
    "code_reading_source": (_with_reading, "furigana_source", "9", "furigana_source"),
    "reading_incomplete": (_with_reading, "furigana_source", "", "furigana_source"),
    "reading_missing": (_without_reading, "furigana_date", "20260601", "furigana_date"),
    "former_reading_without_name": (_without_reading, "former_furigana", "サトウ", "former_furigana"),
    "given_reading_without_name": (_with_reading, "given_name", "", "furigana_given"),
}


@pytest.mark.parametrize("kind", SPOILS)
def test_a_bad_reading_loads_nothing_and_says_where_and_what(kind, loaded_server, samples):
    pick, key, value, named = SPOILS[kind]
    jumin = samples / "JUMIN.csv"
    line = _first_line(jumin, "residents", pick)
    _set(jumin, "residents", line, key, value)
    before = _snapshot(loaded_server)
    result = import_files(loaded_server, [samples / f for f in BASE])
    assert not result.ok and not result.written and _snapshot(loaded_server) == before
    found = [p for p in result.problems if p.kind == kind]
    assert found, [str(p) for p in result.problems[:5]]
    problem = found[0]
    item = next(i for i in LAYOUT.datasets["residents"].items if i.key == named)
    assert (problem.file, problem.line, problem.item_ja, problem.item_en) == ("JUMIN.csv", line, item.ja, item.en)
    assert problem.ja and problem.en and problem.ja != problem.en
    assert problem.ja in str(problem) and problem.en in str(problem)


def test_the_layout_keeps_added_items_last_and_optional(tmp_path):
    import json

    from app.paths import resource

    data = json.loads(resource("import", "layout.json").read_text(encoding="utf-8"))
    items = data["datasets"]["residents"]["items"]
    items.insert(0, items.pop())                       # an added item moved to the front
    bad = tmp_path / "layout.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LayoutError, match="added must come last"):
        load_layout(str(bad))

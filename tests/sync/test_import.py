"""The resident importer (中間標準レイアウト → central server), against a real PostgreSQL with the
sample files of docs/samples/layout (written by the demo generator through export-layout).

Each refusal is a bad row or bad file made from the samples; the test checks that the import is
refused with a message naming the file, line and item in Japanese and English, and that the server
holds exactly what it held before (row counts, change sequence, import log)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from app.ids import resident_code_check_digit
from app.store import open_store
from app.sync.importer import import_files
from app.sync.layout import load_layout
from app.sync.service import sync_round

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "docs" / "samples" / "layout"
BASE = ("SETAI.csv", "JUMIN.csv", "CARD.csv")
#: a well-formed resident-record code (its check digit right) of no one in the samples
NOBODY = "0000000001" + str(resident_code_check_digit("0000000001"))
LAYOUT = load_layout()


def _snapshot(dsn: str) -> tuple:
    with psycopg.connect(dsn) as conn:
        return tuple(conn.execute(
            "SELECT (SELECT count(*) FROM madoguchi.households), (SELECT count(*) FROM madoguchi.residents),"
            " (SELECT count(*) FROM madoguchi.cards), (SELECT count(*) FROM madoguchi.imports),"
            " (SELECT coalesce(max(seq), 0) FROM madoguchi.residents),"
            " (SELECT md5(string_agg(r::text, '' ORDER BY id)) FROM madoguchi.residents r)").fetchone())


@pytest.fixture
def samples(tmp_path):
    out = tmp_path / "in"
    shutil.copytree(SAMPLES, out)
    return out


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def _index(dataset: str, key: str) -> int:
    return [i.key for i in LAYOUT.datasets[dataset].items].index(key)


def _set(path: Path, dataset: str, line: int, key: str, value: str) -> None:
    rows = _rows(path)
    rows[line - 1][_index(dataset, key)] = value
    _write(path, rows)


def _first_line(path: Path, dataset: str, pred) -> int:
    rows = _rows(path)
    for n, row in enumerate(rows[1:], start=2):
        if pred({i.key: row[k] for k, i in enumerate(LAYOUT.datasets[dataset].items)}):
            return n
    raise AssertionError("no such sample row")


def test_samples_load_then_reimport_changes_nothing_then_changes_touch_only_changed(central, samples, terminal_store):
    files = [samples / f for f in BASE]
    first = import_files(central.admin_dsn, files)
    assert first.ok and first.written
    assert first.inserted == {"households": 94, "residents": 200, "cards": 175}
    before = _snapshot(central.admin_dsn)

    again = import_files(central.admin_dsn, files)
    assert again.inserted == {"households": 0, "residents": 0, "cards": 0}
    assert again.updated == {"households": 0, "residents": 0, "cards": 0}
    after = _snapshot(central.admin_dsn)
    assert after[:3] == before[:3] and after[4:] == before[4:], "a second import of the same files changed rows"

    # a terminal's first sync brings everything down, removed records (除票) and former surnames too
    store = terminal_store("a")
    sync_round(store, central.target("TA"), password=central.password("TA"))
    assert store.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 200
    removed = store.conn.execute("SELECT count(*) FROM residents WHERE status = 'removed'").fetchone()[0]
    assert removed == sum(1 for r in _rows(samples / "JUMIN.csv")[1:] if r[0] in ("20", "21", "22", "23", "24"))
    assert store.conn.execute("SELECT count(*) FROM residents WHERE former_surname IS NOT NULL").fetchone()[0] > 0

    changes = import_files(central.admin_dsn, [samples / "IDO-JUMIN.csv"])
    assert changes.updated == {"residents": 5} and changes.inserted == {"residents": 0}
    moved = {r[_index("residents", "resident_code")]: r[_index("residents", "address")]
             for r in _rows(samples / "IDO-JUMIN.csv")[1:]}
    with psycopg.connect(central.admin_dsn) as conn:
        newer = dict(conn.execute("SELECT resident_code, address FROM madoguchi.residents WHERE seq > %s",
                                  (before[4],)).fetchall())
    assert newer == moved
    second = sync_round(store, central.target("TA"), password=central.password("TA"))
    assert second.pulled.get("residents") == 5
    for code, address in moved.items():
        assert store.conn.execute("SELECT address FROM residents WHERE resident_code = ?",
                                  (code,)).fetchone()[0] == address
    # the same change file again: nothing
    assert import_files(central.admin_dsn, [samples / "IDO-JUMIN.csv"]).updated == {"residents": 0}
    with psycopg.connect(central.admin_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM madoguchi.imports").fetchone()[0] == 4


def test_dry_run_writes_nothing(central, samples):
    before = _snapshot(central.admin_dsn)
    result = import_files(central.admin_dsn, [samples / f for f in BASE], dry_run=True)
    assert result.ok and not result.written and result.rows["residents"] == 200
    assert _snapshot(central.admin_dsn) == before


def _kana_row(d):
    return d["event"] == "00" and d["my_number"]


# (name, how to spoil the samples → (file, line, item key or None), the kind reported)
def _spoil(kind: str, s: Path):
    jumin, setai, card = s / "JUMIN.csv", s / "SETAI.csv", s / "CARD.csv"
    active = _first_line(jumin, "residents", _kana_row)
    if kind == "encoding":
        jumin.write_bytes(b"\x82\xa0\xff\xfe\x00\x81")
        return jumin, 0, None
    if kind == "empty_file":
        jumin.write_bytes(b"")
        return jumin, 0, None
    if kind == "no_rows":
        _write(jumin, _rows(jumin)[:1])
        return jumin, 0, None
    if kind == "unknown_header":
        rows = _rows(jumin)
        rows[0][3] = "マイナンバー"
        _write(jumin, rows)
        return jumin, 1, None
    if kind == "item_count":
        rows = _rows(jumin)
        rows[active - 1] = rows[active - 1][:-2]
        _write(jumin, rows)
        return jumin, active, None
    values = {
        "required": (jumin, "family_name", ""),
        "too_long": (jumin, "family_name", "長" * 51),
        "kana": (jumin, "family_kana", "山田"),
        "my_number_check_digit": (jumin, "my_number", None),
        "resident_code": (jumin, "resident_code", "1234567890"),
        "resident_code_check_digit": (jumin, "resident_code", None),
        "impossible_date": (jumin, "birth_date", "3550230"),
        "era_code": (jumin, "birth_date", "7010101"),
        "outside_era": (jumin, "birth_date", "4320101"),
        "future_birth": (jumin, "birth_date", "5500101"),
        "code_relationship": (jumin, "relationship", "77"),
        "code_event": (jumin, "event", "98"),
        "code_sex": (jumin, "sex", "3"),
        "postal": (jumin, "postal_code", "99-00"),
        "control_character": (jumin, "address", "研修市\t本町"),
        "unknown_household": (jumin, "household_code", "999999999"),
        "removal_without_destination": (jumin, "event", "20"),
        "destination_while_active": (jumin, "moved_to_address", "東京都千代田区1-1"),
    }
    if kind in values:
        path, key, value = values[kind]
        if kind == "my_number_check_digit":
            rows = _rows(jumin)
            number = rows[active - 1][_index("residents", "my_number")]
            value = number[:11] + str((int(number[11]) + 1) % 10)
        if kind == "resident_code_check_digit":
            rows = _rows(jumin)
            code = rows[active - 1][_index("residents", "resident_code")]
            value = code[:10] + str((int(code[10]) + 1) % 10)
        if kind == "removal_without_destination":
            _set(jumin, "residents", active, "event_date", "5080101")
        _set(path, "residents", active, key, value)
        return path, active, "moved_to_address" if kind == "removal_without_destination" else key
    if kind == "duplicate_key":
        rows = _rows(jumin)
        rows.append(list(rows[active - 1]))
        _write(jumin, rows)
        return jumin, len(rows), "resident_code"
    if kind == "my_number_taken":
        rows = _rows(jumin)
        other = _first_line(jumin, "residents", lambda d: _kana_row(d) and d["resident_code"] != rows[active - 1][2])
        _set(jumin, "residents", other, "my_number", rows[active - 1][_index("residents", "my_number")])
        return jumin, max(active, other), "my_number"
    if kind == "unknown_head":
        _set(setai, "households", 2, "head_code", NOBODY)
        return setai, 2, "head_code"
    if kind == "head_elsewhere":
        rows = _rows(setai)
        other_head = rows[3][_index("households", "head_code")]
        _set(setai, "households", 2, "head_code", other_head)
        return setai, 2, "head_code"
    if kind == "card_unknown_resident":
        _set(card, "cards", 2, "resident_code", NOBODY)
        return card, 2, "resident_code"
    if kind == "expiry_before_issue":
        rows = _rows(card)
        _set(card, "cards", 2, "expiry_date", rows[1][_index("cards", "issued_date")])
        return card, 2, "expiry_date"
    raise AssertionError(kind)


REFUSALS = [
    "encoding", "empty_file", "no_rows", "unknown_header", "item_count", "required", "too_long", "kana",
    "my_number_check_digit", "resident_code", "resident_code_check_digit", "impossible_date", "era_code", "outside_era",
    "future_birth", "code_relationship", "code_event", "code_sex", "postal", "control_character",
    "unknown_household", "removal_without_destination", "destination_while_active", "duplicate_key",
    "my_number_taken", "unknown_head", "head_elsewhere", "card_unknown_resident", "expiry_before_issue",
]


@pytest.fixture(scope="module")
def loaded_server(pg_server):
    """One central database for the refusals (each leaves it as it was, which is the point)."""
    from app.sync.server_schema import init_server

    dsn = pg_server.create_database("t_import_refusals")
    init_server(dsn)
    yield dsn
    pg_server.drop_database("t_import_refusals")


@pytest.mark.parametrize("kind", REFUSALS)
def test_refusal_loads_nothing_and_names_line_and_item(kind, loaded_server, samples):
    path, line, key = _spoil(kind, samples)
    before = _snapshot(loaded_server)
    result = import_files(loaded_server, [samples / f for f in BASE])
    assert not result.ok and not result.written
    assert _snapshot(loaded_server) == before
    found = [p for p in result.problems if p.kind == kind]
    assert found, f"expected a {kind} problem, got {[str(p) for p in result.problems[:5]]}"
    problem = found[0]
    assert problem.file == path.name and problem.line == line
    if key:
        item = next(i for i in load_layout().datasets[
            {"JUMIN.csv": "residents", "SETAI.csv": "households", "CARD.csv": "cards"}[path.name]].items
            if i.key == key)
        assert (problem.item_ja, problem.item_en) == (item.ja, item.en)
    assert problem.ja and problem.en and problem.ja != problem.en
    text = str(problem)
    assert f"{path.name}" in text and problem.ja in text and problem.en in text
    digits = [v for v in _rows(samples / "JUMIN.csv")[1:2] for v in v if len(v) == 12 and v.isdigit()] \
        if path.suffix == ".csv" and kind != "encoding" and kind != "empty_file" else []
    for number in digits:   # a message never repeats a My Number
        assert number not in text


def test_cli_prints_every_error_and_exits_1(central, samples):
    _set(samples / "JUMIN.csv", "residents", 2, "birth_date", "4320101")
    _set(samples / "JUMIN.csv", "residents", 3, "relationship", "77")
    before = _snapshot(central.admin_dsn)
    r = subprocess.run([sys.executable, "-m", "app", "server", "import", "--dsn", central.admin_dsn, "--quiet",
                        *[str(samples / f) for f in BASE]], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    assert r.returncode == 1, r.stderr
    assert "JUMIN.csv:2 [生年月日 / date of birth]: 平成32年1月1日 は平成の期間外です" in r.stderr
    assert "JUMIN.csv:3 [続柄コード / relationship code]" in r.stderr
    assert "nothing was loaded" in r.stderr and "何も取り込んでいません" in r.stderr
    assert _snapshot(central.admin_dsn) == before
    ok = subprocess.run([sys.executable, "-m", "app", "server", "import", "--dsn", central.admin_dsn,
                         "--dry-run", "--quiet", str(SAMPLES / "JUMIN.csv"), str(SAMPLES / "SETAI.csv")],
                        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0 and "dry run" in ok.stderr
    assert _snapshot(central.admin_dsn) == before


def test_samples_are_what_the_demo_generator_exports(tmp_path):
    """docs/samples/layout is reproducible: demo-data (seed 7, 200 residents) → export-layout."""
    store_path = tmp_path / "demo.db"
    subprocess.run([sys.executable, "-m", "app", "demo-data", "--store", str(store_path), "--residents", "200",
                    "--seed", "7"], check=True, capture_output=True, cwd=ROOT, timeout=120)
    from app.sync.export_layout import export_store

    with open_store(store_path, migrate=False) as store:
        export_store(store, tmp_path / "out", changes=5)
    for name in (*BASE, "IDO-JUMIN.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (SAMPLES / name).read_bytes(), name


def test_the_resident_code_check_digit_refusal_follows_the_layout_file(samples, tmp_path):
    """住民票コードの検査数字 (住民基本台帳法施行規則 第1条) is checked unless the layout file says not."""
    import json

    from app.sync.layout import read_file

    jumin = samples / "JUMIN.csv"
    code = _rows(jumin)[1][_index("residents", "resident_code")]
    assert resident_code_check_digit(code[:10]) == int(code[10])      # the samples are right
    _set(jumin, "residents", 2, "resident_code", code[:10] + str((int(code[10]) + 1) % 10))
    refused = read_file(jumin, load_layout())
    assert [(p.line, p.kind) for p in refused.problems] == [(2, "resident_code_check_digit")]
    assert "検査数字" in refused.problems[0].ja and "check digit" in refused.problems[0].en
    data = json.loads((ROOT / "resources" / "import" / "layout.json").read_text(encoding="utf-8"))
    data["file"]["resident_code_check_digit"] = False
    (tmp_path / "layout.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert read_file(jumin, load_layout(str(tmp_path / "layout.json"))).error_count == 0

"""The demo municipality: determinism, valid identifiers, every case a trainer needs, safe
writing (no half store, nothing overwritten by accident, full disk)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.ids import is_application_id, is_resident_code, validate_my_number
from app.store import open_store
from app.store.demo import DemoDataError, cards_dir_for, generate
from app.store.normalize import fold_address
from app.store.residents import KEY_COLUMNS, with_search_keys

DEMO_RESIDENTS = 2500  # as in conftest.py


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    generate(a, 1200, seed=11, card_files=False, quiet=True)
    generate(b, 1200, seed=11, card_files=False, quiet=True)
    generate(c, 1200, seed=12, card_files=False, quiet=True)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_chunks_built_by_worker_processes_give_the_same_store(tmp_path, monkeypatch):
    """Chunks have their own random streams: one process or two, the bytes are the same."""
    from app.store import demo as demo_module

    monkeypatch.setattr(demo_module, "CHUNK", 700)
    files = []
    for workers in ("1", "2"):
        monkeypatch.setenv("MADOGUCHI_DEMO_WORKERS", workers)
        files.append(tmp_path / f"w{workers}.db")
        summary = generate(files[-1], 2000, seed=3, card_files=False, quiet=True)
        assert summary.residents == 2000
    assert files[0].read_bytes() == files[1].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w1.db", "w2.db"]
    with open_store(files[0]) as s:
        codes = [r[0] for r in s.conn.execute("SELECT household_code FROM households")]
        assert len(codes) == len(set(codes))


def test_exact_count_and_valid_unique_identifiers(demo):
    c = demo.conn
    assert c.execute("SELECT count(*) FROM residents").fetchone()[0] == DEMO_RESIDENTS
    numbers = [r[0] for r in c.execute("SELECT my_number FROM residents")]
    assert len(numbers) == len(set(numbers)) == DEMO_RESIDENTS
    for n in numbers:
        validate_my_number(n)
    codes = [r[0] for r in c.execute("SELECT resident_code FROM residents")]
    assert len(set(codes)) == DEMO_RESIDENTS and all(is_resident_code(x) for x in codes)
    apps = [r[0] for r in c.execute("SELECT application_id FROM card_applications")]
    assert apps and len(set(apps)) == len(apps) and all(is_application_id(x) for x in apps)
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_search_keys_are_what_the_folding_rules_give(demo):
    cols = ", ".join(("family_name", "given_name", "family_kana", "given_kana", "address", "alias",
                      "alias_kana", "former_surname", "former_surname_kana") + KEY_COLUMNS)
    cur = demo.conn.execute(f"SELECT {cols} FROM residents")
    names = [d[0] for d in cur.description]
    for values in cur:
        row = dict(zip(names, values))
        expected = with_search_keys(row)
        assert {k: row[k] for k in KEY_COLUMNS} == {k: expected[k] for k in KEY_COLUMNS}
        assert row["address_key"] == fold_address(row["address"])


def _one(demo, sql):
    return demo.conn.execute(sql).fetchone()[0]


def test_households_have_realistic_composition(demo):
    rels = dict(demo.conn.execute("SELECT relationship, count(*) FROM residents GROUP BY 1").fetchall())
    for rel in ("世帯主", "妻", "子", "母"):
        assert rels.get(rel, 0) > 0, rel
    households = _one(demo, "SELECT count(*) FROM households")
    assert 1.8 < DEMO_RESIDENTS / households < 2.8
    # every household's head is one of its members and lives at its address
    assert _one(demo, "SELECT count(*) FROM households h JOIN residents r ON r.id = h.head_id "
                      "WHERE r.household_id = h.id AND r.address = h.address AND r.relationship = '世帯主'") == households
    assert _one(demo, "SELECT count(*) FROM residents WHERE address NOT LIKE '研修県研修市%'") == 0
    assert _one(demo, "SELECT count(*) FROM residents WHERE address LIKE '%丁目%番%号%'") > DEMO_RESIDENTS // 2
    assert _one(demo, "SELECT count(*) FROM residents WHERE family_kana = '' OR given_kana = ''") == 0


def test_removed_foreign_and_former_surname_records(demo):
    assert _one(demo, "SELECT count(*) FROM residents WHERE status = 'removed' AND removal_reason = 'deceased'") > 0
    assert _one(demo, "SELECT count(*) FROM residents WHERE status = 'removed' AND removal_reason = 'moved_out' "
                      "AND moved_to_address IS NOT NULL") > 0
    assert _one(demo, "SELECT count(*) FROM residents WHERE is_foreign = 1 AND nationality IS NOT NULL "
                      "AND residence_status IS NOT NULL AND residence_card_no IS NOT NULL") > 20
    assert _one(demo, "SELECT count(*) FROM residents WHERE alias IS NOT NULL AND is_foreign = 1") > 0
    assert _one(demo, "SELECT count(*) FROM residents WHERE residence_status = '特別永住者' "
                      "AND residence_expiry IS NULL") > 0
    assert _one(demo, "SELECT count(*) FROM residents WHERE former_surname IS NOT NULL AND sex = 2") > 0


def test_cards_in_every_state(demo):
    states = {tuple(r) for r in demo.conn.execute("SELECT DISTINCT status, status_reason FROM cards")}
    assert {("active", None), ("suspended", "lost"), ("revoked", "returned"), ("revoked", "deceased"),
            ("revoked", "reissued")} <= states
    assert _one(demo, "SELECT count(*) FROM cards WHERE locked_pins != '[]' AND status = 'active'") > 0
    # no signing certificate for a card issued under 15
    assert _one(demo, "SELECT count(*) FROM cards c JOIN residents r ON r.id = c.resident_id "
                      "WHERE c.cert_sign_status != 'none' AND date(r.birth_date, '+15 years') > c.issued_date") == 0
    assert _one(demo, "SELECT count(*) FROM cards WHERE cert_sign_status = 'none'") > 0
    statuses = {r[0] for r in demo.conn.execute("SELECT DISTINCT status FROM card_applications")}
    assert {"handed_over", "received", "ready"} <= statuses


def test_support_measures_cover_the_cases(demo):
    c = demo.conn
    measures = c.execute("SELECT kind, status, perpetrator_resident_id, perpetrator_lawyer_name, "
                         "perpetrator_family_name, former_municipality FROM support_measures").fetchall()
    assert len(measures) >= 7
    assert any(m[2] for m in measures), "a perpetrator living in the municipality"
    assert _one(demo, "SELECT count(*) FROM support_measures m JOIN residents p ON p.id = m.perpetrator_resident_id "
                      "WHERE p.status != 'active'") == 0
    assert any(not m[2] for m in measures), "a perpetrator living elsewhere"
    assert any(m[3] for m in measures), "a lawyer on record"
    assert all(m[4] for m in measures), "every perpetrator is named"
    assert {"provisional", "active", "ended"} <= {m[1] for m in measures}
    assert any(m[5] for m in measures), "a provisional measure kept as the former municipality"
    assert _one(demo, "SELECT count(*) FROM support_measure_members") > 0
    # the perpetrator living here is never in the protected household
    assert _one(demo, "SELECT count(*) FROM support_measures m JOIN residents t ON t.id = m.target_id "
                      "JOIN residents p ON p.id = m.perpetrator_resident_id "
                      "WHERE t.household_id = p.household_id") == 0
    protected = _one(demo, "SELECT count(*) FROM (SELECT target_id FROM support_measures "
                           "UNION SELECT resident_id FROM support_measure_members)")
    assert 0.0005 < protected / DEMO_RESIDENTS < 0.01


def test_card_files_load_and_match_the_store(demo, demo_store_path):
    from app.card.cardfile import load_card_file

    rows = demo.conn.execute("SELECT c.card_file, c.status, c.locked_pins, c.cert_sign_status, r.my_number, "
                             "r.family_name, r.birth_date FROM cards c JOIN residents r ON r.id = c.resident_id "
                             "WHERE c.card_file IS NOT NULL").fetchall()
    assert len(rows) >= 6
    for card_file, status, locked, sign, number, family, birth in rows:
        cf = load_card_file(demo_store_path.parent / card_file)
        assert cf.my_number == number and cf.holder.family_name == family and cf.holder.birth_date == birth
        assert cf.state == status
        assert cf.has_signing_certificate == (sign != "none")
        for secret in json.loads(locked):
            assert cf.tries_left(secret) == 0
    names = " ".join(r[0] for r in rows)
    for case in ("adult", "under15", "pin_locked", "suspended_lost", "protected"):
        assert case in names
    assert cards_dir_for(demo_store_path).is_dir()


def test_existing_store_is_not_replaced_without_force(tmp_path, cli):
    path = tmp_path / "demo.db"
    generate(path, 300, seed=1, card_files=False, quiet=True)
    before = path.read_bytes()
    with pytest.raises(DemoDataError, match="--force"):
        generate(path, 300, seed=2, card_files=False, quiet=True)
    result = cli("demo-data", "--store", str(path), "--residents", "300", "--seed", "2", "--no-card-files")
    assert result.returncode != 0 and "--force" in result.stderr
    assert path.read_bytes() == before
    generate(path, 300, seed=2, card_files=False, quiet=True, force=True)
    assert path.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "2015-12-31", "2100-01-01"])
def test_a_reference_date_out_of_range_gets_a_message(tmp_path, cli, as_of):
    """make fuzz found --as-of 9999-12-31 ending in an incident (ValueError: year 10001)."""
    result = cli("demo-data", "--store", str(tmp_path / "demo.db"), "--residents", "5", "--as-of", as_of,
                 "--no-card-files")
    assert result.returncode == 2 and "2016-01-01" in result.stderr and "2099-12-31" in result.stderr, result.stderr
    assert "incident" not in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_store_is_never_replaced(tmp_path):
    path = tmp_path / "thesis.db"
    path.write_bytes(b"my thesis, not a store\n" * 50)
    with pytest.raises(DemoDataError, match="not a Madoguchi store"):
        generate(path, 100, force=True, card_files=False, quiet=True)
    assert path.read_bytes() == b"my thesis, not a store\n" * 50


def test_a_folder_that_cannot_be_written_gets_a_message(tmp_path, cli):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):   # root ignores permissions: use a path through a file
            target = tmp_path / "file" / "demo.db"
            (tmp_path / "file").write_text("not a folder")
        else:
            target = folder / "demo.db"
        result = cli("demo-data", "--store", str(target), "--residents", "100", "--no-card-files")
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert "demo" in result.stderr or "folder" in result.stderr
    finally:
        folder.chmod(0o700)


def test_bad_resident_counts_are_refused(tmp_path, cli):
    for n in ("0", "-5", "999999999"):
        result = cli("demo-data", "--store", str(tmp_path / "x.db"), "--residents", n)
        assert result.returncode != 0 and "residents" in result.stderr
    assert list(tmp_path.iterdir()) == []


_FULL_DISK = textwrap.dedent("""
    import resource, sys
    from app.cli import main
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.exit(main(sys.argv[2:]))
""")


def test_full_disk_leaves_nothing_behind_and_the_old_store_intact(tmp_path):
    """RLIMIT_FSIZE makes every write past 2 MB fail as a full disk would (EFBIG)."""
    path = tmp_path / "demo.db"
    generate(path, 200, seed=3, card_files=False, quiet=True)
    before = path.read_bytes()
    env = dict(os.environ, PYTHONPATH=str(os.getcwd()))
    result = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(2 * 1024 * 1024), "demo-data", "--store", str(path),
         "--residents", "20000", "--force", "--no-card-files", "--quiet"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert "disk" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]
    with open_store(path) as s:
        assert s.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 200


def test_interrupt_leaves_nothing_behind(tmp_path, monkeypatch):
    from app.store import demo as demo_module

    calls = {"n": 0}
    real = demo_module._Generator.household

    def interrupted(self):
        calls["n"] += 1
        if calls["n"] == 300:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(demo_module._Generator, "household", interrupted)
    with pytest.raises(KeyboardInterrupt):
        generate(tmp_path / "demo.db", 5000, card_files=False, quiet=True)
    assert list(tmp_path.iterdir()) == []


def test_cli_prints_a_summary_and_progress(tmp_path, cli):
    path = tmp_path / "d.db"
    result = cli("demo-data", "--store", str(path), "--residents", "400", "--seed", "5", "--no-card-files")
    assert result.returncode == 0, result.stderr
    assert "住民 400" in result.stdout and "400/400" in result.stderr
    info = cli("store", "info", "--store", str(path))
    data = json.loads(info.stdout)
    assert data["rows"]["residents"] == 400 and data["demo"]["seed"] == 5


def test_store_stays_consistent_after_demo_when_a_resident_is_written(tmp_path):
    """The triggers dropped for the bulk load are back: a new resident is found by address."""
    from app.store.residents import insert_resident
    from app.store.search import ResidentQuery, search_residents

    path = tmp_path / "d.db"
    generate(path, 200, card_files=False, quiet=True)
    with open_store(path) as s:
        with s.transaction() as c:
            insert_resident(c, dict(id="new-1", family_name="試験", given_name="花子", family_kana="シケン",
                                    given_kana="ハナコ", address="研修県研修市新天地町九丁目９番９号",
                                    birth_date="1990-01-01", sex=2))
        hits = search_residents(s, ResidentQuery(address="新天地町9-9")).hits
        assert [h.id for h in hits] == ["new-1"]
    assert not sqlite3.connect(path).execute("PRAGMA foreign_key_check").fetchall()


def test_terminated_build_leaves_nothing_behind(tmp_path):
    """SIGTERM during a build with worker processes: no partial store, no chunk file, no worker."""
    import signal
    import time

    env = dict(os.environ, PYTHONPATH=str(os.getcwd()), MADOGUCHI_DEMO_WORKERS="2")
    code = ("import sys; from app.store import demo; demo.CHUNK = 20000; from app.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, "demo-data", "--store", str(tmp_path / "d.db"),
                             "--residents", "200000", "--no-card-files"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60        # a condition of the file system, looked at until it holds
    while not any(".chunk-" in p.name for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None, "no chunk file while building"
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "interrupted" in err
    # the parent joined its workers and removed every file before it exited: nothing to wait for
    assert list(tmp_path.iterdir()) == []

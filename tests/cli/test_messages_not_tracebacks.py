"""Every cause of a traceback found by the random CLI run (issue 12 §3) ends in a message for the
person at the terminal, in Japanese and English, with nothing lost or left behind."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.store import LATEST_VERSION

MEASURE = "00000000-0000-4000-8000-000000000000"


def _message(run, *words, status=2):
    assert run.clean, (run.err, run.incidents)
    assert run.status == status, run.err
    for word in words:
        assert word in run.err, run.err


@pytest.mark.parametrize("action", ["end", "renew", "forward"])
def test_an_impossible_date_is_refused_before_anything_is_asked(madoguchi, demo_store, action):
    extra = ["--to", "隣市"] if action == "forward" else []
    extra += ["--reason", "x"] if action != "renew" else []
    run = madoguchi(["measures", action, "--store", str(demo_store), "--officer", "officer1",
                     "--password-stdin", "--date", "2026-02-30", *extra, MEASURE], stdin="officer1-kenshu\n")
    _message(run, "2026-02-30", "YYYY-MM-DD")


@pytest.mark.parametrize("argv", [
    ["measures", "end", "--store", "{store}", "--officer", "officer1", "--reason", "x", MEASURE],
    ["server", "add-terminal", "--dsn", "host=/nonexistent", "--terminal", "T9"],
    ["server", "login", "--host", "/nonexistent", "--db", "d", "--user", "u", "--terminal", "T9"],
    ["card", "read"],
    ["staff", "add", "--store", "{store}", "--name", "新人", "--role", "clerk", "newclerk"],
])
def test_a_prompt_without_a_terminal_says_which_option_to_use(madoguchi, demo_store, argv):
    run = madoguchi([a.replace("{store}", str(demo_store)) for a in argv])
    _message(run, "no terminal to ask on", "-stdin")


def test_a_bad_terminal_name_is_a_message(madoguchi):
    run = madoguchi(["server", "add-terminal", "--dsn", "host=/nonexistent", "--terminal", "../x",
                     "--password-stdin"], stdin="secret-1\n")
    _message(run, "invalid terminal id")


def test_a_device_is_not_a_store_and_gets_no_journal(madoguchi, tmp_path):
    def leftovers():      # another program on this machine may have left one: compare, not assume
        return {p: Path(p).stat().st_mtime_ns for p in ("/dev/null-journal", "/dev/null-wal") if Path(p).exists()}

    before = leftovers()
    run = madoguchi(["staff", "demo", "--store", "/dev/null"])
    _message(run, "not a regular file")
    assert leftovers() == before
    run = madoguchi(["store", "info", "--store", str(tmp_path)])
    _message(run, "not a regular file")


def test_a_store_path_too_long_for_the_file_system(madoguchi, tmp_path):
    run = madoguchi(["store", "info", "--store", str(tmp_path / ("長" * 300))])
    _message(run, "cannot use the store path")
    run = madoguchi(["staff", "demo", "--store", str(tmp_path / ("a" * 300) / "s.db")])
    _message(run, "File name too long")


def test_samples_into_an_existing_file_is_a_message(madoguchi, tmp_path):
    existing = tmp_path / "exists.pdf"
    existing.write_bytes(b"%PDF-1.4 keep me")
    run = madoguchi(["print", "samples", str(existing)])
    _message(run, "existing file")
    assert existing.read_bytes() == b"%PDF-1.4 keep me"


@pytest.mark.parametrize("argv", [
    ["print", "slip", "--store", "{store}", "--case", "\udcff\udcfe"],
    ["staff", "add", "--store", "{store}", "--name", "x", "--role", "clerk", "--employee-no", "A\udce9",
     "--no-password", "newclerk"],
    ["residents", "find", "--store", "{store}", "--address", "研修\udc81"],
    ["config", "set", "office_name", "窓口\udcff"],
])
def test_arguments_that_are_not_utf8_are_refused(madoguchi, demo_store, madoguchi_home, argv):
    run = madoguchi([a.replace("{store}", str(demo_store)) for a in argv])
    _message(run, "not valid UTF-8", "\\x")
    config_dir = madoguchi_home / "config"
    assert not config_dir.exists() or not list(config_dir.glob("*.tmp"))


def test_a_config_value_that_cannot_be_written_leaves_no_temporary_file(madoguchi_home):
    from app.config import ConfigError, OfficeConfig

    config = OfficeConfig.load()
    config.office_name = "窓口\udcff"
    with pytest.raises(ConfigError, match="UTF-8"):
        config.save()
    assert not list((madoguchi_home / "config").glob("*.tmp")) if (madoguchi_home / "config").exists() else True


def test_a_nul_in_an_address_through_the_python_api(demo_store):
    from app.store import open_store
    from app.store.search import ResidentQuery, SearchError, search_residents

    with open_store(demo_store) as store:
        with pytest.raises(SearchError, match="control character"):
            search_residents(store, ResidentQuery(address="研修\x00市"))
        assert search_residents(store, ResidentQuery(address="研修\t市")).hits    # a pasted tab is a space


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"case_type": ' + "9" * 5000 + "}", "too many digits"),
])
def test_rules_explain_with_absurd_json(madoguchi, text, words):
    _message(madoguchi(["rules", "explain", "-"], stdin=text), words)


# --- stores ---------------------------------------------------------------------------------

def test_an_empty_sqlite_file_with_a_schema_version_is_refused_untouched(madoguchi, tmp_path):
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    before = path.read_bytes()
    _message(madoguchi(["store", "info", "--store", str(path)]), "belongs to another program")
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["v3.db"]


def test_a_lowered_schema_version_is_a_clear_refusal(madoguchi, demo_store):
    conn = sqlite3.connect(demo_store)
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    before = Path(demo_store).read_bytes()
    _message(madoguchi(["store", "info", "--store", str(demo_store)]), "does not match its tables",
             "Nothing was changed")
    conn = sqlite3.connect(demo_store)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    conn.close()
    assert Path(demo_store).read_bytes() == before


def _corrupt_a_middle_page(path) -> None:
    """Overwrite the header of a leaf page of `residents` in the middle of the file, as a bad
    disk sector would (the page's own bytes only)."""
    conn = sqlite3.connect(path)
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'residents' AND pagetype = 'leaf' ORDER BY pageno")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    page = pages[len(pages) // 2]
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * page_size + 8)
        fh.write(b"\xff" * 40)


def test_a_page_corrupted_mid_file_is_caught_by_info_check_and_selftest(madoguchi, demo_store):
    run = madoguchi(["store", "check", "--store", str(demo_store)])
    assert run.status == 0 and "ok" in run.out, run.err
    _corrupt_a_middle_page(demo_store)
    run = madoguchi(["store", "info", "--store", str(demo_store)])
    _message(run, "the store is damaged", status=1)
    assert json.loads(run.out)["integrity"] != "ok"
    _message(madoguchi(["store", "check", "--store", str(demo_store)]), "the store is damaged", status=1)
    _message(madoguchi(["store", "check", "--quick", "--store", str(demo_store)]), "damaged", status=1)
    run = madoguchi(["security", "selftest", "--store", str(demo_store)])
    assert run.clean and run.status == 1 and "FAIL live_store_integrity" in run.out, run.out + run.err
    # and the search that used to fail with "database disk image is malformed" says what to do
    run = madoguchi(["residents", "find", "--store", str(demo_store), "--name", "研"])
    if run.status != 0:
        _message(run, "store check", status=2)


def test_an_intact_store_passes_the_full_check(madoguchi, demo_store):
    run = madoguchi(["store", "check", "--store", str(demo_store)])
    assert run.status == 0 and "pages and indexes sound" in run.out
    info = json.loads(madoguchi(["store", "info", "--store", str(demo_store)]).out)
    assert info["integrity"] == "ok" and info["schema_version"] == LATEST_VERSION


@pytest.mark.parametrize("argv", [
    ["server", "login", "--host", "/nonexistent", "--db", "d", "--user", "u", "--terminal", "T9", "--password-stdin"],
    ["staff", "add", "--store", "{store}", "--name", "新人", "--role", "clerk", "--password-stdin", "newclerk"],
])
def test_a_password_on_stdin_that_is_not_utf8_is_refused(madoguchi, demo_store, argv):
    """Found by the random run: in a POSIX locale bad bytes on stdin arrive as lone surrogates."""
    run = madoguchi([a.replace("{store}", str(demo_store)) for a in argv], stdin="pass\udcffword\n")
    _message(run, "not UTF-8")


def test_a_nul_in_a_store_path_through_the_python_api():
    from app.store import StoreError, open_store

    with pytest.raises(StoreError, match="no file name can hold"):
        open_store("a\x00b.db")


def test_server_login_checks_the_server_location_like_config_set(madoguchi):
    """Found by the random run: a host no resolver accepts reached psycopg (UnicodeError)."""
    run = madoguchi(["server", "login", "--host", "\x96¼(", "--db", "d", "--user", "u", "--terminal", "T9",
                     "--password-stdin"], stdin="secret\n")
    _message(run, "not a host name")


def test_a_lone_surrogate_through_the_python_api_is_refused_like_bad_utf8(madoguchi):
    """Found by the random run: a surrogate that no command line can produce (\\udc21)."""
    _message(madoguchi(["demo-data", "--store", "x.db", "--residents", "F\udc21"]), "not valid UTF-8")


@pytest.mark.parametrize("value", ["1" * 400, "nan", "-1", "0", "inf"])
def test_a_card_wait_out_of_range_is_a_usage_error(madoguchi, value):
    """Found by the random run: --timeout 1111…1 overflowed the thread wait (OverflowError)."""
    for command in (["card", "readers"], ["card", "read", "--no-pin"]):
        _message(madoguchi([*command, "--timeout", value]), "--timeout", "86400")


@pytest.mark.parametrize("action", ["end", "renew", "forward"])
def test_an_empty_officer_is_a_message(madoguchi, demo_store, action):
    """make fuzz: `--officer ''` fell back to a --login these commands do not have (AttributeError)."""
    extra = ["--to", "隣市"] if action == "forward" else []
    extra += ["--reason", "x"] if action != "renew" else []
    run = madoguchi(["measures", action, "--store", str(demo_store), "--officer", "", "--password-stdin",
                     *extra, MEASURE], stdin="officer1-kenshu\n")
    _message(run, "the login is empty")


@pytest.mark.parametrize("argv", [
    ["audit", "show", "--store", "{store}", "--limit", "100000000000000000000"],
    ["residents", "find", "--store", "{store}", "--limit", "100000000000000000000", "--name", "山田"],
    ["print", "history", "--store", "{store}", "--limit", "100000000000000000000"],
    ["audit", "show", "--store", "{store}", "--limit", "0"],
    ["audit", "show", "--store", "{store}", "--limit", "-5"],
])
def test_a_limit_out_of_range_is_a_usage_error(madoguchi, demo_store, argv):
    """make fuzz: --limit beyond a 64-bit integer ended in sqlite3's 'datatype mismatch'."""
    run = madoguchi([a.format(store=demo_store) for a in argv])
    _message(run, "--limit", "10,000,000")

"""Office configuration (app.config, `madoguchi config`): layers, rules and their messages, and
that nothing is lost or half-written when the input is bad."""

from __future__ import annotations

import json

import pytest

from app.config import (
    FIELDS,
    FIRST_RUN_KEYS,
    ConfigError,
    OfficeConfig,
    municipality_check_digit,
    needs_first_run,
    parse_server_address,
)


def test_defaults_when_nothing_is_configured():
    config = OfficeConfig.load()
    assert config == OfficeConfig()
    assert needs_first_run()
    assert {config.source(f.key) for f in FIELDS} == {"default"}


def test_user_file_overrides_single_keys_of_the_terminal_file():
    system = OfficeConfig.load()
    system.set_value("office_name", "北支所")
    system.set_value("server", "db.city.local:5433/central")
    system.save("system")

    user = OfficeConfig.load()
    user.set_value("language", "en")
    user.save("user")

    merged = OfficeConfig.load()
    assert (merged.office_name, merged.server_host, merged.server_port, merged.language) == \
        ("北支所", "db.city.local", 5433, "en")
    assert merged.source("office_name") == "system" and merged.source("language") == "user"
    # each file holds only what was set at its level
    assert json.loads(OfficeConfig.path().read_text(encoding="utf-8")) == {"language": "en"}
    assert set(json.loads(OfficeConfig.system_path().read_text(encoding="utf-8"))) == \
        {"office_name", "server_host", "server_port", "server_db"}
    assert not needs_first_run()


def test_saving_one_level_never_copies_keys_of_another():
    user = OfficeConfig.load()
    user.set_value("terminal_id", "USER-1")
    user.save("user")
    config = OfficeConfig.load()
    config.set_value("office_name", "南支所")
    config.save("system")
    assert json.loads(OfficeConfig.system_path().read_text(encoding="utf-8")) == {"office_name": "南支所"}


def test_a_value_set_back_to_the_lower_level_leaves_the_file():
    c = OfficeConfig.load()
    c.set_value("language", "en")
    c.save()
    c = OfficeConfig.load()
    c.set_value("language", "ja")
    c.save()
    assert json.loads(OfficeConfig.path().read_text(encoding="utf-8")) == {}


@pytest.mark.parametrize("key, text, words", [
    ("terminal_id", "bad id!", "terminal id"),
    ("terminal_id", "", "terminal id"),
    ("server_port", "70000", "1 to 65535"),
    ("server_host", "db host", "not a host name"),
    ("server_host", "postgresql://u:pw@db/x", "madoguchi config set server"),
    ("language", "fr", "ja (Japanese) or en"),
    ("office_name", "", "must not be empty"),
    ("office_name", "x" * 41, "at most 40"),
    ("municipality_code", "131015", "check digit is wrong (for 13101 it is 6)"),
    ("municipality_code", "13101", "6 digits"),
    ("nonsense", "1", "there is no setting 'nonsense'"),
])
def test_bad_values_are_refused_with_a_reason_and_change_nothing(key, text, words):
    config = OfficeConfig.load()
    before = OfficeConfig(**{f.key: getattr(config, f.key) for f in FIELDS})
    with pytest.raises(ConfigError) as caught:
        config.set_value(key, text)
    assert words in caught.value.en and caught.value.ja
    assert config == before


def test_server_address_forms_and_no_password():
    assert parse_server_address("db.city.local") == {"server_host": "db.city.local"}
    assert parse_server_address("10.0.0.5:6543/central") == \
        {"server_host": "10.0.0.5", "server_port": 6543, "server_db": "central"}
    assert parse_server_address("[fd00::5]:5432/m") == \
        {"server_host": "fd00::5", "server_port": 5432, "server_db": "m"}
    assert parse_server_address("postgresql://kita02@db.city.local/madoguchi")["server_user"] == "kita02"
    assert parse_server_address("") == {"server_host": ""}
    with pytest.raises(ConfigError) as caught:
        parse_server_address("postgres://kita02:hunter2@db.city.local/madoguchi")
    assert "server login" in caught.value.en and "hunter2" not in str(caught.value)


def test_server_address_roundtrip_and_socket_directory():
    c = OfficeConfig()
    c.set_value("server", "[fd00::5]:5444/x")
    assert c.server_address == "[fd00::5]:5444/x"
    c.set_value("server_host", "/run/postgresql")
    assert c.server_host == "/run/postgresql"


def test_municipality_check_digit_matches_published_codes():
    # 千代田区 131016, 札幌市 011002, 大阪市 271004, 那覇市 472018
    for code in ("131016", "011002", "271004", "472018"):
        assert municipality_check_digit(code[:5]) == int(code[5])
    c = OfficeConfig()
    c.set_value("municipality_code", "999999")  # the training municipality is accepted


@pytest.mark.parametrize("scope, content, words", [
    ("user", "{not json", "is damaged"),
    ("user", "[1, 2]", "not a JSON object"),
    ("system", '{"server_port": "x"}', "server_port: the port is a number"),
])
def test_a_bad_file_is_named_in_a_clear_message(scope, content, words):
    path = OfficeConfig.scope_path(scope)
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        OfficeConfig.load()
    assert words in caught.value.en and str(path) in caught.value.en and caught.value.path == path


def test_unknown_keys_of_a_newer_version_are_kept_in_the_file():
    OfficeConfig.path().parent.mkdir(parents=True)
    OfficeConfig.path().write_text('{"future_key": 1, "language": "en"}', encoding="utf-8")
    c = OfficeConfig.load()
    assert c.language == "en"
    c.set_value("terminal_id", "T9")
    c.save()
    assert json.loads(OfficeConfig.path().read_text(encoding="utf-8"))["future_key"] == 1


def test_first_run_fields_describe_a_form():
    keys = {f.key for f in FIELDS}
    assert set(FIRST_RUN_KEYS) <= keys
    for f in FIELDS:
        assert f.label_ja and f.label_en and f.help_ja and f.help_en
        f.parse(str(getattr(OfficeConfig(), f.key)))  # every default passes its own rule


def test_save_refuses_an_invalid_config_built_in_code():
    with pytest.raises(ConfigError):
        OfficeConfig(terminal_id="no spaces please").save()
    assert not OfficeConfig.path().exists()


# ---- the command line ------------------------------------------------------------------------

def test_cli_set_show_unset(cli):
    r = cli("config", "set", "server", "postgresql://kita02@db.city.local:5433/central")
    assert r.returncode == 0, r.stderr
    assert "server_port = 5433" in r.stdout
    r = cli("config", "set", "--system", "office_name", "北支所")
    assert r.returncode == 0, r.stderr
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["settings"]["office_name"] == "北支所" and shown["sources"]["office_name"] == "system"
    assert shown["settings"]["server_user"] == "kita02" and shown["first_run_needed"] is False
    r = cli("config", "unset", "server")
    assert r.returncode == 0 and "server_host" in r.stdout
    assert json.loads(cli("config", "show", "--json").stdout)["settings"]["server_host"] == ""


def test_cli_refuses_a_password_and_writes_nothing(cli):
    r = cli("config", "set", "server", "postgresql://kita02:secret@db/x")
    assert r.returncode == 2
    assert "server login" in r.stderr and "secret" not in r.stderr and "Traceback" not in r.stderr
    assert not OfficeConfig.path().exists()


def test_cli_init_without_a_terminal_takes_the_options(cli):
    r = cli("config", "init", "--system", "--office-name", "北支所", "--terminal-id", "KITA-02",
            "--server", "db.city.local", "--server-user", "kita02", "--language", "en", input="")
    assert r.returncode == 0, r.stderr
    assert "madoguchi server login" in r.stdout
    c = OfficeConfig.load()
    assert (c.office_name, c.terminal_id, c.server_host, c.server_user, c.language) == \
        ("北支所", "KITA-02", "db.city.local", "kita02", "en")


def test_cli_init_keeps_a_damaged_file_aside(cli):
    OfficeConfig.path().parent.mkdir(parents=True)
    OfficeConfig.path().write_text("{broken", encoding="utf-8")
    r = cli("config", "show")
    assert r.returncode == 2 and "damaged" in r.stderr and "Traceback" not in r.stderr
    r = cli("config", "init", "--terminal-id", "T7", input="")
    assert r.returncode == 0, r.stderr
    kept = list(OfficeConfig.path().parent.glob("config.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{broken"
    assert OfficeConfig.load().terminal_id == "T7"


def test_init_questions_ask_again_after_a_bad_answer(monkeypatch, capsys):
    from app.config_cli import _ask

    answers = iter(["北支所", "bad id!", "KITA-02", "db.city.local:5433/central", "", "", "kita02",
                    "Virtual PCD 00 00", "en"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    config = OfficeConfig.load()
    _ask(config, given=set())
    assert (config.office_name, config.terminal_id, config.server_host, config.server_port,
            config.server_db, config.server_user, config.default_reader, config.language) == \
        ("北支所", "KITA-02", "db.city.local", 5433, "central", "kita02", "Virtual PCD 00 00", "en")
    assert "terminal id has up to 16" in capsys.readouterr().out
    assert next(answers, None) is None  # every question asked once, the bad one twice

"""A sub-command imports only its own command module (issue 12 §4): ``madoguchi card readers``
loads neither the store nor printing nor PostgreSQL; and the table that says which module
registers which command matches what the modules register."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.cli import COMMAND_MODULES, COMMANDS, build_parser, command_name
from tests.conftest import REPO

_PROBE = """
import contextlib, io, json, sys
from app.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules_after(*argv: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, cwd=REPO,
                            timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO)))
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["status"] == 0, result.stderr
    return set(out["modules"])


@pytest.mark.pcsc
def test_the_card_diagnostics_import_only_what_their_answer_needs(inserted_card):
    """Run for real against the test card (issue 12 §4, benchmarks/startup.py has the times):
    listing the readers parses no certificate, hashes nothing and writes no routine log line;
    neither command loads the standard library's network-capable log handlers (socket, pickle)."""
    readers = _modules_after("card", "readers")
    # nor dataclasses (with inspect), datetime or platformdirs: the card layer's records are named
    # tuples, dates are read where a date is parsed, and no routine line opens the log file
    heavy = {"cryptography", "hashlib", "app.config", "logging.handlers", "socket", "pickle",
             "dataclasses", "inspect", "datetime", "platformdirs", "app.paths"}
    assert not heavy & readers, sorted(heavy & readers)
    assert {"app.card.service", "app.logs"} <= readers
    read = _modules_after("card", "read", "--no-pin", "--json")
    assert "cryptography.x509" in read                      # the certificate it prints is parsed
    assert "logging.handlers" not in read and "app.store" not in read


@pytest.mark.parametrize("command", sorted(set(COMMANDS)))
def test_a_command_loads_only_its_own_command_module(command):
    modules = _modules_after(command, "--help")
    others = {m for m in COMMAND_MODULES if m != COMMANDS[command]}
    assert COMMANDS[command] in modules
    assert not others & modules, sorted(others & modules)
    assert "PySide6" not in modules


def test_the_card_diagnostics_load_nothing_of_the_store_printing_or_sync():
    modules = _modules_after("card", "readers", "--help")
    heavy = {"app.store", "app.printing", "app.sync", "app.security", "app.workflows", "app.rules",
             "psycopg", "reportlab", "sqlite_utils", "PySide6", "cryptography", "keyring", "argon2"}
    assert not heavy & modules, sorted(heavy & modules)


def test_version_loads_no_command_module():
    modules = _modules_after("--version")
    assert not set(COMMAND_MODULES) & modules and "app.logs" not in modules


def test_the_command_table_matches_what_the_modules_register():
    parser = build_parser()
    registered = {}
    for module in COMMAND_MODULES:
        names = build_parser([module])._subparsers._group_actions[0].choices
        registered.update({name: module for name in names})
    assert registered == COMMANDS
    assert set(parser._subparsers._group_actions[0].choices) == set(COMMANDS)


@pytest.mark.parametrize("argv, name", [
    (["card", "readers"], "card"), (["--store", "card", "print", "x"], "print"), (["--training"], None),
    (["--lang", "ja", "--", "store"], None), (["--store=a.db", "store", "info"], "store"),
])
def test_the_command_is_found_after_the_window_options(argv, name):
    assert command_name(argv) == name

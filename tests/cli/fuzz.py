"""Random runs of the ``madoguchi`` command over its own argument grammar (Hypothesis).

The grammar is read from the real parser (:func:`app.cli.build_parser`): every sub-command path,
its options and positionals, their choices and types. A run picks a path, fills arguments with
values a person or a script could type — good and bad dates, numbers at and beyond their limits,
paths that are a fresh store, a damaged store, a foreign SQLite file, a folder, ``/dev/null``, a
name too long, text that is not UTF-8, control characters — sometimes leaves out what is required
or adds what is unknown, feeds something on stdin, and runs the command in this process. Every
run must end in a result or a message: no traceback on the screen and no incident in the log.

Left out, and why: ``card emulator`` and ``card stack`` (servers that run until stopped), and
values that would make a run legitimately long (``demo-data`` with millions of residents, a card
wait of minutes, PostgreSQL hosts on the network: DSNs point at a socket folder that does not
exist). ``tests/cli/test_fuzz.py`` runs a fixed set of examples in the suite; ``make fuzz`` runs
many more, randomly.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from app import cliargs

#: sub-command paths never run here (servers that run until stopped)
EXCLUDED = {("card", "emulator"), ("card", "stack")}


@dataclass(frozen=True)
class Arg:
    dest: str
    flag: str | None              # None: positional
    nargs: object
    choices: tuple | None
    kind: str                     # "flag", "int", "float", "text"
    required: bool
    repeat: bool                  # action="append"


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]
    args: tuple[Arg, ...]


def grammar() -> list[Command]:
    """Every runnable sub-command path of the real parser, with its arguments."""
    from app.cli import build_parser

    commands: list[Command] = []

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and path:
            for name, child in subs[0].choices.items():
                walk(child, path + (name,))
            return
        if subs:
            for name, child in subs[0].choices.items():
                walk(child, (name,))
            return
        if path and path not in EXCLUDED:
            commands.append(Command(path, tuple(_arg(a) for a in parser._actions
                                                if not isinstance(a, argparse._HelpAction))))

    walk(build_parser(), ())
    return commands


def _arg(action: argparse.Action) -> Arg:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction, argparse._StoreConstAction)):
        kind = "flag"
    elif action.type in (int, cliargs.limit):     # a --limit is a whole number with a range
        kind = "int"
    elif action.type is float:
        kind = "float"
    else:
        kind = "text"
    flag = max(action.option_strings, key=len) if action.option_strings else None
    return Arg(action.dest, flag, action.nargs, tuple(action.choices) if action.choices else None, kind,
               bool(action.required) or flag is None and action.nargs not in ("?", "*"),
               isinstance(action, argparse._AppendAction))


# --- values -----------------------------------------------------------------------------------

class Workspace:
    """Files the values point at, made once per test; stores are copied fresh per run."""

    def __init__(self, root: Path, demo_store: Path):
        self.root = root
        self.demo = demo_store
        root.mkdir(parents=True, exist_ok=True)
        self.damaged = root / "damaged.db"
        shutil.copy(demo_store, self.damaged)
        _damage(self.damaged)
        self.foreign = root / "foreign.db"
        conn = sqlite3.connect(self.foreign)
        conn.execute("CREATE TABLE t(x)")
        conn.execute("PRAGMA user_version = 3")
        conn.close()
        self.text_file = root / "notes.txt"
        self.text_file.write_text("住民票の写し\n", encoding="utf-8")
        self.folder = root / "folder"
        self.folder.mkdir(exist_ok=True)
        self.run_dir = root / "run"

    def fresh(self) -> None:
        """A clean run folder holding a fresh copy of the demo store (the folder itself stays: it
        is the commands' working directory, where relative paths land)."""
        self.run_dir.mkdir(exist_ok=True)
        for entry in self.run_dir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink()
        shutil.copy(self.demo, self.run_dir / "store.db")

    def paths(self) -> list[str]:
        r = self.run_dir
        return [str(r / "store.db"), str(r / "store.db"), str(r / "new.db"), str(r / "out"),
                str(r / "out.pdf"), str(self.damaged), str(self.foreign), str(self.text_file),
                str(self.folder), "/dev/null", str(r / ("x" * 300)), str(r / "missing" / "s.db"), "-"]


def _damage(path: Path) -> None:
    conn = sqlite3.connect(path)
    pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'residents' ORDER BY pageno")]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(path, "r+b") as fh:
        fh.seek((pages[len(pages) // 2] - 1) * size + 8)
        fh.write(b"\xff" * 40)


# (no NUL: a command line cannot carry one; stdin can)
NASTY = ["", " ", "-", "--", "\udcff\udcfe", "é", "窓口", "ｱｲｳ", "1" * 400, "{}", "[]",
         '{"case_type": "pin_reset"}', "null", "0", "-1", "1e999", "NaN", "../x", "/", "~", "$HOME",
         "' OR 1=1 --", "%s%s%n", "\n", "\t", "🙂", "T001", "clerk1", "officer1", "admin1"]
DATES = ["2026-02-30", "2026-02-28", "2026-13-01", "0000-00-00", "1868-01-01", "9999-12-31", "20260101",
         "2026/01/01", "昭和55年4月1日", "R8.1.1", "yesterday", "2026-1-1", "-2026-01-01"]
INTS = [0, 1, -1, 2, 5, 20, 60, 255, 256, 2**31, -(2**31), 10**20]
FLOATS = ["0", "0.5", "1", "-1", "nan", "inf", "1e-9", "abc"]
STDIN = ["", "\n", "officer1-kenshu\n", "clerk1-kenshu\n", "admin1-kenshu\n", "1234\n", "abc\n",
         "new-password-123\n", "\udcff\n", "\x00\n", '{"case_type": "status_inquiry"}', "[" * 5000]
DSNS = ["host=/nonexistent-madoguchi-fuzz dbname=x", "not a dsn", "", "host=/nonexistent-madoguchi-fuzz port=0",
        "postgresql://u@/d?host=/nonexistent-madoguchi-fuzz"]


def value_for(arg: Arg, workspace: Workspace) -> st.SearchStrategy[str]:
    """Values for one argument: mostly ones that mean something for it, sometimes anything."""
    name = arg.dest.lower()
    if arg.choices:
        specific = st.sampled_from([str(c) for c in arg.choices])
    elif name in ("residents",):
        specific = st.sampled_from(["-1", "0", "1", "5", "40", str(10**9)])
    elif arg.kind == "int":
        specific = st.sampled_from([str(i) for i in INTS])
    elif "timeout" in name:
        specific = st.sampled_from(["0", "0.2", "-1", "nan", "abc"])
    elif arg.kind == "float":
        specific = st.sampled_from(FLOATS)
    elif "dsn" in name:
        specific = st.sampled_from(DSNS)
    elif "host" in name:
        specific = st.sampled_from(["/nonexistent-madoguchi-fuzz", "", "[::1", "a b"])
    elif "date" in name or name in ("as_of", "birth", "on"):
        specific = st.sampled_from(DATES)
    elif any(k in name for k in ("store", "out", "path", "file", "cert", "card", "dir", "request")):
        specific = st.sampled_from(workspace.paths())
    elif name in ("assignments", "set"):
        specific = st.sampled_from(["fees.reissue_card=-5", "fees.reissue_card=900", "removed_records.cutover_date=maybe",
                                    "municipality.name=窓口", "x", "=", "unknown.key=1", "fees.reissue_card=1e999"])
    else:
        specific = st.sampled_from(NASTY)
    return st.one_of(specific, specific, st.sampled_from(NASTY),
                     st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30))


@st.composite
def runs(draw, commands: list[Command], workspace: Workspace):
    """(argv, stdin) for one random run."""
    command = draw(st.sampled_from(commands))
    argv = list(command.path)
    for arg in command.args:
        if arg.flag is None:
            continue
        if not draw(st.booleans() if not arg.required else st.sampled_from([True] * 9 + [False])):
            continue
        if arg.kind == "flag":
            argv.append(arg.flag)
            continue
        for _ in range(draw(st.integers(1, 2)) if arg.repeat else 1):
            argv += [arg.flag, draw(value_for(arg, workspace))]
    for arg in command.args:
        if arg.flag is None and draw(st.sampled_from([True] * 9 + [False])):
            count = 1 if arg.nargs in (None, "?") else draw(st.integers(0, 2))
            argv += [draw(value_for(arg, workspace)) for _ in range(count)]
    if draw(st.integers(0, 19)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["--bogus", "-x", "--help", "--json"])))
    stdin = draw(st.sampled_from(STDIN))
    return argv, stdin


def environment(home: Path) -> dict[str, str]:
    """Variables every run sees: its own home, no reachable PC/SC daemon or PostgreSQL."""
    return {"MADOGUCHI_HOME": str(home), "PGCONNECT_TIMEOUT": "2",
            "PCSCLITE_CSOCK_NAME": os.environ.get("PCSCLITE_CSOCK_NAME", str(home / "no-pcscd.comm"))}

"""The ``madoguchi`` command. With no sub-command it opens the counter window; sub-commands are
for office IT staff, supervisors and scripts.

Each package contributes its sub-commands through a ``register(subparsers)`` function in its own
``cli`` module, listed in :data:`COMMAND_MODULES`; this file only assembles them. A sub-command
imports only its own module: :data:`COMMANDS` says which module registers which command, so
``madoguchi card readers`` never loads the store, printing or PostgreSQL code (a command not
listed there, ``--help`` and usage errors build the whole parser). Errors meant for the user are
raised as a :class:`app.errors.MadoguchiError` (``UserError``, ``StoreError``, ``CardError``...)
and printed without a traceback, with its non-zero exit status. Only the entry points
(``app.__main__``, ``app.ui.main.main``) import this module.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from app import __version__
from app.errors import MadoguchiError, UserError  # noqa: F401  (UserError: kept importable here)

#: exit status when the reader of our output went away (128 + SIGPIPE, as a shell reports it)
EXIT_PIPE = 141

#: modules whose ``register(subparsers)`` adds sub-commands, in help order
COMMAND_MODULES = [
    "app.store.cli",
    "app.card.cli",
    "app.security.cli",
    "app.workflows.cli",
    "app.printing.cli",
    "app.desk.cli",
    "app.sync.cli",
    "app.config_cli",
    "app.support",
]

#: each sub-command and the module that registers it (a test keeps this equal to what the
#: modules register); a command missing here still works, through the whole parser
COMMANDS = {
    "store": "app.store.cli", "demo-data": "app.store.cli", "residents": "app.store.cli",
    "card": "app.card.cli",
    "staff": "app.security.cli", "audit": "app.security.cli", "security": "app.security.cli",
    "measures": "app.desk.cli", "report": "app.desk.cli",
    "rules": "app.workflows.cli",
    "print": "app.printing.cli",
    "sync": "app.sync.cli", "sync-status": "app.sync.cli", "server": "app.sync.cli",
    "config": "app.config_cli",
    "test-print": "app.support", "support-info": "app.support",
}

#: the top-level options that take a value (to find the sub-command's name in argv)
_VALUE_OPTIONS = ("--store", "--lang")


def _window_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    parser.add_argument("--training", action="store_true", help="training mode (研修モード) on demo data")
    parser.add_argument("--store", help="path of the local store (SQLite)")
    parser.add_argument("--lang", choices=["ja", "en"], help="language of the window")
    return parser


def build_parser(modules: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with the sub-commands of ``modules`` (default: all of them)."""
    parser = _window_options(argparse.ArgumentParser(
        prog="madoguchi",
        description="Madoguchi (窓口) — counter terminal for My Number cards and resident records",
    ))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if modules is None else modules:
        importlib.import_module(name).register(sub)
    return parser


def command_name(argv: list[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word that is not a top-level option)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse with only the module of the named sub-command; the whole parser when the command is
    unknown here or the arguments are wrong (so the usage message lists every command)."""
    module = COMMANDS.get(command_name(argv) or "")
    if module is not None:
        parser = build_parser([module])
        args, rest = parser.parse_known_args(argv)
        if not rest:
            return args
    return build_parser().parse_args(argv)


def not_utf8(argv: list[str]) -> str | None:
    """The first argument that was not valid UTF-8 on the command line (Python keeps such bytes
    as lone surrogates), its bad bytes shown as ``\\xNN``; None if all are valid."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            try:
                return os.fsencode(arg).decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:      # not from a command line (the Python API): escape all
                return arg.encode("utf-8", "backslashreplace").decode("ascii")
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the command; every error ends in one message and an exit status, never a traceback.

    A :class:`MadoguchiError` is printed as it is worded. Anything else is a defect: its traceback
    goes to the log under an incident number (:mod:`app.incident`) and the person sees only that
    number. A reader that stops reading (``madoguchi ... | head -1``) ends the command quietly.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    # everything this process creates — store, WAL/SHM, configuration, logs, card files — is never
    # readable by others (app.store.modes; not imported here, to keep the start-up light)
    os.umask(0o077)
    try:
        bad = not_utf8(argv)
        if bad is not None:
            raise UserError(f"引数が UTF-8 の文字列ではありません: {bad} / an argument is not valid UTF-8 text: {bad}")
        # The window and --version need none of the sub-commands' modules: parse the window's
        # own options first and import the command modules (cards, PostgreSQL, printing...) only
        # when a sub-command or --help is asked for. This keeps the window's cold start short.
        window_args, rest = _window_options(argparse.ArgumentParser(prog="madoguchi", add_help=False)) \
            .parse_known_args(argv)
        args = window_args if not rest else parse_args(argv)
        from app.logs import setup_logging

        setup_logging()
        if getattr(args, "command", None) is None:
            status = _open_window(args)
        else:
            status = int(args.func(args) or 0)
        sys.stdout.flush()                 # a closed pipe shows here, not at interpreter exit
        return status
    except SystemExit as exc:              # argparse's usage errors, --help, --version
        if not _flush_quietly():
            return EXIT_PIPE
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except MadoguchiError as exc:
        _flush_quietly()
        print(f"madoguchi: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("madoguchi: interrupted / 中断しました", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _stdout_gone()
        return EXIT_PIPE
    except Exception as exc:               # noqa: BLE001 (the top-level handler)
        from app.incident import explain
        from app.logs import setup_logging

        setup_logging()
        _flush_quietly()
        # the command's words only: argument values may be personal data
        words = " ".join(a for a in argv[:3] if a.isascii() and a.replace("-", "").isalpha()
                         and not a.startswith("-"))
        message = explain(exc, f"madoguchi {words}".strip())
        print(f"madoguchi: {message}", file=sys.stderr)
        return message.exit_status


def _flush_quietly() -> bool:
    """Flush stdout; False if its reader is gone."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _stdout_gone()
        return False
    except (OSError, ValueError):
        pass
    return True


def _stdout_gone() -> None:
    """The reader of our output went away: send the rest (and the exit flush) to /dev/null."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _open_window(args: argparse.Namespace) -> int:
    gui = importlib.import_module("app.ui.main")
    return int(gui.run(args) or 0)

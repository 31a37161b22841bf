"""The ``madoguchi`` command. With no sub-command it opens the counter window; sub-commands are
for office IT staff, supervisors and scripts.

Each package contributes its sub-commands through a ``register(subparsers)`` function in its own
``cli`` module, listed in :data:`COMMAND_MODULES`; this file only assembles them. Errors meant
for the user are raised as a :class:`app.errors.MadoguchiError` (``UserError``, ``StoreError``,
``CardError``...) and printed without a traceback, with its non-zero exit status. Only the entry
points (``app.__main__``, ``app.ui.main.main``) import this module.
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
    "app.sync.cli",
    "app.config_cli",
    "app.support",
]


def _window_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    parser.add_argument("--training", action="store_true", help="training mode (研修モード) on demo data")
    parser.add_argument("--store", help="path of the local store (SQLite)")
    parser.add_argument("--lang", choices=["ja", "en"], help="language of the window")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _window_options(argparse.ArgumentParser(
        prog="madoguchi",
        description="Madoguchi (窓口) — counter terminal for My Number cards and resident records",
    ))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; every error ends in one message and an exit status, never a traceback.

    A :class:`MadoguchiError` is printed as it is worded. Anything else is a defect: its traceback
    goes to the log under an incident number (:mod:`app.incident`) and the person sees only that
    number. A reader that stops reading (``madoguchi ... | head -1``) ends the command quietly.
    """
    from app.cliargs import not_utf8
    from app.logs import setup_logging

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        bad = not_utf8(argv)
        if bad is not None:
            raise UserError(f"引数が UTF-8 の文字列ではありません: {bad} / an argument is not valid UTF-8 text: {bad}")
        # The window and --version need none of the sub-commands' modules: parse the window's
        # own options first and import the command modules (cards, PostgreSQL, printing...) only
        # when a sub-command or --help is asked for. This keeps the window's cold start short.
        window_args, rest = _window_options(argparse.ArgumentParser(prog="madoguchi", add_help=False)) \
            .parse_known_args(argv)
        args = window_args if not rest else build_parser().parse_args(argv)
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

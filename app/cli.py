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
import sys

from app import __version__
from app.errors import MadoguchiError, UserError  # noqa: F401  (UserError: kept importable here)

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
    from app.logs import setup_logging

    argv = sys.argv[1:] if argv is None else list(argv)
    # The window and --version need none of the sub-commands' modules: parse the window's own
    # options first and import the command modules (cards, PostgreSQL, printing...) only when a
    # sub-command or --help is asked for. This keeps the window's cold start short.
    window_args, rest = _window_options(argparse.ArgumentParser(prog="madoguchi", add_help=False)) \
        .parse_known_args(argv)
    args = window_args if not rest else build_parser().parse_args(argv)
    setup_logging()
    try:
        if getattr(args, "command", None) is None:
            return _open_window(args)
        return int(args.func(args) or 0)
    except MadoguchiError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("madoguchi: interrupted / 中断しました", file=sys.stderr)
        return 130


def _open_window(args: argparse.Namespace) -> int:
    gui = importlib.import_module("app.ui.main")
    return int(gui.run(args) or 0)

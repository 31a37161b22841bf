"""The ``madoguchi`` command. With no sub-command it opens the counter window; sub-commands are
for office IT staff, supervisors and scripts.

Each package contributes its sub-commands through a ``register(subparsers)`` function in its own
``cli`` module, listed in :data:`COMMAND_MODULES`; this file only assembles them. Errors meant
for the user are raised as :class:`UserError` (or a ``StoreError``) and printed without a
traceback, with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from app import __version__

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


class UserError(Exception):
    """An error worded for the person at the terminal; printed as is, exit status ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="madoguchi",
        description="Madoguchi (窓口) — counter terminal for My Number cards and resident records",
    )
    parser.add_argument("--version", action="version", version=f"madoguchi {__version__}")
    parser.add_argument("--training", action="store_true", help="training mode (研修モード) on demo data")
    parser.add_argument("--store", help="path of the local store (SQLite)")
    parser.add_argument("--lang", choices=["ja", "en"], help="language of the window")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from app.config import ConfigError
    from app.logs import setup_logging
    from app.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging()
    try:
        if args.command is None:
            return _open_window(args)
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return exc.code
    except (StoreError, ConfigError) as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("madoguchi: interrupted / 中断しました", file=sys.stderr)
        return 130


def _open_window(args: argparse.Namespace) -> int:
    try:
        gui = importlib.import_module("app.ui.main")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("app.ui"):
            print("madoguchi: the counter window is not part of this build yet; "
                  "see `madoguchi --help` for the commands that are.", file=sys.stderr)
            return 2
        raise
    return int(gui.run(args) or 0)

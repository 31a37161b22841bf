"""``madoguchi config show|set|unset|init`` — the office configuration for IT staff.

Reads and writes through :mod:`app.config` only (its rules and messages); prints what it did and
where. ``--system`` works on the terminal-wide file (administrator rights needed), the default is
the current user's file. Never asks for, takes or prints a password.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from app.cliargs import read_line
from app.config import (
    FIELDS,
    FIRST_RUN_KEYS,
    SERVER_SHORTHAND,
    ConfigError,
    OfficeConfig,
    field_by_key,
    needs_first_run,
    read_layer,
)
from app.errors import UserError
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="office configuration of this terminal (設定): show, set, init")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")

    show = csub.add_parser("show", help="every setting, its value and where it comes from")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=_show)

    keys = ", ".join([*(f.key for f in FIELDS), SERVER_SHORTHAND])
    set_ = csub.add_parser("set", help="set one setting (checked before it is written)",
                           description=f"Settings: {keys}. `server` takes HOST[:PORT][/DB].")
    set_.add_argument("key")
    set_.add_argument("value")
    set_.add_argument("--system", action="store_true",
                      help="write the terminal-wide file (for every user; needs administrator rights)")
    set_.set_defaults(func=_set)

    unset = csub.add_parser("unset", help="remove a setting from a file (the lower level applies again)")
    unset.add_argument("key")
    unset.add_argument("--system", action="store_true", help="the terminal-wide file")
    unset.set_defaults(func=_unset)

    init = csub.add_parser(
        "init", help="first configuration of the terminal (asks, or takes the options given)",
        description="Asks for each setting when run in a terminal; with --yes (or without a "
                    "terminal) takes the options given and keeps the current value of the rest.")
    init.add_argument("--system", action="store_true",
                      help="write the terminal-wide file (recommended at installation; needs root)")
    init.add_argument("--yes", "-y", action="store_true", help="do not ask; use the options given")
    init.add_argument("--office-name")
    init.add_argument("--terminal-id")
    init.add_argument("--server", help="central server HOST[:PORT][/DB] (no password)")
    init.add_argument("--server-user", help="login role of this terminal on the central server")
    init.add_argument("--reader", help="default card reader name")
    init.add_argument("--language", choices=["ja", "en"])
    init.add_argument("--municipality-name")
    init.add_argument("--municipality-code")
    init.add_argument("--mayor-title")
    init.add_argument("--office-code")
    init.set_defaults(func=_init)


def _fail(exc: ConfigError) -> int:
    raise UserError(str(exc)) from exc


def _show(args: argparse.Namespace) -> int:
    try:
        config = OfficeConfig.load()
    except ConfigError as exc:
        return _fail(exc)
    rows = [{"key": f.key, "value": getattr(config, f.key), "source": config.source(f.key),
             "label": f.label_en} for f in FIELDS]
    files = {"system": str(OfficeConfig.system_path()), "user": str(OfficeConfig.path())}
    if args.json:
        print(json.dumps({"settings": {r["key"]: r["value"] for r in rows},
                          "sources": {r["key"]: r["source"] for r in rows},
                          "files": files, "first_run_needed": needs_first_run()},
                         ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["key"]) for r in rows)
    for r in rows:
        value = r["value"] if r["value"] != "" else "(empty)"
        print(f"{r['key']:<{width}}  {value}  [{r['source']}]")
    print()
    print(f"terminal file / 端末の設定: {files['system']}"
          f"{'' if OfficeConfig.system_path().exists() else '  (none)'}")
    print(f"user file     / 利用者の設定: {files['user']}"
          f"{'' if OfficeConfig.path().exists() else '  (none)'}")
    if needs_first_run():
        print("This terminal is not configured yet: run `madoguchi config init --system`. "
              "/ この端末はまだ設定されていません。")
    return 0


def _scope(args: argparse.Namespace) -> str:
    return "system" if args.system else "user"


def _set(args: argparse.Namespace) -> int:
    scope = _scope(args)
    try:
        config = OfficeConfig.load()
        before = {f.key: getattr(config, f.key) for f in FIELDS}
        config.set_value(args.key, args.value)
        path = config.save(scope)
    except ConfigError as exc:
        return _fail(exc)
    changed = [f.key for f in FIELDS if getattr(config, f.key) != before[f.key]]
    for key in changed or ([args.key] if args.key != SERVER_SHORTHAND else []):
        print(f"{key} = {getattr(config, key)}")
    print(f"saved to {path}")
    if scope == "user" and OfficeConfig.system_path().exists():
        print("(this user only; `--system` changes it for every user of the terminal)")
    if scope == "system":
        overridden = [k for k in changed if k in read_layer(OfficeConfig.path())]
        if overridden:
            print(f"note: your own user file still overrides {', '.join(overridden)} "
                  f"({OfficeConfig.path()}); `madoguchi config unset KEY` removes that.")
    return 0


def _unset(args: argparse.Namespace) -> int:
    path = OfficeConfig.scope_path(_scope(args))
    try:
        keys = (["server_host", "server_port", "server_db"] if args.key == SERVER_SHORTHAND
                else [field_by_key(args.key).key])
        layer = read_layer(path)
        if not any(k in layer for k in keys):
            print(f"{args.key} is not set in {path}")
            return 0
        raw = json.loads(path.read_text(encoding="utf-8"))
        for k in keys:
            raw.pop(k, None)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(raw, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
    except ConfigError as exc:
        return _fail(exc)
    except OSError as exc:
        return _fail(ConfigError(f"{path} に書き込めません（{exc.strerror}）。",
                                 f"cannot write {path} ({exc.strerror})."))
    print(f"removed {', '.join(keys)} from {path}")
    return 0


#: `config init` option → setting key (server is the HOST[:PORT][/DB] shorthand)
_INIT_OPTIONS = {"office_name": "office_name", "terminal_id": "terminal_id",
                 "server_user": "server_user", "reader": "default_reader", "language": "language",
                 "municipality_name": "municipality_name", "municipality_code": "municipality_code",
                 "mayor_title": "mayor_title", "office_code": "office_code"}


def _load_for_init(scope: str) -> OfficeConfig:
    """Load; a damaged file of the level being initialised is kept aside (renamed, never
    deleted) so `config init` can always repair it."""
    try:
        return OfficeConfig.load()
    except ConfigError as exc:
        target = OfficeConfig.scope_path(scope)
        if exc.path is None or Path(exc.path) != target:
            raise
        kept = target.with_name(f"{target.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
        target.replace(kept)
        print(f"{target} could not be read ({exc.en}); kept as {kept} and starting again.",
              file=sys.stderr)
        return OfficeConfig.load()


def _init(args: argparse.Namespace) -> int:
    scope = _scope(args)
    try:
        config = _load_for_init(scope)
        if args.server is not None:
            config.set_value(SERVER_SHORTHAND, args.server)
        for option, key in _INIT_OPTIONS.items():
            value = getattr(args, option)
            if value is not None:
                config.set_value(key, value)
    except ConfigError as exc:
        return _fail(exc)
    if not args.yes and sys.stdin.isatty():
        _ask(config, given={k for o, k in _INIT_OPTIONS.items() if getattr(args, o) is not None}
             | ({"server_host"} if args.server is not None else set()))
    try:
        path = config.save(scope)
    except ConfigError as exc:
        return _fail(exc)
    print(f"saved to {path}")
    for key in FIRST_RUN_KEYS:
        print(f"  {key} = {getattr(config, key)}")
    if scope == "system":
        from app.store.shared import create_shared_store

        try:
            store = create_shared_store()
        except OSError as exc:
            print(f"the terminal's store could not be made: {exc}", file=sys.stderr)
            return 2
        print(f"the terminal's live store (shared by the clerks' accounts in group madoguchi): {store}")
    if config.server_host and config.server_user:
        print("Next: `sudo madoguchi server login --system` keeps the server password as this "
              "terminal's sync credential (or `madoguchi server login`: this user's keyring).")
    return 0


def _ask(config: OfficeConfig, given: set[str]) -> None:
    """One question per first-run key; Enter keeps the shown value; a bad answer is asked again."""
    print("Madoguchi terminal set-up / 端末の設定 (Enter keeps the value in brackets)")
    for key in FIRST_RUN_KEYS:
        if key in given or (key in {"server_port", "server_db", "server_user"} and not config.server_host):
            continue
        f = field_by_key(key)
        while True:
            current = getattr(config, key)
            answer = read_line(f"{f.label_ja} / {f.label_en} [{current}]: ").strip()
            if not answer:
                break
            try:
                try:
                    config.set_value(key, answer)
                except ConfigError:
                    if key != "server_host":
                        raise
                    config.set_value(SERVER_SHORTHAND, answer)  # HOST:PORT/DB typed at once
                break
            except ConfigError as exc:
                print(f"  {exc.ja}\n  {exc.en}")

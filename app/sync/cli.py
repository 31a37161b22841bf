"""Sub-commands for office IT staff and scripts:

- ``madoguchi sync [--store PATH]`` — one sync round; exit 0 done, 2 not configured / standalone,
  3 server unreachable (the terminal keeps working; try again), 4 password missing or refused,
  5 the server refused data;
- ``madoguchi server init --dsn DSN`` — create or migrate the central schema (administrator DSN);
- ``madoguchi server add-terminal --dsn DSN --terminal ID`` — register a terminal and its login
  role (the password is asked for, or read from stdin with ``--password-stdin``);
- ``madoguchi server login`` — store this terminal's database password in the OS keyring (and
  the server address in the office configuration, never the password);
- ``madoguchi server seed --dsn DSN --from-store PATH`` — load master data into the server;
- ``madoguchi sync-status [--store PATH]`` — what the status indicator shows, as JSON.

Passwords are read with getpass or from stdin, never taken as a command-line argument (they would
show in the process list and shell history).
"""

from __future__ import annotations

import argparse
import json
import sys

# psycopg, keyring and the store are imported inside the handlers: every `madoguchi` command
# builds this parser, and those imports take half a second.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="one sync round with the central server (push, then pull)")
    p.add_argument("--store", default=argparse.SUPPRESS,
                   help="the local store (default: this terminal's live store)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_sync)

    st = sub.add_parser("sync-status", help="sync status of a store as JSON")
    st.add_argument("--store", default=argparse.SUPPRESS)
    st.set_defaults(func=_status)

    s = sub.add_parser("server", help="central PostgreSQL server: init, terminals, login, seed")
    ssub = s.add_subparsers(dest="server_command", required=True, metavar="ACTION")

    i = ssub.add_parser("init", help="create or migrate the central schema")
    i.add_argument("--dsn", required=True, help="administrator connection string")
    i.set_defaults(func=_init)

    a = ssub.add_parser("add-terminal", help="register a terminal and create its login role")
    a.add_argument("--dsn", required=True, help="administrator connection string")
    a.add_argument("--terminal", required=True, help="terminal id, e.g. T001")
    a.add_argument("--name", default="", help="e.g. 北支所 窓口1")
    a.add_argument("--role", help="login role name (default mdg_<database>_<terminal>)")
    a.add_argument("--password-stdin", action="store_true", help="read the new password from stdin")
    a.set_defaults(func=_add_terminal)

    lg = ssub.add_parser("login", help="store this terminal's database password in the OS keyring")
    lg.add_argument("--host", help="server host (or Unix socket directory)")
    lg.add_argument("--port", type=int)
    lg.add_argument("--db", help="database name")
    lg.add_argument("--user", help="this terminal's login role")
    lg.add_argument("--terminal", help="this terminal's id")
    lg.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    lg.add_argument("--no-check", action="store_true", help="store without trying the password")
    lg.set_defaults(func=_login)

    sd = ssub.add_parser("seed", help="load master data into the server from a local store")
    sd.add_argument("--dsn", required=True, help="administrator connection string")
    sd.add_argument("--from-store", required=True, dest="from_store")
    sd.set_defaults(func=_seed)


def _read_password(args, prompt: str) -> str:
    from app.cliargs import read_secret
    from app.sync.connection import SyncError

    password = read_secret(prompt, from_stdin=args.password_stdin, option="--password-stdin")
    if not password:
        raise SyncError("パスワードが空です / the password is empty", 2)
    return password


def _store_path(args) -> str:
    from app.paths import default_store_path

    return getattr(args, "store", None) or str(default_store_path())


def _progress_printer(quiet: bool):
    if quiet:
        return None
    last = {}

    def show(phase: str, done: int, total: int) -> None:
        if total and (done == total or done - last.get(phase, 0) >= max(total // 20, 1)):
            last[phase] = done
            print(f"  {phase}: {done}/{total}", file=sys.stderr, flush=True)

    return show


def _sync(args) -> int:
    from app.store.db import open_store
    from app.sync.connection import EXIT_OK, SyncError, SyncTarget
    from app.sync.service import sync_round

    target = SyncTarget.from_config()
    try:
        with open_store(_store_path(args)) as store:
            result = sync_round(store, target, on_progress=_progress_printer(args.quiet))
    except SyncError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return exc.exit_status
    print(json.dumps({"pushed": result.pushed, "pulled": result.pulled, "traffic": result.traffic,
                      "unknown_kinds": result.unknown_kinds, "witness": result.witness,
                      "at": result.at}, ensure_ascii=False))
    if result.unknown_kinds:
        print("madoguchi: some queued entries are of a kind the server does not know yet; update "
              "the server (madoguchi server init) / サーバーの更新が必要な未送信データがあります",
              file=sys.stderr)
    return EXIT_OK


def _status(args) -> int:
    from app.store.db import open_store
    from app.sync.connection import SyncTarget
    from app.sync.service import status_of

    with open_store(_store_path(args)) as store:
        status = status_of(store, SyncTarget.from_config())
    print(json.dumps(status.__dict__, ensure_ascii=False, indent=2))
    return 0


def _init(args) -> int:
    import psycopg

    from app.sync.server_schema import init_server

    try:
        before, after = init_server(args.dsn)
    except psycopg.Error as exc:
        raise _user_error(exc)
    print(f"central schema: version {before} -> {after}" if before != after
          else f"central schema: version {after}, up to date")
    return 0


def _add_terminal(args) -> int:
    import psycopg

    from app.sync.server_schema import add_terminal

    password = _read_password(args, f"password for terminal {args.terminal}: ")
    try:
        role = add_terminal(args.dsn, args.terminal, password, name=args.name, role=args.role)
    except psycopg.Error as exc:
        raise _user_error(exc)
    print(f"terminal {args.terminal}: login role {role}")
    return 0


def _login(args) -> int:
    import psycopg

    from app.config import OfficeConfig
    from app.sync.connection import SyncError, SyncTarget, conninfo, plain_error, save_password

    config = OfficeConfig.load()
    changed = False
    for attr, value in (("server_host", args.host), ("server_port", args.port), ("server_db", args.db),
                        ("server_user", args.user), ("terminal_id", args.terminal)):
        if value not in (None, "") and getattr(config, attr) != value:
            setattr(config, attr, value)
            changed = True
    target = SyncTarget.from_config(config)
    if not target.configured:
        raise SyncError("サーバーの場所（--host --user --db --terminal）が未設定です。"
                        " / The server is not configured: give --host, --user, --db and --terminal.", 2)
    password = _read_password(args, f"database password for {target.account}: ")
    if not args.no_check:
        try:
            psycopg.connect(conninfo(target, password)).close()
        except psycopg.Error as exc:
            error = plain_error(exc)
            print(f"madoguchi: {error}", file=sys.stderr)
            return error.exit_status
    save_password(target, password)
    if changed:
        config.save()
    print(f"password for {target.account} stored in the OS keyring")
    return 0


def _seed(args) -> int:
    import psycopg

    from app.store.db import open_store
    from app.sync.seed import seed_from_store

    with open_store(args.from_store, migrate=False) as store:
        try:
            counts = seed_from_store(store, args.dsn, on_progress=_progress_printer(False))
        except psycopg.Error as exc:
            raise _user_error(exc)
    print(json.dumps(counts))
    return 0


def _user_error(exc):
    from app.sync.connection import SyncError, plain_error

    error = plain_error(exc)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return SyncError(f"{error} ({detail})", error.exit_status)

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
- ``madoguchi server import --dsn DSN FILE… [--dry-run]`` — residents, households and cards from the
  resident-record system's export in the interchange layout (app.sync.importer; all or nothing);
- ``madoguchi server export-layout --from-store PATH OUTDIR`` — a store's municipality in that layout
  (the demo municipality as sample files);
- ``madoguchi sync-status [--store PATH]`` — what the status indicator shows, as JSON.

Passwords are read with getpass or from stdin, never taken as a command-line argument (they would
show in the process list and shell history).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# psycopg, keyring and the store are imported inside the handlers: every `madoguchi` command
# builds this parser, and those imports take half a second.


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="one sync round with the central server (push, then pull)")
    p.add_argument("--store", default=argparse.SUPPRESS,
                   help="the local store (default: this terminal's live store)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="on a terminal synced by its sync account: how long to wait for the sync "
                        "this command asks for (default 120)")
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

    tl = ssub.add_parser("terminals", help="list the registered terminals and their last sync")
    tl.add_argument("--dsn", required=True, help="administrator connection string")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(func=_terminals)

    lg = ssub.add_parser("login", help="store this terminal's database password in the OS keyring")
    lg.add_argument("--host", help="server host (or Unix socket directory)")
    lg.add_argument("--port", type=int)
    lg.add_argument("--db", help="database name")
    lg.add_argument("--user", help="this terminal's login role")
    lg.add_argument("--terminal", help="this terminal's id")
    lg.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    lg.add_argument("--no-check", action="store_true", help="store without trying the password")
    lg.add_argument("--system", action="store_true",
                    help="as root: keep the password as the terminal's credential for its sync account "
                         "(shared live store), not in this user's keyring")
    lg.set_defaults(func=_login)

    ho = ssub.add_parser("hand-over", help="hand a case over to another terminal (引継ぎ; recorded "
                                           "on the server with who, when and why)")
    ho.add_argument("--dsn", required=True, help="administrator connection string")
    ho.add_argument("--case", required=True, help="case id")
    ho.add_argument("--to", required=True, dest="to_terminal", help="terminal id that takes it over")
    ho.add_argument("--reason", required=True)
    ho.set_defaults(func=_hand_over)

    sd = ssub.add_parser("seed", help="load master data into the server from a local store")
    sd.add_argument("--dsn", required=True, help="administrator connection string")
    sd.add_argument("--from-store", required=True, dest="from_store")
    sd.set_defaults(func=_seed)

    im = ssub.add_parser("import", help="load residents from files in the interchange layout "
                                        "(中間標準レイアウト); all or nothing")
    im.add_argument("--dsn", required=True, help="administrator connection string")
    im.add_argument("files", nargs="+", metavar="FILE", help="SETAI / JUMIN / CARD files (CSV)")
    im.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    im.add_argument("--max-errors", type=int, default=200, help="errors to print (all are counted)")
    im.add_argument("--quiet", action="store_true", help="no progress bar")
    im.set_defaults(func=_import)

    st = ssub.add_parser("staff", help="staff accounts on the central server (synced to every terminal)")
    stsub = st.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    roles = ["clerk", "support_officer", "administrator"]
    sa = stsub.add_parser("add", help="add an account (one per person)")
    sa.add_argument("login")
    sa.add_argument("--name", required=True, help="display name, e.g. 窓口 一郎")
    sa.add_argument("--role", action="append", required=True, choices=roles,
                    help="repeat for a person holding several roles")
    sa.add_argument("--employee-no", help="職員番号: refuses a second account for the same person")
    sa.add_argument("--no-password", action="store_true", help="card sign-in only")
    sa.add_argument("--outsourced", action="store_true",
                    help="委託: outsourced staff (never a support officer, never past a restriction)")
    so = stsub.add_parser("outsourced", help="mark an account as outsourced (委託) or not")
    so.add_argument("login")
    so.add_argument("--off", action="store_true", help="not outsourced (a municipal employee)")
    sl = stsub.add_parser("list", help="list accounts")
    sl.add_argument("--json", action="store_true")
    for name in ("disable", "enable"):
        stsub.add_parser(name, help=f"{name} an account").add_argument("login")
    sr = stsub.add_parser("roles", help="replace the roles of an account")
    sr.add_argument("login")
    sr.add_argument("--role", action="append", required=True, choices=roles)
    stsub.add_parser("reset-password", help="set a new password (changed at the next sign-in)") \
        .add_argument("login")
    sc = stsub.add_parser("register-card", help="register the certificate (DER) of the person's own "
                                                "card; a replaced card stays in the card history")
    sc.add_argument("login")
    sc.add_argument("--cert", required=True, help="DER file of the user-authentication certificate")
    for action in stsub.choices.values():
        action.add_argument("--dsn", required=True, help="administrator connection string")
        if action.prog.split()[-1] in ("add", "reset-password"):
            action.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    st.set_defaults(func=_staff)

    ex = ssub.add_parser("export-layout", help="write a store's municipality in the interchange layout")
    ex.add_argument("--from-store", required=True, dest="from_store")
    ex.add_argument("outdir")
    ex.add_argument("--changes", type=int, default=0, help="also write a change file (異動) of N moves")
    ex.set_defaults(func=_export_layout)


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
    from app.store import shared
    from app.store.db import open_store
    from app.sync.connection import EXIT_OK, SyncError, SyncTarget
    from app.sync.service import sync_round

    target = SyncTarget.from_config()
    path = _store_path(args)
    is_shared = shared.is_shared_store(path)
    if is_shared and target.configured and _synced_by_the_system():
        return _ask_the_system(path, args)
    try:
        if is_shared and target.configured:
            shared.create_shared_store(path)          # the first sync makes the terminal's store
        with open_store(path) as store:
            result = sync_round(store, target, on_progress=_progress_printer(args.quiet))
    except SyncError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return exc.exit_status
    finally:
        if is_shared:
            shared.secure_store(path)
    print(json.dumps({"pushed": result.pushed, "pulled": result.pulled, "traffic": result.traffic,
                      "unknown_kinds": result.unknown_kinds, "witness": result.witness,
                      "at": result.at}, ensure_ascii=False))
    if result.unknown_kinds:
        print("madoguchi: some queued entries are of a kind the server does not know yet; update "
              "the server (madoguchi server init) / サーバーの更新が必要な未送信データがあります",
              file=sys.stderr)
    return EXIT_OK


def _synced_by_the_system() -> bool:
    """This terminal is synced by its sync account and this process is not that account."""
    from app.sync import credential

    return credential.system_managed() and credential.load() is None


def _ask_the_system(path: str, args) -> int:
    """A clerk's ``madoguchi sync`` on a shared terminal: ask the system's sync (app.sync.request)
    and report what it did."""
    from app.store import shared
    from app.store.db import open_store
    from app.sync import request
    from app.sync.connection import EXIT_OFFLINE, EXIT_OK

    shared.create_shared_store(path)
    asked_at = request.ask(path)
    if not args.quiet:
        print("madoguchi: 端末の同期サービスに同期を依頼しました / asked the terminal's sync service "
              "for a sync now", file=sys.stderr, flush=True)
    with open_store(path) as store:
        got = request.wait(store, asked_at, timeout=args.wait)
    print(json.dumps({"asked_at": asked_at, "last_sync": got.last_sync, "error": got.error},
                     ensure_ascii=False))
    if got.error is not None:
        print(f"madoguchi: {got.error.get('message')}", file=sys.stderr)
        return EXIT_OFFLINE
    if got.last_sync is None:
        print("madoguchi: 同期サービスが応答しません。IT 担当に連絡してください（systemctl status "
              "madoguchi-sync-request.path） / the terminal's sync service did not answer; call IT "
              "staff (systemctl status madoguchi-sync-request.path)", file=sys.stderr)
        return EXIT_OFFLINE
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


def _terminals(args) -> int:
    import psycopg

    from app.sync.server_schema import list_terminals

    try:
        terminals = list_terminals(args.dsn)
    except psycopg.Error as exc:
        raise _user_error(exc)
    if args.json:
        print(json.dumps(terminals, ensure_ascii=False, indent=2))
        return 0
    for t in terminals:
        print(f"{t['id']:<16} {t['role']:<24} {t['name']:<20} last sync {t['last_sync_at'] or 'never'}")
    return 0


def _hand_over(args) -> int:
    """Only after this may the other terminal add events to the case (server schema v3)."""
    import psycopg

    try:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            hid = conn.execute(
                "INSERT INTO madoguchi.case_handovers(case_id, to_terminal, reason) "
                "VALUES (%s, %s, %s) RETURNING id", (args.case, args.to_terminal, args.reason)
            ).fetchone()[0]
    except psycopg.Error as exc:
        raise _user_error(exc)
    print(f"case {args.case} handed over to terminal {args.to_terminal} (hand-over {hid})")
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
            config.set_value(attr, str(value))      # checked as `config set` checks it
            changed = True
    target = SyncTarget.from_config(config)
    if not target.configured:
        raise SyncError("サーバーの場所（--host --user --db --terminal）が未設定です。"
                        " / The server is not configured: give --host, --user, --db and --terminal.", 2)
    if args.system and os.name == "posix" and os.geteuid() != 0:
        raise SyncError("--system は管理者（sudo）で実行してください / run --system as root (sudo)", 2)
    password = _read_password(args, f"database password for {target.account}: ")
    if not args.no_check:
        try:
            psycopg.connect(conninfo(target, password)).close()
        except psycopg.Error as exc:
            error = plain_error(exc)
            print(f"madoguchi: {error}", file=sys.stderr)
            return error.exit_status
    if args.system:
        from app.sync import credential

        path = credential.save(password)
        if changed:
            config.save("system")
        print(f"password for {target.account} stored as this terminal's sync credential ({path}; "
              f"readable by the account {credential.SYNC_USER} only)")
        return 0
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


def _progress_bar(quiet: bool):
    """A one-line progress bar on stderr (a terminal), or a line per tenth (a log file)."""
    if quiet:
        return None
    tty = sys.stderr.isatty()
    last: dict[str, int] = {}

    def show(phase: str, done: int, total: int) -> None:
        if not total:
            return
        tenth = done * 10 // total
        if tty:
            filled = done * 30 // total
            print(f"\r  {phase:<24} [{'#' * filled}{'.' * (30 - filled)}] {done * 100 // total:3d}%",
                  end="\n" if done >= total else "", file=sys.stderr, flush=True)
        elif last.get(phase, -1) < tenth:
            last[phase] = tenth
            print(f"  {phase}: {done * 100 // total}%", file=sys.stderr, flush=True)

    return show


def _import(args) -> int:
    import getpass as _getpass

    import psycopg

    from app.sync.importer import import_files
    from app.sync.layout import LayoutError

    try:
        result = import_files(args.dsn, args.files, dry_run=args.dry_run,
                              on_progress=_progress_bar(args.quiet), max_problems=args.max_errors,
                              imported_by=_getpass.getuser())
    except psycopg.Error as exc:
        raise _user_error(exc)
    except LayoutError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    if not result.ok:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        more = result.error_count - len(result.problems)
        if more > 0:
            print(f"… ほかに {more} 件 / {more} more", file=sys.stderr)
        print(f"madoguchi: {result.error_count} 件の誤りがあるため何も取り込んでいません。"
              f" / {result.error_count} error(s): nothing was loaded.", file=sys.stderr)
        return 1
    print(json.dumps({"dry_run": args.dry_run, "rows": result.rows, "inserted": result.inserted,
                      "updated": result.updated, "unchanged": result.unchanged,
                      "files": [{k: f[k] for k in ("file", "dataset", "rows")} for f in result.files]},
                     ensure_ascii=False))
    if args.dry_run:
        print("madoguchi: 誤りはありません（--dry-run のため書き込んでいません）。"
              " / no errors (dry run: nothing written).", file=sys.stderr)
    return 0


def _staff(args) -> int:
    import psycopg

    from app.sync import staff_admin

    action = args.staff_command
    try:
        if action == "add":
            password = None if args.no_password else _read_password(args, f"password for {args.login}: ")
            member = staff_admin.add_staff(args.dsn, login=args.login, display_name=args.name,
                                           roles=args.role, password=password, employee_no=args.employee_no,
                                           outsourced=args.outsourced)
        elif action == "list":
            members = staff_admin.list_staff(args.dsn)
            if args.json:
                print(json.dumps(members, ensure_ascii=False, indent=2))
            for m in members if not args.json else ():
                flags = " ".join(f for f, on in (("disabled", m["disabled"]), ("card", m["card"]),
                                                 ("outsourced", m["outsourced"]),
                                                 ("must-change-password", m["must_change_password"])) if on)
                print(f"{m['login']:<16} {m['display_name']:<12} {','.join(m['roles']):<30} {flags}")
            return 0
        elif action in ("disable", "enable"):
            member = staff_admin.disable_staff(args.dsn, args.login, enable=action == "enable")
        elif action == "roles":
            member = staff_admin.set_roles(args.dsn, args.login, args.role)
        elif action == "register-card":
            from pathlib import Path

            from app.errors import UserError

            try:
                der = Path(args.cert).read_bytes()
            except OSError as exc:
                raise UserError(f"証明書ファイルを読めません: {args.cert} ({exc.strerror})",
                                en=f"cannot read the certificate file {args.cert}") from None
            member = staff_admin.register_card(args.dsn, args.login, der)
        elif action == "outsourced":
            member = staff_admin.set_outsourced(args.dsn, args.login, not args.off)
        else:
            password = _read_password(args, f"new password for {args.login}: ")
            member = staff_admin.reset_password(args.dsn, args.login, password)
    except psycopg.Error as exc:     # a StaffError (the account rules) reaches the top level as it is
        raise _user_error(exc)
    state = ("disabled" if member["disabled"] else "active") + (", outsourced (委託)" if member["outsourced"] else "")
    print(f"{member['login']}: {', '.join(member['roles'])}, {state}; terminals receive it at their next sync")
    return 0


def _export_layout(args) -> int:
    from app.store.db import open_store
    from app.sync.export_layout import export_store

    with open_store(args.from_store, migrate=False) as store:
        counts = export_store(store, args.outdir, changes=args.changes)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


def _user_error(exc):
    from app.sync.connection import SyncError, plain_error

    error = plain_error(exc)
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return SyncError(f"{error} ({detail})", error.exit_status)

"""Sub-commands of security for office IT staff and supervisors:
``staff add|list|disable|enable|reset-password|passwd|roles|register-card|demo|outsourced`` and
``audit verify|show``, ``security selftest|pending-relock``. (``measures`` is app.desk.cli's: its
reconciliation renders a PDF, which is printing's work, a layer above this one.) Passwords come
from a prompt without echo or from ``--password-stdin``; they are never accepted as an argument
(they would end up in the shell history).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cliargs import limit, read_secret
from app.errors import UserError
from app.store.db import open_store
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


def _terminal() -> str:
    from app.config import OfficeConfig

    return OfficeConfig.load().terminal_id


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("staff", help="staff accounts (職員): add, list, disable, reset a password")
    ssub = p.add_subparsers(dest="staff_command", required=True, metavar="ACTION")

    add = ssub.add_parser("add", help="add an account (one per person)")
    add.add_argument("--store", required=True)
    add.add_argument("login")
    add.add_argument("--name", required=True, help="display name, e.g. 窓口 一郎")
    add.add_argument("--role", action="append", required=True,
                     choices=["clerk", "support_officer", "administrator"],
                     help="repeat for a person holding several roles")
    add.add_argument("--employee-no", help="職員番号: refuses a second account for the same person")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--no-password", action="store_true", help="card sign-in only")
    add.add_argument("--outsourced", action="store_true",
                     help="委託: outsourced staff (never a support officer, never past a restriction)")
    add.set_defaults(func=_add)

    oc = ssub.add_parser("outsourced", help="mark an account as outsourced (委託) or not")
    oc.add_argument("--store", required=True)
    oc.add_argument("login")
    oc.add_argument("--off", action="store_true", help="not outsourced (a municipal employee)")
    oc.set_defaults(func=_outsourced)

    lst = ssub.add_parser("list", help="list accounts")
    lst.add_argument("--store", required=True)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    for name, enable in (("disable", False), ("enable", True)):
        d = ssub.add_parser(name, help=f"{name} an account")
        d.add_argument("--store", required=True)
        d.add_argument("login")
        d.set_defaults(func=_disable, enable=enable)

    rp = ssub.add_parser("reset-password", help="set a new password (the person changes it at sign-in)")
    rp.add_argument("--store", required=True)
    rp.add_argument("login")
    rp.add_argument("--password-stdin", action="store_true")
    rp.set_defaults(func=_reset)

    pw = ssub.add_parser("passwd", help="change your own password (asks for the current one and "
                                        "the new one twice, at a terminal, without echo)")
    pw.add_argument("--store", required=True)
    pw.add_argument("--login", required=True, help="your own login")
    pw.set_defaults(func=_passwd)

    ro = ssub.add_parser("roles", help="replace the roles of an account")
    ro.add_argument("--store", required=True)
    ro.add_argument("login")
    ro.add_argument("--role", action="append", required=True,
                    choices=["clerk", "support_officer", "administrator"])
    ro.set_defaults(func=_roles)

    rc = ssub.add_parser("register-card", help="register the user-authentication certificate "
                                                "(DER) of the person's own card")
    rc.add_argument("--store", required=True)
    rc.add_argument("login")
    rc.add_argument("--cert", required=True, help="DER file of the certificate")
    rc.set_defaults(func=_register_card)

    demo = ssub.add_parser("demo", help="create the published training accounts (demo store only)")
    demo.add_argument("--store", required=True)
    demo.set_defaults(func=_demo)

    a = sub.add_parser("audit", help="audit log (監査ログ): verify the chain, show entries")
    asub = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = asub.add_parser("verify", help="walk the hash chain; non-zero exit naming the first broken entry")
    v.add_argument("--store", required=True)
    v.add_argument("--json", action="store_true")
    v.add_argument("--online", action="store_true",
                   help="also ask the central server: is its chain in this log, is the kept "
                        "witness really its own (catches a faked witness)")
    v.set_defaults(func=_verify)
    s = asub.add_parser("show", help="latest entries")
    s.add_argument("--store", required=True)
    s.add_argument("--limit", type=limit, default=20)
    s.add_argument("--target")
    s.set_defaults(func=_show)

    sec = sub.add_parser("security", help="DV self-test (run on every installation and update)")
    secsub = sec.add_subparsers(dest="security_command", required=True, metavar="ACTION")
    st = secsub.add_parser("selftest", help="prove the support-measure functions work; non-zero "
                                            "exit if not (do not go live)")
    st.add_argument("--store", help="also check this store's guards and record the result in it")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_selftest)

    rl = secsub.add_parser("pending-relock", help="releases whose re-lock is not yet confirmed by "
                                                  "a third person")
    rl.add_argument("--store", required=True)
    rl.set_defaults(func=_pending_relock)


def _outsourced(args) -> int:
    from app.security.staff import set_outsourced

    with open_store(args.store) as store:
        member = _staff_call(set_outsourced, store, args.login, not args.off, actor_id=None,
                             terminal_id=_terminal())
    print(f"{member.login}: {'outsourced (委託)' if member.outsourced else 'municipal employee'}")
    return 0


def _read_password(args, prompt: str = "Password / パスワード: ", confirm: bool = True) -> str:
    return read_secret(prompt, from_stdin=getattr(args, "password_stdin", False),
                       option="--password-stdin", confirm=confirm)


def _staff_call(fn, *a, **kw):
    from app.security.staff import StaffError

    try:
        return fn(*a, **kw)
    except StaffError as exc:
        raise UserError(str(exc)) from None


def _add(args) -> int:
    from app.security.staff import add_staff

    password = None if args.no_password else _read_password(args)
    with open_store(args.store) as store:
        member = _staff_call(add_staff, store, login=args.login, display_name=args.name,
                             roles=args.role, password=password, employee_no=args.employee_no,
                             actor_id=None, terminal_id=_terminal(), outsourced=args.outsourced)
    print(f"added {member.login} ({', '.join(sorted(r.value for r in member.roles))})")
    return 0


def _list(args) -> int:
    from app.security.staff import list_staff

    with open_store(args.store) as store:
        members = list_staff(store.conn)
    if args.json:
        print(json.dumps([m.as_dict() for m in members], ensure_ascii=False, indent=2))
        return 0
    for m in members:
        flags = [f for f, on in (("disabled", m.disabled), ("card", m.has_card),
                                 ("locked", bool(m.locked_until))) if on]
        print(f"{m.login:<16} {m.display_name:<12} {','.join(sorted(r.value for r in m.roles)):<30}"
              f" {' '.join(flags)}")
    return 0


def _disable(args) -> int:
    from app.security.staff import disable_staff

    with open_store(args.store) as store:
        member = _staff_call(disable_staff, store, args.login, actor_id=None,
                             terminal_id=_terminal(), enable=args.enable)
    print(f"{member.login}: {'enabled' if not member.disabled else 'disabled'}")
    return 0


def _reset(args) -> int:
    from app.security.staff import reset_password

    password = _read_password(args, "New password / 新しいパスワード: ")
    with open_store(args.store) as store:
        _staff_call(reset_password, store, args.login, password, actor_id=None,
                    terminal_id=_terminal())
    print(f"{args.login}: password reset; to be changed at the next sign-in")
    return 0


def _passwd(args) -> int:
    """The person's own password: typed at a terminal only (no ``--password-stdin``: a script
    has no business changing a person's own password; IT staff use ``reset-password``)."""
    from app.security.staff import AuthError, change_own_password

    if not (sys.stdin and sys.stdin.isatty()):
        raise UserError("パスワードの変更は端末で入力してください（画面に表示せずに尋ねます）。パイプや"
                        "スクリプトからは変更できません / staff passwd asks for the passwords at a "
                        "terminal, without echo; it cannot read them from a pipe or a script")
    old = read_secret("Current password / 現在のパスワード: ", from_stdin=False, option="")
    new = read_secret("New password / 新しいパスワード: ", from_stdin=False, option="", confirm=True)
    with open_store(args.store) as store:
        try:
            _staff_call(change_own_password, store, args.login, old, new, terminal_id=_terminal())
        except AuthError as exc:
            raise UserError(str(exc)) from None
        finally:
            del old, new
    print(f"{args.login}: password changed; your signing key is kept (what you signed still verifies)")
    return 0


def _roles(args) -> int:
    from app.security.staff import set_roles

    with open_store(args.store) as store:
        member = _staff_call(set_roles, store, args.login, args.role, actor_id=None,
                             terminal_id=_terminal())
    print(f"{member.login}: {', '.join(sorted(r.value for r in member.roles))}")
    return 0


def _register_card(args) -> int:
    from app.security.cardauth import register_card

    try:
        der = Path(args.cert).read_bytes()
    except OSError as exc:
        raise UserError(f"証明書ファイルを読めません: {args.cert} ({exc.strerror})") from None
    with open_store(args.store) as store:
        _staff_call(register_card, store, args.login, der, actor_id=None, terminal_id=_terminal())
    print(f"{args.login}: card certificate registered")
    return 0


def _demo(args) -> int:
    from app.security.demo import create_training_accounts

    with open_store(args.store, create=True) as store:
        rows = _staff_call(create_training_accounts, store, terminal_id=_terminal())
    print("研修用アカウント / training accounts (demo store only):")
    for account, member, created in rows:
        print(f"  {account.login:<9} {account.password:<16} "
              f"{','.join(r.value for r in account.roles):<24} {account.note}"
              f"{'' if created else '  (already there)'}")
    return 0


def _verify(args) -> int:
    from app.security.audit import verify

    with open_store(args.store) as store:
        result = verify(store.conn)
        if args.online:
            _verify_online(store, result)
    ja, en = result.coverage()
    if args.json:
        print(json.dumps({"ok": result.ok, "entries": result.entries, "head": result.head,
                          "witness": result.witness, "witnessed": result.witnessed,
                          "unwitnessed": result.unwitnessed, "coverage": {"ja": ja, "en": en},
                          "first_broken": result.first.seq if result.first else None,
                          "problems": [{"seq": p.seq, "text": p.text} for p in result.problems]},
                         ensure_ascii=False, indent=2))
    elif result.ok:
        head = result.head or {}
        print(f"audit log chain intact: {result.entries} entries, head {head.get('seq', 0)} "
              f"{head.get('hash', '')[:16]}; {en}")
        print(f"監査ログの連鎖に異常なし（{result.entries} 件）。{ja}")
    else:
        first = result.first
        print(f"AUDIT LOG BROKEN: first broken entry: {first.seq if first.seq else '-'}: "
              f"{first.text}", file=sys.stderr)
        for p in result.problems:
            if p is not first:
                print(f"  also: {p.text}", file=sys.stderr)
        print(f"  ({en})", file=sys.stderr)
    return 0 if result.ok else 1


def _verify_online(store, result) -> None:
    """Add what the central server says (``app.sync``; its connection settings and keyring)."""
    import psycopg

    from app.security.audit import Problem
    from app.sync.connection import SyncError, SyncTarget, connect, plain_error
    from app.sync.push import confirm_witness

    try:
        with connect(SyncTarget.from_config()) as conn:
            for text in confirm_witness(store, conn):
                result.problems.append(Problem(None, "server: " + text))
    except (SyncError, OSError, psycopg.Error) as exc:
        raise UserError(f"中央サーバーで確認できません / cannot check with the central server: "
                        f"{plain_error(exc)}") from None


def _selftest(args) -> int:
    from app.security import selftest

    if args.store:
        with open_store(args.store) as store:
            result = selftest.run(store)
    else:
        result = selftest.run()
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        for c in result.checks:
            print(f"{'OK  ' if c.ok else 'FAIL'} {c.name}{': ' + c.detail if c.detail else ''}")
        print("支援措置機能の動作確認: 合格 / DV self-test passed" if result.ok else
              "支援措置機能の動作確認: 不合格 — 運用を開始しないでください / DV self-test FAILED — do not go live")
    return 0 if result.ok else 1


def _pending_relock(args) -> int:
    from app.security.release import pending_relock

    with open_store(args.store) as store:
        rows = pending_relock(store.conn)
        for r in rows:
            state = ",".join(sorted(r.events)) or "open"
            print(f"{r.issued_at} case {r.case_id} officer {r.officer_id} expires {r.expires_at} [{state}]")
    print(f"{len(rows)} release(s) awaiting re-lock confirmation")
    return 0


def _show(args) -> int:
    from app.security.audit import entries

    with open_store(args.store) as store:
        for e in reversed(entries(store.conn, target_id=args.target, limit=args.limit)):
            print(f"{e.seq:>6} {e.at} {e.terminal_id} {e.staff_id or '-':<36} {e.action:<22} "
                  f"{e.target_kind or ''}:{e.target_id or ''} {e.detail}")
    return 0

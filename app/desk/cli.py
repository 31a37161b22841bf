"""``madoguchi measures …`` and ``madoguchi report daily|monthly``: the support-measure ledger and
the supervisor's desk from the command line, on the same UI-free views the window shows
(app.security.measures and .registration; app.desk.supervisor figures and queues; app.desk.reports
text and PDF).

The ``measures`` command lives here rather than in app.security.cli because ``measures reconcile
--pdf`` renders a PDF (app.printing, a layer above security): list, end (asked by an officer, a
second person confirms with ``confirm-end``), renew, forward, register, confirm, system,
request-end, confirm-end, ledger, reconcile (non-zero exit while any block is missing).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cliargs import iso_date, read_secret
from app.errors import UserError
from app.store.db import open_store
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


def _terminal() -> str:
    from app.config import OfficeConfig

    return OfficeConfig.load().terminal_id


def _password(args, login: str) -> str:
    return read_secret(f"{login} password / パスワード: ", from_stdin=getattr(args, "password_stdin", False),
                       option="--password-stdin", confirm=False)


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("measures", help="DV/stalking support measures (支援措置): list, end, renew, "
                                       "forward (a support officer signs in)")
    msub = m.add_subparsers(dest="measures_command", required=True, metavar="ACTION")
    ml = msub.add_parser("list", help="measures in force (with --all, ended ones too)")
    ml.add_argument("--store", required=True)
    ml.add_argument("--all", action="store_true")
    ml.add_argument("--json", action="store_true")
    ml.set_defaults(func=_measures_list)
    for name, helptext in (("end", "ask to end a measure (the only way one ends; a second person "
                                   "confirms with confirm-end)"),
                           ("renew", "renew on application, from one month before the end"),
                           ("forward", "record forwarding to a related municipality")):
        mp = msub.add_parser(name, help=helptext)
        mp.add_argument("--store", required=True)
        mp.add_argument("measure_id")
        mp.add_argument("--officer", required=True, help="login of the support officer")
        mp.add_argument("--password-stdin", action="store_true")
        mp.add_argument("--date", type=iso_date, help="YYYY-MM-DD (default today)")
        if name == "end":
            mp.add_argument("--reason", required=True)
        if name == "forward":
            mp.add_argument("--to", required=True, help="municipality")
            mp.add_argument("--reason", required=True, help="e.g. 本籍地, 転出先")
        mp.set_defaults(func=_measures_change, action=name)

    _register_ledger(msub)
    _register_reconcile(msub)

    p = sub.add_parser("report", help="the supervisor's daily or monthly report (figures, queues, "
                                       "measures not complete)")
    rsub = p.add_subparsers(dest="report_command", required=True, metavar="PERIOD")
    for name, helptext in (("daily", "one office day (default today)"),
                           ("monthly", "one month (default this month)")):
        r = rsub.add_parser(name, help=helptext)
        r.add_argument("--store", required=True)
        if name == "daily":
            r.add_argument("--date", help="YYYY-MM-DD")
        else:
            r.add_argument("--month", help="YYYY-MM")
        r.add_argument("--pdf", help="write the report as PDF")
        r.add_argument("--csv", help="write the figures as CSV")
        r.add_argument("--json", action="store_true")
        r.set_defaults(func=_report, period=name)


def _register_reconcile(msub) -> None:
    rc = msub.add_parser("reconcile", help="monthly reconciliation of applications against blocks; "
                                            "non-zero exit when any block is missing")
    rc.add_argument("--store", required=True)
    rc.add_argument("--month", required=True, help="YYYY-MM")
    rc.add_argument("--pdf", help="also write the report with sign-off fields as PDF")
    rc.add_argument("--json", action="store_true")
    rc.set_defaults(func=_reconcile)


def _register_ledger(msub) -> None:
    def signed(p, who="staff"):
        p.add_argument("--store", required=True)
        p.add_argument("--login", required=True, help=f"login of the {who} (signs in)")
        p.add_argument("--password-stdin", action="store_true")
        return p

    rg = signed(msub.add_parser("register", help="enter a measure (申出受付 / 仮支援措置 / 支援決定 / 延長); "
                                                 "a second person confirms it the same day"))
    rg.add_argument("--stage", required=True, choices=["application", "provisional", "decision", "renewal"])
    rg.add_argument("--target", help="resident id of the person to protect (new measure)")
    rg.add_argument("--measure", help="existing measure (decision on a provisional one, renewal)")
    rg.add_argument("--kind", default="dv", choices=["dv", "stalking", "child_abuse", "other"])
    rg.add_argument("--member", action="append", default=[], help="protected household member (repeat)")
    rg.add_argument("--applied", help="date of the application YYYY-MM-DD (default today)")
    rg.add_argument("--start", help="decision: first day of the measure YYYY-MM-DD")
    rg.add_argument("--perpetrator-family", default="")
    rg.add_argument("--perpetrator-given", default="")
    rg.add_argument("--perpetrator-address", default="")
    rg.set_defaults(func=_ledger_change, action="register")
    cf = signed(msub.add_parser("confirm", help="confirm a registration (a support officer, not the one "
                                                "who entered it, the same day)"), "support officer")
    cf.add_argument("registration")
    cf.set_defaults(func=_ledger_change, action="confirm")
    sy = signed(msub.add_parser("system", help="confirm that a linked system is blocked for a measure"))
    sy.add_argument("measure")
    sy.add_argument("system", help="e.g. 戸籍の附票")
    sy.add_argument("--blocked-at", help="when it was blocked there (ISO date-time; default now)")
    sy.set_defaults(func=_ledger_change, action="system")
    re_ = signed(msub.add_parser("request-end", help="a support officer asks to end a measure (a second "
                                                      "person confirms)"), "support officer")
    re_.add_argument("measure")
    re_.add_argument("--reason", required=True)
    re_.add_argument("--date", help="YYYY-MM-DD (default today)")
    re_.set_defaults(func=_ledger_change, action="request-end")
    ce = signed(msub.add_parser("confirm-end", help="confirm an end asked for by an officer"))
    ce.add_argument("request")
    ce.set_defaults(func=_ledger_change, action="confirm-end")
    lg = msub.add_parser("ledger", help="every measure with its registrations, linked systems and "
                                         "renewal state (incomplete first)")
    lg.add_argument("--store", required=True)
    lg.add_argument("--all", action="store_true", help="ended measures too")
    lg.set_defaults(func=_ledger)



def _date_arg(text: str | None, what: str):
    import datetime as dt

    from app.security.registration import office_today

    if not text:
        return office_today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} は YYYY-MM-DD で入力してください: {text!r} / give {what} as YYYY-MM-DD") from None



def _sign_in(store, args, login: str | None = None):
    from app.security.staff import AuthError, authenticate_password

    login = args.login if login is None else login
    if not login.strip():                # `--officer ''` (make fuzz) fell back to a --login it has not
        raise UserError("ログイン名が空です / the login is empty")
    password = _password(args, login)
    try:
        return authenticate_password(store, login, password, terminal_id=_terminal())
    except AuthError as exc:
        raise UserError(str(exc)) from None


def _ledger_change(args) -> int:
    import datetime as dt

    from app.security import registration as R
    from app.security.measures import MeasureError, Perpetrator

    with open_store(args.store) as store:
        who = _sign_in(store, args)
        try:
            if args.action == "register":
                reg = R.register(
                    store, who, stage=args.stage, applied_date=_date_arg(args.applied, "--applied"),
                    target_id=args.target, kind=args.kind, members=args.member, measure_id=args.measure,
                    start_date=_date_arg(args.start, "--start") if args.start else None,
                    perpetrator=Perpetrator(family_name=args.perpetrator_family,
                                            given_name=args.perpetrator_given,
                                            address=args.perpetrator_address))
                print(f"registered {reg.event.id} ({args.stage}) for measure {reg.event.measure_id}; "
                      f"it blocks now and waits for a second person's confirmation today")
            elif args.action == "confirm":
                reg = R.confirm(store, who, args.registration)
                print(f"confirmed {reg.event.id} (measure {reg.event.measure_id})")
            elif args.action == "system":
                try:
                    at = dt.datetime.fromisoformat(args.blocked_at) if args.blocked_at else None
                except ValueError:
                    raise UserError("--blocked-at は日時（例 2026-11-30T09:15+09:00）で入力してください / "
                                    "give --blocked-at as an ISO date-time") from None
                if at is not None and at.tzinfo is None:
                    at = at.replace(tzinfo=R.OFFICE_TZ)
                ev = R.confirm_system(store, who, args.measure, args.system, blocked_at=at)
                print(f"{args.system}: blocked, confirmed by {who.staff.display_name} ({ev.id})")
            elif args.action == "request-end":
                ev = R.request_end(store, who, args.measure, on=_date_arg(args.date, "--date"),
                                   reason=args.reason)
                print(f"end requested ({ev.id}); the measure keeps blocking until a second person confirms")
            else:
                m = R.confirm_end(store, who, args.request)
                print(f"ended {m.id} on {m.ended_date}")
        except MeasureError as exc:
            raise UserError(str(exc)) from None
    return 0



def _ledger(args) -> int:
    from app.security import registration as R

    with open_store(args.store) as store:
        entries = R.ledger(store.conn, R.office_today(), include_ended=args.all)
    for e in entries:
        flag = "OK " if e.complete else "!! "
        print(f"{flag}{e.measure.id}  {R.STATE_LABELS[e.state][0]} / {R.STATE_LABELS[e.state][1]}  "
              f"applied {e.measure.applied_date}  ends {e.measure.end_date or '-'}"
              + (f"  unconfirmed: {', '.join(e.unconfirmed_systems)}" if e.unconfirmed_systems else "")
              + (f"  awaiting confirmation: {len(e.pending_registrations)}" if e.pending_registrations else ""))
    print(f"{len(entries)} measure(s), {sum(not e.complete for e in entries)} incomplete")
    return 0



def _measures_list(args) -> int:
    import datetime as dt

    from app.security.measures import list_measures

    today = dt.date.today()
    with open_store(args.store) as store:
        rows = list_measures(store.conn, include_ended=args.all)
        names = dict(store.conn.execute("SELECT id, family_name || ' ' || given_name FROM residents"
                                        " WHERE id IN (SELECT target_id FROM support_measures)"))
    if args.json:
        print(json.dumps([{"id": m.id, "target_id": m.target_id, "kind": m.kind, "status": m.status,
                           "start_date": m.start_date, "end_date": m.end_date,
                           "members": list(m.members), "past_end_date": m.past_end_date(today)}
                          for m in rows], ensure_ascii=False, indent=2))
        return 0
    for m in rows:
        note = "  ※終了日経過・要確認 / past its end date: renew or end it" if m.past_end_date(today) else ""
        print(f"{m.id}  {m.status:<11} {m.kind:<11} {names.get(m.target_id, m.target_id)}  "
              f"{m.start_date or '-'} → {m.end_date or '-'}  +{len(m.members)}{note}")
    print(f"{len(rows)} measure(s)")
    return 0



def _measures_change(args) -> int:
    import datetime as dt

    from app.security import measures

    day = args.date or dt.date.today()
    with open_store(args.store) as store:
        officer = _sign_in(store, args, args.officer)
        try:
            if args.action == "end":       # two people: the officer asks, a second person confirms
                from app.security.registration import request_end

                ev = request_end(store, officer, args.measure_id, on=day, reason=args.reason)
                print(f"end requested ({ev.id}); the measure keeps blocking until a second person "
                      f"confirms: madoguchi measures confirm-end --store ... --login ... {ev.id}")
            elif args.action == "renew":
                m = measures.renew(store, officer, args.measure_id, on=day)
                print(f"renewed as {m.id}: {m.start_date} → {m.end_date}")
            else:
                f = measures.forward(store, officer, args.measure_id, municipality=args.to,
                                     reason=args.reason, sent_date=day)
                print(f"forwarded to {f.municipality} on {f.sent_date} ({f.id})")
        except measures.MeasureError as exc:
            raise UserError(str(exc)) from None
    return 0


def _period(args):
    import datetime as dt

    from app.desk.supervisor import day_period, month_period
    from app.security.registration import office_today

    try:
        if args.period == "daily":
            return day_period(dt.date.fromisoformat(args.date) if args.date else office_today())
        return month_period(args.month or office_today())
    except ValueError:
        raise UserError("日付は YYYY-MM-DD、月は YYYY-MM で指定してください / give --date as YYYY-MM-DD "
                        "and --month as YYYY-MM") from None


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise UserError(f"書き込めません: {path} ({exc.strerror}) / cannot write {path}") from None


def _report(args) -> int:
    import datetime as dt

    from app.desk import reports, supervisor

    period = _period(args)
    with open_store(args.store) as store:
        fig = supervisor.figures(store.conn, period)
        queues = supervisor.queues(store, dt.datetime.now(dt.timezone.utc))
    red = reports.red_lines(queues)
    title = "監督者 日報" if period.kind == "day" else "監督者 月報"
    if args.pdf:
        _write(args.pdf, reports.render_report(fig, queues, title=title, red_lines=red))
    if args.csv:
        _write(args.csv, supervisor.figures_csv(fig).encode("utf-8-sig"))
    if args.json:
        print(json.dumps(fig.as_dict() | {"red": red, "queues": {
            k: [i.en for i in v] for k, v in queues.items()}}, ensure_ascii=False, indent=2))
    else:
        print(f"{title} {period.label}: {fig.total} case(s)")
        print(supervisor.figures_csv(fig), end="")
        for line in red:
            print(f"!! {line}")
    return 0


def _reconcile(args) -> int:
    from app.desk import reports
    from app.desk.supervisor import month_period

    try:
        month_period(args.month)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with open_store(args.store) as store:
        rec = reports.reconcile(store, args.month)
        signed = reports.signed_rows(store, rec)
        if args.pdf:
            _write(args.pdf, reports.render_reconciliation(rec, signed))
    if args.json:
        print(json.dumps(rec.as_dict() | {"digest": rec.digest(), "signed": signed}, ensure_ascii=False, indent=2))
    else:
        print(reports.reconciliation_text(rec, signed))
    return 0 if rec.ok else 1

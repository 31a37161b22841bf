"""``madoguchi report daily|monthly``: the supervisor's desk as a report (the same UI-free views
the window shows: app.desk.supervisor figures and queues, app.desk.reports PDF), and
``madoguchi measures reconcile``, added to the ``measures`` command of app.security.cli (the
reconciliation's PDF is printing's work, a layer above security)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.errors import UserError
from app.store.db import open_store


def register(sub: argparse._SubParsersAction) -> None:
    measures = sub.choices["measures"]           # made by app.security.cli, registered before us
    msub = next(a for a in measures._actions if isinstance(a, argparse._SubParsersAction))
    rc = msub.add_parser("reconcile", help="monthly reconciliation of applications against blocks; "
                                            "non-zero exit when any block is missing")
    rc.add_argument("--store", required=True)
    rc.add_argument("--month", required=True, help="YYYY-MM")
    rc.add_argument("--pdf", help="also write the report with sign-off fields as PDF")
    rc.add_argument("--json", action="store_true")
    rc.set_defaults(func=_reconcile)

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

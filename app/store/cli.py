"""Sub-commands for the local store, for office IT staff and scripts: ``store info``, ``store reindex``,
``demo-data`` (the demo municipality) and ``residents find`` (resident search).

Printing only: the work is in app.store.demo and app.store.search. The My Number is masked in
every output unless ``--show-number`` is given; it is never logged.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import sys

from app.cliargs import limit
from app.errors import UserError
from app.store.db import check_integrity, open_store
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="local store: information")
    ssub = p.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    info = ssub.add_parser("info", help="schema version and row counts of a store")
    info.add_argument("--store", required=True)
    info.set_defaults(func=_info)
    check = ssub.add_parser("check", help="check every page and index of a store (SQLite integrity "
                                          "check); exit 1 if it is damaged")
    check.add_argument("--store", required=True)
    check.add_argument("--quick", action="store_true", help="pages only, not the indexes (faster)")
    check.set_defaults(func=_check)
    reindex = ssub.add_parser("reindex", help="recompute every resident's search keys (after an update "
                                             "that changed the folding rules)")
    reindex.add_argument("--store", required=True)
    reindex.set_defaults(func=_reindex)

    demo = sub.add_parser("demo-data", help="make the demo municipality 研修市 (training store)",
                          description="Make a training store for the demo municipality 研修市: residents, "
                                      "households, cards, applications, support measures and test-card files. "
                                      "The same seed gives an identical store.")
    demo.add_argument("--store", required=True, help="path of the store to create")
    demo.add_argument("--residents", required=True, type=int, help="number of resident records")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--as-of", help="reference date of the demo data, YYYY-MM-DD (default 2026-11-01)")
    demo.add_argument("--force", action="store_true", help="replace an existing store")
    demo.add_argument("--no-card-files", action="store_true", help="do not write test-card files")
    demo.add_argument("--quiet", action="store_true", help="no progress on the terminal")
    demo.set_defaults(func=_demo_data)

    res = sub.add_parser("residents", help="residents: search")
    rsub = res.add_subparsers(dest="residents_command", required=True, metavar="ACTION")
    find = rsub.add_parser("find", help="search residents (name, birth date, sex, address, My Number)",
                           description="Search residents. Names match by prefix, in kanji or kana, ignoring "
                                       "spaces, width and hiragana/katakana. Removed records (除票) are included "
                                       "and marked; persons under a support measure are flagged.")
    find.add_argument("--store", required=True)
    find.add_argument("--name", help="name or its reading, prefix (山田, やまだ, ﾔﾏﾀﾞ ﾀ)")
    find.add_argument("--birth", help="birth date: 1980-04-01, 19800401, 昭和55年4月1日, S55.4.1, 1980, 1980-04")
    find.add_argument("--sex", help="1/男/M or 2/女/F")
    find.add_argument("--address", help="address fragment (中央町3丁目5, 中央町３－５)")
    find.add_argument("--my-number", help="My Number (12 digits; the check digit is verified first)")
    find.add_argument("--active-only", action="store_true", help="leave out removed records (除票)")
    find.add_argument("--limit", type=limit, default=20, help="at most this many results (default 20)")
    find.add_argument("--json", action="store_true", help="print JSON")
    find.add_argument("--show-number", action="store_true",
                      help="show the My Number and resident code unmasked (special personal information)")
    find.set_defaults(func=_find)


def _info(args: argparse.Namespace) -> int:
    """Version, row counts and SQLite's quick page check; exit 1 (and a message) if damaged."""
    with open_store(args.store) as store:
        problems = check_integrity(store)
        info = {"path": str(store.path), "schema_version": store.version,
                "integrity": "ok" if not problems else problems}
        if not problems:
            tables = [r[0] for r in store.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'address_fts_%' ORDER BY name")]
            info["rows"] = {t: store.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
            info["demo"] = store.setting("demo")
        print(json.dumps(info, ensure_ascii=False, indent=2))
    if problems:
        print(_DAMAGED, file=sys.stderr)
        return 1
    return 0


_DAMAGED = ("madoguchi: ストアが壊れています。使用をやめ、バックアップから復元してください（IT 担当）。"
            " / the store is damaged: stop using it and restore it from a backup (IT staff).")


def _check(args: argparse.Namespace) -> int:
    with open_store(args.store, migrate=False) as store:
        problems = check_integrity(store, full=not args.quick, limit=100)
    if problems:
        for line in problems:
            print(line)
        print(_DAMAGED, file=sys.stderr)
        return 1
    print(f"{args.store}: ok（{'ページ' if args.quick else 'ページと索引'}に問題なし / "
          f"{'pages' if args.quick else 'pages and indexes'} sound)")
    return 0


def _reindex(args: argparse.Namespace) -> int:
    from app.store.residents import reindex

    with open_store(args.store) as store:
        with store.transaction() as conn:
            changed = reindex(conn)
    print(f"検索キーを更新しました: {changed:,} 人 / search keys recomputed: {changed:,} residents changed")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from app.store.demo import DEMO_AS_OF, generate

    as_of = DEMO_AS_OF
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise UserError(f"--as-of は YYYY-MM-DD です / --as-of must be YYYY-MM-DD, not {args.as_of!r}") from None
    with _terminate_as_interrupt():
        summary = generate(args.store, args.residents, args.seed, force=args.force, as_of=as_of,
                           card_files=not args.no_card_files, quiet=args.quiet)
    rate = summary.residents / summary.seconds if summary.seconds else 0
    print(f"{summary.path}: 住民 {summary.residents:,}（除票 {summary.removed:,}、外国人 {summary.foreign:,}）、"
          f"世帯 {summary.households:,}、カード {summary.cards:,}、交付申請 {summary.applications:,}、"
          f"支援措置 {summary.support_measures:,}（対象者等 {summary.protected_persons:,}）、"
          f"テストカード {len(summary.card_files)}、{summary.size_bytes / 1e6:,.1f} MB、"
          f"{summary.seconds:,.1f} 秒（{rate:,.0f} 人/秒）")
    return 0


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM (a closed terminal, a service stop) cleans up like Ctrl-C: no partial files.

    A forked worker inherits this handler; the parent stops its workers with SIGTERM, and one that
    raised KeyboardInterrupt there could leave the pool's queue lock held and the parent's shutdown
    waiting for ever. So in any process but this one the signal ends the process at once."""
    owner = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() != owner:
            os._exit(128 + signum)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:   # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


_SEX = {1: "男", 2: "女", 9: "-"}
_REMOVAL = {"moved_out": "転出", "deceased": "死亡", "deleted": "職権消除", "other": "その他"}


def _find(args: argparse.Namespace) -> int:
    from app.store.search import ResidentQuery, search_residents

    query = ResidentQuery(name=args.name, birth_date=args.birth, sex=args.sex, address=args.address,
                          my_number=args.my_number, include_removed=not args.active_only, limit=args.limit)
    with open_store(args.store) as store:
        result = search_residents(store, query)
    if args.json:
        print(json.dumps({"count": len(result.hits), "truncated": result.truncated,
                          "residents": [h.to_json(show_number=args.show_number) for h in result.hits]},
                         ensure_ascii=False, indent=2))
        return 0
    if not result.hits:
        print("該当する住民はいません / no matching resident", file=sys.stderr)
        return 0
    for h in result.hits:
        marks = []
        if h.restricted:
            marks.append("【支援措置対象 / RESTRICTED】")
        if h.removed:
            marks.append(f"【除票 {_REMOVAL.get(h.removal_reason, '')} {h.removal_date}】")
        number = h.my_number if args.show_number else _mask(h.my_number)
        extra = f"（旧氏 {h.former_surname}）" if h.former_surname else ""
        extra += f"（通称 {h.alias}）" if h.alias else ""
        print(f"{h.name}{extra}  {h.kana}  {h.birth_date}  {_SEX.get(h.sex, '')}  {h.address}  "
              f"{h.relationship or ''}  {number}  {''.join(marks)}")
    if result.truncated:
        print(f"…{args.limit} 件を超えています。条件を絞ってください / more than {args.limit} matches: "
              "narrow the search", file=sys.stderr)
    return 0


def _mask(number: str | None) -> str:
    from app.ids import mask_my_number

    return mask_my_number(number)

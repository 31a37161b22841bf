"""Sub-commands for the local store (IT staff): ``store info``."""

from __future__ import annotations

import argparse
import json

from app.store.db import open_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="local store: information")
    ssub = p.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    info = ssub.add_parser("info", help="schema version and row counts of a store")
    info.add_argument("--store", required=True)
    info.set_defaults(func=_info)


def _info(args: argparse.Namespace) -> int:
    with open_store(args.store) as store:
        tables = [r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: store.conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        print(json.dumps({"path": str(store.path), "schema_version": store.version, "rows": counts},
                         ensure_ascii=False, indent=2))
    return 0

"""``madoguchi rules ...``: the rules from the command line, for supervisors and trainers.

- ``rules explain CASE.json [--text] [--lang ja|en] [--store PATH] [--check]``: run a request
  written as JSON through the same case type and rules the screens use (docs/rules-json.md);
  print the decision, reasons and sources as JSON, or readable text.
- ``rules settings``: the municipality settings the rules read, their defaults and sources.

Exit status: 0 decided; 1 ``--check`` and the request's ``expect`` was not met; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    rules = subparsers.add_parser("rules", help="the counter's decision rules (explain a request, settings)")
    sub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", required=True)
    ex = sub.add_parser("explain", help="decide a request written as JSON and explain the decision")
    ex.add_argument("request", help="the request (JSON file, or - for standard input)")
    ex.add_argument("--text", action="store_true", help="readable text instead of JSON")
    ex.add_argument("--lang", dest="explain_lang", choices=["ja", "en"], default="ja", help="language of --text")
    ex.add_argument("--store", dest="explain_store",
                    help="look facts up and run the restriction check in this store (no case is written; look-ups of protected persons are audited)")
    ex.add_argument("--check", action="store_true", help="exit 1 when the request's 'expect' is not met")
    ex.set_defaults(func=_explain)
    st = sub.add_parser("settings", help="list the settings the rules read, with defaults and sources")
    st.add_argument("--store", dest="explain_store", help="show the values set in this store")
    st.set_defaults(func=_settings)


def _open(args):
    path = getattr(args, "explain_store", None) or getattr(args, "store", None)
    if not path:
        return None
    from app.store import open_store

    return open_store(path)


def _explain(args: argparse.Namespace) -> int:
    from app.cli import UserError
    from app.workflows.explain import RequestError, as_text, explain, load_request

    if args.request == "-":
        text, origin = sys.stdin.read(), "stdin"
    else:
        path = Path(args.request)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{path}: 読めません / cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise UserError(f"{path}: UTF-8 のテキストではありません / not UTF-8 text") from None
        origin = str(path)
    store = _open(args)
    try:
        out = explain(load_request(text), store)
    except RequestError as exc:
        raise UserError(f"{origin}: {exc}") from None
    finally:
        if store is not None:
            store.close()
    if args.text:
        print(as_text(out, args.explain_lang))
    else:
        print(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=False))
    if args.check and not out.get("expectation", {"met": True})["met"]:
        return 1
    return 0


def _settings(args: argparse.Namespace) -> int:
    from app.rules.settings import SETTINGS, Settings

    store = _open(args)
    try:
        current = Settings.from_store(store)
    finally:
        if store is not None:
            store.close()
    rows = [{"key": s.key, "value": current[s.key], "default": s.default, "ja": s.ja, "en": s.en,
             "source": s.source, **({"choices": list(s.choices)} if s.choices else {})} for s in SETTINGS]
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0

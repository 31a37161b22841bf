"""``madoguchi rules ...``: the rules from the command line, for supervisors and trainers.

- ``rules explain CASE.json [--text] [--lang ja|en] [--store PATH] [--check]``: run a request
  written as JSON through the same case type and rules the screens use (docs/rules-json.md);
  print the decision, reasons and sources as JSON, or readable text.
- ``rules settings [--store PATH] [--set KEY=VALUE ...]``: the municipality settings the rules
  read, their defaults, sources and current values; ``--set`` changes them in the store (validated,
  audited with the old and new value).

Exit status: 0 decided; 1 ``--check`` and the request's ``expect`` was not met; 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
# lazy imports: a sub-command loads its work when it runs (`--help` and the others start fast)


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
    st.add_argument("--store", dest="explain_store", help="show (and with --set, change) the values in this store")
    st.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                    help="change a setting (VALUE is JSON: true, 900, \"revoked\"; a bare word is text)")
    st.set_defaults(func=_settings)


def _open(args):
    path = getattr(args, "explain_store", None) or getattr(args, "store", None)
    if not path:
        return None
    from app.store import open_store

    return open_store(path)


def _explain(args: argparse.Namespace) -> int:
    from app.errors import UserError
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


def _parse_assignment(text: str) -> tuple[str, object]:
    from app.errors import UserError

    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"--set {text}: KEY=VALUE の形で指定してください / use KEY=VALUE")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def change_settings(store, changes: list[tuple[str, object]], *, terminal_id: str) -> None:
    """Validate every change first, then write them and their audit entries in one transaction."""
    from app.rules.settings import validate
    from app.security import audit

    for key, value in changes:
        validate(key, value)
    with store.transaction() as conn:
        for key, value in changes:
            old = store.setting(key)
            conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         (key, json.dumps(value, ensure_ascii=False)))
            audit.append(conn, action="setting.change", terminal_id=terminal_id, target_kind="setting",
                         target_id=key, detail={"from": old, "to": value})


def _settings(args: argparse.Namespace) -> int:
    from app.errors import UserError
    from app.rules.settings import SETTINGS, SettingError, Settings

    changes = [_parse_assignment(a) for a in args.assignments]
    if changes and not getattr(args, "explain_store", None) and not getattr(args, "store", None):
        raise UserError("--set には --store が必要です / --set needs --store")
    store = _open(args)
    try:
        if changes:
            from app.config import OfficeConfig

            try:
                change_settings(store, changes, terminal_id=OfficeConfig.load().terminal_id)
            except SettingError as exc:
                raise UserError(str(exc)) from None
        current = Settings.from_store(store)
    finally:
        if store is not None:
            store.close()
    rows = [{"key": s.key, "value": current[s.key], "default": s.default, "ja": s.ja, "en": s.en,
             "source": s.source, "range": s.describe_range()[1],
             **({"choices": list(s.choices)} if s.choices else {})} for s in SETTINGS]
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0

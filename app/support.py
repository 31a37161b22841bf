"""Support information to read out to the help desk: version, build, configuration, store, reader
and sync state — for the About dialog (app.ui) and ``madoguchi support-info``; and
``madoguchi test-print``, specimen documents for checking a terminal's printer and fonts.

UI-free: no Qt here. The dialog passes what only it knows (the Qt version, the readers its card
thread sees) as arguments. Nothing secret is collected: no password, no PIN, no My Number, no
resident data; the store is opened read-only and never migrated or written.
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

from app import __version__
# lazy imports: `support` and the test print load what each report needs when asked for

#: how long the reader probe may wait for the PC/SC service before it reports "no answer"
READER_PROBE_TIMEOUT_S = 3.0


def support_info(store_path: str | Path | None = None, *, training: bool = False,
                 qt_version: str | None = None, readers: list[str] | None = None,
                 probe_readers: bool = False) -> dict[str, Any]:
    """Everything the help desk asks for, as plain JSON-able data.

    ``readers``: the readers the caller already knows (the UI's card thread); with
    ``probe_readers`` they are asked from PC/SC here, on a helper thread with a time limit (never
    call that from the GUI thread)."""
    from app.paths import default_store_path, log_dir

    info: dict[str, Any] = {
        "version": __version__,
        "build": _build(),
        "python": platform.python_version(),
        "qt": qt_version,
        "os": platform.platform(),
    }
    info["config"] = _config()
    path = Path(store_path) if store_path else default_store_path(training=training)
    info["store"] = _store(path)
    info["sync"] = _sync(path, info["config"])
    reader = {"default": info["config"].get("default_reader") or ""}
    if readers is not None:
        reader["present"] = list(readers)
    elif probe_readers:
        reader.update(_probe_readers())
    info["reader"] = reader
    info["keyring"] = _keyring()
    info["components"] = components()
    info["log_dir"] = str(log_dir())
    return info


def _dist_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def _psycopg() -> str:
    import psycopg

    return f"{psycopg.__version__} ({psycopg.pq.__impl__})"


def _pyscard() -> str:
    import smartcard.scard  # noqa: F401  (loads the compiled _scard module)

    return _dist_version("pyscard")


def _argon2() -> str:
    from argon2 import PasswordHasher

    PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("support-check")  # the cffi binding works
    return _dist_version("argon2-cffi")


def _module_attr(module: str, attribute: str):
    import importlib

    return lambda: str(getattr(importlib.import_module(module), attribute))


#: the compiled or data-carrying libraries a broken installation loses first
_COMPONENTS = {
    "pyscard": _pyscard,
    "psycopg": _psycopg,
    "argon2-cffi": _argon2,
    "cryptography": _module_attr("cryptography", "__version__"),
    "reportlab": _module_attr("reportlab", "Version"),
    "keyring": lambda: _dist_version("keyring"),
    "sqlite": lambda: sqlite3.sqlite_version,
}


def components() -> dict[str, str]:
    """Version of each library that matters to support; ``error: ...`` when it cannot load."""
    out = {}
    for name, probe in _COMPONENTS.items():
        try:
            out[name] = probe()
        except Exception as exc:  # report, never fail: this is what the help desk needs to see
            out[name] = f"error: {type(exc).__name__}: {exc}"
    return out


def _keyring() -> dict[str, Any]:
    """Which OS keyring back-ends are usable (where `madoguchi server login` keeps the password)."""
    try:
        import keyring.backend

        usable = sorted(f"{type(b).__module__}.{type(b).__name__}"
                        for b in keyring.backend.get_all_keyring())
        chosen = keyring.get_keyring()
        return {"backend": f"{type(chosen).__module__}.{type(chosen).__name__}", "usable": usable}
    except Exception as exc:  # a broken keyring set-up is exactly what support needs to see
        return {"error": f"{type(exc).__name__}: {exc}"}


def _build() -> dict[str, Any]:
    frozen = bool(getattr(sys, "frozen", False))
    return {"frozen": frozen,
            "location": str(Path(sys.executable).resolve().parent) if frozen
            else str(Path(__file__).resolve().parent.parent)}


def _config() -> dict[str, Any]:
    from app.config import ConfigError, OfficeConfig, needs_first_run

    out: dict[str, Any] = {"system_file": str(OfficeConfig.system_path()),
                           "user_file": str(OfficeConfig.path()),
                           "configured": not needs_first_run()}
    try:
        c = OfficeConfig.load()
    except ConfigError as exc:
        out["error"] = str(exc)
        return out
    out.update(office_name=c.office_name, office_code=c.office_code, terminal_id=c.terminal_id,
               municipality=f"{c.municipality_name} ({c.municipality_code})",
               server=c.server_address or "standalone", server_user=c.server_user,
               default_reader=c.default_reader, language=c.language)
    return out


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)


def _store(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"path": str(path), "exists": path.exists()}
    if not path.exists():
        return out
    out["size_bytes"] = path.stat().st_size
    try:
        with _open_read_only(path) as conn:
            out["schema_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        out["error"] = f"cannot read the store: {exc}"
    return out


def _sync(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"server": config.get("server", "")}
    if not path.exists():
        return out
    try:
        with _open_read_only(path) as conn:
            out["pending_outbox"] = conn.execute(
                "SELECT count(*) FROM outbox WHERE pushed_at IS NULL").fetchone()[0]
            for key in ("last_sync", "last_error"):
                row = conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
                out[key] = _json_or_text(row[0]) if row else None
    except sqlite3.Error as exc:
        out["error"] = f"cannot read the sync state: {exc}"
    return out


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _probe_readers() -> dict[str, Any]:
    """Ask PC/SC for the reader names on a daemon thread; a hung service cannot hang us."""
    result: dict[str, Any] = {}

    def ask() -> None:
        try:
            from smartcard.System import readers

            result["present"] = [str(r) for r in readers()]
        except Exception as exc:  # pyscard raises several unrelated types for "no service"
            result["error"] = f"PC/SC: {type(exc).__name__}: {exc}".strip()

    worker = threading.Thread(target=ask, name="support-reader-probe", daemon=True)
    worker.start()
    worker.join(READER_PROBE_TIMEOUT_S)
    if worker.is_alive():
        return {"error": f"PC/SC did not answer within {READER_PROBE_TIMEOUT_S:.0f} s (is pcscd running?)"}
    return result


def format_text(info: dict[str, Any]) -> str:
    """The same data as lines to read out over the phone."""
    c, s, y, r = info["config"], info["store"], info["sync"], info["reader"]
    lines = [
        f"Madoguchi {info['version']}  ({'installed build' if info['build']['frozen'] else 'source'}: "
        f"{info['build']['location']})",
        f"Python {info['python']}" + (f", Qt {info['qt']}" if info.get("qt") else "") + f", {info['os']}",
        f"office / 窓口: {c.get('office_name', '?')}  terminal / 端末: {c.get('terminal_id', '?')}",
        f"server / サーバー: {c.get('server', '?')}" + (f" as {c['server_user']}" if c.get("server_user") else ""),
        f"config / 設定: {c['system_file']} , {c['user_file']}"
        + ("" if c["configured"] else "  (not configured yet / 未設定)"),
    ]
    if "error" in c:
        lines.append(f"  config error: {c['error']}")
    lines.append(f"store / ストア: {s['path']}"
                 + (f"  (schema v{s.get('schema_version')}, {s.get('size_bytes', 0) // 1024} KiB)"
                    if s["exists"] else "  (not created yet)"))
    if "error" in s:
        lines.append(f"  store error: {s['error']}")
    if "pending_outbox" in y:
        last = (y.get("last_sync") or {}).get("at", "never") if isinstance(y.get("last_sync"), dict) \
            else (y.get("last_sync") or "never")
        lines.append(f"sync / 同期: last {last}, {y['pending_outbox']} waiting to be sent")
        if y.get("last_error"):
            lines.append(f"  last sync error: {y['last_error']}")
    present = ", ".join(r.get("present", [])) or "none found"
    lines.append(f"reader / リーダー: default {r['default'] or '(first found)'}; "
                 + (f"present: {present}" if "present" in r else r.get("error", "not probed")))
    lines.append("components / 部品: " + ", ".join(f"{k} {v}" for k, v in info["components"].items()))
    k = info.get("keyring", {})
    lines.append(f"keyring / キーリング: {k.get('backend') or k.get('error')}")
    lines.append(f"logs / ログ: {info['log_dir']}")
    return "\n".join(lines)


def write_test_print(outdir: str | Path) -> list[Path]:
    """One specimen (見本) of every printed document, from fictional residents in a throw-away
    store, as PDF files in ``outdir``: IT staff print them to check the printer and the fonts.
    Never touches the live store."""
    import tempfile

    from app.printing.samples import create_sample_town, sample_documents
    from app.store.db import open_store

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="madoguchi-test-print-") as tmp:
        with open_store(Path(tmp) / "test-print.db", create=True) as store:
            documents = sample_documents(store, create_sample_town(store), training=True)
    written = []
    for name, pdf in documents.items():
        path = out / f"test-print-{name}.pdf"
        path.write_bytes(pdf)
        written.append(path)
    return written


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("test-print", help="write a specimen (見本) of every printed document as PDF, "
                                          "to check the printer and fonts (試し印刷)")
    t.add_argument("outdir", help="folder for the PDF files")
    t.set_defaults(func=_test_print_cli)

    p = sub.add_parser("support-info", help="version, configuration, store, reader and sync state "
                                            "for the help desk (サポート情報)")
    p.add_argument("--store", dest="support_store", help="path of the local store (default: the live store)")
    p.add_argument("--training", dest="support_training", action="store_true",
                   help="the training store instead of the live one")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-readers", action="store_true", help="do not ask PC/SC for readers")
    p.set_defaults(func=_cli)


def _test_print_cli(args: argparse.Namespace) -> int:
    from app.errors import UserError

    try:
        written = write_test_print(args.outdir)
    except OSError as exc:
        raise UserError(f"{args.outdir} に書き込めません（{exc.strerror}） / cannot write to "
                        f"{args.outdir} ({exc.strerror})") from exc
    for path in written:
        print(path)
    return 0


def _cli(args: argparse.Namespace) -> int:
    store = args.support_store or getattr(args, "store", None)
    info = support_info(store, training=args.support_training or bool(getattr(args, "training", False)),
                        probe_readers=not args.no_readers)
    print(json.dumps(info, ensure_ascii=False, indent=2) if args.json else format_text(info))
    return 0

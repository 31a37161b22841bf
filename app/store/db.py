"""Opening a store safely: header and application-id checks, WAL, foreign keys, busy timeout,
ordered migrations in one transaction each.

A file that is not SQLite, a SQLite file of another program, or a store written by a newer
version of Madoguchi is refused with a message for the user, and is never written to.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Iterator

import sqlite_utils

from app.errors import MadoguchiError
from app.store.schema import APPLICATION_ID, MIGRATIONS

LATEST_VERSION = MIGRATIONS[-1].version
_SQLITE_HEADER = b"SQLite format 3\x00"


class StoreError(MadoguchiError):
    """A problem with the store, worded for the user (clerk or IT staff)."""

    code = "store.error"


class StoreNotFoundError(StoreError):
    code = "store.not_found"


class NotAStoreError(StoreError):
    code = "store.not_a_store"


class NewerStoreError(StoreError):
    code = "store.newer"


def new_id() -> str:
    """A stable, globally unique row id (UUID4 text) for every row that may leave the terminal."""
    return str(uuid.uuid4())


def now_iso() -> str:
    """Current time, UTC, ISO 8601 with microseconds and offset."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"ストアを開けません: {path} ({exc.strerror}) / cannot open the store") from exc
    if head and head != _SQLITE_HEADER:
        raise NotAStoreError(
            f"{path} は Madoguchi のストアではありません（SQLite ファイルではない）。"
            f" / {path} is not a Madoguchi store (not an SQLite file). Nothing was changed."
        )


class Store:
    """An open store. ``db`` is the sqlite-utils Database; ``conn`` its sqlite3 connection.

    SQLite has one writer: write through :meth:`transaction`, which takes the write lock at once
    (BEGIN IMMEDIATE) so that two writers never deadlock half-way.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self._tx_depth = 0
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one."""
        with self._lock:
            if self._tx_depth:
                self._tx_depth += 1
                try:
                    yield self.conn
                finally:
                    self._tx_depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._tx_depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._tx_depth = 0

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def setting(self, key: str, default=None):
        import json

        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value) -> None:
        import json

        with self.transaction():
            self.conn.execute(
                "INSERT INTO settings(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -32768")   # 32 MiB of pages: searches stay in memory
    _register_functions(conn)
    return conn


def _register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the schema's triggers call: the search-key folding of app.store.normalize,
    so that a resident written by any code path through a Store gets correct search keys."""
    from app.store.normalize import fold_address, fold_name, search_keys_stale

    conn.create_function("madoguchi_fold_name", 1, lambda t: fold_name(t) if t else None, deterministic=True)
    conn.create_function("madoguchi_fold_address", 1, lambda t: fold_address(t) if t else "", deterministic=True)
    conn.create_function("madoguchi_keys_stale", 16, search_keys_stale, deterministic=True)


def open_store(path: str | Path, *, create: bool = False, migrate: bool = True) -> Store:
    """Open (and, if allowed, create or upgrade) the store at ``path``.

    - ``create``: make a new store when the file does not exist.
    - A store of an older schema version is upgraded in place, one transaction per migration.
    - A store of a newer version, a foreign SQLite file or a non-SQLite file raises a
      :class:`StoreError` subclass and the file is left untouched.
    """
    path = Path(path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise StoreNotFoundError(f"ストアがありません: {path} / no store at {path}")
    if exists:
        _check_header(path)
    elif create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _connect(path)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError as exc:
        raise NotAStoreError(
            f"{path} は壊れているか Madoguchi のストアではありません / {path} is damaged or not a store ({exc})"
        ) from exc
    if has_tables and app_id != APPLICATION_ID:
        conn.close()
        raise NotAStoreError(
            f"{path} は別のプログラムのデータベースです。何も変更していません。"
            f" / {path} belongs to another program; nothing was changed."
        )
    if version > LATEST_VERSION:
        conn.close()
        raise NewerStoreError(
            f"このストアは新しい版の Madoguchi で作られています（スキーマ {version}、この版は {LATEST_VERSION} まで）。"
            f"アプリを更新してください。 / This store was written by a newer Madoguchi (schema {version}; "
            f"this version knows up to {LATEST_VERSION}). Update the application; nothing was changed."
        )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    store = Store(path, conn)
    if migrate and version < LATEST_VERSION:
        _migrate(store, version)
    return store


def _migrate(store: Store, current: int) -> None:
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        with store.transaction() as conn:
            migration.apply(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {migration.version}")

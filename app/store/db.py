"""Opening a store safely: header and application-id checks, WAL, foreign keys, busy timeout,
ordered migrations in one transaction.

A file that is not SQLite, a SQLite file of another program (also an empty one that carries a
schema version of its own), something that is not a regular file (``/dev/null``, a folder), or
a store written by a newer version of Madoguchi is refused with a message for the user, and is
never written to. A store whose schema version was lowered behind our back fails its first
migration; that is refused too, with nothing changed.

SQLite failures that come from the machine, not from the code — a full disk, a read-only file
system, an I/O error, a damaged file — are put in words by :func:`store_problem`; the command and
the window show those words instead of an incident. :func:`check_integrity` runs SQLite's own
page check (``quick_check`` or the full ``integrity_check``) for ``store info``, ``store check``
and the self-test.

sqlite-utils (``Store.db``) is used where it replaces hand-written code: reading rows as dicts
with optional filters (:func:`equal_filters` + ``Table.rows_where``) and schema introspection
(tables, triggers). Raw SQL stays for writes inside :meth:`Store.transaction` (sqlite-utils' own
writes commit on their own), for joins, json_each and window functions it has no API for, for
the guarded open (it counts every schema object of a foreign file, not only tables), and for bulk
inserts (``insert_all`` took 1.4–1.7 times as long as ``executemany`` for 20,000 rows). Reading
through ``rows_where`` costs about 0.15 ms more per call than the raw query: nothing on a review
screen. Figures: ``python -m benchmarks sqlite_utils_use``.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import errno
import os
import sqlite3
import stat
import threading
import uuid
from pathlib import Path
from typing import Iterator

import sqlite_utils

from app.errors import MadoguchiError
from app.store import modes
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


class DamagedStoreError(StoreError):
    code = "store.damaged"


class StoreWriteError(StoreError):
    """The machine would not let the store be written (disk full, read-only, I/O error)."""

    code = "store.cannot_write"


#: SQLite primary result codes that mean "the machine", not "the code"
_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_NOTADB = \
    13, 8, 10, 11, 14, 26


def _no_space_left(path: Path | None) -> bool:
    """True if the file system of ``path`` (or of the temporary folder, where SQLite and the
    self-test also write) has no free block left: SQLite then often says only "I/O error"."""
    import tempfile

    for candidate in ((path, path.parent) if path else ()) + (Path(tempfile.gettempdir()),):
        try:
            if os.statvfs(candidate).f_bavail == 0:
                return True
        except OSError:
            continue
    return False


def _read_only_fs(path: Path) -> bool:
    for candidate in (path, path.parent):
        try:
            return bool(os.statvfs(candidate).f_flag & os.ST_RDONLY)
        except OSError:
            continue
    return False


def store_problem(exc: BaseException, path: str | Path | None = None) -> StoreError | None:
    """A :class:`StoreError` in words for a SQLite or OS failure that comes from the machine
    (disk full, read-only file system, I/O error, damaged file), or None for anything else."""
    where = f"{path}: " if path else ""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if isinstance(exc, OSError):
        primary = {errno.ENOSPC: _SQLITE_FULL, errno.EROFS: _SQLITE_READONLY, errno.EIO: _SQLITE_IOERR}.get(exc.errno)
        if exc.filename and not path:
            where = f"{exc.filename}: "
    if primary == _SQLITE_IOERR and _no_space_left(Path(path) if path else None):
        primary = _SQLITE_FULL
    if primary == _SQLITE_FULL:
        return StoreWriteError(
            f"{where}ディスクがいっぱいです。書きかけの内容は取り消され、ストアはそのままです。空き容量を作ってから、もう一度操作してください。",
            f"{where}the disk is full. The unfinished change was rolled back; the store is as it was. "
            "Free some space, then repeat the step.", detail=str(exc))
    if primary == _SQLITE_READONLY or (primary == _SQLITE_CANTOPEN and path and _read_only_fs(Path(path))):
        if path and _read_only_fs(Path(path)):
            return StoreWriteError(
                f"{where}ストアは読み取り専用のファイルシステムにあります。書き込みできる場所に移すか、IT 担当に連絡してください。",
                f"{where}the store is on a read-only file system. Move it to a writable place or call IT staff.",
                detail=str(exc))
        return StoreWriteError(
            f"{where}ストアに書き込む権限がありません。IT 担当に連絡してください。",
            f"{where}no permission to write the store. Call IT staff.", detail=str(exc))
    if primary == _SQLITE_IOERR:
        return StoreWriteError(
            f"{where}ストアの読み書きで入出力エラーが起きました（ディスクの故障や取り外しの可能性）。IT 担当に連絡してください。",
            f"{where}an I/O error occurred reading or writing the store (a failing or removed disk?). "
            "Call IT staff.", detail=str(exc))
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return DamagedStoreError(
            f"{where}ストアのファイルが壊れています。`madoguchi store check` で確認し、バックアップから復元してください。",
            f"{where}the store file is damaged. Check it with `madoguchi store check` and restore it "
            "from a backup.", detail=str(exc))
    return None


def check_integrity(store: "Store", *, full: bool = False, limit: int = 20) -> list[str]:
    """SQLite's own check of every page (``quick_check``; ``integrity_check`` with ``full``, which
    also compares every index with its table). Returns the problems found, empty when sound."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [r[0] for r in store.conn.execute(f"PRAGMA {pragma}({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


class ExposedStoreError(StoreError):
    """The store (or its WAL/SHM) can be read or written by other users: refused untouched."""

    code = "store.exposed"


#: ids to hand out again, in order (see :func:`replaying_ids`); None: fresh ones only
_REPLAY: contextvars.ContextVar = contextvars.ContextVar("madoguchi_replay_ids", default=None)


def new_id() -> str:
    """A stable, globally unique row id (UUID4 text) for every row that may leave the terminal."""
    replay = _REPLAY.get()
    if replay is None:
        return str(uuid.uuid4())
    ids, at = replay
    if at[0] < len(ids):            # the same id as the first pass made at this point
        at[0] += 1
        return ids[at[0] - 1]
    ids.append(str(uuid.uuid4()))   # first pass (or past it): remembered for the next pass
    at[0] += 1
    return ids[-1]


@contextlib.contextmanager
def replaying_ids(ids: list[str]):
    """Within this block :func:`new_id` hands out ``ids`` again in order, then fresh ids that are
    appended to ``ids``: an action run twice in this block with the same list (a draft, then the
    same action signed — see ``app.security.registration.CardSignature``) makes the same rows."""
    token = _REPLAY.set((ids, [0]))
    try:
        yield ids
    finally:
        _REPLAY.reset(token)


def now_iso() -> str:
    """Current time, UTC, ISO 8601 with microseconds and offset."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def equal_filters(**values) -> tuple[str | None, dict]:
    """``column = :column`` for every given value that is not empty, as ``Table.rows_where``
    takes it: (where or None, arguments)."""
    given = {k: v for k, v in values.items() if v not in (None, "")}
    return (" AND ".join(f"{k} = :{k}" for k in given) or None), given


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
            except BaseException as exc:
                if self.conn.in_transaction:     # SQLite may have rolled back itself (disk full)
                    self.conn.execute("ROLLBACK")
                problem = store_problem(exc, self.path) if isinstance(exc, sqlite3.Error) else None
                if problem is not None:
                    raise problem from exc
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
    # jaconv loads with the first open, not with every module that imports the store
    from app.store.normalize import fold_address, fold_name, search_keys_stale

    conn.create_function("madoguchi_fold_name", 1, lambda t: fold_name(t) if t else None, deterministic=True)
    conn.create_function("madoguchi_fold_address", 1, lambda t: fold_address(t) if t else "", deterministic=True)
    conn.create_function("madoguchi_keys_stale", 16, search_keys_stale, deterministic=True)


def is_shared(conn: sqlite3.Connection, path: Path) -> bool:
    """The terminal's shared live store (:mod:`app.store.shared`: group 0660 in 2770), or a store
    whose setting ``store.shared`` says so; else a personal store (0600 in 0700)."""
    if modes.is_shared_store(path):
        return True
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'store.shared'").fetchone()
    except sqlite3.DatabaseError:
        row = None
    return bool(row and row[0] == "true")


def _refuse_exposed(conn: sqlite3.Connection, path: Path, shared: bool | None) -> None:
    """A store other users can read is refused, with the command that fixes it
    (:mod:`app.store.modes`, with the shared store's policy for :func:`is_shared` stores)."""
    if shared is None:
        shared = is_shared(conn, path)
    exposed = modes.exposed_files(path, shared=shared)
    if exposed:
        conn.close()
        names = ", ".join(str(p) for p in exposed)
        raise ExposedStoreError(
            f"ストアが他の利用者から読める状態です（{names}）。個人番号などが漏れるおそれがあるため開きません。"
            f"次のコマンドで直してください: {modes.fix_command(path, shared)}"
            f" / The store can be read by other users ({names}); it holds My Numbers and support "
            f"measures, so it is not opened. Fix it with: {modes.fix_command(path, shared)}")


def open_store(path: str | Path, *, create: bool = False, migrate: bool = True,
               shared: bool | None = None) -> Store:
    """Open (and, if allowed, create or upgrade) the store at ``path``.

    - ``create``: make a new store when the file does not exist.
    - A store of an older schema version is upgraded in place, all migrations in one transaction.
    - A store of a newer version, a foreign SQLite file, a non-SQLite file, something that is
      not a regular file or a store other users can read (:mod:`app.store.modes`; ``shared``: the
      group-shared store's policy, default from its setting ``store.shared``) raises a
      :class:`StoreError` subclass and is left untouched. A new store is created 0600 (0660
      shared) in a new 0700 (2770) folder.
    """
    path = Path(path)
    size = _regular_file_size(path)
    exists = bool(size)
    if not exists and not create:
        raise StoreNotFoundError(f"ストアがありません: {path} / no store at {path}")
    if exists:
        _check_header(path)
    elif create:
        try:
            modes.make_private_dir(path.parent, shared=bool(shared))
            modes.secure_file(path, shared=bool(shared))
        except OSError as exc:
            raise store_problem(exc, path) or StoreError(
                f"ストアのフォルダーを作れません: {path.parent}（{exc.strerror}） / cannot make the store's "
                f"folder {path.parent} ({exc.strerror})") from exc
    try:
        conn = _connect(path)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.DatabaseError as exc:
        raise _open_problem(exc, path) from exc
    if app_id != APPLICATION_ID and (has_tables or version != 0):
        conn.close()
        raise NotAStoreError(
            f"{path} は別のプログラムのデータベースです。何も変更していません。"
            f" / {path} belongs to another program; nothing was changed."
        )
    if exists:
        _refuse_exposed(conn, path, shared)
    if version > LATEST_VERSION:
        conn.close()
        raise NewerStoreError(
            f"このストアは新しい版の Madoguchi で作られています（スキーマ {version}、この版は {LATEST_VERSION} まで）。"
            f"アプリを更新してください。 / This store was written by a newer Madoguchi (schema {version}; "
            f"this version knows up to {LATEST_VERSION}). Update the application; nothing was changed."
        )
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        store = Store(path, conn)
        if migrate and version < LATEST_VERSION:
            _migrate(store, version)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "already exists" in str(exc) or "duplicate column" in str(exc):
            raise NotAStoreError(
                f"{path}: スキーマ版（{version}）と中身が合いません（版が外部で書き換えられた可能性）。何も変更していません。"
                "バックアップから復元するか、IT 担当に連絡してください。"
                f" / {path}: its schema version ({version}) does not match its tables (was the version "
                "changed outside Madoguchi?). Nothing was changed. Restore a backup or call IT staff.",
                detail=str(exc)) from exc
        problem = store_problem(exc, path)
        if problem is None:
            raise
        raise problem from exc
    return store


def _regular_file_size(path: Path) -> int | None:
    """Size of the store file, None if there is none; refuses what is not a regular file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:     # a name too long, a loop of links, a file where a folder should be
        raise StoreError(f"ストアの場所を使えません: {path}（{exc.strerror}） / cannot use the store path "
                         f"{path} ({exc.strerror})") from exc
    except ValueError as exc:  # a NUL in the name (possible only through the Python API)
        raise StoreError(f"ストアの場所に使えない文字があります: {path!r} / the store path {path!r} contains "
                         "a character no file name can hold") from exc
    if not stat.S_ISREG(st.st_mode):
        raise NotAStoreError(f"{path} は通常のファイルではありません（デバイスやフォルダー）。何も変更していません。"
                             f" / {path} is not a regular file (a device or a folder); nothing was changed.")
    return st.st_size


def _open_problem(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    problem = store_problem(exc, path)
    if isinstance(problem, StoreWriteError):
        return problem
    return NotAStoreError(
        f"{path} は壊れているか Madoguchi のストアではありません / {path} is damaged or not a store ({exc})")


def _migrate(store: Store, current: int) -> None:
    # one transaction for all: a store is at its old version or at the latest, never between
    with store.transaction() as conn:
        for migration in MIGRATIONS:
            if migration.version <= current:
                continue
            migration.apply(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {migration.version}")

"""The live store as one file per terminal, shared by the clerks' OS accounts.

A counter terminal is used by several clerks, each with an OS account; the municipality's copy is
kept once, in the terminal's data folder (:func:`app.paths.system_data_dir`: ``/var/lib/madoguchi``
on Linux), not once per account. Access is by group: the package creates the system account and
group ``madoguchi`` (packaging/postinst), IT staff add each clerk's account to the group, and

- the folder and ``live/`` are ``2770`` (owner and group only; set-group-id so every file made in
  it — the store, SQLite's ``-wal`` and ``-shm`` — belongs to the group);
- the store is ``0660``; SQLite gives its ``-wal``/``-shm`` files the store's own mode.

Nobody outside the group can read it. The folder and the store are made by ``madoguchi config
init --system`` or by the first ``madoguchi sync``.

Windows (written for, **not tested** — this project builds and tests on Debian only): the folder is
``%ProgramData%\\Madoguchi`` (:func:`app.paths.system_data_dir`); POSIX groups and modes do not
exist there, so every function here that sets or checks them does nothing on Windows
(``sys.platform == "win32"``), and the group-only rule is the folder's access list, which the
installer sets (docs/INSTALL.md, "Windows terminals": ``icacls`` with inheritance off, full control
for SYSTEM and Administrators, modify for the clerks' local group only). The program does not check
that list. Must not import Qt.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from app.paths import default_store_path, system_data_dir
from app.store.db import open_store
from app.store.modes import is_shared_store   # part of this module's answer: "is this the shared store?"

try:
    import grp
except ImportError:      # Windows: access by the folder's access list (see the module's text)
    grp = None

GROUP = "madoguchi"
DIR_MODE = 0o2770
FILE_MODE = 0o660


def _gid() -> int | None:
    if grp is None:
        return None
    try:
        return grp.getgrnam(GROUP).gr_gid
    except KeyError:
        return None


def _own(path: Path, mode: int) -> None:
    """Give ``path`` the group (when it exists and we may) and ``mode``."""
    gid = _gid()
    if gid is not None and path.stat().st_gid != gid:
        try:
            os.chown(path, -1, gid)
        except PermissionError:
            pass
    try:
        os.chmod(path, mode)
    except PermissionError:
        pass  # made by another member of the group: its mode was set when it was made


def prepare_folder(folder: Path | None = None) -> Path:
    """The shared folder and its ``live/`` sub-folder, made with the group and mode 2770."""
    root = folder or system_data_dir()
    for path in (root, root / "live"):
        path.mkdir(parents=True, exist_ok=True)
        if sys.platform != "win32":
            _own(path, DIR_MODE)
    return root / "live"


def secure_store(path: str | Path) -> None:
    """Mode 0660 and the group for the store and its ``-wal``/``-shm`` files."""
    if sys.platform == "win32":
        return
    path = Path(path)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists():
            _own(p, FILE_MODE)


def create_shared_store(path: str | Path | None = None) -> Path:
    """Create the terminal's live store (empty) if it is missing; returns its path."""
    target = Path(path) if path else default_store_path()
    prepare_folder(target.parent.parent)
    old = os.umask(0o007)
    try:
        with open_store(target, create=True):
            pass
    finally:
        os.umask(old)
    secure_store(target)
    return target


def problems(path: str | Path | None = None) -> list[str]:
    """What is wrong with the sharing of the live store (empty: as it should be)."""
    if sys.platform == "win32":
        return []
    target = Path(path) if path else default_store_path()
    out = []
    for p in (target.parent.parent, target.parent, target):
        if not p.exists():
            continue
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode & 0o007:
            out.append(f"{p}: others have access (mode {mode:o}) / 他の利用者がアクセスできます")
        if _gid() is not None and p.stat().st_gid != _gid():
            out.append(f"{p}: not in group {GROUP} / グループ {GROUP} ではありません")
    return out

"""File and folder modes of what the terminal keeps on disk: nothing is readable by others.

A synced store holds every My Number, the support measures and the staff records, so:

- a **personal** store (one clerk's OS account): the store, its ``-wal``/``-shm`` files, the
  configuration, logs and test-card files are 0600 in 0700 folders;
- the terminal's **shared** store (several OS accounts of one group, see the go-live guide):
  0660 in a 2770 folder (group-owned, set-gid so new files keep the group).

:func:`policy` gives the modes, :func:`mode_problems` says what is wrong with a store,
:func:`make_private_dir` / :func:`secure_file` create or tighten, and :func:`check_store` refuses
a store whose file is readable or writable by others, with the command that fixes it.
``restrict_umask()`` is called at start-up so that everything the process creates (SQLite's WAL
and SHM files take the store's mode) starts private.

On Windows (not tested here) POSIX modes mean nothing — ``st_mode`` shows every writable file as
0666 — so the checks find nothing to refuse there (:data:`POSIX`) and privacy is the folders'
access lists: the user's own profile folders, and for the shared store the ACL the installer sets
on ``%ProgramData%\\Madoguchi`` (app.store.shared, docs/INSTALL.md).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from app.paths import default_store_path


@dataclass(frozen=True)
class Policy:
    file_mode: int
    dir_mode: int
    #: permission bits a file or folder must never have
    forbidden: int


#: whether file modes say who may read a file (False on Windows: there the access lists do)
POSIX = sys.platform != "win32"

PERSONAL = Policy(0o600, 0o700, 0o077)
SHARED = Policy(0o660, 0o2770, 0o007)


def policy(shared: bool = False) -> Policy:
    return SHARED if shared else PERSONAL


def is_shared_store(path: str | Path) -> bool:
    """Whether ``path`` is the terminal's shared live store (:mod:`app.store.shared`)."""
    return Path(path).resolve() == default_store_path().resolve()


def restrict_umask(shared: bool = False) -> int:
    """Make new files private (personal) or group-only (shared); returns the previous umask."""
    return os.umask(0o007 if shared else 0o077)


def store_files(path: Path) -> list[Path]:
    """The store and the WAL/SHM files next to it that exist."""
    path = Path(path)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def mode_problems(path: Path, *, shared: bool = False, folder: bool = True) -> list[str]:
    """What is readable or writable by others: the store, its WAL/SHM and (``folder``) its folder."""
    if not POSIX:
        return []
    rule = policy(shared)
    out = []
    for p in store_files(path):
        if _mode(p) & rule.forbidden:
            out.append(f"{p} is mode {_mode(p):04o} (must be {rule.file_mode:04o})")
    parent = Path(path).resolve().parent
    if folder and parent.exists() and _mode(parent) & rule.forbidden:
        out.append(f"folder {parent} is mode {_mode(parent):04o} (must be {rule.dir_mode:04o})")
    return out


def fix_command(path: Path, shared: bool = False) -> str:
    rule = policy(shared)
    files = " ".join(f'"{p}"' for p in store_files(path)) or f'"{path}"'
    return (f"chmod {rule.file_mode:o} {files} && "
            f"chmod {rule.dir_mode:o} \"{Path(path).resolve().parent}\"")


def make_private_dir(path: Path, shared: bool = False) -> None:
    """Create a folder (and missing parents) with the policy's mode; an existing folder is left
    as it is (it may be someone else's, e.g. a temporary directory)."""
    path = Path(path)
    if path.exists():
        return
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, policy(shared).dir_mode)


def secure_file(path: Path, shared: bool = False) -> None:
    """Create ``path`` empty if missing, and give it the policy's file mode."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, policy(shared).file_mode)
    os.close(fd)
    os.chmod(path, policy(shared).file_mode)


def exposed_files(path: Path, shared: bool = False) -> list[Path]:
    if not POSIX:
        return []
    rule = policy(shared)
    return [p for p in store_files(path) if _mode(p) & rule.forbidden]


def private_tree_problems(folders, shared: bool = False) -> list[str]:
    """Files or folders under ``folders`` (configuration, logs, data) readable or writable by
    others."""
    if not POSIX:
        return []
    rule = policy(shared)
    out = []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for p in (folder, *folder.rglob("*")):
            try:
                if not p.is_symlink() and _mode(p) & rule.forbidden:
                    out.append(f"{p} is mode {_mode(p):04o}")
            except OSError:
                continue
    return out

"""The terminal's sync password when the live store is shared (app.store.shared): held for the
terminal, not for one clerk, so that every clerk's session is served by the sync without anyone
knowing or reading the password.

The choice (see docs/INSTALL.md, "Where the sync password lives"): the password is a **system
credential of the sync account** ``madoguchi`` — a file in ``/etc/madoguchi/credentials/`` (folder
0700, file 0400, both owned by that account), written by ``sudo madoguchi server login --system``.
The sync runs as that account (``madoguchi-sync.timer`` → ``madoguchi sync``; by hand ``sudo -u
madoguchi madoguchi sync``) and writes the shared store, which the clerks' windows read and write
through the group. A clerk's OS account — the attacker in this project's model — cannot read the
credential at all, whereas a password in each clerk's own keyring would be readable by that
clerk's session, and each clerk would have had to type it. When systemd starts the sync, the
credential may instead come from ``$CREDENTIALS_DIRECTORY/madoguchi-sync`` (``LoadCredential=``,
which also allows ``systemd-creds`` encryption on the disk).

Single-user terminals keep using the OS keyring (app.sync.connection). Never logs the password.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from app.config import system_config_dir

NAME = "madoguchi-sync"
SYNC_USER = "madoguchi"


def credential_folder() -> Path:
    return system_config_dir() / "credentials"


def credential_path() -> Path:
    systemd = os.environ.get("CREDENTIALS_DIRECTORY")
    if systemd and (Path(systemd) / NAME).exists():
        return Path(systemd) / NAME
    return credential_folder() / "sync"


def system_managed() -> bool:
    """True when this terminal's sync is done by the sync account (the folder exists)."""
    return credential_folder().exists() or bool(os.environ.get("CREDENTIALS_DIRECTORY"))


def _is_sync_account() -> bool:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name == SYNC_USER
    except KeyError:
        return False


def load() -> str | None:
    """The password when this process is the sync account (or systemd handed it over), else
    None — also for root, who may read the file but is not the one that syncs."""
    if not (_is_sync_account() or os.environ.get("CREDENTIALS_DIRECTORY")):
        return None
    try:
        text = credential_path().read_text(encoding="utf-8")
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return None
    return text.rstrip("\n") or None


def save(password: str) -> Path:
    """Write the credential (as root): folder 0700 and file 0400, owned by the sync account."""
    folder = credential_folder()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "sync"
    tmp = folder / ".sync.new"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    try:
        account = pwd.getpwnam(SYNC_USER)
    except KeyError:
        account = None
    if account is not None and os.geteuid() == 0:
        os.chown(folder, account.pw_uid, account.pw_gid)
        os.chown(tmp, account.pw_uid, account.pw_gid)
    os.replace(tmp, path)
    return path

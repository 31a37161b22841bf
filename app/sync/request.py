"""A clerk's "sync now" on a terminal whose sync is the system's (app.sync.credential).

On a shared terminal the sync runs as the sync account ``madoguchi`` under systemd
(``madoguchi-sync.timer`` → ``madoguchi-sync.service``); a clerk's OS account can neither read
the sync credential nor start a system service. So a clerk's "sync now" (the window's action and
``madoguchi sync``) **asks**: it writes the request file ``sync-request`` in the store's folder
(``/var/lib/madoguchi/live``, writable by the group only), and the package's path unit
``madoguchi-sync-request.path`` (``PathModified=``) starts ``madoguchi-sync.service`` — the very
service the timer starts, as the sync account, with its credential. Nothing else is granted: no
polkit rule, no sudo; a request can only make the sync run earlier. The clerk's side then waits for
the sync's own record in the store (``last_sync`` / ``last_error``, app.sync.state) to be newer
than the request, and shows it. The request file holds who asked and when, never a secret.

Must not import Qt.
"""

from __future__ import annotations

import getpass
import json
import time
from dataclasses import dataclass
from pathlib import Path

from app.store import shared
from app.store.db import Store, now_iso
from app.sync import state

REQUEST_FILE = "sync-request"
#: how long a clerk's "sync now" waits for the system's sync to report (a first sync may be long;
#: a later one takes seconds)
WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class SyncAnswer:
    """What the system's sync recorded after a request (``None`` fields: nothing yet)."""

    asked_at: str
    last_sync: dict | None
    error: dict | None

    @property
    def done(self) -> bool:
        return self.last_sync is not None or self.error is not None


def request_path(store_path: str | Path) -> Path:
    return Path(store_path).parent / REQUEST_FILE


def ask(store_path: str | Path) -> str:
    """Write the request (which starts the system's sync); returns the time asked."""
    asked_at = now_iso()
    path = request_path(store_path)
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    path.write_text(json.dumps({"asked_at": asked_at, "by": who}) + "\n", encoding="utf-8")
    shared.secure_store(path)          # group-writable, so the next clerk may ask too
    return asked_at


def answer(store: Store, asked_at: str) -> SyncAnswer:
    """The sync's record if it is newer than ``asked_at``."""
    last = state.get(store.conn, state.LAST_SYNC) or {}
    error = state.get(store.conn, state.LAST_ERROR) or {}
    return SyncAnswer(asked_at, last if last.get("at", "") > asked_at else None,
                      error if error.get("at", "") > asked_at else None)


def wait(store: Store, asked_at: str, *, timeout: float | None = None, interval: float = 0.5,
         stop=None) -> SyncAnswer:
    """Poll the store until the system's sync reports after ``asked_at``, ``timeout`` (default
    :data:`WAIT_SECONDS`) passes, or ``stop`` (a threading.Event) is set."""
    deadline = time.monotonic() + (WAIT_SECONDS if timeout is None else timeout)
    while True:
        got = answer(store, asked_at)
        if got.done or time.monotonic() >= deadline or (stop is not None and stop.is_set()):
            return got
        if stop is not None:
            stop.wait(interval)
        else:
            time.sleep(interval)

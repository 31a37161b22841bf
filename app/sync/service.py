"""One sync round (push, then pull up to one horizon) and the background service that runs rounds.

:func:`sync_round` is what ``madoguchi sync`` runs. :class:`SyncService` runs rounds on a thread of
its own (the GUI never waits on the network): every ``sync.interval_seconds`` (default 60), every
``sync.poll_seconds`` (default 5) while a case of this terminal waits for a support officer's
release, and at once on :meth:`SyncService.request`. :meth:`SyncService.status` returns a
:class:`SyncStatus` snapshot (last sync, pending events, error in plain words, whether support data
is stale) that the UI shows; ``on_change`` is called from the sync thread after every round, so a
Qt caller must hop to its own thread (a queued signal) before touching a widget.

The service opens its own connection to the store file (SQLite: one connection per thread). Must
not import Qt.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psycopg

from app.store.db import Store, now_iso, open_store
from app.sync import freshness, pull, push, request, state
from app.sync.connection import (EXIT_CONFIG, SyncError, SyncTarget, connect, plain_error)

log = logging.getLogger(__name__)

INTERVAL_SETTING = "sync.interval_seconds"
POLL_SETTING = "sync.poll_seconds"


@dataclass
class RoundResult:
    pushed: int = 0
    pulled: dict[str, int] = field(default_factory=dict)
    traffic: dict[str, int] = field(default_factory=dict)
    unknown_kinds: dict[str, int] = field(default_factory=dict)
    witness: dict | None = None
    at: str = ""

    @property
    def pulled_total(self) -> int:
        return sum(self.pulled.values()) + sum(self.traffic.values())


def bind_terminal(store: Store, terminal_id: str) -> None:
    """A store syncs as one terminal for life: refuse another terminal id."""
    bound = state.get(store.conn, state.TERMINAL_ID)
    if bound is None:
        with store.transaction() as conn:
            state.put(conn, state.TERMINAL_ID, terminal_id)
    elif bound != terminal_id:
        raise SyncError(
            f"このストアは端末 {bound} のものです（設定は {terminal_id}）。同期しません。"
            f" / This store belongs to terminal {bound}, but this terminal is configured as "
            f"{terminal_id}. Nothing was synced.", EXIT_CONFIG)


def sync_round(store: Store, target: SyncTarget, *, password: str | None = None,
               batch_size: int = 5000, on_progress: Callable[[str, int, int], None] | None = None,
               fault: Callable[[str], None] | None = None,
               connection: psycopg.Connection | None = None) -> RoundResult:
    """Push the outbox, then pull master data and sign-off traffic. Raises :class:`SyncError`.

    ``on_progress(phase, done, total)``: phase is "push" or a table name."""
    if freshness.set_standalone(store):
        raise SyncError("このストアは単独運用（研修・デモ）に設定されています。同期しません。"
                        " / This store is set to standalone (training/demo): it does not sync.",
                        EXIT_CONFIG)
    bound = state.get(store.conn, state.TERMINAL_ID)
    if bound is not None:
        bind_terminal(store, target.terminal_id)     # refuses a store of another terminal early
    result = RoundResult()
    conn = connection
    try:
        conn = conn or connect(target, password)
        bind_terminal(store, target.terminal_id)
        pushed = push.push(store, conn, batch_size=batch_size, fault=fault,
                           on_progress=(lambda d, t: on_progress("push", d, t)) if on_progress else None)
        result.pushed, result.unknown_kinds, result.witness = pushed.pushed, pushed.unknown, pushed.witness
        read_at = pull.server_time(conn)       # freshness counts from the server's clock
        hi = pull.horizon(conn)
        result.pulled = pull.pull_master(store, conn, hi, batch_size=batch_size,
                                         on_progress=on_progress, fault=fault)
        pull.mark_support_pulled(store, read_at)
        result.traffic = pull.pull_traffic(store, conn, hi, target.terminal_id)
        result.traffic["measure_events"] = pull.pull_measure_events(store, conn, hi, target.terminal_id)
        result.at = now_iso()
        terminals = pull.terminals(conn)
        with store.transaction() as local:
            state.put(local, state.LAST_SYNC, {"at": result.at, "pushed": result.pushed,
                                               "pulled": result.pulled_total})
            state.put(local, state.TERMINALS, terminals)
            state.delete(local, state.LAST_ERROR)
    except (psycopg.Error, OSError, push.QuarantinedError) as exc:
        error = plain_error(exc)
        _record_error(store, error)
        raise error from exc
    except SyncError as exc:
        _record_error(store, exc)
        raise
    finally:
        if connection is None and conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close
                pass
    if result.unknown_kinds:
        kinds = ", ".join(f"{k} ({n})" for k, n in sorted(result.unknown_kinds.items()))
        log.warning("outbox kinds the server does not know yet: %s", kinds)
    return result


def _record_error(store: Store, error: SyncError) -> None:
    try:
        with store.transaction() as local:
            state.put(local, state.LAST_ERROR, {"at": now_iso(), "message": str(error)})
    except Exception:  # noqa: BLE001 - never hide the original error
        log.exception("could not record the sync error")


# ---------------------------------------------------------------------------------- status


@dataclass(frozen=True)
class SyncStatus:
    """What the status indicator shows. Texts are ready to display (ja / en)."""

    standalone: bool
    configured: bool
    running: bool
    last_sync_at: str | None
    pending_events: int
    error: str | None              # the last round's error in plain words, None when fine
    support_stale: bool
    stale_reason_ja: str | None
    stale_reason_en: str | None
    waiting_cases: int             # cases of this terminal waiting for a support officer

    @property
    def ok(self) -> bool:
        return self.error is None and not self.support_stale

    def summary(self, lang: str = "ja") -> str:
        if self.standalone:
            return "単独運用（同期なし）" if lang == "ja" else "standalone (no sync)"
        parts = []
        if self.last_sync_at:
            local = dt.datetime.fromisoformat(self.last_sync_at).astimezone().strftime("%H:%M")
            parts.append(f"最終同期 {local}" if lang == "ja" else f"last sync {local}")
        else:
            parts.append("未同期" if lang == "ja" else "never synced")
        parts.append(f"未送信 {self.pending_events} 件" if lang == "ja" else f"{self.pending_events} pending")
        if self.error:
            parts.append(self.error.split(" / ")[0 if lang == "ja" else -1])
        return " · ".join(parts)


def waiting_cases(store: Store, terminal_id: str) -> int:
    """Cases opened at this terminal whose latest status event says awaiting release."""
    row = store.conn.execute(
        "SELECT count(*) FROM cases c WHERE c.terminal_id = ? AND ("
        " SELECT json_extract(e.payload, '$.status') FROM case_events e"
        " WHERE e.case_id = c.id AND json_extract(e.payload, '$.status') IS NOT NULL"
        " ORDER BY e.n DESC LIMIT 1) = 'awaiting_release'", (terminal_id,)).fetchone()
    return int(row[0])


def status_of(store: Store, target: SyncTarget, *, running: bool = False) -> SyncStatus:
    last = state.get(store.conn, state.LAST_SYNC) or {}
    error = state.get(store.conn, state.LAST_ERROR) or {}
    reason = freshness.stale_support_reason(store, server_configured=target.configured)
    return SyncStatus(
        standalone=freshness.is_standalone(store, target.configured),
        configured=target.configured,
        running=running,
        last_sync_at=last.get("at"),
        pending_events=push.pending_count(store),
        error=error.get("message"),
        support_stale=reason is not None,
        stale_reason_ja=reason.ja if reason else None,
        stale_reason_en=reason.en if reason else None,
        waiting_cases=waiting_cases(store, target.terminal_id),
    )


# ---------------------------------------------------------------------------------- service


class SyncService:
    """Background sync on a thread of its own. ``start()``, ``request()``, ``status()``, ``stop()``."""

    def __init__(self, store_path: str | Path, target: SyncTarget, *,
                 on_change: Callable[[SyncStatus], None] | None = None,
                 password: str | None = None):
        self.store_path = Path(store_path)
        self.target = target
        self.on_change = on_change
        self._password = password
        self._wake = threading.Event()
        self._asked = threading.Event()       # "sync now" (asks the system's sync when it is that)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._running = False
        self._status: SyncStatus | None = None
        self.rounds = 0

    # -- public API (any thread) ----------------------------------------------------------
    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="madoguchi-sync", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Run a round as soon as possible (e.g. the officer pressed 'sync now'); on a terminal
        synced by its sync account, ask that sync to run now (app.sync.request)."""
        self._asked.set()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def status(self) -> SyncStatus | None:
        with self._lock:
            return self._status

    # -- the thread -------------------------------------------------------------------------
    def _run(self) -> None:
        store = open_store(self.store_path)
        try:
            self._publish(store)
            while not self._stop.is_set():
                self._round(store)
                self._wake.wait(self._delay(store))
                self._wake.clear()
        finally:
            store.close()

    def _delay(self, store: Store) -> float:
        if waiting_cases(store, self.target.terminal_id):
            return float(store.setting(POLL_SETTING, 5))
        return float(store.setting(INTERVAL_SETTING, 60))

    def _round(self, store: Store) -> None:
        if freshness.set_standalone(store) or not self.target.configured:
            self._publish(store)
            return
        if self._synced_by_system():
            if self._asked.is_set():
                self._asked.clear()
                self._ask_the_system(store)
            self._publish(store)
            return
        self._asked.clear()
        try:
            with self._busy():
                sync_round(store, self.target, password=self._password)
        except SyncError as exc:
            log.info("sync round failed: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the thread must survive anything
            log.exception("unexpected sync failure")
            _record_error(store, SyncError(
                f"同期中に予期しないエラーが起きました。IT 担当に連絡してください。 / Unexpected sync "
                f"error ({type(exc).__name__}); call IT staff."))
        finally:
            self._publish(store)
            self.rounds += 1

    @contextlib.contextmanager
    def _busy(self):
        """``running`` in the published status while the block runs."""
        with self._lock:
            self._running = True
        try:
            yield
        finally:
            with self._lock:
                self._running = False

    def _ask_the_system(self, store: Store) -> None:
        """Ask the sync account's service for a round and wait for its record in the store (the
        status shows "syncing…" meanwhile); no answer is recorded as the sync's error."""
        try:
            with self._busy():
                self._publish(store)
                got = request.wait(store, request.ask(self.store_path), stop=self._stop)
            if not got.done and not self._stop.is_set():
                _record_error(store, SyncError(
                    "端末の同期サービスが応答しません。IT 担当に連絡してください。 / The terminal's sync "
                    "service did not answer; call IT staff."))
        except OSError as exc:
            _record_error(store, SyncError(
                f"同期を依頼できません（{exc.strerror}）。IT 担当に連絡してください。 / Cannot ask for a "
                f"sync ({exc.strerror}); call IT staff."))

    def _synced_by_system(self) -> bool:
        """The shared store of a terminal is synced by the sync account (app.sync.credential);
        a clerk's window then only shows what that sync recorded in the store."""
        # pwd and the system credential only on a terminal with a shared store
        from app.sync import credential

        return self._password is None and credential.system_managed() and credential.load() is None

    def _publish(self, store: Store) -> None:
        with self._lock:
            running = self._running
        status = status_of(store, self.target, running=running)
        with self._lock:
            self._status = status
        if self.on_change:
            try:
                self.on_change(status)
            except Exception:  # noqa: BLE001
                log.exception("sync status listener failed")

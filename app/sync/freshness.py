"""Fail closed (フェイルクローズ): when this terminal's copy of the support measures may be out of date,
every case that could touch a protected person is treated as restricted.

The terminal records when it last pulled support measures: the SERVER's time at that pull
(``sync_state['support_pulled_at']``, for people) and the terminal's monotonic clock and boot id at
that moment (``sync_state['support_pulled']``). The age of the data is the monotonic time since,
so setting the terminal's wall clock back does not keep it fresh; after a restart of the terminal
(another boot: the monotonic clock started again) the data counts as stale until the next pull.
Past ``sync.support_max_age_minutes`` (default 10), or when it
has never pulled at all, a measure decided at the main office a minute ago might be missing here, so
any case with a person or a mailing address in scope gets a RESTRICT decision whose reason says why
and since when. It ends when a sync succeeds, or for one case when a support officer (not the
handling clerk) releases that case.

A training or demo store never syncs: set ``sync.standalone`` to true in its settings (or call
:func:`mark_standalone`) and this rule does not apply there. Without the setting, a store that has
never synced on a terminal with no central server configured is standalone too (there is nothing
to be out of date with); once a store has synced, or the office configuration names a server, the
rule applies (``sync.standalone = false`` forces it).

The one stage that applies it is the DV restriction stage
(``app.security.restriction.stale_support_decision``, which also honours the officer's release);
this module gives it the reason. Must not import Qt.
"""

from __future__ import annotations

import datetime as dt

from app.rules.core import Reason, RequestScope
from app.security.clock import SYSTEM_CLOCK, Clock
from app.rules.said import REVIEW  # the same words a DV review gets: a review tells nothing
from app.store.db import Store
from app.sync import state

MAX_AGE_SETTING = "sync.support_max_age_minutes"
STANDALONE_SETTING = "sync.standalone"
DEFAULT_MAX_AGE_MINUTES = 10
CODE = "sync.support_data_stale"
SOURCE = f"setting: {MAX_AGE_SETTING} (default {DEFAULT_MAX_AGE_MINUTES} minutes)"


def is_standalone(store: Store, server_configured: bool | None = None) -> bool:
    """``server_configured``: whether this terminal has a central server (default: the office
    configuration names one)."""
    if set_standalone(store):
        return True
    if store.setting(STANDALONE_SETTING, None) is False:
        return False
    if state.get(store.conn, state.TERMINAL_ID) is not None:
        return False                      # this store has synced: it belongs to an office
    if server_configured is None:
        # the configuration file is read only when the caller did not say
        from app.config import OfficeConfig

        server_configured = bool(OfficeConfig.load().server_host)
    return not server_configured


def set_standalone(store: Store) -> bool:
    """The store is standalone on purpose and must not sync at all: set so, or it holds the demo
    municipality (研修市, ``settings['demo']`` from ``madoguchi demo-data``) — training data never
    goes to an office's server — unless ``sync.standalone`` is explicitly false."""
    explicit = store.setting(STANDALONE_SETTING, None)
    if explicit is not None:
        return bool(explicit)
    return store.setting("demo", None) is not None


def mark_standalone(store: Store, standalone: bool = True) -> None:
    """A training/demo store: works without a central server, never restricted for staleness."""
    store.set_setting(STANDALONE_SETTING, bool(standalone))


def max_age(store: Store) -> dt.timedelta:
    minutes = store.setting(MAX_AGE_SETTING, DEFAULT_MAX_AGE_MINUTES)
    try:
        minutes = float(minutes)
    except (TypeError, ValueError):
        minutes = DEFAULT_MAX_AGE_MINUTES
    return dt.timedelta(minutes=max(0.0, minutes))


def support_pulled_at(store: Store) -> dt.datetime | None:
    """The server's time when the support measures were last read (for people to see)."""
    value = state.get(store.conn, state.SUPPORT_PULLED_AT)
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def support_age(store: Store, clock: Clock = SYSTEM_CLOCK) -> dt.timedelta | None:
    """Monotonic time since the last pull of support measures; None when there was none on this
    boot of the terminal (never pulled, or restarted since: then nobody can tell the age)."""
    mark = state.get(store.conn, state.SUPPORT_PULLED)
    if not isinstance(mark, dict) or mark.get("boot_id") != clock.boot_id:
        return None
    try:
        seconds = clock.mono() - float(mark["mono"])
    except (KeyError, TypeError, ValueError):
        return None
    return dt.timedelta(seconds=max(0.0, seconds))


def stale_support_reason(store: Store, scope: RequestScope | None = None, *,
                         clock: Clock = SYSTEM_CLOCK,
                         server_configured: bool | None = None) -> Reason | None:
    """The reason to restrict ``scope`` because support data may be stale, or None.

    ``scope=None`` asks about the terminal as a whole (for a status line)."""
    if is_standalone(store, server_configured):
        return None
    if scope is not None and not (scope.persons or scope.mail_to):
        return None
    limit = max_age(store)
    pulled = support_pulled_at(store)
    limit_min = int(limit.total_seconds() // 60)
    if pulled is None:
        return Reason(
            CODE,
            "この端末はまだ中央サーバーから支援措置の情報を受け取っていません。支援措置の対象者が含まれるか確認できないため、"
            "同期が成功するか支援措置責任者が確認するまで、この手続は止まります。",
            "This terminal has never received the support-measure list from the central server, so "
            "it cannot tell whether a protected person is involved. The case stops until a sync "
            "succeeds or a support officer checks and releases it.",
            SOURCE, REVIEW)
    local = pulled.astimezone().strftime("%Y-%m-%d %H:%M")
    age = support_age(store, clock)
    if age is None:
        return Reason(
            CODE,
            f"端末が再起動されたため、支援措置の情報（最終受信 {local}、サーバー時刻）の新しさを確認できません。"
            "中央サーバーとの同期が成功するか支援措置責任者が確認するまで、この手続は止まります。",
            f"The terminal was restarted since the support-measure list was last received "
            f"({local}, server time), so its age cannot be told. The case stops until a sync "
            "succeeds or a support officer checks and releases it.",
            SOURCE, REVIEW)
    if age <= limit:
        return None
    minutes = int(age.total_seconds() // 60)
    return Reason(
        CODE,
        f"支援措置の情報が古くなっています（最終受信 {local}、{minutes} 分前。上限 {limit_min} 分）。"
        "中央サーバーとの同期が成功するか支援措置責任者が確認するまで、この手続は止まります。",
        f"The support-measure list on this terminal is out of date (last received {local}, "
        f"{minutes} minutes ago; the limit is {limit_min}). The case stops until a sync succeeds "
        "or a support officer checks and releases it.",
        SOURCE, REVIEW)


def mark_pulled(conn, server_at: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """Record a complete pull of support measures read at ``server_at`` (the server's time),
    with this terminal's monotonic clock and boot now. Inside the caller's transaction."""
    state.put(conn, state.SUPPORT_PULLED_AT, server_at)
    state.put(conn, state.SUPPORT_PULLED, {"mono": clock.mono(), "boot_id": clock.boot_id,
                                           "server_at": server_at})


"""Security settings of a municipality, kept in the store's ``settings`` table, with their defaults
and the ranges they may take. A change goes through :func:`change`, which validates it and writes
an audit entry in the same transaction. No setting can switch off the rule that the releasing
officer is never the handling clerk: there is deliberately no key for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import MadoguchiError
from app.security import audit
from app.security.clock import SYSTEM_CLOCK, Clock


@dataclass(frozen=True)
class SettingSpec:
    default: int
    low: int
    high: int
    ja: str
    en: str


#: key → default and allowed range (all integers)
SPECS: dict[str, SettingSpec] = {
    "security.lockout_attempts": SettingSpec(5, 3, 10, "連続失敗でロックするまでの回数",
                                             "failed sign-ins before the account locks"),
    "security.lockout_minutes": SettingSpec(15, 1, 1440, "アカウントロックの時間（分）",
                                            "minutes an account stays locked"),
    "security.idle_lock_minutes": SettingSpec(5, 1, 60, "無操作で画面をロックするまで（分）",
                                              "idle minutes before the session locks"),
    "security.release_minutes": SettingSpec(15, 1, 60, "一時解除の有効時間（分）",
                                            "minutes a release stays valid"),
    "security.auth_fresh_seconds": SettingSpec(120, 10, 600, "責任者認証の有効時間（秒）",
                                               "seconds an officer's sign-in counts as fresh"),
    "security.password_min_length": SettingSpec(10, 8, 64, "パスワードの最小文字数",
                                                "minimum password length"),
}


class SettingError(MadoguchiError, ValueError):
    code = "security.setting"


def get(store_or_conn, key: str) -> int:
    spec = SPECS[key]
    conn = getattr(store_or_conn, "conn", store_or_conn)
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if row is None:
        return spec.default
    try:
        value = int(row[0])
    except ValueError:
        return spec.default
    return value if spec.low <= value <= spec.high else spec.default


def change(store, key: str, value: int, *, staff_id: str | None, terminal_id: str,
           clock: Clock = SYSTEM_CLOCK) -> None:
    """Set a security setting (validated) and log who changed it from what to what."""
    spec = SPECS.get(key)
    if spec is None:
        raise SettingError(f"不明な設定です: {key} / unknown setting {key}")
    if not isinstance(value, int) or not spec.low <= value <= spec.high:
        raise SettingError(f"{spec.ja}は {spec.low}〜{spec.high} です / {spec.en} must be "
                           f"{spec.low}–{spec.high}")
    with store.transaction() as conn:
        old = get(conn, key)
        conn.execute("INSERT INTO settings(key, value) VALUES (?, ?) "
                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))
        audit.append(conn, action="setting.change", staff_id=staff_id, terminal_id=terminal_id,
                     target_kind="setting", target_id=key, clock=clock,
                     detail={"from": old, "to": value})

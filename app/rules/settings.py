"""Municipality settings the rules read: the points DOMAIN.md and the source mark as differing
between municipalities, each with its default, its meaning and where the default comes from.

Values live in the store's ``settings`` table (JSON) under the keys below; a key that is not set
there takes its default. ``madoguchi rules explain`` accepts the same keys in the request's
``settings`` object, so a supervisor can check what a municipality's settings change.
This module only reads and validates values; it never writes the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from app.errors import MadoguchiError


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    kind: type | tuple[type, ...]
    ja: str
    en: str
    source: str
    choices: tuple = ()


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("pin_reset.card_alone_is_identity", True, bool,
                "暗証番号の再設定: マイナンバーカードのみで本人確認とする",
                "PIN reset: the My Number card alone is enough identity",
                "practice (the source only says the card is an acceptable ID, S:830-831)"),
    SettingSpec("suspension.certificate_handling", "held", str,
                "一時停止中の電子証明書の扱い（held: 一時保留 / revoked: 失効）",
                "Certificates while the card is suspended (held / revoked)",
                "configurable (DOMAIN.md: sources differ, default 一時保留)",
                ("held", "revoked")),
    SettingSpec("fees.reissue_card", 800, int, "再交付手数料（カード）", "Re-issue fee, card (yen)",
                "practice (municipal fee schedules)"),
    SettingSpec("fees.reissue_certificate", 200, int, "再交付手数料（電子証明書）",
                "Re-issue fee, certificate (yen)", "practice (municipal fee schedules)"),
    SettingSpec("status_inquiry.by_application_id", True, bool,
                "申請状況の照会: 申請書IDによる照会を窓口でも行う",
                "Status inquiry: also look up by application ID at the counter",
                "practice (the source gives the application-ID look-up to the call centre, S:839-841)"),
    SettingSpec("my_number_copy.effective_date", "2018-11-27", str,
                "個人番号記載の写しの交付の取扱いの適用日",
                "Date from which the My-Number-copy delivery rules apply",
                "住民基本台帳事務処理要領の一部改正について（平成30年11月27日付け通知）"),
    SettingSpec("removed_records.retention_years", 150, int, "除票の保存期間（年）",
                "Retention of removed records (years)", "practice (planned 5→150, S:33)"),
    SettingSpec("removed_records.cutover_date", "2014-06-20", str,
                "除票の保存期間延長の基準日", "Removals from this date are kept for the long period",
                "practice (not in the source; check against the amended Act)"),
    SettingSpec("identity.oral_question_topics", ["birth_date", "family"], list,
                "口頭質問の項目", "Topics of oral questions",
                "practice (the source asks for oral questions as needed, S:1132-1137)"),
    SettingSpec("municipality.name", "研修市", str, "この市区町村の名称", "Name of this municipality",
                "office configuration"),
    SettingSpec("measures.linked_systems",
                ["住民基本台帳", "戸籍の附票", "戸籍", "税", "国民健康保険", "児童手当", "介護保険", "選挙",
                 "コンビニ交付"], list,
                "支援措置の連携システム（それぞれ「制限済み」の確認が必要）",
                "Systems every support measure must also be blocked in (each confirmed by name)",
                "practice (incidents where one system was blocked and another not: DOMAIN.md)"),
    SettingSpec("desk.paused_alert_minutes", 60, int,
                "保留のまま監督者の確認が必要になるまでの時間（分）",
                "Minutes a case may stay paused before it shows in the supervisor's queue",
                "practice"),
)

_BY_KEY = {s.key: s for s in SETTINGS}


class SettingError(MadoguchiError, ValueError):
    """A setting with an unknown key or a value of the wrong kind; names the key."""

    code = "rules.setting"


def validate(key: str, value: Any) -> Any:
    spec = _BY_KEY.get(key)
    if spec is None:
        raise SettingError(f"settings.{key}: 不明な設定です / unknown setting")
    if isinstance(value, bool) and spec.kind is not bool:
        raise SettingError(f"settings.{key}: 値の種類が違います / wrong kind of value")
    if not isinstance(value, spec.kind):
        raise SettingError(f"settings.{key}: 値の種類が違います / wrong kind of value")
    if spec.choices and value not in spec.choices:
        raise SettingError(
            f"settings.{key}: {', '.join(map(str, spec.choices))} のいずれかです / must be one of "
            + ", ".join(map(str, spec.choices))
        )
    return value


class Settings(Mapping[str, Any]):
    """Read-only view: explicit values over defaults."""

    def __init__(self, values: Mapping[str, Any] | None = None):
        self._values = {s.key: s.default for s in SETTINGS}
        for key, value in (values or {}).items():
            self._values[key] = validate(key, value)

    @classmethod
    def from_store(cls, store, overrides: Mapping[str, Any] | None = None) -> "Settings":
        values = {}
        if store is not None:
            for key in _BY_KEY:
                row = store.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    import json

                    values[key] = json.loads(row[0])
        values.update(overrides or {})
        return cls(values)

    def source(self, key: str) -> str:
        return f"setting: {key} ({_BY_KEY[key].source})"

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

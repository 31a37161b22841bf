"""Municipality settings the rules read: the points DOMAIN.md and the source mark as differing
between municipalities, each with its default, its meaning and where the default comes from.

Values live in the store's ``settings`` table (JSON) under the keys below; a key that is not set
there takes its default. ``madoguchi rules explain`` accepts the same keys in the request's
``settings`` object, so a supervisor can check what a municipality's settings change.
This module only reads and validates values; it never writes the store.

Every setting has a type and a range, checked by :func:`validate` whenever a value is set
(``rules settings --set``), read from the store or given to ``rules explain``: a number has a
``minimum``/``maximum``, a date (``kind=DATE``) is a real ``YYYY-MM-DD`` day within its range, a
text is non-empty and at most ``max_length`` long, a list holds 1..``max_length`` such texts.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Mapping

from app.errors import MadoguchiError


class DATE(str):
    """``kind`` of a setting that is a calendar day, stored as ``YYYY-MM-DD`` text."""


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    kind: type | tuple[type, ...]
    ja: str
    en: str
    source: str
    choices: tuple = ()
    minimum: Any = None           # numbers and dates (a date as YYYY-MM-DD)
    maximum: Any = None
    max_length: int = 200         # texts: characters; lists: items

    def describe_range(self) -> tuple[str, str]:
        """The range in words (ja, en), for messages and ``rules settings``."""
        if self.choices and self.kind is list:
            listed = ", ".join(map(str, self.choices))
            return f"{listed} から重複なく選んだリスト（空も可）", f"a list of some of {listed}, each once (or empty)"
        if self.choices:
            listed = ", ".join(map(str, self.choices))
            return f"{listed} のいずれか", f"one of {listed}"
        if self.kind is bool:
            return "true または false", "true or false"
        if self.kind is DATE:
            return (f"{self.minimum}〜{self.maximum} の実在する日（YYYY-MM-DD）",
                    f"a real day from {self.minimum} to {self.maximum} (YYYY-MM-DD)")
        if self.kind is int:
            return f"{self.minimum}〜{self.maximum} の整数", f"a whole number from {self.minimum} to {self.maximum}"
        if self.kind is list:
            return (f"1〜{self.max_length} 個の文字列のリスト", f"a list of 1 to {self.max_length} texts")
        return f"1〜{self.max_length} 文字の文字列", f"a text of 1 to {self.max_length} characters"


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("pin_reset.card_alone_is_identity", True, bool,
                "暗証番号の再設定: マイナンバーカードのみで本人確認とする",
                "PIN reset: the My Number card alone is enough identity",
                "practice (the source only says the card is an acceptable ID, S:830-831)"),
    # where else a PIN can be reset (issue: the counter of 2026): the two certificate PINs at a
    # convenience-store kiosk after the JPKI PIN-reset smartphone app checked the holder's face and
    # the other certificate PIN; the resident-registry and input-support PINs only at the counter
    SettingSpec("pin_reset.outside_counter", ["sign", "auth"], list,
                "暗証番号の再設定: 窓口以外（スマートフォンのアプリ＋コンビニ等のキオスク端末）でも再設定できる暗証番号",
                "PIN reset: PINs the holder can also reset outside the counter (smartphone app + kiosk)",
                "J-LIS「JPKI暗証番号リセット」: 署名用はコンビニ等で 令和4年3月現在 可（セブン-イレブン・ローソン）、"
                "利用者証明用も 2024-08-07 時点で可（大阪狭山市 2024-08-07・那覇市 2024-09-20 の案内）; "
                "もう一方の電子証明書の暗証番号が必要、両方不明なら窓口; 住基用・券面事項入力補助用は窓口のみ（甲賀市の案内）",
                choices=("sign", "auth", "juki", "input"), max_length=4),
    SettingSpec("suspension.certificate_handling", "held", str,
                "一時停止中の電子証明書の扱い（held: 一時保留 / revoked: 失効）",
                "Certificates while the card is suspended (held / revoked)",
                "configurable (DOMAIN.md: sources differ, default 一時保留)",
                ("held", "revoked")),
    SettingSpec("fees.reissue_card", 800, int, "再交付手数料（カード）", "Re-issue fee, card (yen)",
                "practice (municipal fee schedules)", minimum=0, maximum=100_000),
    SettingSpec("fees.reissue_certificate", 200, int, "再交付手数料（電子証明書）",
                "Re-issue fee, certificate (yen)", "practice (municipal fee schedules)", minimum=0, maximum=100_000),
    SettingSpec("status_inquiry.by_application_id", True, bool,
                "申請状況の照会: 申請書IDによる照会を窓口でも行う",
                "Status inquiry: also look up by application ID at the counter",
                "practice (the source gives the application-ID look-up to the call centre, S:839-841)"),
    # the My Number system started on 2015-10-05: no rule about it can apply earlier
    SettingSpec("my_number_copy.effective_date", "2018-11-27", DATE,
                "個人番号記載の写しの交付の取扱いの適用日",
                "Date from which the My-Number-copy delivery rules apply",
                "住民基本台帳事務処理要領の一部改正について（平成30年11月27日付け通知）",
                minimum="2015-10-05", maximum="2099-12-31"),
    SettingSpec("removed_records.retention_years", 150, int, "除票の保存期間（年）",
                "Retention of removed records (years)", "practice (planned 5→150, S:33)",
                minimum=5, maximum=150),
    # the Basic Resident Registers Act took effect on 1967-11-10
    SettingSpec("removed_records.cutover_date", "2014-06-20", DATE,
                "除票の保存期間延長の基準日", "Removals from this date are kept for the long period",
                "practice (not in the source; check against the amended Act)",
                minimum="1967-11-10", maximum="2099-12-31"),
    SettingSpec("identity.oral_question_topics", ["birth_date", "family"], list,
                "口頭質問の項目", "Topics of oral questions",
                "practice (the source asks for oral questions as needed, S:1132-1137)", max_length=10),
    SettingSpec("municipality.name", "研修市", str, "この市区町村の名称", "Name of this municipality",
                "office configuration", max_length=60),
    SettingSpec("measures.linked_systems",
                ["住民基本台帳", "戸籍の附票", "戸籍", "税", "国民健康保険", "児童手当", "介護保険", "選挙",
                 "コンビニ交付"], list,
                "支援措置の連携システム（それぞれ「制限済み」の確認が必要）",
                "Systems every support measure must also be blocked in (each confirmed by name)",
                "practice (incidents where one system was blocked and another not: DOMAIN.md)",
                max_length=30),
    SettingSpec("desk.paused_alert_minutes", 60, int,
                "保留のまま監督者の確認が必要になるまでの時間（分）",
                "Minutes a case may stay paused before it shows in the supervisor's queue",
                "practice", minimum=5, maximum=1440),
)

_BY_KEY = {s.key: s for s in SETTINGS}


class SettingError(MadoguchiError, ValueError):
    """A setting with an unknown key or a value of the wrong kind; names the key."""

    code = "rules.setting"


def validate(key: str, value: Any) -> Any:
    """``value`` if it has the setting's type and lies in its range; else :class:`SettingError`
    naming the key, the value and the range (ja / en)."""
    spec = _BY_KEY.get(key)
    if spec is None:
        raise SettingError(f"settings.{key}: 不明な設定です / unknown setting")
    if not _fits(spec, value):
        ja, en = spec.describe_range()
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise SettingError(f"settings.{key}: {shown} は使えません。{ja}です / {shown} is not allowed: "
                           f"it must be {en}")
    return value


def _fits(spec: SettingSpec, value: Any) -> bool:
    kind = str if spec.kind is DATE else spec.kind
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        return False
    if spec.choices and kind is list:           # some of the choices, each once (none: an empty list)
        return len(set(value)) == len(value) <= spec.max_length and all(v in spec.choices for v in value)
    if spec.choices:
        return value in spec.choices
    if spec.kind is DATE:
        try:
            day = _dt.date.fromisoformat(value)
        except ValueError:
            return False
        return day.isoformat() == value and spec.minimum <= value <= spec.maximum
    if kind is int:
        return spec.minimum <= value <= spec.maximum
    if kind is str:
        return 0 < len(value.strip()) and len(value) <= spec.max_length and value.isprintable()
    if kind is list:
        return (0 < len(value) <= spec.max_length
                and all(isinstance(v, str) and 0 < len(v.strip()) <= 40 and v.isprintable() for v in value))
    return True


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

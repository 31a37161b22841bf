"""Official name readings (氏名の振り仮名) and 旧氏 readings on the resident record: what a valid
reading is, where it came from, and the one place their rules are written down. Pure, no I/O.

Since 2025-05-26 (改正戸籍法, part of 令和5年法律第48号 "行政手続における特定の個人を識別するための
番号の利用等に関する法律等の一部を改正する法律", promulgated 2023-06-09) the family register records
the reading of the surname (氏の振り仮名) and of the given name (名の振り仮名), and the resident
record carries them (住民基本台帳法 as amended by the same law; 住民基本台帳法施行令 as amended by
令和7年政令第17号, promulgated 2025-01-29): the reading reaches the 住民票 from the family register
(a notice of the domicile municipality, 本籍地), after a person's own notification (氏名の振り仮名の
届, accepted where they live too), or is written ex officio (職権) — the readings that were notified to
everyone and not corrected by 2026-05-25 are recorded from 2026-05-26 on. A resident whose record
shows a 旧氏 has its reading recorded too: on request together with the 旧氏 (one is not recorded
without the other), or, for a 旧氏 already on the record on 2025-05-26, after a notice and the same
one-year window. Sources: 法務省 "戸籍に氏名の振り仮名が記載されます" (moj.go.jp/MINJI/furigana);
municipal notices of the change (e.g. 松戸市 "住民票に氏名の振り仮名・旧氏の振り仮名が記載されます",
池田市 "住民票等への氏名の振り仮名・旧氏の振り仮名の記載", 標茶町, 都留市).

What a reading may be: written in katakana (法務省's notices print it in katakana; the readings are
"氏名として用いられる文字の読み方として一般に認められているもの", 戸籍法第13条 as amended — whether a
reading is generally accepted is decided by the registrar, not here). This module accepts full-width
katakana including the small kana (ャ, ッ ...: キョウコ and キヨウコ are different readings, which the
notices tell people to check) and the long-vowel mark ー; no spaces (surname and given name are
separate items), no hiragana, no half-width kana, at most :data:`MAX_READING` characters (the
length is this project's choice; the specification of the register system is not public).

The search kana of a resident (``family_kana``/``given_kana``: the municipality's own convenience
reading, 便宜上保有する振り仮名) stays what it was: it is not certified and is never printed on a
copy. Search folds both (app.store.normalize.fold_name) and finds a person by either.
"""

from __future__ import annotations

import datetime as _dt
import re

from app.errors import MadoguchiError

#: the day the amended 戸籍法 and 住民基本台帳法 took effect: no official reading is older
SINCE = _dt.date(2025, 5, 26)
#: longest reading accepted for one item (surname, given name or 旧氏)
MAX_READING = 100
#: the characters of a reading, as a character class usable in a regex and in SQLite's GLOB
READING_CLASS = "ァ-ヶー"
_READING = re.compile(f"^[{READING_CLASS}]+$")

#: where a recorded reading came from: code → (ja, en). The codes are stored and checked by the
#: store and the server (:func:`valid_sql`, in their migrations): a new code needs a new migration.
SOURCES: dict[str, tuple[str, str]] = {
    "koseki_notice": ("本籍地からの通知（戸籍の記載による）",
                      "notice of the domicile municipality (entered in the family register)"),
    "notification": ("本人の届出・請求", "the person's own notification or request"),
    "ex_officio": ("職権記載", "recorded ex officio"),
}
#: the same in a word, for lists
SOURCES_SHORT: dict[str, tuple[str, str]] = {
    "koseki_notice": ("本籍地通知", "domicile notice"), "notification": ("届出", "notified"),
    "ex_officio": ("職権", "ex officio"),
}


class ReadingProblem(MadoguchiError, ValueError):
    """A reading, its date or its source that cannot be recorded; ``ja``/``en`` for the clerk,
    ``kind`` a stable name of the check."""

    code = "store.reading"

    def __init__(self, kind: str, ja: str, en: str):
        super().__init__(ja, en)
        self.kind = kind


def check_reading(text: str) -> str:
    """``text`` if it is a valid official reading, else :class:`ReadingProblem`."""
    if not text:
        raise ReadingProblem("reading_empty", "振り仮名が空です", "the reading is empty")
    if len(text) > MAX_READING:
        raise ReadingProblem("reading_too_long", f"振り仮名は {MAX_READING} 文字までです",
                             f"a reading has at most {MAX_READING} characters")
    if not _READING.match(text):
        raise ReadingProblem("reading_not_katakana",
                             "振り仮名は全角カタカナ（小書き文字・長音符を含む）だけで、空白を含めません",
                             "a reading is full-width katakana only (small kana and ー allowed), "
                             "without spaces")
    return text


def check_reading_date(day: str | _dt.date, today: _dt.date) -> str:
    """The ISO date a reading was recorded, if it lies between :data:`SINCE` and ``today``."""
    if isinstance(day, str):
        try:
            day = _dt.date.fromisoformat(day)
        except ValueError:
            raise ReadingProblem("reading_date_format", f"{day} は日付として読めません",
                                 f"{day} is not a date") from None
    if day < SINCE:
        raise ReadingProblem("reading_date_before_law",
                             "振り仮名の記載日が制度開始（2025年5月26日）より前です",
                             "the reading's date is before the readings began (2025-05-26)")
    if day > today:
        raise ReadingProblem("reading_date_future", "振り仮名の記載日が未来の日付です",
                             "the reading's date is in the future")
    return day.isoformat()


def check_source(code: str) -> str:
    if code not in SOURCES:
        known = "、".join(f"{c}（{ja}）" for c, (ja, _en) in SOURCES.items())
        raise ReadingProblem("reading_source", f"振り仮名の記載事由 {code} はありません（{known}）",
                             f"{code} is not a source of a reading ({', '.join(SOURCES)})")
    return code


def source_words(code: str | None, *, english: bool = False, short: bool = False) -> str:
    """The source of a reading in words (ja or en; ``short``: one word); ``""`` for none."""
    if not code:
        return ""
    ja, en = (SOURCES_SHORT if short else SOURCES).get(code, (code, code))
    return en if english else ja


def reading_line(family: str | None, given: str | None) -> str:
    """An official reading as printed and shown: surname and given name, an ideographic space
    between; a part not (yet) recorded is left out."""
    return "\u3000".join(part for part in (family, given) if part)


# Search keys of the readings, in SQL (the store's key triggers) and in Python (writers that fill
# the keys themselves, app.store.normalize.resident_search_keys): the official reading of a part,
# or the search kana where that part has none; NULL when the record has no official reading.
FURIGANA_KEY_SQL = (
    "CASE WHEN {p}furigana_family IS NULL AND {p}furigana_given IS NULL THEN NULL ELSE "
    "coalesce(madoguchi_fold_name(coalesce({p}furigana_family, {p}family_kana)), '') || "
    "coalesce(madoguchi_fold_name(coalesce({p}furigana_given, {p}given_kana)), '') END")
FORMER_FURIGANA_KEY_SQL = (
    "CASE WHEN {p}former_furigana IS NULL THEN NULL ELSE madoguchi_fold_name({p}former_furigana) || "
    "coalesce(madoguchi_fold_name(coalesce({p}furigana_given, {p}given_kana)), '') END")


def valid_sql(prefix: str = "", *, dialect: str = "sqlite") -> str:
    """The rules above as one SQL condition over a residents row (``prefix`` e.g. ``NEW.``), true
    for a row whose readings may be stored: for the store's triggers (``sqlite``) and the central
    server's CHECK (``postgres``), so that both refuse the same rows."""
    def reading_ok(column: str) -> str:
        c = prefix + column
        if dialect == "sqlite":
            body = f"{c} <> '' AND length({c}) <= {MAX_READING} AND {c} NOT GLOB '*[^{READING_CLASS}]*'"
        else:
            body = f"{c} ~ '^[{READING_CLASS}]{{1,{MAX_READING}}}$'"
        return f"({c} IS NULL OR ({body}))"

    def dated_ok(readings: tuple[str, ...], date: str, source: str) -> str:
        d, s = prefix + date, prefix + source
        any_reading = " OR ".join(f"{prefix}{c} IS NOT NULL" for c in readings)
        well_formed = f"date({d}) IS {d}" if dialect == "sqlite" else f"{d} ~ '^\\d{{4}}-\\d{{2}}-\\d{{2}}$'"
        sources = ", ".join(f"'{code}'" for code in SOURCES)
        return (f"(({any_reading}) = ({d} IS NOT NULL AND {s} IS NOT NULL)"
                f" AND ({d} IS NULL OR ({well_formed} AND {d} >= '{SINCE.isoformat()}'))"
                f" AND ({s} IS NULL OR {s} IN ({sources})))")

    return " AND ".join([
        reading_ok("furigana_family"), reading_ok("furigana_given"), reading_ok("former_furigana"),
        dated_ok(("furigana_family", "furigana_given"), "furigana_date", "furigana_source"),
        dated_ok(("former_furigana",), "former_furigana_date", "former_furigana_source"),
        f"({prefix}former_furigana IS NULL OR {prefix}former_surname IS NOT NULL)",
    ])

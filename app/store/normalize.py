"""Folding of names, kana and addresses into the search keys stored beside each resident.

Owns the rules that make 「ﾔﾏﾀﾞ」, 「やまだ」 and 「ヤマダ」 one key, 「髙橋」 find 「高橋」, and
「中央町３丁目５番２号」 match 「中央町三丁目5-2」; and the parsing of a birth date typed at the counter
(ISO, 19800401, 1980/4/1, 昭和55年4月1日, S55.4.1). Pure functions, no I/O, no store access.

The keys are for searching only: the name, kana and address shown and printed are always the
stored originals, never a folded form.

NFKC alone is not enough: it maps the Kangxi radical 「⼾」 to the traditional 「戶」 (not the
Japanese 「戸」), and it leaves the CJK radicals supplement (「⻑」, 「⻘」, 「⻄」) untouched. Both end
up in text copied from PDFs. :data:`RADICAL_FORMS` handles the supplement before NFKC and
:data:`VARIANTS` folds the traditional forms NFKC produces, with the common name variants
(異体字: 髙→高, 﨑→崎, 邊→辺, 齋→斉 ...), after it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

import jaconv

from app.era import spans as era_spans
from app.errors import MadoguchiError

#: CJK radicals supplement (U+2E80–U+2EF3) that NFKC leaves alone → the ideograph a clerk means.
RADICAL_FORMS = {
    "⺅": "人", "⺉": "刀", "⺋": "卩", "⺌": "小", "⺍": "小", "⺎": "尢", "⺏": "尢", "⺐": "尢",
    "⺑": "尢", "⺓": "幺", "⺖": "心", "⺗": "心", "⺘": "手", "⺙": "攴", "⺛": "旡", "⺜": "日",
    "⺝": "月", "⺞": "歹", "⺟": "母", "⺠": "民", "⺡": "水", "⺢": "水", "⺣": "火", "⺤": "爪",
    "⺥": "爪", "⺧": "牛", "⺨": "犬", "⺩": "王", "⺪": "疋", "⺫": "目", "⺬": "示", "⺭": "示",
    "⺮": "竹", "⺯": "糸", "⺰": "糸", "⺱": "网", "⺲": "网", "⺳": "网", "⺴": "网", "⺵": "网",
    "⺶": "羊", "⺷": "羊", "⺸": "羊", "⺹": "老", "⺺": "聿", "⺻": "聿", "⺼": "肉", "⺽": "臼",
    "⺾": "艸", "⺿": "艸", "⻀": "艸", "⻁": "虎", "⻂": "衣", "⻃": "西", "⻄": "西", "⻅": "见",
    "⻆": "角", "⻇": "角", "⻈": "讠", "⻉": "贝", "⻊": "足", "⻋": "车", "⻌": "辶", "⻍": "辶",
    "⻎": "辶", "⻏": "邑", "⻐": "钅", "⻑": "長", "⻒": "長", "⻓": "长", "⻔": "门", "⻕": "阜",
    "⻖": "阜", "⻗": "雨", "⻘": "青", "⻙": "韦", "⻚": "页", "⻛": "风", "⻜": "飞", "⻝": "食",
    "⻞": "食", "⻟": "食", "⻠": "饣", "⻡": "首", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼",
    "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻪": "黾", "⻫": "斉", "⻬": "齐", "⻭": "歯",
    "⻮": "齿", "⻯": "竜", "⻰": "龙", "⻱": "亀", "⻲": "亀", "⻳": "亀",
}

#: Folded after NFKC: traditional forms NFKC makes of Kangxi radicals, and the variant characters
#: (異体字) of names a clerk types in their common form. For search keys only.
VARIANTS = {
    "戶": "戸", "黃": "黄", "靑": "青",
    "髙": "高", "﨑": "崎", "嵜": "崎", "碕": "崎", "邊": "辺", "邉": "辺", "澤": "沢",
    "濱": "浜", "濵": "浜", "廣": "広", "櫻": "桜", "嶋": "島", "嶌": "島", "國": "国", "澁": "渋",
    "萬": "万", "藏": "蔵", "眞": "真", "惠": "恵", "德": "徳", "冨": "富", "槇": "槙", "龍": "竜",
    "桒": "桑", "條": "条", "曾": "曽", "壽": "寿", "實": "実", "禮": "礼", "齋": "斉", "齊": "斉",
    "斎": "斉", "瀨": "瀬", "淺": "浅", "邨": "村", "籠": "篭", "峯": "峰", "舘": "館", "驒": "騨",
    "凜": "凛", "穗": "穂", "榮": "栄", "晉": "晋", "淵": "渕", "鷗": "鴎", "蘆": "芦", "圓": "円",
    "黑": "黒",
}

#: small kana folded to their full-size forms (old records often wrote キヨウコ for キョウコ)
SMALL_KANA = str.maketrans("ァィゥェォッャュョヮヵヶ", "アイウエオツヤユヨワカケ")

_PRE = {ord(k): v for k, v in RADICAL_FORMS.items()}
_POST = {ord(k): v for k, v in VARIANTS.items()}
#: spaces and separators ignored in names: ASCII/ideographic spaces, middle dots, equals, hyphens,
#: apostrophes and full stops that appear in foreign names
_NAME_NOISE = re.compile(r"[\s\u3000・･=＝\-‐‑–—'’.,、，]+")
_KATAKANA_ONLY = re.compile(r"^[\u30A0-\u30FF]+$")
_KANJI_NUMERALS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                   "八": 8, "九": 9}


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", (text or "").translate(_PRE)).translate(_POST)


# Both folds are pure and names and addresses repeat a great deal (family names, given-name
# pools, members of one household), so they are cached: the store's key triggers call them for
# every resident written, and a first sync writes hundreds of thousands.
@functools.lru_cache(maxsize=1 << 17)
def fold_name(text: str | None) -> str:
    """Search key of a name or its kana: NFKC (half-width kana → full width, full-width Latin →
    ASCII), radical forms and variants folded, hiragana → katakana, small kana → full size, Latin
    upper-cased, spaces and separators removed. ``""`` for an empty name."""
    if not text:
        return ""
    folded = _NAME_NOISE.sub("", _nfkc(text))
    return jaconv.hira2kata(folded).translate(SMALL_KANA).upper()


def is_kana_key(key: str) -> bool:
    """True if a folded key is katakana only (so it is compared with the kana keys too)."""
    return bool(key) and bool(_KATAKANA_ONLY.match(key))


_KANJI_NUMBER = r"[〇零一二三四五六七八九十百千]+"
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
#: kanji numerals that are a number of the address: before 丁目/番/番地/号/の+digit/a hyphen/a
#: digit, or after 丁目/番/番地/の/a hyphen when no other kanji follows (一宮, 九段, 三鷹 stay)
_KANJI_IN_ADDRESS = re.compile(
    rf"{_KANJI_NUMBER}(?=丁目|番|号|の[0-9〇一二三四五六七八九]|-|[0-9])"
    rf"|(?:(?<=丁目)|(?<=番地)|(?<=番)|(?<=の)|(?<=-)){_KANJI_NUMBER}(?![\u3400-\u9fff])")
#: 大字 and 字 (研修町大字上野字下原 = 研修町上野下原): dropped wherever they are not next to a
#: number (a place name with 字 inside it folds the same way on both sides of a comparison)
_AZA = re.compile(r"大字|(?<![0-9])字(?=[^0-9\s])")
_ADDRESS_RULES = [
    (re.compile(r"([0-9]+)\s*丁目"), r"\1-"),
    (re.compile(r"([0-9]+)\s*番地?の?"), r"\1-"),
    (re.compile(r"([0-9]+)\s*号室"), r"\1"),          # a room: 201号室 → 201
    (re.compile(r"([0-9]+)\s*号"), r"\1-"),
    (re.compile(r"(?<=[0-9])の(?=[0-9])"), "-"),
    (re.compile(r"\s*[‐‑‒–—―−ー-]\s*(?=[0-9])"), "-"),  # dashes of every width (ー too) before a digit
    (re.compile(r"(?<=[0-9-])\s+(?=[0-9])"), "-"),    # 5-2 201: a room number after the lot
    (re.compile(r"\s+"), ""),
    (re.compile(r"-{2,}"), "-"),
    (re.compile(r"-(?![0-9])|(?<![0-9])-"), ""),       # a hyphen only ever joins two numbers
]


def _kanji_to_int(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 百二十 → 120, 二〇一 → 201 (digit by digit without units)."""
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
        else:
            current = current * 10 + _KANJI_NUMERALS[ch]
    return str(total + current)


@functools.lru_cache(maxsize=1 << 17)
def fold_address(text: str | None) -> str:
    """THE folded form of an address: the search key, and the form in which the restriction
    check, the destination check and printing compare addresses (:func:`same_address`).

    ``研修県研修市中央町三丁目５番２号　研修ハイツ２０１号室`` → ``研修県研修市中央町3-5-2研修ハイツ201``
    and ``中央町三丁目5番2号 201号室`` → ``中央町3-5-2-201`` = ``中央町3丁目5番地2 201``: NFKC (full
    width → half width, variants folded as for names), 大字/字 dropped, kanji numerals of the
    address → digits, 丁目/番/番地/号/の between numbers → ``-``, 号室 dropped, dashes of every
    width unified, a space between two numbers → ``-``, other spaces dropped, a hyphen kept only
    between two digits, Latin upper-cased. The equivalent spellings are one table in the tests.
    """
    if not text:
        return ""
    s = _nfkc(text).upper()
    s = _AZA.sub("", s)
    s = _KANJI_IN_ADDRESS.sub(lambda m: _kanji_to_int(m.group(0)), s)
    for pattern, repl in _ADDRESS_RULES:
        s = pattern.sub(repl, s)
    return s


def same_address(a: str | None, b: str | None) -> bool:
    """Whether two addresses may be the same place, compared in :func:`fold_address` form. Errs on
    the side of "same": an address that contains the other (a building or a room in it, a
    prefecture left out) counts as the same; a longer number does not (1-2-3 is not 1-2-30)."""
    na, nb = fold_address(a), fold_address(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    short, long = sorted((na, nb), key=len)
    if len(short) < 6:
        return False
    start = long.find(short)
    while start != -1:
        end = start + len(short)
        if end == len(long) or not long[end].isdigit():
            return True
        start = long.find(short, start + 1)
    return False


def resident_search_keys(
    family_name: str, given_name: str, family_kana: str, given_kana: str, address: str, *,
    alias: str | None = None, alias_kana: str | None = None,
    former_surname: str | None = None, former_surname_kana: str | None = None,
    furigana_family: str | None = None, furigana_given: str | None = None,
    former_furigana: str | None = None,
) -> dict[str, str | None]:
    """Every search-key column of a resident row, from the stored originals. Whoever writes a
    resident (the demo generator, sync) fills the keys with this, so search finds the row.
    The official readings (氏名の振り仮名, 旧氏の振り仮名; app.store.furigana) get keys of their
    own, so that a person is found by the search kana or by the official reading."""
    family_key, given_key = fold_name(family_name), fold_name(given_name)
    kana_given = fold_name(given_kana)
    reading_given = fold_name(furigana_given or given_kana)
    return {
        "furigana_key": (fold_name(furigana_family or family_kana) + reading_given
                         if furigana_family or furigana_given else None),
        "former_furigana_key": fold_name(former_furigana) + reading_given if former_furigana else None,
        "name_key": family_key + given_key,
        "kana_key": fold_name(family_kana) + kana_given,
        "alias_key": fold_name(alias) or None,
        "alias_kana_key": fold_name(alias_kana) or None,
        "former_key": (fold_name(former_surname) + given_key) if former_surname else None,
        "former_kana_key": (fold_name(former_surname_kana) + kana_given) if former_surname_kana else None,
        "address_key": fold_address(address),
    }


def search_keys_stale(family_name, given_name, family_kana, given_kana, alias, alias_kana,
                      former_surname, former_surname_kana, address, name_key, kana_key, alias_key,
                      alias_kana_key, former_key, former_kana_key, address_key) -> int:
    """1 if any stored search key differs from what the store's key trigger would compute
    (schema migration 7's ``_KEY_UPDATE``, same NULL rules), else 0. One SQL function call per
    row written instead of a dozen: the insert trigger asks this before rewriting the keys."""
    def fold(text):
        return fold_name(text) if text else None

    def then(head, tail):                  # SQL: head || coalesce(tail, '')
        return None if head is None else head + (tail or "")

    expected = (
        (fold(family_name) or "") + (fold(given_name) or ""),
        (fold(family_kana) or "") + (fold(given_kana) or ""),
        fold(alias),
        fold(alias_kana),
        then(fold(former_surname), fold(given_name)),
        then(fold(former_surname_kana), fold(given_kana)),
        fold_address(address) if address else "",
    )
    stored = (name_key, kana_key, alias_key, alias_kana_key, former_key, former_kana_key, address_key)
    return int(expected != stored)


# --- birth dates typed at the counter ---------------------------------------------------------

class InputError(MadoguchiError, ValueError):
    """Search input that cannot be read; the message is worded for the clerk (ja / en)."""

    code = "input.invalid"


class DateInputError(InputError):
    """A birth date that cannot be read, is impossible, or lies in the future."""

    code = "input.date"


#: era → (first day, last day or None), for reading era dates typed at the counter (``app.era``)
ERAS = era_spans()
_ERA_ALIASES = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和",
                "明": "明治", "大": "大正", "昭": "昭和", "平": "平成", "令": "令和"}
_ERA_DATE = re.compile(
    r"^(明治|大正|昭和|平成|令和|[MTSHR明大昭平令])(元|\d{1,2})(?:[年./\-](?:(\d{1,2})(?:[月./\-](\d{1,2})日?)?)?)?$")
_WESTERN_DATE = re.compile(r"^(\d{4})(?:[年./\-]?(\d{1,2})(?:[月./\-]?(\d{1,2})日?)?)?$")


def parse_birth_date(text: str, *, today: _dt.date | None = None) -> tuple[str, str]:
    """A birth date or a partial one, as typed at the counter → an ISO range ``(first, last)``.

    ``1980-04-01``, ``19800401``, ``1980/4/1``, ``1980年4月1日`` and era forms ``昭和55年4月1日``,
    ``S55.4.1``, ``平成元年5月3日`` give one day; ``1980`` or ``1980-04`` (or ``S55.4``) give a year
    or a month. A date in the future, before 1868, or impossible raises :class:`DateInputError`.
    """
    raw = _nfkc(text).strip().upper().replace(" ", "")
    if not raw:
        raise DateInputError("生年月日が空です / the birth date is empty")
    m = _ERA_DATE.match(raw)
    if m:
        era = _ERA_ALIASES.get(m.group(1), m.group(1))
        first, last = ERAS[era]
        n = 1 if m.group(2) == "元" else int(m.group(2))
        year = first.year + n - 1
        month, day = m.group(3), m.group(4)
        lo, hi = _range(year, int(month) if month else None, int(day) if day else None, raw)
        if lo < first and hi < first or (last and lo > last):
            raise DateInputError(f"{raw} はその元号の期間にありません / {raw} is outside that era")
        lo, hi = max(lo, first), min(hi, last) if last else hi
    else:
        m = _WESTERN_DATE.match(raw)
        if not m:
            raise DateInputError(
                f"生年月日「{text}」を読めません（例: 1980-04-01、昭和55年4月1日、S55.4.1） / "
                f"cannot read the birth date {text!r} (e.g. 1980-04-01, 昭和55年4月1日, S55.4.1)")
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        lo, hi = _range(year, month, day, raw)
    today = today or _dt.date.today()
    if lo > today:
        raise DateInputError(f"生年月日 {lo.isoformat()} は未来の日付です / the birth date is in the future")
    if hi < _dt.date(1868, 1, 1):
        raise DateInputError(f"生年月日 {hi.isoformat()} は古すぎます / the birth date is too early")
    return lo.isoformat(), min(hi, today).isoformat()


def _range(year: int, month: int | None, day: int | None, raw: str) -> tuple[_dt.date, _dt.date]:
    try:
        if month is None:
            return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        if day is None:
            first = _dt.date(year, month, 1)
            nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
            return first, nxt - _dt.timedelta(days=1)
        d = _dt.date(year, month, day)
        return d, d
    except ValueError:
        raise DateInputError(f"生年月日 {raw} という日付はありません / the birth date {raw} is not a real date") from None


_SEX_WORDS = {
    "1": 1, "男": 1, "男性": 1, "M": 1, "MALE": 1,
    "2": 2, "女": 2, "女性": 2, "F": 2, "FEMALE": 2,
    "9": 9, "適用不能": 9,
}


def parse_sex(text: str | int) -> int:
    """``1``/男/M/male → 1, ``2``/女/F/female → 2, ``9``/適用不能 → 9."""
    key = _nfkc(str(text)).strip().upper()
    if key not in _SEX_WORDS:
        raise InputError(f"性別「{text}」を読めません（男/女/1/2） / cannot read the sex {text!r} (1, 2, M, F)")
    return _SEX_WORDS[key]

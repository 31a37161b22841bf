"""The resident-record interchange layout (中間標準レイアウト仕様, J-LIS) as data, and the reading
and checking of its files, one row at a time. Pure: no database, no Qt.

Everything about the layout — data sets, item names (ja/en), order, type, length, whether an item
is required, the code tables (続柄, 年号, 異動事由, 外国人住民区分, card states) — is in ONE file,
``resources/import/layout.json``; its ``spec`` block says which version it follows and which parts
are this project's own mapping (the item workbooks and code tables of the specification are not
public). Changing a code value or a length is an edit of that file, not of this module.

A file is CSV (UTF-8, with or without BOM, or Shift_JIS/cp932), one data set per file, the first
line naming the items of exactly one data set in order (that is how the data set is recognised).
:func:`read_file` returns the checked rows (item key → value, dates as ISO text, codes as codes) and
every :class:`Problem` found, each naming the file, the line, the item and what is wrong in
Japanese and English. Checks across rows and files (duplicates, household references, My Numbers
held by someone else) are :mod:`app.sync.importer`'s, which also knows what the server holds.
"""

from __future__ import annotations

import collections
import csv
import datetime as _dt
import functools
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from app.errors import MadoguchiError
from app.ids import InvalidMyNumber, my_number_check_digit, resident_code_check_digit
from app.paths import resource
from app.store.furigana import ReadingProblem, check_reading


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be loaded: where (file, line, item) and what (ja / en)."""

    file: str
    line: int            # 1-based line of the file; 0 = the file as a whole
    item_ja: str
    item_en: str
    ja: str
    en: str
    kind: str            # a stable name of the check, e.g. "my_number_check_digit"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        item = f" [{self.item_ja} / {self.item_en}]" if self.item_ja else ""
        return f"{where}{item}: {self.ja} / {self.en}"


class LayoutError(MadoguchiError):
    """The layout file itself is unusable (a packaging or editing mistake)."""

    code = "import.layout"


@dataclass(frozen=True)
class Item:
    key: str
    ja: str
    en: str
    type: str
    max: int | None = None
    required: bool = False
    codes: str | None = None
    not_before: str | None = None     # a date item: no earlier date (ISO) is accepted
    added: bool = False               # added to the layout later: a file may end before it


@dataclass(frozen=True)
class Dataset:
    name: str
    ja: str
    en: str
    file: str
    items: tuple[Item, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(i.ja for i in self.items)

    @property
    def headers(self) -> tuple[tuple[str, ...], ...]:
        """The headers a file of this data set may have: every item, or (a file written before
        the items marked ``added``) every item but those."""
        full = self.header
        older = tuple(i.ja for i in self.items if not i.added)
        return (full,) if older == full else (full, older)

    @functools.cached_property
    def row_type(self) -> type:
        """A checked row: a named tuple of the items (a million of them fit where dicts would not)."""
        return collections.namedtuple(f"{self.name.capitalize()}Row", [i.key for i in self.items])


@dataclass(frozen=True)
class Era:
    code: str
    name: str
    en: str
    first: _dt.date
    last: _dt.date | None


@dataclass
class Layout:
    spec: dict
    encodings: tuple[str, ...]
    eras: dict[str, Era]
    codes: dict[str, dict]
    datasets: dict[str, Dataset]

    def identify(self, header: list[str]) -> Dataset | None:
        cleaned = tuple(h.strip() for h in header)
        for ds in self.datasets.values():
            if cleaned in ds.headers:
                return ds
        return None

    def code_of(self, table: str, value) -> str:
        """The code whose meaning is ``value`` (for export): relationship 妻 → "02"."""
        for code, meaning in self.codes[table].items():
            target = meaning.get("name") if isinstance(meaning, dict) else meaning
            if target == value:
                return code
        raise KeyError(f"{table}: no code for {value!r}")

    def wareki(self, iso: str) -> str:
        """ISO date → ``GYYMMDD`` (年号コード + year of the era + month + day)."""
        day = _dt.date.fromisoformat(iso)
        for era in self.eras.values():
            if day >= era.first and (era.last is None or day <= era.last):
                return f"{era.code}{day.year - era.first.year + 1:02d}{day.month:02d}{day.day:02d}"
        raise ValueError(f"{iso} is outside every era of the layout")

    #: refuse a 住民票コード whose check digit is wrong (``file.resident_code_check_digit`` of the
    #: layout file: an office may switch it off there if its exports disagree with the formula)
    check_resident_code: bool = True

    @property
    def citation(self) -> str:
        return f"{self.spec['name']} — {self.spec['publisher']}, {self.spec['version']}"


@functools.lru_cache(maxsize=4)
def load_layout(path: str | None = None) -> Layout:
    """The layout from ``resources/import/layout.json`` (or ``path``)."""
    source = Path(path) if path else resource("import", "layout.json")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        eras = {code: Era(code, e["name"], e["en"], _dt.date.fromisoformat(e["first"]),
                          _dt.date.fromisoformat(e["last"]) if e.get("last") else None)
                for code, e in data["eras"].items()}
        datasets = {}
        for name, ds in data["datasets"].items():
            items = tuple(Item(i["key"], i["ja"], i["en"], i["type"], i.get("max"),
                               bool(i.get("required")), i.get("codes"), i.get("not_before"),
                               bool(i.get("added"))) for i in ds["items"])
            datasets[name] = Dataset(name, ds["ja"], ds["en"], ds["file"], items)
            added = [item.added for item in items]
            if any(added) and (added != sorted(added) or any(i.required for i in items if i.added)):
                raise LayoutError(f"{source}: data set {name}: items marked added must come last "
                                  f"and cannot be required")
            for item in items:
                if item.not_before is not None:
                    _dt.date.fromisoformat(item.not_before)
                if item.type not in _CHECKS:
                    raise LayoutError(f"{source}: item {item.key}: unknown type {item.type!r}")
                if item.type == "code" and item.codes not in data["codes"]:
                    raise LayoutError(f"{source}: item {item.key}: unknown code table {item.codes!r}")
        return Layout(data["spec"], tuple(data["file"]["encodings"]), eras, data["codes"], datasets,
                      bool(data["file"].get("resident_code_check_digit", True)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LayoutError(f"the import layout {source} is unusable: {exc}") from exc


# ---- item checks: each returns the value to keep, or raises _Bad(kind, ja, en) -----------------

class _Bad(Exception):
    def __init__(self, kind: str, ja: str, en: str):
        super().__init__(en)
        self.kind, self.ja, self.en = kind, ja, en


_KANA = re.compile(r"^[\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$")
_CARD_NO = re.compile(r"^[A-Z]{2}[0-9]{8}[A-Z]{2}$|^[0-9A-Z]{12}$")
_POSTAL = re.compile(r"^([0-9]{3})-?([0-9]{4})$")


def _check_text(item: Item, value: str, layout: Layout):
    return value


def _check_kana(item: Item, value: str, layout: Layout):
    if not _KANA.match(value):
        raise _Bad("kana", "全角カタカナ以外の文字があります", "only full-width katakana is allowed")
    return value


def _check_digits(item: Item, value: str, layout: Layout):
    if not (value.isascii() and value.isdigit()):
        raise _Bad("digits", "半角数字以外の文字があります", "only the digits 0-9 are allowed")
    return value


def _check_resident_code(item: Item, value: str, layout: Layout):
    if not (len(value) == 11 and value.isascii() and value.isdigit()):
        raise _Bad("resident_code", "住民票コードは半角数字11桁です", "a resident-record code has 11 digits")
    if layout.check_resident_code and resident_code_check_digit(value[:10]) != int(value[10]):
        raise _Bad("resident_code_check_digit", "住民票コードの検査数字が一致しません（住民基本台帳法施行規則第1条）",
                   "the check digit of the resident-record code is wrong (Basic Resident Registration "
                   "Act Enforcement Regulation, art. 1)")
    return value


def _check_my_number(item: Item, value: str, layout: Layout):
    if not (len(value) == 12 and value.isascii() and value.isdigit()):
        raise _Bad("my_number_format", "個人番号は半角数字12桁です", "a My Number has 12 digits")
    try:
        ok = my_number_check_digit(value[:11]) == int(value[11])
    except InvalidMyNumber:  # pragma: no cover - the digits were checked above
        ok = False
    if not ok:
        # never echo the number itself
        raise _Bad("my_number_check_digit", "個人番号の検査用数字が一致しません",
                   "the check digit of the My Number is wrong")
    return value


def _check_postal(item: Item, value: str, layout: Layout):
    m = _POSTAL.match(value)
    if not m:
        raise _Bad("postal", "郵便番号は 123-4567 の形です", "a postal code looks like 123-4567")
    return f"{m.group(1)}-{m.group(2)}"


def _check_wareki(item: Item, value: str, layout: Layout):
    if not (len(value) == 7 and value.isascii() and value.isdigit()):
        raise _Bad("wareki_format", "和暦の日付は 年号コード1桁＋年月日6桁（例 3550401 = 昭和55年4月1日）です",
                   "an era date is the era code and YYMMDD, 7 digits (3550401 = Shōwa 55-04-01)")
    era = layout.eras.get(value[0])
    if era is None:
        codes = "、".join(f"{e.code}={e.name}" for e in layout.eras.values())
        raise _Bad("era_code", f"年号コード {value[0]} はありません（{codes}）",
                   f"there is no era code {value[0]} ({', '.join(f'{e.code}={e.en}' for e in layout.eras.values())})")
    year = era.first.year + int(value[1:3]) - 1
    try:
        day = _dt.date(year, int(value[3:5]), int(value[5:7]))
    except ValueError:
        raise _Bad("impossible_date", f"{era.name}{int(value[1:3])}年{int(value[3:5])}月{int(value[5:7])}日 は存在しない日付です",
                   f"{era.en} {int(value[1:3])}-{value[3:5]}-{value[5:7]} is not a date") from None
    if int(value[1:3]) < 1 or day < era.first or (era.last is not None and day > era.last):
        raise _Bad("outside_era", f"{era.name}{int(value[1:3])}年{int(value[3:5])}月{int(value[5:7])}日 は{era.name}の期間外です",
                   f"{era.en} {int(value[1:3])}-{value[3:5]}-{value[5:7]} lies outside the {era.en} era")
    return day.isoformat()


def _check_date(item: Item, value: str, layout: Layout):
    if not (len(value) == 8 and value.isascii() and value.isdigit()):
        raise _Bad("date_format", "日付は西暦8桁（例 20280401）です", "a date is 8 digits, YYYYMMDD")
    try:
        day = _dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _Bad("impossible_date", f"{value} は存在しない日付です", f"{value} is not a date") from None
    if day.year < 1868:
        raise _Bad("impossible_date", f"{value} は古すぎる日付です", f"{value} is too early")
    if item.not_before and day.isoformat() < item.not_before:
        first = _dt.date.fromisoformat(item.not_before)
        raise _Bad("date_too_early", f"{value} は {first.year}年{first.month}月{first.day}日 より前です（この項目はそれ以降の日付）",
                   f"{value} is before {item.not_before}, the first date this item can have")
    return day.isoformat()


def _check_reading(item: Item, value: str, layout: Layout):
    """An official reading (氏名の振り仮名, 旧氏の振り仮名): the rules of app.store.furigana."""
    try:
        return check_reading(value)
    except ReadingProblem as exc:
        raise _Bad(exc.kind, exc.ja, exc.en) from None


def _check_code(item: Item, value: str, layout: Layout):
    if value not in layout.codes[item.codes]:
        raise _Bad(f"code_{item.codes}", f"{item.ja} {value} はコード表にありません",
                   f"{value} is not in the {item.en} table")
    return value


def _check_card_no(item: Item, value: str, layout: Layout):
    if not _CARD_NO.match(value):
        raise _Bad("card_no", "在留カード等の番号は英大文字・数字12桁です",
                   "a residence card number has 12 capital letters and digits")
    return value


_CHECKS: dict[str, Callable[[Item, str, Layout], object]] = {
    "text": _check_text, "kana": _check_kana, "digits": _check_digits,
    "resident_code": _check_resident_code, "my_number": _check_my_number, "postal": _check_postal,
    "wareki": _check_wareki, "date": _check_date, "code": _check_code, "card_no": _check_card_no,
    "reading": _check_reading,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MEMO_TYPES = frozenset({"wareki", "date", "code", "postal", "kana", "reading"})
_MISS = object()


# ---- rules across the items of one row -------------------------------------------------------

def _row_rules(dataset: str, layout: Layout, today: _dt.date) -> Callable[[dict], Iterator[tuple]]:
    """Checks across the items of one row: yields (item key, kind, ja, en)."""
    today_iso = today.isoformat()

    def residents(row: dict):
        birth = row["birth_date"]
        if birth and birth > today_iso:
            yield "birth_date", "future_birth", "生年月日が未来の日付です", "the date of birth is in the future"
        event = layout.codes["event"].get(row["event"]) or {}
        if event.get("status") == "removed":
            if not row["event_date"]:
                yield "event_date", "removal_without_date", f"{event['name']}には異動年月日が必要です", \
                    f"a removal ({event['name']}) needs the date of change"
            elif birth and row["event_date"] < birth:
                yield "event_date", "removal_before_birth", "異動年月日が生年月日より前です", \
                    "the date of change is before the date of birth"
            if event.get("needs_destination") and not row["moved_to_address"]:
                yield "moved_to_address", "removal_without_destination", "転出には転出先住所が必要です", \
                    "a move out needs the address moved to"
        elif row["moved_to_address"]:
            yield "moved_to_address", "destination_while_active", "在住者の記録に転出先住所があります（異動事由と矛盾）", \
                "a current resident cannot have an address moved to (contradicts the change reason)"
        for key in ("became_resident_date", "address_date", "notified_date"):
            if row[key] and birth and row[key] < birth:
                yield key, "date_before_birth", "生年月日より前の日付です", "this date is before the date of birth"
        if row["foreign_category"]:
            if not row["nationality"]:
                yield "nationality", "foreigner_without_nationality", "外国人住民には国籍・地域が必要です", \
                    "a foreign resident needs a nationality or region"
        elif any(row[k] for k in ("nationality", "residence_status", "residence_card_no")):
            yield "foreign_category", "foreign_items_without_category", \
                "国籍・在留資格等があるのに外国人住民区分がありません", \
                "nationality or residence items are given without a foreign resident category"
        if row["former_surname_kana"] and not row["former_surname"]:
            yield "former_surname", "former_kana_without_name", "旧氏のフリガナだけがあります", \
                "a reading of a former surname is given without the former surname"
        yield from _reading_rules(row, today_iso)

    def cards(row: dict):
        if row["expiry_date"] <= row["issued_date"]:
            yield "expiry_date", "expiry_before_issue", "有効期限が交付年月日以前です", \
                "the expiry date is not after the date of issue"
        if row["status"] != "1" and not row["status_date"]:
            yield "status_date", "status_without_date", "一時停止・廃止には状態年月日が必要です", \
                "a suspended or revoked card needs the date of its status"

    def households(row: dict):
        return iter(())

    return {"residents": residents, "cards": cards, "households": households}[dataset]


def _reading_rules(row: dict, today_iso: str) -> Iterator[tuple]:
    """The official readings of one resident row (app.store.furigana): each with its date and
    source, a given-name reading only beside a given name, a 旧氏 reading only beside a 旧氏."""
    for readings, date, source, what_ja, what_en in (
            (("furigana_family", "furigana_given"), "furigana_date", "furigana_source",
             "氏名の振り仮名", "the official reading"),
            (("former_furigana",), "former_furigana_date", "former_furigana_source",
             "旧氏の振り仮名", "the former surname's reading")):
        if any(row[k] for k in readings):
            for key, ja, en in ((date, "記載年月日", "the date it was recorded"),
                                (source, "記載事由コード", "its source code")):
                if not row[key]:
                    yield key, "reading_incomplete", f"{what_ja}には{ja}が必要です", f"{what_en} needs {en}"
        elif row[date] or row[source]:
            key = date if row[date] else source
            yield key, "reading_missing", f"{what_ja}がないのに記載年月日・記載事由があります", \
                f"a date or source is given without {what_en}"
        if row[date] and row[date] > today_iso:
            yield date, "reading_date_future", "振り仮名の記載年月日が未来の日付です", \
                "the date the reading was recorded is in the future"
    if row["furigana_given"] and not row["given_name"]:
        yield "furigana_given", "given_reading_without_name", "名がないのに名の振り仮名があります", \
            "a reading of the given name is given without a given name"
    if row["former_furigana"] and not row["former_surname"]:
        yield "former_furigana", "former_reading_without_name", "旧氏がないのに旧氏の振り仮名があります", \
            "a reading of a former surname is given without the former surname"


# ---- reading a file ----------------------------------------------------------------------------

@dataclass
class ParsedFile:
    path: str
    dataset: Dataset | None
    rows: list[tuple] = field(default_factory=list)   # Dataset.row_type
    lines: list[int] = field(default_factory=list)   # the line of each row
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    absent: tuple[str, ...] = ()    # items marked "added" that this file (an older one) lacks


def _decode(raw: bytes, encodings: tuple[str, ...]) -> str | None:
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def read_file(path: str | Path, layout: Layout | None = None, *, today: _dt.date | None = None,
              max_problems: int = 1000,
              on_progress: Callable[[str, int, int], None] | None = None) -> ParsedFile:
    """Read and check one file. Problems are collected (at most ``max_problems`` are kept, all are
    counted); the rows are usable only when there is none."""
    layout = layout or load_layout()
    path = Path(path)
    name = path.name
    out = ParsedFile(str(path), None)

    def problem(line, item: Item | None, kind, ja, en):
        out.error_count += 1
        if len(out.problems) < max_problems:
            out.problems.append(Problem(name, line, item.ja if item else "", item.en if item else "",
                                        ja, en, kind))

    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem(0, None, "unreadable", f"ファイルを読めません（{exc.strerror}）", f"cannot read the file ({exc.strerror})")
        return out
    text = _decode(raw, layout.encodings)
    if text is None:
        problem(0, None, "encoding", "文字コードが UTF-8 でも Shift_JIS でもありません",
                "the file is neither UTF-8 nor Shift_JIS text")
        return out
    buffer = io.StringIO(text, newline="")
    reader = csv.reader(buffer)
    try:
        header = next(reader)
    except StopIteration:
        problem(0, None, "empty_file", "空のファイルです（1行目に項目名が必要です）",
                "the file is empty (the first line must name the items)")
        return out
    except csv.Error as exc:
        problem(1, None, "csv_syntax", f"CSV として読めません（{exc}）", f"not readable as CSV ({exc})")
        return out
    dataset = layout.identify(header)
    if dataset is None:
        known = "; ".join(f"{d.ja}: {','.join(d.header[:3])}…" for d in layout.datasets.values())
        problem(1, None, "unknown_header",
                f"1行目の項目名がどのデータセットとも一致しません（{known}）",
                "the item names on the first line match no data set of the layout "
                f"({', '.join(d.en for d in layout.datasets.values())}); check the export settings")
        return out
    out.dataset = dataset
    items = dataset.items
    n_items = len(items)
    # a file written before the items marked "added": its rows end early, those items are empty
    n_given = len(header)
    padding = [""] * (n_items - n_given)
    out.absent = tuple(item.key for item in items[n_given:])
    # (index, key, item, check or None for plain text, memo of results or None, length limit):
    # dates, codes, postal codes and readings repeat a great deal, so their results are memoised
    plan = [(i, item.key, item, None if item.type == "text" else _CHECKS[item.type],
             {} if item.type in _MEMO_TYPES else None, item.max if item.max is not None else 1 << 30)
            for i, item in enumerate(items)]
    rules = _row_rules(dataset.name, layout, today or _dt.date.today())
    make_row = dataset.row_type._make
    by_key = {item.key: item for item in items}
    total = len(text)
    count = 0
    line_no = 1
    try:
        for values in reader:
            line_no = reader.line_num
            count += 1
            if on_progress and not count & 0x1FFF:
                on_progress(f"check {name}", buffer.tell(), total)
            if not values or values == [""]:
                continue
            if len(values) != n_given:
                problem(line_no, None, "item_count", f"項目数が {len(values)} です（{n_given} 項目のはず）",
                        f"the line has {len(values)} items, the data set has {n_given}")
                continue
            if padding:
                values = values + padding
            row: dict = {}
            bad = False
            joined = "".join(values)
            has_control = _CONTROL.search(joined) is not None
            for i, key, item, check, memo, limit in plan:
                value = values[i].strip()
                if not value:
                    if item.required:
                        problem(line_no, item, "required", "必須項目が空です", "this item is required")
                        bad = True
                    row[key] = None
                    continue
                if has_control and _CONTROL.search(value):
                    problem(line_no, item, "control_character", "制御文字（改行・タブ等）が含まれています",
                            "contains a control character (line break, tab ...)")
                    bad = True
                    continue
                if len(value) > limit:
                    problem(line_no, item, "too_long", f"{len(value)} 文字です（最大 {item.max} 文字）",
                            f"{len(value)} characters (at most {item.max})")
                    bad = True
                    continue
                if check is None:
                    row[key] = value
                    continue
                got = memo.get(value, _MISS) if memo is not None else _MISS
                if got is _MISS:
                    try:
                        got = check(item, value, layout)
                    except _Bad as exc:
                        got = exc
                    if memo is not None:
                        memo[value] = got
                if got.__class__ is _Bad:
                    problem(line_no, item, got.kind, got.ja, got.en)
                    bad = True
                else:
                    row[key] = got
            if bad:
                continue
            for key, kind, ja, en in rules(row):
                problem(line_no, by_key[key], kind, ja, en)
                bad = True
            if not bad:
                out.rows.append(make_row(row.values()))
                out.lines.append(line_no)
    except csv.Error as exc:
        problem(reader.line_num, None, "csv_syntax", f"CSV として読めません（{exc}）", f"not readable as CSV ({exc})")
    if on_progress:
        on_progress(f"check {name}", total, total)
    if not out.rows and not out.error_count:
        problem(0, None, "no_rows", "項目名の行だけでデータがありません", "the file has the item names but no rows")
    return out

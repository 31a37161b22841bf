"""Resident search (住民検索): by name (kanji or kana, prefix, spaces ignored, width and
hiragana/katakana folded; kana match the search kana and the official readings, 氏名の振り仮名 and
旧氏の振り仮名, alike), birth date, sex, address fragment, the four basic items together, or
the My Number (check digit validated first).

Owns the choice of index for a query (a small table of strategies, most selective first), and
the hit records it returns. Every hit says at once whether the person is under a support
measure (``restricted``: a flag only; what may be shown or issued is app.security's decision)
and whether the record is a removed one (除票). The My Number is carried in the hit for the
callers that need it but never logged; :meth:`ResidentHit.to_json` masks it by default.

Does not import Qt, does not log queries (a name or a My Number typed at the counter is personal
information).
"""

from __future__ import annotations

import abc
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from app.ids import InvalidMyNumber, mask_my_number, validate_my_number
from app.store.db import Store, StoreError
from app.store.normalize import (
    InputError,
    fold_address,
    fold_name,
    is_kana_key,
    parse_birth_date,
    parse_sex,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
MAX_NAME_LENGTH = 60
MAX_ADDRESS_LENGTH = 120
#: trigram index: fragments shorter than this are matched by scanning the address list instead
TRIGRAM = 3
#: a prefix range on a key: ``key >= p AND key < p || U+10FFFF``
_TOP = "\U0010ffff"


class SearchError(StoreError):
    """A search that cannot be run as asked (empty, absurd, a bad My Number); the message is
    worded for the clerk in Japanese and English and says what to do."""

    code = "store.search"


@dataclass(frozen=True)
class ResidentQuery:
    """What the clerk typed. Any combination; at least one item that narrows the search."""

    name: str | None = None
    birth_date: str | None = None
    sex: str | int | None = None
    address: str | None = None
    my_number: str | None = None
    include_removed: bool = True
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class ResidentHit:
    id: str
    household_id: str | None
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    former_surname: str | None
    alias: str | None
    birth_date: str
    sex: int
    address: str
    relationship: str | None
    status: str                    # 'active' or 'removed' (除票)
    removal_reason: str | None
    removal_date: str | None
    is_foreign: bool
    nationality: str | None
    my_number: str | None
    resident_code: str | None
    restricted: bool               # under a support measure (target or protected member)
    furigana_family: str | None = None    # official readings (氏名の振り仮名), app.store.furigana
    furigana_given: str | None = None
    furigana_date: str | None = None
    furigana_source: str | None = None
    former_furigana: str | None = None    # 旧氏の振り仮名
    former_furigana_date: str | None = None
    former_furigana_source: str | None = None

    @property
    def removed(self) -> bool:
        return self.status == "removed"

    @property
    def name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}"

    @property
    def kana(self) -> str:
        return f"{self.family_kana}\u3000{self.given_kana}"

    def to_json(self, *, show_number: bool = False) -> dict:
        """A plain dict for JSON; the My Number masked unless ``show_number``."""
        return {
            "id": self.id, "household_id": self.household_id, "name": self.name, "kana": self.kana,
            "family_name": self.family_name, "given_name": self.given_name,
            "family_kana": self.family_kana, "given_kana": self.given_kana,
            "former_surname": self.former_surname, "alias": self.alias,
            "birth_date": self.birth_date, "sex": self.sex, "address": self.address,
            "relationship": self.relationship, "status": self.status, "removed": self.removed,
            "removal_reason": self.removal_reason, "removal_date": self.removal_date,
            "is_foreign": self.is_foreign, "nationality": self.nationality,
            "my_number": self.my_number if show_number else mask_my_number(self.my_number),
            "resident_code": self.resident_code if show_number else mask_my_number(self.resident_code),
            "restricted": self.restricted,
            "furigana": {"family": self.furigana_family, "given": self.furigana_given,
                         "date": self.furigana_date, "source": self.furigana_source},
            "former_furigana": {"reading": self.former_furigana, "date": self.former_furigana_date,
                                "source": self.former_furigana_source},
        }


@dataclass
class SearchResult:
    hits: list[ResidentHit] = field(default_factory=list)
    truncated: bool = False        # more matches than the limit: narrow the search
    strategy: str = ""             # which index answered (for IT staff and the benchmark)

    def __len__(self) -> int:
        return len(self.hits)


_HIT_COLUMNS = (
    "r.id, r.household_id, r.family_name, r.given_name, r.family_kana, r.given_kana, "
    "r.former_surname, r.alias, r.birth_date, r.sex, r.address, r.relationship, r.status, "
    "r.removal_reason, r.removal_date, r.is_foreign, r.nationality, r.my_number, r.resident_code, "
    # the restriction flag: a measure that is not ended, for the person as target or member.
    # A measure whose end date has passed still restricts until an officer ends it.
    "(EXISTS (SELECT 1 FROM support_measures m WHERE m.target_id = r.id AND m.status != 'ended') OR "
    " EXISTS (SELECT 1 FROM support_measure_members mm JOIN support_measures m2 ON m2.id = mm.measure_id "
    "         WHERE mm.resident_id = r.id AND m2.status != 'ended')) AS restricted, "
    "r.furigana_family, r.furigana_given, r.furigana_date, r.furigana_source, r.former_furigana, "
    "r.former_furigana_date, r.former_furigana_source"
)


def _hit(row: tuple) -> ResidentHit:
    return ResidentHit(*row[:15], bool(row[15]), row[16], row[17], row[18], bool(row[19]), *row[20:27])


@dataclass
class _Parsed:
    name_key: str = ""
    kana: bool = False
    birth: tuple[str, str] | None = None
    sex: int | None = None
    address_key: str = ""


def _parse(query: ResidentQuery) -> _Parsed:
    p = _Parsed()
    try:
        if query.name is not None and query.name.strip():
            if len(query.name) > MAX_NAME_LENGTH:
                raise SearchError(f"氏名が長すぎます（{MAX_NAME_LENGTH}文字まで） / the name is too long "
                                  f"(at most {MAX_NAME_LENGTH} characters)")
            p.name_key = fold_name(query.name)
            if not any(ch.isalpha() for ch in p.name_key):
                raise SearchError("氏名に文字がありません（記号や空白だけです） / the name has no letters, "
                                  "only spaces or punctuation")
            p.kana = is_kana_key(p.name_key)
        if query.birth_date is not None and str(query.birth_date).strip():
            p.birth = parse_birth_date(str(query.birth_date))
        if query.sex is not None and str(query.sex).strip():
            p.sex = parse_sex(query.sex)
        if query.address is not None and query.address.strip():
            if len(query.address) > MAX_ADDRESS_LENGTH:
                raise SearchError("住所が長すぎます / the address is too long")
            p.address_key = fold_address(query.address)
            if len(p.address_key) < 2:
                raise SearchError("住所は2文字以上で検索してください（例: 中央町、3丁目5） / give at least two "
                                  "characters of the address (e.g. 中央町, 3丁目5)")
    except InputError as exc:
        raise SearchError(str(exc)) from None
    return p


def search_residents(store: Store | sqlite3.Connection, query: ResidentQuery) -> SearchResult:
    """Run ``query``; raises :class:`SearchError` for an empty, absurd or malformed search."""
    conn = store.conn if isinstance(store, Store) else store
    limit = query.limit
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"件数の上限は 1〜{MAX_LIMIT} です / the limit must be 1 to {MAX_LIMIT}")
    for label_ja, label_en, value in (("氏名", "name", query.name), ("生年月日", "birth date", query.birth_date),
                                      ("住所", "address", query.address), ("個人番号", "My Number", query.my_number)):
        if isinstance(value, str) and any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
            raise SearchError(f"{label_ja}に制御文字（NUL など）が含まれています。入力し直してください / "
                              f"the {label_en} contains a control character (NUL...): type it again")
    if query.my_number is not None and str(query.my_number).strip():
        return _by_my_number(conn, query)
    p = _parse(query)
    if not (p.name_key or p.birth or p.address_key):
        if p.sex is not None:
            raise SearchError("性別だけでは検索できません。氏名、生年月日または住所も入れてください / "
                              "sex alone is too broad: add a name, a birth date or an address")
        raise SearchError("検索条件がありません。氏名、生年月日、性別、住所または個人番号を入れてください / "
                          "nothing to search for: give a name, birth date, sex, address or My Number")
    for strategy in _STRATEGIES:
        if strategy.applies(p):
            return strategy.run(conn, p, query)
    raise AssertionError("no strategy for a non-empty query")  # pragma: no cover


def _by_my_number(conn: sqlite3.Connection, query: ResidentQuery) -> SearchResult:
    try:
        number = validate_my_number(str(query.my_number))
    except InvalidMyNumber as exc:
        raise SearchError(str(exc)) from None
    sql = f"SELECT {_HIT_COLUMNS} FROM residents r WHERE r.my_number = ?"
    if not query.include_removed:
        sql += " AND r.status = 'active'"
    hits = [_hit(r) for r in conn.execute(sql, (number,))]
    return SearchResult(hits, False, "my_number")


def _filters(p: _Parsed, query: ResidentQuery, *, skip: str) -> tuple[str, list]:
    """SQL conditions for every given item except the one the index already applies."""
    where, args = [], []
    if p.name_key and skip != "name":
        where.append(_name_condition(p))
        args += _name_args(p)
    if p.birth and skip != "birth":
        where.append("r.birth_date BETWEEN ? AND ?")
        args += list(p.birth)
    if p.sex is not None and skip != "sex":
        where.append("r.sex = ?")
        args.append(p.sex)
    if p.address_key and skip != "address":
        where.append("instr(r.address_key, ?) > 0")
        args.append(p.address_key)
    if not query.include_removed:
        where.append("r.status = 'active'")
    return "".join(f" AND {w}" for w in where), args


def _name_columns(p: _Parsed) -> tuple[str, ...]:
    if p.kana:
        # the search kana and the official readings (氏名の振り仮名, 旧氏の振り仮名) alike
        return ("kana_key", "name_key", "alias_kana_key", "former_kana_key", "alias_key",
                "furigana_key", "former_furigana_key")
    return ("name_key", "alias_key", "former_key")


def _name_condition(p: _Parsed) -> str:
    return "(" + " OR ".join(f"(r.{c} >= ? AND r.{c} < ?)" for c in _name_columns(p)) + ")"


def _name_args(p: _Parsed) -> list:
    return [v for _ in _name_columns(p) for v in (p.name_key, p.name_key + _TOP)]


_NAME_INDEX = {
    "name_key": "residents_name_search", "kana_key": "residents_kana_search",
    "alias_key": "residents_alias_key", "alias_kana_key": "residents_alias_kana_key",
    "former_key": "residents_former_key", "former_kana_key": "residents_former_kana_key",
    "furigana_key": "residents_furigana_key", "former_furigana_key": "residents_former_furigana_key",
}


class _Strategy(abc.ABC):
    """One way to answer a query from one index; the strategies are tried in order."""

    name = ""

    @abc.abstractmethod
    def applies(self, p: _Parsed) -> bool:
        """Whether this strategy's index can answer the parsed query."""

    @abc.abstractmethod
    def run(self, conn: sqlite3.Connection, p: _Parsed, query: ResidentQuery) -> SearchResult:
        """Answer the query from this strategy's index."""


def _collect(rows: Iterable[tuple], limit: int) -> tuple[list[ResidentHit], bool]:
    hits, seen = [], set()
    for row in rows:
        if row[0] in seen:
            continue
        seen.add(row[0])
        hits.append(_hit(row))
        if len(hits) > limit:
            return hits[:limit], True
    return hits, False


class _ByBirth(_Strategy):
    """A birth date (a day: a few dozen people even in a city of millions) narrows best."""

    name = "birth_date"

    def applies(self, p):
        return p.birth is not None and (p.birth[0] == p.birth[1] or not (p.name_key or p.address_key))

    def run(self, conn, p, query):
        extra, args = _filters(p, query, skip="birth")
        sql = (f"SELECT {_HIT_COLUMNS} FROM residents r INDEXED BY residents_birth "
               f"WHERE r.birth_date BETWEEN ? AND ?{extra} ORDER BY r.birth_date, r.kana_key LIMIT ?")
        hits, more = _collect(conn.execute(sql, [*p.birth, *args, query.limit + 1]), query.limit)
        return SearchResult(hits, more, self.name)


class _ByName(_Strategy):
    """A name prefix: one index range per key column (name, kana, alias, former surname),
    each in key order, merged; stops as soon as the limit is passed."""

    name = "name"

    def applies(self, p):
        return bool(p.name_key)

    def run(self, conn, p, query):
        extra, args = _filters(p, query, skip="name")
        rows: list[tuple] = []
        for column in _name_columns(p):
            sql = (f"SELECT {_HIT_COLUMNS}, r.{column} AS k FROM residents r INDEXED BY {_NAME_INDEX[column]} "
                   f"WHERE r.{column} >= ? AND r.{column} < ?{extra} ORDER BY r.{column} LIMIT ?")
            rows += conn.execute(sql, [p.name_key, p.name_key + _TOP, *args, query.limit + 1]).fetchall()
        rows.sort(key=lambda r: (r[-1], r[8], r[0]))   # key, birth date, id
        hits, more = _collect(rows, query.limit)
        return SearchResult(hits, more, self.name)


class _ByAddress(_Strategy):
    """An address fragment: the trigram index over the distinct folded addresses, then the
    residents at each matching address, in address order."""

    name = "address"

    def applies(self, p):
        return bool(p.address_key)

    def run(self, conn, p, query):
        extra, args = _filters(p, query, skip="address")
        if len(p.address_key) >= TRIGRAM:
            source = ("SELECT a.address_key FROM address_fts f JOIN addresses a ON a.id = f.rowid "
                      "WHERE address_fts MATCH ? ORDER BY f.rowid")
            source_args = ['"' + p.address_key.replace('"', '""') + '"']
            strategy = "address_trigram"
        else:
            source = "SELECT address_key FROM addresses WHERE instr(address_key, ?) > 0 ORDER BY id"
            source_args = [p.address_key]
            strategy = "address_scan"
        sql = (f"SELECT {_HIT_COLUMNS} FROM ({source}) AS s "
               f"JOIN residents r INDEXED BY residents_address_key ON r.address_key = s.address_key "
               f"WHERE 1{extra} LIMIT ?")
        hits, more = _collect(conn.execute(sql, [*source_args, *args, query.limit + 1]), query.limit)
        return SearchResult(hits, more, strategy)


#: most selective first: a birth day, then a name prefix, then a birth year or month, then an
#: address fragment
_STRATEGIES: list[_Strategy] = [_ByBirth(), _ByName(), _ByAddress()]

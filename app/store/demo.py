"""The demo municipality 研修市: a realistic, deterministic training store of any size.

Owns ``madoguchi demo-data``: residents in households of realistic composition and 続柄, foreign
residents with aliases and residence status, removed records (moved out, deceased), My Number
cards in every state, card applications, support measures with named perpetrators, and a
handful of test-card files. Everything is drawn from one ``random.Random(seed)`` and a fixed
reference date (``as_of``): no wall clock, no uuid4, so one seed gives byte-identical stores.

Safety: the store is built in a temporary file beside the target and renamed over it only when
complete, so a full disk or Ctrl-C never leaves a half store nor damages an existing one. An
existing store is replaced only with ``force``; a file that is not a Madoguchi store never is.
A run killed outright (SIGKILL) takes its worker processes with it (they die with their parent)
and its ``.building-<PID>`` files are removed by the next run.

Speed (4 M residents in minutes): rows are built as plain tuples, inserted with executemany in
big batches with journaling off, and the secondary indexes, the address index and its triggers
are created after the load. Staff accounts are not made here (app.security owns them).
"""

from __future__ import annotations

import bisect
import datetime as dt
import errno
import glob
import json
import os
import random
import signal
import sqlite3
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from app.ids import resident_code_check_digit
from app.store import demo_pools as pools
from app.store import furigana
from app.store.db import APPLICATION_ID, StoreError, open_store
from app.store.normalize import fold_name

#: the reference date of the demo data ("today" in the demo municipality)
DEMO_AS_OF = dt.date(2026, 11, 1)
#: the reference dates the generator takes: from the first My Number cards (2016-01) to the end of
#: the century (the data reach a card's expiry, ten years past the reference date; `make fuzz` found
#: 9999-12-31 ending in a ValueError for the year 10001)
DEMO_AS_OF_RANGE = (dt.date(2016, 1, 1), dt.date(2099, 12, 31))
MAX_RESIDENTS = 10_000_000
BATCH = 50_000

_FW = str.maketrans("0123456789", "０１２３４５６７８９")
_KANJI_DIGITS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]

RESIDENT_COLUMNS = (
    "id", "household_id", "resident_code", "my_number", "family_name", "given_name", "family_kana",
    "given_kana", "former_surname", "former_surname_kana", "alias", "alias_kana", "name_key",
    "kana_key", "alias_key", "alias_kana_key", "former_key", "former_kana_key", "birth_date", "sex",
    "postal_code", "address", "address_key", "relationship", "domicile", "domicile_head",
    "became_resident_date", "address_date", "notified_date", "previous_address", "status",
    "removal_reason", "removal_date", "moved_to_address", "is_foreign", "nationality",
    "residence_status", "residence_period", "residence_expiry", "residence_card_no",
    "foreign_category", "furigana_family", "furigana_given", "furigana_date", "furigana_source",
    "former_furigana", "former_furigana_date", "former_furigana_source", "furigana_key",
    "former_furigana_key",
)
# Official readings (氏名の振り仮名, app.store.furigana) on the demo's reference date: the readings
# people notified themselves in the first year (2025-05-26 to 2026-05-25), and those the family
# registers recorded ex officio from 2026-05-26 on, reaching the resident record over months (the
# municipal notices say 数か月程度), so some are not there yet. Shares per thousand Japanese
# residents whose record was current on 2025-05-26: notified 180, recorded since 520 (half of them
# by this town's own registrar, 職権, half by the notice of a domicile elsewhere), not yet 300.
# Foreign residents' readings (recorded on request) are not modelled. A 旧氏 has its reading in
# 650 of a thousand. A few surnames are read otherwise by the family register than by the town's
# search kana (河野 コウノ / カワノ ...): search finds them by either.
READING_SHARES = {"notification": 180, "recorded": 520}
FORMER_READING_SHARE = 650
OTHER_READINGS = {"ナカジマ": "ナカシマ", "ヤマザキ": "ヤマサキ", "コジマ": "オジマ", "ハセガワ": "ハセカワ",
                  "タカダ": "タカタ", "ミヤザキ": "ミヤサキ", "サイトウ": "サイドウ", "オオノ": "オノ"}
_READINGS_FROM = furigana.SINCE.toordinal()

# a row carries, after its columns (not stored), its birth ordinal and its family-name tuple
_BIRTH = len(RESIDENT_COLUMNS)
_FAMILY = _BIRTH + 1
CARD_COLUMNS = ("id", "resident_id", "issued_date", "expiry_date", "status", "status_date",
                "status_reason", "cert_sign_status", "cert_auth_status", "locked_pins", "card_file")
APPLICATION_COLUMNS = ("id", "resident_id", "application_id", "received_date", "status", "status_date")


class DemoDataError(StoreError):
    """The demo store could not be made; worded for the user. Nothing was left behind."""

    code = "store.demo_data"


@dataclass
class DemoSummary:
    path: Path
    residents: int = 0
    households: int = 0
    removed: int = 0
    foreign: int = 0
    cards: int = 0
    applications: int = 0
    support_measures: int = 0
    protected_persons: int = 0
    card_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    size_bytes: int = 0


def _fw(n: int) -> str:
    return str(n).translate(_FW)


def _kanji(n: int) -> str:
    return _KANJI_DIGITS[n] if n < 10 else ("十" if n < 20 else _KANJI_DIGITS[n // 10] + "十") + _KANJI_DIGITS[n % 10]


_ISO_CACHE: dict[int, str] = {}


def _iso(ordinal: int) -> str:
    text = _ISO_CACHE.get(ordinal)
    if text is None:
        text = _ISO_CACHE[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return text


def _nth_birthday_after(issue: int, birth: int, n: int) -> int:
    """Ordinal of the n-th birthday strictly after ``issue`` (card and certificate expiry)."""
    b, d = dt.date.fromordinal(birth), dt.date.fromordinal(issue)
    year = d.year if (b.month, b.day) > (d.month, d.day) else d.year + 1
    year += n - 1
    day = 28 if (b.month, b.day) == (2, 29) else b.day
    return dt.date(year, b.month, day).toordinal()


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class _AffineCodes:
    """Unique pseudo-random numbers of ``digits`` digits: i → (a·i + b) mod 10^digits, a
    coprime to 10, so no two rows ever share a number and nothing needs remembering."""

    def __init__(self, params: tuple[int, int], digits: int, start: int = 0):
        self.mod = 10 ** digits
        self.a, self.b = params
        self.i, self.digits = start, digits

    @staticmethod
    def draw(rng: random.Random, digits: int) -> tuple[int, int]:
        """(a, b) of one affine sequence, from the master seed."""
        mod = 10 ** digits
        a = rng.randrange(mod // 10, mod)
        while a % 2 == 0 or a % 5 == 0:
            a += 1
        return a, rng.randrange(mod)

    def next(self) -> int:
        self.i += 1
        return (self.a * self.i + self.b) % self.mod


class _ResidentCodes(_AffineCodes):
    """Unique valid 住民票コード: 10 affine digits + the check digit (app.ids.resident_code_check_digit).
    Drawn as 11-digit parameters (as before the check digit), used modulo 10^10: the factor stays
    coprime to 10, so the codes stay unique."""

    def __init__(self, params: tuple[int, int], start: int = 0):
        super().__init__(params, 10, start)

    def next(self) -> str:
        first10 = f"{super().next():010d}"
        return first10 + str(resident_code_check_digit(first10))


class _MyNumbers(_AffineCodes):
    """Unique valid My Numbers: 11 affine digits + the check digit (weights 6,5,4,3,2,7,6,5,4,3,2),
    computed from two precomputed half-sums instead of digit by digit."""

    def __init__(self, params: tuple[int, int], start: int = 0):
        super().__init__(params, 11, start)
        self.hi = self._partial_sums((6, 5, 4, 3, 2))
        self.lo = self._partial_sums((7, 6, 5, 4, 3, 2))

    @staticmethod
    def _partial_sums(weights: tuple[int, ...]) -> bytes:
        """Σ weight·digit mod 11 for every number of len(weights) digits, built digit by digit."""
        table = [0]
        for w in weights:
            table = [(t + w * d) % 11 for t in table for d in range(10)]
        return bytes(table)

    def next_number(self) -> str:
        n = self.next()
        r = (self.hi[n // 1_000_000] + self.lo[n % 1_000_000]) % 11
        return f"{n:011d}{0 if r <= 1 else 11 - r}"


def _weighted(items: list, weights: list[float]) -> Callable[[random.Random], object]:
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)

    def pick(rng: random.Random, _cum=cum, _items=items, _total=total, _bisect=bisect.bisect):
        return _items[_bisect(_cum, rng.random() * _total)]

    return pick


class _Names:
    """Pools with their search keys folded once (not per resident)."""

    def __init__(self):
        self.surnames = [(k, kana, fold_name(k), fold_name(kana)) for k, kana in pools.SURNAMES]
        self.pick_surname = _weighted(self.surnames, [1.0 / (i + 8) for i in range(len(self.surnames))])
        self.male = [[(k, kana, fold_name(k), fold_name(kana)) for k, kana in c] for c in pools.MALE_NAMES]
        self.female = [[(k, kana, fold_name(k), fold_name(kana)) for k, kana in c] for c in pools.FEMALE_NAMES]
        self.nations = {}
        for nation, d in pools.NATIONALITIES.items():
            fold = lambda pairs: [(k, kana, fold_name(k), fold_name(kana)) for k, kana in pairs]  # noqa: E731
            self.nations[nation] = dict(
                family=fold(d["family"]), male=fold(d["male"]), female=fold(d["female"]),
                aliases=fold(d["aliases"]),
                status=_weighted([s for s, _ in d["statuses"]], [w for _, w in d["statuses"]]))
        self.pick_nation = _weighted(list(pools.NATIONALITIES),
                                     [d["weight"] for d in pools.NATIONALITIES.values()])

    def given(self, rng: random.Random, sex: int, birth_year: int):
        cohort = 0 if birth_year < 1955 else (1 if birth_year < 1990 else 2)
        pool = (self.male if sex == 1 else self.female)[cohort]
        return pool[int(rng.random() * len(pool))]


# Household kinds (share of households, per 100) — after the 2020 census: one person 38 %,
# couple only 20 %, couple and children 25 %, one parent 9 %, three generations and others.
HOUSEHOLD_KINDS = [
    ("single_young", 12), ("single_middle", 10), ("single_elderly", 14), ("couple", 20),
    ("couple_children", 24), ("single_parent", 8), ("three_generations", 4),
    ("elderly_with_child", 4), ("siblings", 1.5), ("shared", 1), ("foreign_single", 1.6),
    ("foreign_family", 1.0),
]
_HOUSEHOLD_PICK = _weighted([k for k, _ in HOUSEHOLD_KINDS], [w for _, w in HOUSEHOLD_KINDS])
_LOCKS = [["auth"], ["sign"], ["input"], ["juki"], ["auth", "juki", "input"], ["sign", "auth", "juki", "input"]]
_LOCK_PICK = _weighted(list(range(len(_LOCKS))), [40, 25, 5, 3, 20, 7])
_CHILDREN_PICK = _weighted([1, 2, 3, 4], [38, 45, 14, 3])
_PENDING_PICK = _weighted(["received", "checking", "producing", "sent_to_municipality", "ready", "rejected"],
                          [20, 20, 20, 15, 20, 5])


def _ri(rng: random.Random, lo: int, hi: int) -> int:
    """lo..hi inclusive, from one random() call (randint is several times slower)."""
    return lo + int(rng.random() * (hi - lo + 1))


def _rr(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


class _Generator:
    """Builds rows into batches and hands them to ``flush``. One instance per demo store."""

    def __init__(self, rng: random.Random, total: int, as_of: dt.date, flush: Callable[[str, list], None] | None,
                 *, codes: dict, start: int = 0, population: int | None = None):
        """``total`` residents numbered from ``start`` (a chunk of a store of ``population``)."""
        self.rng, self.total, self.flush, self.start = rng, total, flush, start
        self.today = as_of.toordinal()
        self.names = _Names()
        self.my_numbers = _MyNumbers(codes["my_number"], start)
        self.resident_codes = _ResidentCodes(codes["resident_code"], start)
        self.application_ids = _AffineCodes(codes["application_id"], 23, start * 4)
        self.residents: list[tuple] = []
        self.households: list[tuple] = []
        self.cards: list[tuple] = []
        self.applications: list[tuple] = []
        self.count = 0
        self.summary_counts = dict(households=0, removed=0, foreign=0, cards=0, applications=0)
        self.card_start = dt.date(2016, 1, 4).toordinal()
        n_households = max(1, int((population or total) / 2.2))
        slots = sum(max(1, t[2]) for t in pools.TOWNS) * 12
        self.ban_max = max(20, -(-int(n_households * 0.55 * 1.3) // slots))
        self.men: list[tuple] = []          # reservoir of adult men (perpetrators living here)
        self.men_seen = 0
        self.dv_candidates: list[tuple] = []   # (target row, [child rows], household id, moved in)
        self.moved_out_women: list[tuple] = []
        self.showcase: dict[str, tuple] = {}   # card-file holders: kind → (row, card row)

    # -- identifiers ------------------------------------------------------------------------
    def uid(self) -> str:
        """A UUID4 from the seeded source: the same text as ``str(uuid.UUID(int=bits, version=4))``."""
        h = "%032x" % ((self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # -- places -----------------------------------------------------------------------------
    def address(self) -> tuple[str, str, str, str]:
        """(address, address_key, postal code, domicile-form address) of a new household."""
        rng = self.rng
        t = _rr(rng, len(pools.TOWNS))
        town, postal, chomes = pools.TOWNS[t]
        chome = _ri(rng, 1, chomes) if chomes else 0
        ban, go = _ri(rng, 1, self.ban_max), _ri(rng, 1, 12)
        base = f"{pools.PREFECTURE}{pools.CITY}{town}" + (f"{_kanji(chome)}丁目" if chome else "")
        addr = f"{base}{_fw(ban)}番{_fw(go)}号"
        # the folded key is built from the parts (what fold_address(addr) gives; a test checks it)
        key = f"{pools.PREFECTURE}{pools.CITY}{town}" + (f"{chome}-" if chome else "") + f"{ban}-{go}"
        if rng.random() < 0.42:
            name, floors = pools.BUILDINGS[(t * 7 + chome * 31 + ban * 17 + go * 5) % len(pools.BUILDINGS)]
            room = _ri(rng, 1, floors) * 100 + _ri(rng, 1, 10)
            addr += f"\u3000{name}{_fw(room)}号室"
            key += f"{name}{room}"
        return addr, key, postal, f"{base}{_fw(ban)}番地"

    def elsewhere(self) -> str:
        rng = self.rng
        city, towns = pools.OTHER_PLACES[_rr(rng, len(pools.OTHER_PLACES))]
        return f"{city}{towns[_rr(rng, len(towns))]}{_kanji(_ri(rng, 1, 5))}丁目{_fw(_ri(rng, 1, 30))}番{_fw(_ri(rng, 1, 20))}号"

    def domicile(self, own: str) -> str:
        if self.rng.random() < 0.45:
            return own
        rng = self.rng
        city, towns = pools.OTHER_PLACES[_rr(rng, len(pools.OTHER_PLACES))]
        return f"{city}{towns[_rr(rng, len(towns))]}{_fw(_ri(rng, 1, 999))}番地"

    # -- persons ----------------------------------------------------------------------------
    def birth(self, lo_age: float, hi_age: float) -> int:
        return self.today - int(self.rng.uniform(lo_age, hi_age) * 365.2425) - 1

    def person(self, hh: dict, relationship: str, sex: int, birth: int, family=None, given=None, *,
               former=None, domicile=None, domicile_head=None, foreign: dict | None = None,
               alias=None) -> list:
        rng = self.rng
        if family is None:
            family = self.names.pick_surname(rng)
        if given is None:
            given = self.names.given(rng, sex, dt.date.fromordinal(birth).year)
        moved_in = hh["moved_in"]
        if birth >= moved_in:
            became = address_date = birth
            previous = None
        else:
            address_date = moved_in
            became = moved_in if hh["from_outside"] else birth
            previous = hh["previous"]
        notified = min(address_date + _ri(rng, 0, 13), self.today)
        row = [None] * (len(RESIDENT_COLUMNS) + 2)
        row[_BIRTH], row[_FAMILY] = birth, family
        row[0], row[1] = self.uid(), hh["id"]
        row[2] = self.resident_codes.next()
        row[3] = self.my_numbers.next_number()
        row[4], row[5], row[6], row[7] = family[0], given[0], family[1], given[1]
        row[12], row[13] = family[2] + given[2], family[3] + given[3]
        if former is not None:
            row[8], row[9], row[16], row[17] = former[0], former[1], former[2] + given[2], former[3] + given[3]
        if alias is not None:
            afam, agiven = alias
            row[10], row[11] = f"{afam[0]}\u3000{agiven[0]}", f"{afam[1]} {agiven[1]}"
            row[14], row[15] = afam[2] + agiven[2], afam[3] + agiven[3]
        row[18], row[19] = _iso(birth), sex
        row[20], row[21], row[22] = hh["postal"], hh["address"], hh["address_key"]
        row[23] = relationship
        if foreign is None:
            row[24], row[25] = domicile or hh["domicile"], domicile_head or hh["domicile_head"]
            row[34] = 0
        else:
            row[34] = 1
            row[35], row[36] = foreign["nation"], foreign["status"]
            period = pools.RESIDENCE_PERIODS.get(foreign["status"])
            if period:
                row[37] = period[_rr(rng, len(period))]
                row[38] = _iso(self.today + _ri(rng, 20, 3 * 365))
            row[39] = (chr(65 + _rr(rng, 26)) + chr(65 + _rr(rng, 26)) + f"{_rr(rng, 10 ** 8):08d}"
                       + chr(65 + _rr(rng, 26)) + chr(65 + _rr(rng, 26)))
            row[40] = "特別永住者" if foreign["status"] == "特別永住者" else "中長期在留者"
        row[26], row[27], row[28], row[29] = _iso(became), _iso(address_date), _iso(notified), previous
        row[30] = "active"
        hh["members"].append(row)
        if sex == 1 and foreign is None and 20 <= (self.today - birth) / 365.2425 <= 70:
            self.men_seen += 1
            if len(self.men) < 2000:
                self.men.append(row)
            else:
                j = _rr(rng, self.men_seen)
                if j < 2000:
                    self.men[j] = row
        return row

    def remove(self, row: list, reason: str, date: int, destination: str | None = None) -> None:
        row[30], row[31], row[32] = "removed", reason, _iso(date)
        row[33] = destination

    # -- households -------------------------------------------------------------------------
    def household(self) -> None:
        rng = self.rng
        kind = _HOUSEHOLD_PICK(rng)
        address, address_key, postal, own_domicile = self.address()
        from_outside = rng.random() < 0.6
        hh = dict(id=self.uid(), address=address, address_key=address_key, postal=postal,
                  members=[], from_outside=from_outside, kind=kind,
                  previous=self.elsewhere() if from_outside else f"{pools.PREFECTURE}{pools.CITY}"
                  f"{pools.TOWNS[_rr(rng, len(pools.TOWNS))][0]}{_fw(_ri(rng, 1, 40))}番{_fw(_ri(rng, 1, 12))}号",
                  domicile=self.domicile(own_domicile), domicile_head=None, moved_in=0)
        getattr(self, "_" + kind)(hh, rng)
        members = hh["members"][: self.total - self.count]   # exactly N residents in the end
        if not members:
            return
        self.summary_counts["households"] += 1
        self.households.append((hh["id"], f"{self.start + self.summary_counts['households']:010d}", members[0][0],
                                postal, address))
        for row in members:
            self.finish(row, hh)

    def _moved_in(self, hh: dict, head_birth: int) -> None:
        earliest = max(head_birth + 18 * 365, self.today - 45 * 365)
        hh["moved_in"] = _ri(self.rng, min(earliest, self.today - 2), self.today - 1)

    def _head(self, hh: dict, sex: int, lo: float, hi: float, **kw) -> list:
        birth = self.birth(lo, hi)
        self._moved_in(hh, birth)
        family = kw.pop("family", None) or self.names.pick_surname(self.rng)
        given = self.names.given(self.rng, sex, dt.date.fromordinal(birth).year)
        hh["domicile_head"] = f"{family[0]}\u3000{given[0]}"
        return self.person(hh, "世帯主", sex, birth, family, given, **kw)

    def _spouse(self, hh: dict, head: list, relationship: str, sex: int, head_birth: int) -> list:
        rng = self.rng
        birth = max(min(head_birth + int(rng.gauss(2, 3) * 365), self.today - 18 * 365), head_birth - 8 * 365)
        family = self._family_of(head)
        former = None
        if sex == 2 and rng.random() < 0.08:
            former = self.names.pick_surname(rng)
            if former[0] == family[0]:
                former = None
        if sex == 2 and rng.random() < 0.01:   # a foreign wife (日本人の配偶者等)
            nation = self.names.pick_nation(rng)
            n = self.names.nations[nation]
            return self.person(hh, relationship, sex, birth, n["family"][_rr(rng, len(n["family"]))],
                               n["female"][_rr(rng, len(n["female"]))],
                               foreign=dict(nation=nation, status="日本人の配偶者等"))
        return self.person(hh, relationship, sex, birth, family, former=former)

    def _family_of(self, row: list) -> tuple:
        return row[_FAMILY]

    def _children(self, hh: dict, parent_family: tuple, mother_birth: int, k: int, relationship="子") -> list:
        rng, rows = self.rng, []
        births = sorted(mother_birth + int(rng.uniform(21, 42) * 365.2425) for _ in range(k))
        for b in births:
            if b >= self.today:
                continue
            rows.append(self.person(hh, relationship, 1 if rng.random() < 0.512 else 2, b, parent_family))
        return rows

    def _single_young(self, hh, rng):
        self._head(hh, 1 if rng.random() < 0.55 else 2, 18, 40)
        self._maybe_dv(hh)

    def _single_middle(self, hh, rng):
        self._head(hh, 1 if rng.random() < 0.55 else 2, 40, 65)
        self._maybe_dv(hh)

    def _single_elderly(self, hh, rng):
        sex = 2 if rng.random() < 0.65 else 1
        head = self._head(hh, sex, 65, 100)
        if rng.random() < 0.35:   # the late spouse's removed record (除票), once the head
            birth = self.birth(68, 98)
            late = self.person(hh, "世帯主" if sex == 2 else "妻", 3 - sex, birth, self._family_of(head))
            self.remove(late, "deceased", _ri(rng, max(hh["moved_in"], self.today - 15 * 365), self.today - 1))

    def _couple(self, hh, rng):
        head_birth = self.birth(24, 90)
        wife_head = rng.random() < 0.04
        head = self._head_at(hh, 2 if wife_head else 1, head_birth)
        self._spouse(hh, head, "夫" if wife_head else "妻", 1 if wife_head else 2, head_birth)
        if self.today - head_birth > 50 * 365 and rng.random() < 0.3:   # a grown child moved out
            kid = self._children(hh, self._family_of(head), head_birth, 1)
            for row in kid:
                born = row[_BIRTH]
                if self.today - born > 19 * 365:
                    self.remove(row, "moved_out", _ri(rng, max(self.today - 8 * 365, born + 18 * 365),
                                                              self.today - 1), self.elsewhere())
                    if row[19] == 2:
                        self.moved_out_women.append(row)

    def _head_at(self, hh: dict, sex: int, birth: int, **kw) -> list:
        self._moved_in(hh, birth)
        family = self.names.pick_surname(self.rng)
        given = self.names.given(self.rng, sex, dt.date.fromordinal(birth).year)
        hh["domicile_head"] = f"{family[0]}\u3000{given[0]}"
        return self.person(hh, "世帯主", sex, birth, family, given, **kw)

    def _couple_children(self, hh, rng):
        head_birth = self.birth(27, 60)
        head = self._head_at(hh, 1, head_birth)
        wife = self._spouse(hh, head, "妻", 2, head_birth)
        mother_birth = wife[_BIRTH]
        self._children(hh, self._family_of(head), mother_birth, _CHILDREN_PICK(rng))

    def _single_parent(self, hh, rng):
        mother = rng.random() < 0.85
        head = self._head(hh, 2 if mother else 1, 25, 55)
        kids = self._children(hh, self._family_of(head), head[_BIRTH],
                              1 if rng.random() < 0.55 else 2)
        if mother:
            self._maybe_dv(hh, kids)

    def _three_generations(self, hh, rng):
        head_birth = self.birth(35, 55)
        head = self._head_at(hh, 1, head_birth)
        wife = self._spouse(hh, head, "妻", 2, head_birth)
        fam = self._family_of(head)
        self._children(hh, fam, wife[_BIRTH], 1 + (rng.random() < 0.5))
        father_birth = head_birth - int(rng.uniform(24, 38) * 365.2425)
        other_dom, other_head = hh["domicile"], f"{fam[0]}\u3000{self.names.given(rng, 1, 1940)[0]}"
        if father_birth > self.today - 98 * 365 and rng.random() < 0.6:
            self.person(hh, "父", 1, father_birth, fam, domicile=other_dom, domicile_head=other_head)
        self.person(hh, "母", 2, father_birth + int(rng.uniform(-1, 4) * 365), fam,
                    domicile=other_dom, domicile_head=other_head)

    def _elderly_with_child(self, hh, rng):
        head_birth = self.birth(62, 88)
        head = self._head_at(hh, 1, head_birth)
        fam = self._family_of(head)
        wife = self._spouse(hh, head, "妻", 2, head_birth)
        kids = self._children(hh, fam, wife[_BIRTH], 1)
        if kids and rng.random() < 0.5 and kids[0][19] == 1:   # the son's family lives with them
            son = kids[0]
            son_birth = son[_BIRTH]
            if self.today - son_birth > 24 * 365:
                son_fam = self._family_of(son)
                dil = self.person(hh, "子の妻", 2, son_birth + int(rng.gauss(1, 2) * 365), son_fam,
                                  domicile_head=f"{son[4]}\u3000{son[5]}")
                for b in sorted(dil[_BIRTH] + int(rng.uniform(24, 40) * 365.2425)
                                for _ in range(1 + (rng.random() < 0.5))):
                    if b < self.today:
                        self.person(hh, "孫", 1 if rng.random() < 0.51 else 2, b, son_fam,
                                    domicile_head=f"{son[4]}\u3000{son[5]}")

    def _siblings(self, hh, rng):
        head = self._head(hh, 1 if rng.random() < 0.5 else 2, 30, 80)
        hb = head[_BIRTH]
        sex = 1 if rng.random() < 0.5 else 2
        younger = rng.random() < 0.6
        rel = {(1, True): "弟", (2, True): "妹", (1, False): "兄", (2, False): "姉"}[(sex, younger)]
        self.person(hh, rel, sex, hb + (1 if younger else -1) * int(rng.uniform(1, 8) * 365), self._family_of(head))

    def _shared(self, hh, rng):
        self._head(hh, 1 if rng.random() < 0.5 else 2, 22, 70)
        sex = 1 if rng.random() < 0.5 else 2
        rel = "同居人" if rng.random() < 0.7 else "縁故者"
        self.person(hh, rel, sex, self.birth(22, 70))

    def _foreigner(self, hh, relationship, sex, birth, nation=None, status=None, family=None):
        rng, names = self.rng, self.names
        nation = nation or names.pick_nation(rng)
        n = names.nations[nation]
        status = status or n["status"](rng)
        family = family or n["family"][_rr(rng, len(n["family"]))]
        pool = n["male"] if sex == 1 else n["female"]
        alias = None
        p_alias = 0.7 if status == "特別永住者" else (0.1 if n["aliases"] else 0)
        if n["aliases"] and rng.random() < p_alias:
            alias = (n["aliases"][_rr(rng, len(n["aliases"]))],
                     names.given(rng, sex, dt.date.fromordinal(birth).year))
        row = self.person(hh, relationship, sex, birth, family, pool[_rr(rng, len(pool))],
                          foreign=dict(nation=nation, status=status), alias=alias)
        self.summary_counts["foreign"] += 1
        return row, nation, status, family

    def _foreign_single(self, hh, rng):
        birth = self.birth(19, 45)
        self._moved_in(hh, birth)
        hh["moved_in"] = max(hh["moved_in"], self.today - 6 * 365)
        hh["from_outside"] = True
        self._foreigner(hh, "世帯主", 1 if rng.random() < 0.6 else 2, birth)

    def _foreign_family(self, hh, rng):
        birth = self.birth(28, 75)
        self._moved_in(hh, birth)
        hh["from_outside"] = True
        head, nation, status, family = self._foreigner(hh, "世帯主", 1, birth)
        spouse_status = "家族滞在" if status not in ("永住者", "特別永住者", "定住者") else status
        _, _, _, _ = self._foreigner(hh, "妻", 2, birth + int(rng.gauss(2, 2) * 365), nation, spouse_status, family)
        for b in sorted(birth + int(rng.uniform(24, 40) * 365.2425) for _ in range(_ri(rng, 0, 2))):
            if b < self.today:
                child_status = "特別永住者" if status == "特別永住者" else ("永住者" if status == "永住者" else "家族滞在")
                self._foreigner(hh, "子", 1 if rng.random() < 0.5 else 2, b, nation, child_status, family)

    def _maybe_dv(self, hh: dict, kids: list | None = None) -> None:
        """Households where a victim of DV or stalking may live: kept as candidates; the
        support measures themselves are drawn at the end (so a perpetrator can live anywhere)."""
        head = hh["members"][0]
        if head[19] == 2 and 20 <= (self.today - head[_BIRTH]) / 365.2425 <= 65:
            if len(self.dv_candidates) < 400 or self.rng.random() < 0.15:
                self.dv_candidates.append((head, list(kids or []), hh["id"], hh["from_outside"]))

    # -- what every person gets at the end ----------------------------------------------------
    def finish(self, row: list, hh: dict) -> None:
        rng = self.rng
        self.residents.append(row)
        self.count += 1
        if row[30] == "removed":
            self.summary_counts["removed"] += 1
        elif hh["kind"] in ("couple_children", "three_generations") and row[23] == "子" and rng.random() < 0.02:
            birth = row[_BIRTH]
            if self.today - birth > 19 * 365:
                self.remove(row, "moved_out", _ri(rng, max(self.today - 6 * 365, birth + 18 * 365),
                                                          self.today - 1), self.elsewhere())
                self.summary_counts["removed"] += 1
                if row[19] == 2:
                    self.moved_out_women.append(row)
        self.readings_for(row)
        self.card_for(row)
        if len(self.residents) >= BATCH:
            self.flush_all()

    def readings_for(self, row: list) -> None:
        """The official readings of one person (see READING_SHARES): drawn from a hash of the
        resident code, not from the generator's random stream, so every other detail of the
        demo town stays what it was before readings existed."""
        today = self.today
        if row[34] or today <= _READINGS_FROM or (row[30] == "removed" and row[32] < furigana.SINCE.isoformat()):
            return
        h = zlib.crc32(row[2].encode())
        share, first_year_end = h % 1000, min(today, _READINGS_FROM + 364)
        if share < READING_SHARES["notification"]:
            day, source = _READINGS_FROM + (h >> 10) % (first_year_end - _READINGS_FROM + 1), "notification"
        elif share < sum(READING_SHARES.values()) and today > _READINGS_FROM + 365:
            day = _READINGS_FROM + 365 + (h >> 10) % (today - _READINGS_FROM - 365 + 1)
            source = "ex_officio" if (h >> 20) & 1 else "koseki_notice"
        else:
            return
        if row[30] == "removed":
            day = min(day, dt.date.fromisoformat(row[32]).toordinal())
        family = OTHER_READINGS.get(row[6], row[6]) if (h >> 12) % 8 == 0 else row[6]
        try:
            furigana.check_reading(family)
            furigana.check_reading(row[7])
        except furigana.ReadingProblem:
            return
        row[41], row[42], row[43], row[44] = family, row[7], _iso(day), source
        given_key = fold_name(row[7])
        row[48] = fold_name(family) + given_key
        if row[8] and row[9] and (h >> 14) % 1000 < FORMER_READING_SHARE:
            row[45], row[46], row[47] = row[9], _iso(day), source
            row[49] = fold_name(row[9]) + given_key

    def card_for(self, row: list) -> None:
        rng, today = self.rng, self.today
        birth = row[_BIRTH]
        age = (today - birth) / 365.2425
        removed = row[30] == "removed"
        p = 0.66 if age < 15 else (0.76 if age < 20 else (0.80 if age < 65 else 0.84))
        if row[34]:
            p -= 0.2
        if rng.random() >= p:
            if not removed and rng.random() < 0.05:
                self.application(row, None)
            return
        last = dt.date.fromisoformat(row[32]).toordinal() - 1 if removed else today - 14
        first = max(self.card_start, birth + 30)
        if first >= last:
            return
        issued = _ri(rng, first, last)
        adult = (issued - birth) / 365.2425 >= 18
        expiry = _nth_birthday_after(issued, birth, 10 if adult else 5)
        if expiry <= today and not removed:   # renewed: the old card was returned on renewal
            if rng.random() < 0.3:
                self.card(row, issued, expiry, "revoked", _iso(expiry), "renewed", "revoked", "revoked", "[]", birth)
            issued = _ri(rng, max(expiry - 90, first), min(expiry, today - 14))
            adult = (issued - birth) / 365.2425 >= 18
            expiry = _nth_birthday_after(issued, birth, 10 if adult else 5)
        under15 = (issued - birth) / 365.2425 < 15
        cert_end = _nth_birthday_after(issued, birth, 5)
        sign = "none" if under15 else "valid"
        auth = "valid"
        if cert_end <= today and rng.random() < 0.3:
            sign = "expired" if sign != "none" else "none"
            auth = "expired"
        if removed:
            if row[31] == "deceased":
                self.card(row, issued, expiry, "revoked", row[32], "deceased", "revoked", "revoked", "[]", birth)
            elif rng.random() < 0.08:
                self.card(row, issued, expiry, "suspended", _iso(_ri(rng, today - 60, today - 1)), "lost",
                          "revoked", "held", "[]", birth)
                self.showcase.setdefault("moved_out_suspended", (row, self.cards[-1]))
            else:
                self.card(row, issued, expiry, "active", None, None, "revoked" if sign != "none" else "none",
                          auth, "[]", birth)
            return
        r = rng.random()
        if r < 0.012:
            self.card(row, issued, expiry, "suspended", _iso(_ri(rng, max(issued, today - 60), today - 1)),
                      "lost", "held" if sign != "none" else "none", "held", "[]", birth)
            self.showcase.setdefault("suspended_lost", (row, self.cards[-1]))
            if rng.random() < 0.3:
                self.application(row, today - _ri(rng, 1, 40))
        elif r < 0.026 and issued < today - 60:
            lost_on = _ri(rng, issued, today - 30)
            self.card(row, issued, expiry, "revoked", _iso(lost_on), "reissued", "revoked", "revoked", "[]", birth)
            new_issue = _ri(rng, lost_on + 20, today - 5)
            self.card(row, new_issue, _nth_birthday_after(new_issue, birth, 10 if (new_issue - birth) >= 18 * 365.2425 else 5),
                      "active", None, None, "none" if (new_issue - birth) / 365.2425 < 15 else "valid", "valid", "[]", birth)
        elif r < 0.033:
            self.card(row, issued, expiry, "revoked", _iso(_ri(rng, issued, today - 1)), "returned",
                      "revoked", "revoked", "[]", birth)
            self.showcase.setdefault("revoked", (row, self.cards[-1]))
        else:
            locked = "[]"
            if rng.random() < 0.02 and auth == "valid":
                pins = [s for s in _LOCKS[_LOCK_PICK(rng)] if s != "sign" or sign == "valid"]
                locked = json.dumps(pins or ["auth"])
            self.card(row, issued, expiry, "active", None, None, sign, auth, locked, birth)
            if locked != "[]":
                self.showcase.setdefault("pin_locked", (row, self.cards[-1]))
            elif sign == "none" and age < 15:
                self.showcase.setdefault("under15", (row, self.cards[-1]))
            elif row[34] and sign == "valid":
                self.showcase.setdefault("foreign", (row, self.cards[-1]))
            elif sign == "valid" and 25 <= age <= 70:
                self.showcase.setdefault("adult", (row, self.cards[-1]))
            if issued > today - 365:
                self.application(row, issued - _ri(rng, 30, 75), handed_over=issued)

    def card(self, row, issued, expiry, status, status_date, reason, sign, auth, locked, birth) -> None:
        if (issued - birth) < 15 * 365.2425:   # issued under 15: there is no signing certificate
            sign = "none"
        self.cards.append((self.uid(), row[0], _iso(issued), _iso(expiry), status, status_date, reason,
                           sign, auth, locked, None))
        self.summary_counts["cards"] += 1

    def application(self, row: list, received: int | None, handed_over: int | None = None) -> None:
        rng = self.rng
        if handed_over is not None:
            status, status_date = "handed_over", handed_over
        else:
            received = received or self.today - _ri(rng, 3, 60)
            status = _PENDING_PICK(rng)
            status_date = min(received + _ri(rng, 0, 30), self.today)
        self.applications.append((self.uid(), row[0], f"{self.application_ids.next():023d}", _iso(received),
                                  status, _iso(status_date)))
        self.summary_counts["applications"] += 1

    def flush_all(self) -> None:
        self.flush("households", self.households)
        self.flush("residents", [row[:_BIRTH] for row in self.residents])
        self.flush("cards", self.cards)
        self.flush("card_applications", self.applications)
        self.households, self.residents, self.cards, self.applications = [], [], [], []

    def run(self, progress: Callable[[int], None]) -> None:
        next_report = 0
        while self.count < self.total:
            self.household()
            if self.count >= next_report:
                progress(min(self.count, self.total))
                next_report = self.count + max(1000, self.total // 200)
        self.flush_all()
        progress(self.total)


# -- support measures (DV等支援措置) ------------------------------------------------------------

#: the first measures always cover these cases, so that even a small demo store shows each one:
#: (kind, status, perpetrator lives here, lawyer on record, period state)
SHOWCASE_MEASURES = [
    ("dv", "active", True, False, "running"),
    ("dv", "provisional", False, False, "running"),
    ("stalking", "active", False, True, "running"),
    ("dv", "active", True, True, "past_end"),        # end date passed, not yet ended by an officer
    ("child_abuse", "active", False, False, "ending_soon"),
    ("dv", "ended", False, False, "ended"),
    ("dv", "active", False, True, "running"),
]
_KIND_PICK = _weighted(["dv", "stalking", "child_abuse", "other"], [75, 15, 7, 3])
_STATUS_PICK = _weighted(["active", "provisional", "ended"], [75, 12, 13])
_RELATION = {"dv": ["夫", "元夫", "元交際相手"], "stalking": ["元交際相手", "知人", "元同僚"],
             "child_abuse": ["父"], "other": ["親族", "知人"]}


def _support_measures(gen: _Generator) -> tuple[list, list, list]:
    """Measures for about 0.07 % of residents as targets (plus their protected children)."""
    rng, today = gen.rng, gen.today
    wanted = max(len(SHOWCASE_MEASURES), round(gen.total * 0.0007))
    candidates = list(gen.dv_candidates)
    rng.shuffle(candidates)
    with_kids = [c for c in candidates if c[1]]
    measures, members, forwardings = [], [], []
    specs = list(SHOWCASE_MEASURES)
    while len(specs) < min(wanted, len(candidates)):
        status = _STATUS_PICK(rng)
        specs.append((_KIND_PICK(rng), status, rng.random() < 0.3, rng.random() < 0.25,
                      "ended" if status == "ended" else ("past_end" if rng.random() < 0.1 else
                                                         ("ending_soon" if rng.random() < 0.1 else "running"))))
    used: set[int] = set()
    living_men = [m for m in gen.men if m[30] == "active"]   # not moved out since
    for kind, status, lives_here, lawyer, period in specs:
        pool = with_kids if kind == "child_abuse" else candidates
        pick = next((c for c in pool if id(c) not in used), None)
        if pick is None:
            continue
        used.add(id(pick))
        head, kids, _household, from_outside = pick
        target, protected = head, list(kids)
        if kind == "child_abuse":
            target, protected = kids[0], [head] + kids[1:]
        measure_id = gen.uid()
        applied = today - rng.randint(20, 330)
        start = end = ended = ended_reason = None
        if status == "provisional":
            applied = today - rng.randint(1, 25)
        elif period == "ended":
            start = applied - 400 + rng.randint(0, 14)
            end, ended, ended_reason = start + 364, start + 364, "期間満了（延長なし）"
        else:
            if period == "past_end":
                start = today - 365 - rng.randint(5, 40)
            elif period == "ending_soon":
                start = today - 365 + rng.randint(3, 25)
            else:
                start = applied + rng.randint(0, 14)
            end = dt.date.fromordinal(start).replace(year=dt.date.fromordinal(start).year + 1).toordinal() - 1 \
                if dt.date.fromordinal(start).strftime("%m-%d") != "02-29" else start + 364
        relationship = _RELATION[kind][rng.randrange(len(_RELATION[kind]))]
        perp_id = None
        if lives_here and living_men:
            man = living_men[rng.randrange(len(living_men))]
            perp = (man[4], man[5], man[6], man[7], man[18], man[21])
            perp_id = man[0]
        else:
            family = (target[4], target[6]) if relationship in ("夫", "父") else gen.names.pick_surname(rng)[:2]
            birth = target[_BIRTH] - int(rng.uniform(-3, 8) * 365)
            if kind == "child_abuse":
                birth = head[_BIRTH] - int(rng.uniform(0, 6) * 365)
            given = gen.names.given(rng, 1, dt.date.fromordinal(birth).year)
            perp = (family[0], given[0], family[1], given[1], _iso(birth),
                    gen.elsewhere() if rng.random() < 0.85 else None)
        lawyer_name = lawyer_office = None
        if lawyer:
            lf, lg = gen.names.pick_surname(rng), gen.names.given(rng, 1 if rng.random() < 0.7 else 2, 1975)
            lawyer_name = f"{lf[0]}\u3000{lg[0]}"
            lawyer_office = pools.LAW_OFFICES[rng.randrange(len(pools.LAW_OFFICES))]
        measures.append((
            measure_id, target[0], kind, status, _iso(applied), start and _iso(start), end and _iso(end),
            ended and _iso(ended), ended_reason, 0,
            pools.COUNSELLING_BODIES[rng.randrange(len(pools.COUNSELLING_BODIES))],
            perp[0], perp[1], perp[2], perp[3], perp[4], perp[5], relationship, perp_id,
            lawyer_name, lawyer_office))
        for kid in protected:
            members.append((measure_id, kid[0]))
        domicile = target[24] or ""
        if domicile and not domicile.startswith(pools.PREFECTURE + pools.CITY):
            city = next((p for p in pools.FOREIGN_MUNICIPALITIES if domicile.startswith(p)), domicile[:8])
            sent = (start or applied) + rng.randint(1, 7)
            forwardings.append((gen.uid(), measure_id, "sent", city, "本籍地", _iso(sent),
                                _iso(min(sent + rng.randint(2, 10), today)) if rng.random() < 0.7 else None))
        if from_outside and target[29] and rng.random() < 0.5:
            city = next((p for p in pools.FOREIGN_MUNICIPALITIES if target[29].startswith(p)), None)
            if city:
                forwardings.append((gen.uid(), measure_id, "received", city, "転入元", None, _iso(applied)))
    # a protected person who moved away: this office keeps a provisional measure as the former
    # municipality, so protection does not lapse during the move
    if gen.moved_out_women:
        woman = gen.moved_out_women[rng.randrange(len(gen.moved_out_women))]
        measure_id = gen.uid()
        moved = dt.date.fromisoformat(woman[32]).toordinal()
        family, given = gen.names.pick_surname(rng), gen.names.given(rng, 1, 1985)
        measures.append((measure_id, woman[0], "dv", "provisional", _iso(moved - rng.randint(1, 30)), None, None,
                         None, None, 1, pools.COUNSELLING_BODIES[0], family[0], given[0], family[1], given[1],
                         _iso(woman[_BIRTH] - 3 * 365), gen.elsewhere(),
                         "元夫", None, None, None))
        city = next((p for p in pools.FOREIGN_MUNICIPALITIES if (woman[33] or "").startswith(p)), "転出先")
        forwardings.append((gen.uid(), measure_id, "sent", city, "転出先", _iso(moved), None))
    return measures, members, forwardings


MEASURE_COLUMNS = (
    "id", "target_id", "kind", "status", "applied_date", "start_date", "end_date", "ended_date",
    "ended_reason", "former_municipality", "counselling_body", "perpetrator_family_name",
    "perpetrator_given_name", "perpetrator_family_kana", "perpetrator_given_kana",
    "perpetrator_birth_date", "perpetrator_address", "perpetrator_relationship",
    "perpetrator_resident_id", "perpetrator_lawyer_name", "perpetrator_lawyer_office",
)
FORWARDING_COLUMNS = ("id", "measure_id", "direction", "municipality", "reason", "sent_date", "received_date")

_INSERTS = {
    "households": "INSERT INTO households(id, household_code, head_id, postal_code, address) VALUES (?,?,?,?,?)",
    "residents": f"INSERT INTO residents({', '.join(RESIDENT_COLUMNS)}) VALUES ({', '.join('?' * len(RESIDENT_COLUMNS))})",
    "cards": f"INSERT INTO cards({', '.join(CARD_COLUMNS)}) VALUES ({', '.join('?' * len(CARD_COLUMNS))})",
    "card_applications": f"INSERT INTO card_applications({', '.join(APPLICATION_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(APPLICATION_COLUMNS))})",
    "support_measures": f"INSERT INTO support_measures({', '.join(MEASURE_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(MEASURE_COLUMNS))})",
    "support_measure_members": "INSERT INTO support_measure_members(measure_id, resident_id) VALUES (?, ?)",
    "support_forwardings": f"INSERT INTO support_forwardings({', '.join(FORWARDING_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(FORWARDING_COLUMNS))})",
}

# -- card files for the test card ----------------------------------------------------------------

#: which residents get a test-card file, and what it shows
CARD_FILE_CASES = ["adult", "under15", "pin_locked", "suspended_lost", "revoked", "moved_out_suspended",
                   "foreign", "protected", "forged", "face_auth"]
#: "forged": the adult's card as a forger would make it — the same printed face, a chip whose
#: card-surface signature is not the issuer's (the chip check fails); not in the cards table.
#: "face_auth": an older resident's face-authentication card (no PIN set, no signing certificate).


def _card_files(conn: sqlite3.Connection, gen: _Generator, cards_dir: Path, final_dir_name: str,
                ca_dir: Path | None) -> list[str]:
    """Test-card files (app.card.cardfile) for a handful of residents; cards.card_file points at
    them relative to the store's folder. Missing card module: no files, the store is complete."""
    try:
        # optional: a build without the card module makes no card files
        from app.card.cardfile import TRAINING_PINS, create_card_file, load_card_file
    except ImportError:
        return []
    cases = dict(gen.showcase)
    protected = conn.execute(
        "SELECT r.id FROM support_measures m JOIN residents r ON r.id = m.target_id "
        "JOIN cards c ON c.resident_id = r.id WHERE m.status = 'active' AND c.status = 'active' "
        "ORDER BY m.rowid LIMIT 1").fetchone()
    made = []
    cards_dir.mkdir(parents=True, exist_ok=True)
    for case in CARD_FILE_CASES:
        if case == "protected":
            if not protected:
                continue
            row = conn.execute(f"SELECT {', '.join(RESIDENT_COLUMNS)} FROM residents WHERE id = ?",
                               protected).fetchone()
            card = conn.execute(f"SELECT {', '.join(CARD_COLUMNS)} FROM cards WHERE resident_id = ? "
                                "AND status = 'active' ORDER BY rowid LIMIT 1", protected).fetchone()
        elif case == "forged" and "adult" in cases:
            row, card = cases["adult"]
        elif case == "face_auth":
            found = conn.execute(
                "SELECT c.resident_id FROM cards c JOIN residents r ON r.id = c.resident_id "
                "WHERE c.status = 'active' AND c.locked_pins = '[]' AND r.status = 'active' AND r.birth_date < '1955' "
                "AND c.card_file IS NULL AND NOT EXISTS (SELECT 1 FROM support_measures m WHERE m.target_id = r.id) "
                "ORDER BY c.rowid LIMIT 1").fetchone()
            if not found:
                continue
            row = conn.execute(f"SELECT {', '.join(RESIDENT_COLUMNS)} FROM residents WHERE id = ?", found).fetchone()
            card = conn.execute(f"SELECT {', '.join(CARD_COLUMNS)} FROM cards WHERE resident_id = ? "
                                "AND status = 'active' ORDER BY rowid LIMIT 1", found).fetchone()
        elif case in cases:
            row, card = cases[case]
        else:
            continue
        signing = card[7] != "none" and case != "face_auth"
        pins = {k: v for k, v in TRAINING_PINS.items() if k != "sign" or signing}
        name = f"{len(made) + 1:02d}-{case}.json"
        path = create_card_file(
            cards_dir / name, family_name=row[4], given_name=row[5], address=row[21],
            birth_date=row[18], sex=row[19], my_number=row[3], pins=pins, signing_cert=signing,
            ca_dir=ca_dir, valid_from=card[2], valid_until=card[3],
            state=card[4] if card[4] in ("active", "suspended", "revoked") else "active",
            forged_surface=case == "forged", face_auth=case == "face_auth")
        made.append(f"{final_dir_name}/{name}")
        if case == "forged":
            continue                          # a forgery is in no register
        if case == "face_auth":
            conn.execute("UPDATE cards SET cert_sign_status = 'none' WHERE id = ?", (card[0],))
        locked = json.loads(card[9])
        if locked:
            cf = load_card_file(path)
            for secret in locked:
                if secret in cf.pins:
                    cf.pins[secret].tries_left = 0
            cf.save()
        conn.execute("UPDATE cards SET card_file = ? WHERE id = ?", (f"{final_dir_name}/{name}", card[0]))
    return made


# -- building the file safely --------------------------------------------------------------------

def cards_dir_for(store_path: Path) -> Path:
    """``<store dir>/<store stem>-cards/``: where the demo store's test-card files live."""
    return store_path.with_name(store_path.stem + "-cards")


def _refuse_overwrite(path: Path, force: bool) -> None:
    if not path.exists():
        return
    if not force:
        raise DemoDataError(
            f"{path} は既にあります。置き換えるには --force を付けてください。何も変更していません。"
            f" / {path} already exists; add --force to replace it. Nothing was changed.")
    if path.is_dir():
        raise DemoDataError(f"{path} はフォルダーです / {path} is a folder, not a store")
    if path.stat().st_size:
        with path.open("rb") as fh:
            head = fh.read(100)
        app_id = int.from_bytes(head[68:72], "big") if len(head) >= 72 else 0
        if not head.startswith(b"SQLite format 3\x00") or app_id != APPLICATION_ID:
            raise DemoDataError(
                f"{path} は Madoguchi のストアではないため、--force でも置き換えません。"
                f" / {path} is not a Madoguchi store: it is not replaced, even with --force.")


def _is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.Error) and ("full" in text or "disk i/o" in text or "too big" in text)


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)                      # POSIX only: signal 0 checks, sends nothing
    except ProcessLookupError:
        return False
    except OSError:                          # EPERM: it runs, as another user
        return True
    return True


def _remove_dead_builds(path: Path) -> list[Path]:
    """Remove what killed runs left next to ``path`` (SIGKILL or power loss skip every clean-up):
    ``.<store>.building-<PID>`` files, their journals and chunks, and the card folder's
    ``.building-<PID>``, for PIDs no longer running. A PID that runs (another build of the same
    store, or the PID reused) is left alone. Returns what was removed."""
    if os.name != "posix":                   # os.kill(pid, 0) would end the process on Windows
        return []
    removed = []
    for prefix in (f".{path.name}.building-", f".{cards_dir_for(path).name}.building-"):
        for leftover in path.parent.glob(glob.escape(prefix) + "*"):
            pid = leftover.name[len(prefix):].split(".")[0].split("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_running(int(pid)):
                _remove_quietly(leftover)
                removed.append(leftover)
    return removed


def _die_with_parent(parent: int) -> None:
    """Initializer of each worker process: end when the parent ends, however it ends (SIGKILL
    included). Linux: the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG);
    a parent that died before that took effect is seen by the changed parent PID."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):            # no prctl (not Linux): the PID check below only
        pass
    if os.getppid() != parent:
        os._exit(1)


def _remove_quietly(*paths: Path) -> None:
    import shutil

    for p in paths:
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass


class _Progress:
    """Progress on stderr: a rewritten line on a terminal, a line per 10 % otherwise."""

    def __init__(self, total: int, stream=None):
        self.total, self.stream = total, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.last_decile = -1

    def __call__(self, done: int, stage: str = "住民を作成中 / residents") -> None:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        pct = 100 * done // max(self.total, 1)
        line = f"{stage}: {done:,}/{self.total:,} ({pct}%) {done / elapsed:,.0f}/s"
        if self.tty:
            print("\r" + line + "   ", end="", file=self.stream, flush=True)
        elif pct // 10 != self.last_decile:
            self.last_decile = pct // 10
            print(line, file=self.stream, flush=True)

    def stage(self, text: str) -> None:
        print(("\n" if self.tty else "") + text, file=self.stream, flush=True)


#: residents per chunk: each chunk has its own random stream (seed, chunk number), so the store
#: is the same whether chunks are built one after another or by several worker processes
CHUNK = 200_000
_CHUNK_TABLES = {
    "households": ("id", "household_code", "head_id", "postal_code", "address"),
    "residents": RESIDENT_COLUMNS,
    "cards": CARD_COLUMNS,
    "card_applications": APPLICATION_COLUMNS,
}


def _build_chunk(path: str, seed: int, number: int, start: int, count: int, population: int,
                 as_of: dt.date, codes: dict) -> dict:
    """Build chunk ``number`` (residents ``start`` .. ``start + count - 1``) into its own SQLite
    file at ``path`` (plain tables, no indexes). Runs in a worker process or in-process.
    Returns what the whole-store steps need: counts and the candidates for support measures
    and test cards."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        for table, columns in _CHUNK_TABLES.items():
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
        conn.execute("BEGIN")
        gen = _Generator(random.Random(f"madoguchi-demo/{seed}/{number}"), count, as_of,
                         lambda table, rows: conn.executemany(_INSERTS[table], rows),
                         codes=codes, start=start, population=population)
        gen.run(lambda done: None)
        conn.execute("COMMIT")
    finally:
        conn.close()
    return {"counts": dict(gen.summary_counts, residents=gen.count), "men": gen.men,
            "men_seen": gen.men_seen, "dv_candidates": gen.dv_candidates,
            "moved_out_women": gen.moved_out_women, "showcase": gen.showcase}


def _workers(chunks: int) -> int:
    wanted = os.environ.get("MADOGUCHI_DEMO_WORKERS")
    n = int(wanted) if wanted and wanted.isdigit() else min(2, os.cpu_count() or 1)
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(n, chunks))


def _merge_chunk(conn: sqlite3.Connection, chunk_path: Path, result: dict, whole: "_Generator",
                 counts: dict[str, int]) -> None:
    """Copy one chunk's rows into the store (in SQLite, in row order) and gather what the
    whole-store steps need from it."""
    conn.execute("ATTACH DATABASE ? AS chunk", (str(chunk_path),))
    try:
        conn.execute("BEGIN")
        for table, columns in _CHUNK_TABLES.items():
            cols = ", ".join(columns)
            conn.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM chunk.{table} ORDER BY rowid")
        conn.execute("COMMIT")
    finally:
        conn.execute("DETACH DATABASE chunk")
    _remove_quietly(chunk_path)
    for key, value in result["counts"].items():
        counts[key] = counts.get(key, 0) + value
    whole.men += result["men"]
    whole.dv_candidates += result["dv_candidates"]
    whole.moved_out_women += result["moved_out_women"]
    for case, holder in result["showcase"].items():
        whole.showcase.setdefault(case, holder)


class _Chunks:
    """The chunks of a store, built in parallel where there are cores, yielded in chunk order as
    (chunk file, result). Worker processes are forked when the context is entered, before the
    store is opened, so no SQLite connection is ever carried across a fork. On leaving (error,
    interrupt or success) the workers are stopped and every chunk file is removed."""

    def __init__(self, tmp: Path, seed: int, residents: int, as_of: dt.date, codes: dict):
        self.plan = [(k, start, min(CHUNK, residents - start)) for k, start in enumerate(range(0, residents, CHUNK))]
        self.paths = [Path(f"{tmp}.chunk-{k}") for k, _, _ in self.plan]
        self.args = (seed, residents, as_of, codes)
        self.workers = _workers(len(self.plan))
        self.pool = None
        self.futures: list = []

    def __enter__(self) -> "_Chunks":
        _remove_quietly(*self.paths)
        if self.workers > 1:
            import concurrent.futures
            import multiprocessing

            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork"),
                initializer=_die_with_parent, initargs=(os.getpid(),))
            seed, residents, as_of, codes = self.args
            self.futures = [self.pool.submit(_build_chunk, str(path), seed, k, start, count, residents, as_of, codes)
                            for (k, start, count), path in zip(self.plan, self.paths)]
        return self

    def __iter__(self):
        seed, residents, as_of, codes = self.args
        for i, ((k, start, count), path) in enumerate(zip(self.plan, self.paths)):
            if self.pool is not None:
                yield path, self.futures[i].result()
            else:
                yield path, _build_chunk(str(path), seed, k, start, count, residents, as_of, codes)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is not None:
            if exc_type is not None:   # stop at once: a chunk of 200 000 would take a while
                for process in list(getattr(self.pool, "_processes", {}).values()):
                    process.terminate()
            self.pool.shutdown(wait=True, cancel_futures=True)
        _remove_quietly(*self.paths, *(Path(f"{p}-journal") for p in self.paths))


def generate(path: str | os.PathLike, residents: int, seed: int = 7, *, force: bool = False,
             as_of: dt.date = DEMO_AS_OF, card_files: bool = True, ca_dir: Path | None = None,
             progress_stream=None, quiet: bool = False) -> DemoSummary:
    """Make the demo store at ``path`` with exactly ``residents`` resident records.

    Same ``seed`` and ``as_of`` → byte-identical store. Raises :class:`DemoDataError` (nothing
    left behind, an existing store untouched) on a full disk, a bad argument, or an existing
    file without ``force``. Ctrl-C (KeyboardInterrupt) also leaves nothing behind.
    """
    path = Path(path)
    if not 1 <= residents <= MAX_RESIDENTS:
        raise DemoDataError(f"住民数は 1〜{MAX_RESIDENTS:,} です / residents must be 1 to {MAX_RESIDENTS:,}")
    first, last = DEMO_AS_OF_RANGE
    if not first <= as_of <= last:
        raise DemoDataError(f"基準日は {first}〜{last} です / the reference date (--as-of) must be {first} to {last}, "
                            f"not {as_of}")
    _refuse_overwrite(path, force)
    if not path.parent.exists():
        raise DemoDataError(f"フォルダー {path.parent} がありません / no folder {path.parent}")
    t0 = time.monotonic()
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    final_cards = cards_dir_for(path)
    tmp_cards = path.with_name(f".{final_cards.name}.building-{os.getpid()}")
    leftovers = [tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), tmp_cards]
    _remove_quietly(*leftovers)
    _remove_dead_builds(path)
    progress = _Progress(residents, progress_stream) if not quiet else (lambda *a, **k: None)
    summary = DemoSummary(path=path)
    store = None
    master = random.Random(seed)
    codes = {"my_number": _AffineCodes.draw(master, 11), "resident_code": _AffineCodes.draw(master, 11),
             "application_id": _AffineCodes.draw(master, 23)}
    # the whole-store steps (support measures, card files) draw from the master stream
    whole = _Generator(master, residents, as_of, None, codes=codes)
    counts: dict[str, int] = {}
    try:
        chunks = _Chunks(tmp, seed, residents, as_of, codes)
        if not quiet:
            progress.stage(f"研修市のデモデータを作成中 / building the demo municipality: {residents:,} residents, "
                           f"{len(chunks.plan)} chunk(s), {chunks.workers} process(es)")
        with chunks:   # the workers are forked here, before the store is opened
            store = open_store(tmp, create=True)
            conn = store.conn
            saved = _prepare_bulk_load(conn)
            for chunk_path, result in chunks:
                _merge_chunk(conn, chunk_path, result, whole, counts)
                progress(counts["residents"])
        conn.execute("BEGIN")
        measures, members, forwardings = _support_measures(whole)
        conn.executemany(_INSERTS["support_measures"], measures)
        conn.executemany(_INSERTS["support_measure_members"], members)
        conn.executemany(_INSERTS["support_forwardings"], forwardings)
        conn.execute("COMMIT")
        if not quiet:
            progress.stage("索引を作成中 / building indexes ...")
        _finish_bulk_load(conn, saved)
        if card_files:
            if not quiet:
                progress.stage("テストカードのファイルを作成中 / writing test-card files ...")
            summary.card_files = _card_files(conn, whole, tmp_cards, final_cards.name, ca_dir)
        store.set_setting("demo", {"seed": seed, "residents": residents, "as_of": as_of.isoformat(),
                                   "municipality": pools.CITY, "prefecture": pools.PREFECTURE,
                                   "card_files": summary.card_files})
        conn.execute("PRAGMA analysis_limit = 2000")   # statistics from a sample: seconds, not minutes
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        store.close()
        store = None
        _fsync(tmp)
        # a stale WAL of the old store must never be replayed onto the new one
        _remove_quietly(Path(f"{path}-wal"), Path(f"{path}-shm"))
        os.replace(tmp, path)
        if summary.card_files:
            _remove_quietly(final_cards)
            os.replace(tmp_cards, final_cards)
        else:
            _remove_quietly(tmp_cards)
        _fsync(path.parent)
    except BaseException as exc:
        if store is not None:
            try:
                store.conn.close()
            except sqlite3.Error:
                pass
        _remove_quietly(*leftovers)
        if isinstance(exc, (KeyboardInterrupt, DemoDataError)):
            raise
        if _is_disk_full(exc):
            raise DemoDataError(
                f"ディスクの空きが足りず、デモデータを作れませんでした。作りかけのファイルは消しました"
                f"{'。既存のストアはそのままです' if path.exists() else ''}。 / Not enough disk space to build the "
                f"demo store; the partial file was removed{' and the existing store is unchanged' if path.exists() else ''}."
            ) from exc
        if isinstance(exc, (OSError, sqlite3.Error, StoreError)):
            raise DemoDataError(
                f"デモデータを作れませんでした（{exc}）。作りかけのファイルは消しました。 / Could not build the demo "
                f"store ({exc}); the partial file was removed and nothing else was changed.") from exc
        raise
    summary.residents, summary.households = counts["residents"], counts["households"]
    summary.removed, summary.foreign, summary.cards = counts["removed"], counts["foreign"], counts["cards"]
    summary.applications = counts["applications"]
    summary.support_measures = len(measures)
    summary.protected_persons = len(measures) + len(members)
    summary.seconds = time.monotonic() - t0
    summary.size_bytes = path.stat().st_size
    if not quiet:
        progress.stage("")
    return summary


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prepare_bulk_load(conn: sqlite3.Connection) -> dict:
    """Journal off, big cache, no FK checks, and the secondary indexes and triggers of the loaded
    tables dropped (their SQL is kept and replayed by :func:`_finish_bulk_load`)."""
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA threads = {min(2, os.cpu_count() or 1)}")   # index sorts on two cores
    conn.execute("PRAGMA foreign_keys = OFF")
    tables = tuple(_INSERTS) + ("addresses",)
    marks = ", ".join("?" * len(tables))
    indexes = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           f"AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
    triggers = conn.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                            f"AND tbl_name IN ({marks}) ORDER BY name", tables).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    for name, _ in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    return {"indexes": indexes, "triggers": triggers}


def _finish_bulk_load(conn: sqlite3.Connection, saved: dict) -> None:
    conn.execute("BEGIN")
    conn.execute("INSERT INTO addresses(address_key) SELECT DISTINCT address_key FROM residents ORDER BY address_key")
    conn.execute("INSERT INTO address_fts(address_fts) VALUES ('rebuild')")
    for _, sql in saved["indexes"]:
        conn.execute(sql)
    for _, sql in saved["triggers"]:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys = ON")

"""Era dates (和暦) with their boundaries, and household order on a copy."""

from __future__ import annotations

import datetime as dt

import pytest

from app.printing.era import era_of, seireki, wareki
from app.printing.household import (
    CHILD, CHILD_FAMILY, HEAD, OTHER, PARENT, RELATIVE, SPOUSE, UNKNOWN, chunks, household_order,
    relationship_group,
)
from app.printing.model import PersonRecord


@pytest.mark.parametrize("iso, text", [
    ("1989-01-07", "昭和64年1月7日"),
    ("1989-01-08", "平成元年1月8日"),
    ("1989-12-31", "平成元年12月31日"),
    ("1990-01-01", "平成2年1月1日"),
    ("2019-04-30", "平成31年4月30日"),
    ("2019-05-01", "令和元年5月1日"),
    ("2020-01-01", "令和2年1月1日"),
    ("2026-11-25", "令和8年11月25日"),
    ("1926-12-24", "大正15年12月24日"),
    ("1926-12-25", "昭和元年12月25日"),
    ("1912-07-29", "明治45年7月29日"),
    ("1912-07-30", "大正元年7月30日"),
    ("1868-10-23", "明治元年10月23日"),
])
def test_era_boundaries(iso, text):
    assert wareki(iso) == text
    assert wareki(dt.date.fromisoformat(iso)) == text


def test_before_meiji_and_western_and_empty():
    assert wareki("1850-01-01") == "1850年1月1日"
    assert seireki("1990-04-01") == "1990年4月1日"
    assert wareki("") == "" and seireki(None) == ""
    assert wareki("2019-05-01T09:00:00+09:00") == "令和元年5月1日"
    assert era_of(dt.date(2019, 5, 1)) == ("令和", 1)


@pytest.mark.parametrize("rel, group", [
    ("世帯主", HEAD), ("妻", SPOUSE), ("夫", SPOUSE), ("子", CHILD), ("子の妻", CHILD_FAMILY),
    ("子の子", CHILD_FAMILY), ("孫", CHILD_FAMILY), ("子の子の妻", CHILD_FAMILY), ("父", PARENT),
    ("母", PARENT), ("妻の母", PARENT), ("兄", RELATIVE), ("兄の妻", RELATIVE), ("父の母", RELATIVE),
    ("縁故者", OTHER), ("同居人", OTHER), ("", UNKNOWN), ("子の子の子の子の妻", UNKNOWN), ("子のの妻", UNKNOWN),
])
def test_relationship_groups(rel, group):
    assert relationship_group(rel) == group


def _p(rid, rel, birth):
    return PersonRecord(resident_id=rid, family_name="山田", given_name=rid, relationship=rel, birth_date=birth)


def test_household_order_head_spouse_children_by_birth_families_parents_relatives_others():
    people = [
        _p("lodger", "同居人", "1940-01-01"), _p("kin", "縁故者", "1999-01-01"),
        _p("brother", "弟", "1965-01-01"), _p("mother", "母", "1935-01-01"), _p("father", "父", "1933-01-01"),
        _p("grandchild", "子の子", "2020-01-01"), _p("daughter_in_law", "子の妻", "1990-01-01"),
        _p("young", "子", "1995-01-01"), _p("old", "子", "1988-01-01"), _p("wife", "妻", "1963-01-01"),
        _p("head", "世帯主", "1960-01-01"),
    ]
    order = [p.resident_id for p in household_order(people)]
    assert order == ["head", "wife", "old", "young", "daughter_in_law", "grandchild", "father", "mother",
                     "brother", "kin", "lodger"]


def test_head_by_id_when_relationship_missing_and_chunks():
    people = [_p("b", "", "1990-01-01"), _p("a", "", "1980-01-01"), _p("h", "", "2000-01-01")]
    assert household_order(people, head_id="h")[0].resident_id == "h"
    assert [len(c) for c in chunks(list(range(9)), 4)] == [4, 4, 1]
    assert chunks([], 4) == [[]]

"""THE table of equivalent address spellings, shared by the tests of the one address normaliser
(app.store.normalize.fold_address / same_address) and of everything that compares addresses with
it: resident search, the restriction stage's identity check, the destination check of the rules
and the cover letter's check at printing.

Each group lists spellings of one place; every spelling of a group must fold to the group's key
and be "the same address" as every other. DIFFERENT lists pairs that must stay apart.
"""

from __future__ import annotations

#: (what the group tests, folded key, spellings)
EQUIVALENT: list[tuple[str, str, tuple[str, ...]]] = [
    ("kanji numerals, 丁目/番/号, the issue's example", "中央町3-5-2-201", (
        "中央町三丁目5番2号 201号室",
        "中央町3丁目5番地2 201",
        "中央町三丁目五番二号　二〇一号室",
        "中央町3-5-2-201",
        "中央町３－５－２　２０１",
        "中央町3丁目5-2 201号室",
        "中央町3の5の2 201",
    )),
    ("full and half width, dashes of every width", "研修市中央1-2-3", (
        "研修市中央一丁目2番3号",
        "研修市中央1-2-3",
        "研修市中央１－２－３",
        "研修市中央1‐2‐3",
        "研修市中央1ー2ー3",
        "研修市中央１―２―３",
        "研修市中央1−2−3",
        "研修市中央 1 丁目 2 番 3 号",
    )),
    ("番地 and 番地の, numbers over ten", "一宮市本町3-12-5", (
        "一宮市本町三丁目十二番地の五",
        "一宮市本町三丁目十二番地の5",
        "一宮市本町3丁目12番地5",
        "一宮市本町3-12-5",
        "一宮市本町３丁目１２番５号",
    )),
    ("building and room", "研修県研修市中央町3-5-2研修ハイツ201", (
        "研修県研修市中央町三丁目５番２号　研修ハイツ２０１号室",
        "研修県研修市中央町3-5-2 研修ハイツ201",
        "研修県研修市中央町3丁目5番地2研修ハイツ201号室",
        "研修県研修市中央町３丁目５－２　研修ハイツ　２０１",
        "研修県研修市中央町3-5-2研修ハイツ-201",
    )),
    ("大字 and 字", "研修郡研修町上野下原123-4", (
        "研修郡研修町大字上野字下原123番地4",
        "研修郡研修町大字上野字下原百二十三番地の四",
        "研修郡研修町上野下原123-4",
        "研修郡研修町上野字下原１２３番地４",
    )),
    ("a place name with a kanji numeral stays a name", "九段北2-10", (
        "九段北二丁目10番",
        "九段北2-10",
        "九段北２丁目１０番地",
    )),
]

#: pairs that are NOT the same address (same_address is False both ways)
DIFFERENT: list[tuple[str, str]] = [
    ("研修市中央1-2-3", "研修市中央1-2-30"),
    ("研修市中央1-2-3", "研修市中央1-2-4"),
    ("中央町三丁目5番2号 201号室", "中央町三丁目5番2号 202号室"),
    ("中央町三丁目5番2号", "中央町三丁目5番22号"),
    ("一宮市本町3-12-5", "二宮市本町3-12-5"),
    ("研修郡研修町大字上野字下原123", "研修郡研修町大字上野字上原123"),
    ("", "研修市"),
]

#: pairs that count as the same place although they are not spelled alike: the comparison errs on
#: the side of "same" (a building or room inside the other address, a prefecture left out)
CONTAINED: list[tuple[str, str]] = [
    ("研修市中央1-2-3", "研修市中央1-2-3 メゾン中央101"),
    ("研修市中央一丁目2番3号", "東京都研修市中央１－２－３"),
    ("中央町3丁目5番2号", "中央町三丁目5番2号 201号室"),
]


def all_pairs():
    """Every pair of spellings within a group: (label, a, b)."""
    for label, _key, spellings in EQUIVALENT:
        for i, a in enumerate(spellings):
            for b in spellings[i + 1:]:
                yield label, a, b

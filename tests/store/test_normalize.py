"""Search normalisation: the folding table of names, kana and addresses, and dates as typed."""

import pytest

from app.store.normalize import (
    DateInputError,
    InputError,
    fold_address,
    fold_name,
    is_kana_key,
    parse_birth_date,
    parse_sex,
    resident_search_keys,
    same_address,
)
from tests.address_spellings import CONTAINED, DIFFERENT, EQUIVALENT, all_pairs

NAME_TABLE = [
    ("山田 太郎", "山田太郎"),            # ASCII space
    ("山田　太郎", "山田太郎"),           # ideographic space
    ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ"),        # half-width katakana with dakuten
    ("やまだ たろう", "ヤマダタロウ"),    # hiragana
    ("ヤマダ　タロウ", "ヤマダタロウ"),
    ("きょうこ", "キヨウコ"),             # small kana folded to full size
    ("髙橋", "高橋"),                     # variant forms
    ("山﨑", "山崎"),
    ("渡邉", "渡辺"),
    ("渡邊", "渡辺"),
    ("齋藤", "斉藤"),
    ("斎藤", "斉藤"),
    ("⻑谷川", "長谷川"),                 # CJK radicals supplement (not touched by NFKC)
    ("⼾田", "戸田"),                     # Kangxi radical: NFKC gives 戶, folded to 戸
    ("⻘木", "青木"),
    ("Ｎｇｕｙｅｎ Ｖａｎ", "NGUYENVAN"),  # full-width Latin, case
    ("Jean-Pierre O'Neil", "JEANPIERREONEIL"),
    ("スミス・ジョン", "スミスジヨン"),    # middle dot removed
    ("", ""),
]


@pytest.mark.parametrize("typed, key", NAME_TABLE)
def test_fold_name(typed, key):
    assert fold_name(typed) == key


def test_a_folded_key_folds_to_itself():
    for typed, key in NAME_TABLE:
        assert fold_name(key) == key


def test_kana_key_detection():
    assert is_kana_key(fold_name("やまだ"))
    assert not is_kana_key(fold_name("山田"))
    assert not is_kana_key(fold_name("さゆり田"))
    assert not is_kana_key("")


ADDRESS_TABLE = [
    ("研修県研修市中央町三丁目５番２号", "研修県研修市中央町3-5-2"),
    ("研修県研修市中央町三丁目５番２号　研修ハイツ２０１号室", "研修県研修市中央町3-5-2研修ハイツ201"),
    ("中央町3丁目5番2号", "中央町3-5-2"),
    ("中央町３－５－２", "中央町3-5-2"),
    ("中央町3ー5ー2", "中央町3-5-2"),
    ("中央町三丁目", "中央町3"),
    ("十二丁目3番地の4", "12-3-4"),
    ("栄町二十一番", "栄町21"),
    ("城山１２３番地", "城山123"),
    ("コーポ東201", "コーポ東201"),            # a long vowel mark inside a name is not a dash
    ("三鷹市下連雀三丁目", "三鷹市下連雀3"),    # a numeral inside a place name stays
]


@pytest.mark.parametrize("typed, key", ADDRESS_TABLE)
def test_fold_address(typed, key):
    assert fold_address(typed) == key


@pytest.mark.parametrize("label, key, spellings", EQUIVALENT, ids=[g[0] for g in EQUIVALENT])
def test_equivalent_spellings_fold_to_one_key(label, key, spellings):
    assert {s: fold_address(s) for s in spellings} == {s: key for s in spellings}


@pytest.mark.parametrize("label, a, b", list(all_pairs()))
def test_equivalent_spellings_are_the_same_address(label, a, b):
    assert same_address(a, b) and same_address(b, a)


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_different_places_stay_apart(a, b):
    assert not same_address(a, b) and not same_address(b, a)


@pytest.mark.parametrize("a, b", CONTAINED)
def test_an_address_inside_another_counts_as_the_same(a, b):
    assert same_address(a, b) and same_address(b, a)


def test_there_is_one_address_normaliser():
    """Search, the restriction stage and printing compare addresses with the same function."""
    import app.printing.letters as letters
    import app.security.measures as measures
    import app.security.restriction as restriction

    assert measures.fold_address is fold_address and restriction.fold_address is fold_address
    assert not hasattr(letters, "normalize_address") and letters.same_address is same_address


def test_search_keys_of_a_resident():
    keys = resident_search_keys("金", "英哲", "キム", "ヨンチョル", "研修県研修市本町一丁目２番３号",
                                alias="金本　英一", alias_kana="カネモト エイイチ",
                                former_surname=None, former_surname_kana=None)
    assert keys["name_key"] == "金英哲"
    assert keys["kana_key"] == "キムヨンチヨル"
    assert keys["alias_key"] == "金本英一"
    assert keys["alias_kana_key"] == "カネモトエイイチ"
    assert keys["former_key"] is None
    assert keys["address_key"] == "研修県研修市本町1-2-3"
    married = resident_search_keys("山田", "花子", "ヤマダ", "ハナコ", "x",
                                   former_surname="田中", former_surname_kana="タナカ")
    assert married["former_key"] == "田中花子" and married["former_kana_key"] == "タナカハナコ"


DATES = [
    ("1980-04-01", ("1980-04-01", "1980-04-01")),
    ("19800401", ("1980-04-01", "1980-04-01")),
    ("1980/4/1", ("1980-04-01", "1980-04-01")),
    ("１９８０年４月１日", ("1980-04-01", "1980-04-01")),
    ("昭和55年4月1日", ("1980-04-01", "1980-04-01")),
    ("S55.4.1", ("1980-04-01", "1980-04-01")),
    ("s55.4.1", ("1980-04-01", "1980-04-01")),
    ("平成元年1月8日", ("1989-01-08", "1989-01-08")),     # first day of 平成
    ("昭和64年1月7日", ("1989-01-07", "1989-01-07")),     # last day of 昭和
    ("R1.5.1", ("2019-05-01", "2019-05-01")),
    ("平成31年4月30日", ("2019-04-30", "2019-04-30")),
    ("1980", ("1980-01-01", "1980-12-31")),
    ("1980-02", ("1980-02-01", "1980-02-29")),
    ("S64.1", ("1989-01-01", "1989-01-07")),              # the month clipped to the era
    ("S60", ("1985-01-01", "1985-12-31")),
    ("平成元年", ("1989-01-08", "1989-12-31")),
]


@pytest.mark.parametrize("typed, expected", DATES)
def test_parse_birth_date(typed, expected):
    import datetime as dt

    assert parse_birth_date(typed, today=dt.date(2026, 11, 1)) == expected


@pytest.mark.parametrize("typed", ["H1.1.7", "R1.4.30", "S65.1.1", "1980-02-30", "2099-01-01", "abc", "",
                                   "1700-01-01", "19801301"])
def test_bad_birth_dates_are_refused_with_a_message(typed):
    import datetime as dt

    with pytest.raises(DateInputError) as info:
        parse_birth_date(typed, today=dt.date(2026, 11, 1))
    assert " / " in str(info.value)   # Japanese and English


def test_sex_words():
    assert [parse_sex(x) for x in ("1", "男", "M", "male", "２", "女性", "f", 9)] == [1, 1, 1, 1, 2, 2, 2, 9]
    with pytest.raises(InputError):
        parse_sex("x")

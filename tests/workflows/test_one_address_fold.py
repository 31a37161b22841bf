"""The status inquiry's four items compare the address in the one folded form
(app.store.normalize, through the store's registered folding functions): every equivalent
spelling of the shared table finds the same resident, a different place finds nobody."""

from __future__ import annotations

import pytest

from tests.address_spellings import DIFFERENT, EQUIVALENT
from tests.workflows.helpers import add_application, add_household, add_resident

REGISTERED = EQUIVALENT[0][2][0]          # 中央町三丁目5番2号 201号室


@pytest.fixture
def resident(store):
    rid = add_resident(store, add_household(store, REGISTERED), family="窓口", given="花子", family_kana="マドグチ",
                       given_kana="ハナコ", birth="1985-06-15", sex=2, address=REGISTERED)
    add_application(store, rid, "3" * 23, status="producing")
    return rid


def inquire(engine, address: str, family="まどぐち", given="花子"):
    cid = engine.open_case("status_inquiry").case_id
    for k, v in {"method": "four_items", "family_name": family, "given_name": given, "address": address,
                 "birth_date": "1985-06-15", "sex": "2"}.items():
        engine.set_value(cid, k, v)
    engine.tick(cid, "identity_checked")
    return engine.next(cid)


@pytest.mark.parametrize("spelling", EQUIVALENT[0][2])
def test_every_spelling_of_the_address_finds_the_application(store, engine, resident, spelling):
    view = inquire(engine, spelling)
    assert view.decision["facts"]["matched_resident_ids"] == [resident]
    assert [a["status"] for a in view.decision["decision"]["data"]["applications"]] == ["producing"]


def test_another_room_finds_nobody(store, engine, resident):
    other = next(b for a, b in DIFFERENT if a == REGISTERED)
    assert inquire(engine, other).decision["facts"]["matched_resident_ids"] == []

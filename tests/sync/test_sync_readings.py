"""Official name readings (氏名の振り仮名) and 旧氏 readings travel as resident data does: seeded
from a store into the central server, pulled down by a terminal (with their search keys made
there), changed centrally and pulled again; the server refuses a reading the store would refuse."""

from __future__ import annotations

import psycopg
import pytest

from app.store.search import ResidentQuery, search_residents
from app.sync.seed import seed_from_store
from app.sync.service import sync_round
from tests.sync.municipality import sid

pytestmark = pytest.mark.postgres


def _give_readings(store) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE residents SET furigana_family = 'サトオ', furigana_given = 'タロウ', "
                     "furigana_date = '2025-07-01', furigana_source = 'notification' WHERE id = ?",
                     (sid("resident-0"),))
        conn.execute("UPDATE residents SET former_surname = '河野', former_surname_kana = 'コウノ', "
                     "former_furigana = 'カワノ', former_furigana_date = '2026-06-02', "
                     "former_furigana_source = 'ex_officio' WHERE id = ?", (sid("resident-1"),))


def test_readings_go_up_and_come_down_and_are_found(central, master_store, terminal_store):
    _give_readings(master_store)
    seed_from_store(master_store, central.admin_dsn)
    with central.admin() as conn:
        assert conn.execute("SELECT furigana_family, furigana_given, furigana_date, furigana_source "
                            "FROM madoguchi.residents WHERE id = %s", (sid("resident-0"),)).fetchone() \
            == ("サトオ", "タロウ", "2025-07-01", "notification")
    a = terminal_store("a")
    sync_round(a, central.target("TA"), password=central.password("TA"))
    row = a.conn.execute("SELECT furigana_family, furigana_given, furigana_date, furigana_source, "
                         "furigana_key FROM residents WHERE id = ?", (sid("resident-0"),)).fetchone()
    assert tuple(row) == ("サトオ", "タロウ", "2025-07-01", "notification", "サトオタロウ")
    # found by the official reading (typed in hiragana) and still by the search kana
    assert [h.id for h in search_residents(a, ResidentQuery(name="さとお")).hits] == [sid("resident-0")]
    assert sid("resident-0") in [h.id for h in search_residents(a, ResidentQuery(name="サトウタロウ")).hits]
    hit = search_residents(a, ResidentQuery(name="ｶﾜﾉ")).hits
    assert [h.id for h in hit] == [sid("resident-1")] and hit[0].former_furigana == "カワノ"

    # a reading recorded centrally later comes down with the next round
    with central.admin() as conn:
        conn.execute("UPDATE madoguchi.residents SET furigana_family = 'スズキ', furigana_given = 'ハナコ', "
                     "furigana_date = '2026-06-01', furigana_source = 'koseki_notice' WHERE id = %s",
                     (sid("resident-9"),))
    again = sync_round(a, central.target("TA"), password=central.password("TA"))
    assert again.pulled["residents"] == 1
    assert a.conn.execute("SELECT furigana_source, furigana_key FROM residents WHERE id = ?",
                          (sid("resident-9"),)).fetchone() == ("koseki_notice", "スズキハナコ")


@pytest.mark.parametrize("assignment", [
    "furigana_family = 'さとう', furigana_date = '2025-07-01', furigana_source = 'notification'",
    "furigana_family = 'サトウ', furigana_date = '2025-05-25', furigana_source = 'notification'",
    "furigana_family = 'サトウ', furigana_date = '2025-07-01', furigana_source = 'guess'",
    "furigana_family = 'サトウ'",
    "former_furigana = 'サトウ', former_furigana_date = '2025-07-01', former_furigana_source = 'notification'",
])
def test_server_refuses_a_reading_the_store_refuses(seeded, assignment):
    with seeded.admin() as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(f"UPDATE madoguchi.residents SET {assignment} WHERE id = %s", (sid("resident-2"),))

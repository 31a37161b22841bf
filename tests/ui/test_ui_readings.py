"""The resident list in the window shows a resident's official readings (氏名の振り仮名 with the day
it was recorded and its source, the 旧氏 reading) beside the search kana, in both languages; the
person is found by the official reading typed in hiragana."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.store.residents import insert_resident
from app.ui.widgets import RESULT_COLUMNS

pytestmark = pytest.mark.gui

KAWANO = dict(id="yomi-1", family_name="河野", given_name="恭子", family_kana="コウノ", given_kana="キヨウコ",
              birth_date="1980-01-01", sex=2, address="研修市中央町9-9-9", former_surname="佐藤",
              former_surname_kana="サトウ", furigana_family="カワノ", furigana_given="キョウコ",
              furigana_date="2025-06-01", furigana_source="notification", former_furigana="サトオ",
              former_furigana_date="2026-06-01", former_furigana_source="ex_officio")


def _reading_cell(home) -> str:
    column = [ja for ja, _ in RESULT_COLUMNS].index("振り仮名（記載日・事由）")
    row = next(r for r, h in enumerate(home._results) if h.id == KAWANO["id"])
    return home.results.item(row, column).text()


def test_resident_list_shows_the_official_readings(qtbot, window):
    from app.ui import i18n

    with window.controller.services.store.transaction() as conn:
        insert_resident(conn, dict(KAWANO))
    home = window.home
    home.search_edit.setText("かわの")
    qtbot.keyClick(home.search_edit, Qt.Key.Key_Return)
    assert [h.id for h in home._results] == [KAWANO["id"]]
    cell = _reading_cell(home)
    assert cell == "カワノ\u3000キョウコ（2025-06-01 届出）\u3000旧氏 サトオ（2026-06-01 職権）"
    assert "コウノ" in home.results.item(0, 1).text()          # the search kana stays in the name column
    i18n.language().set("en")
    home.search()
    assert _reading_cell(home) == ("カワノ\u3000キョウコ（2025-06-01 notified）\u3000"
                                   "former surname サトオ（2026-06-01 ex officio）")
    assert home.results.horizontalHeaderItem(2).text() == "Official reading (recorded, source)"

"""The window offers every registered case type — its new-case button, shortcut, menu entry and
name all from the registry — including a fifth added as one module plus one registry line."""

from __future__ import annotations

from tests.desk.conftest import fifth_type  # noqa: F401  (fixture)


def test_window_offers_every_registered_case_type(qtbot, fifth_type, window):  # noqa: F811
    from app.workflows import registry

    home = window.home
    assert list(home.new_buttons) == [e.id for e in registry.ENTRIES]
    for entry in registry.ENTRIES:
        button = home.new_buttons[entry.id]
        assert entry.ja in button.text() and entry.shortcut in button.text()
        assert button.shortcut().toString() == entry.shortcut
        assert entry.ja in window.case_actions[entry.id].text()
    home.new_buttons[fifth_type.id].click()
    page = window.case_page
    qtbot.waitUntil(lambda: page is not None and page.view is not None, timeout=15000)
    assert page.view.case_type == fifth_type.id and fifth_type.ja in page.header.text()


def test_home_shortcut_text_and_status_names_come_from_the_one_declaration(qtbot, fifth_type,
                                                                           window, monkeypatch):  # noqa: F811
    """The search hint names the keys of every registered case type (a fifth one included, with
    no change to the home screen), and the case page's status is the engine's label."""
    import dataclasses

    from app.ui import i18n
    from app.workflows import engine, registry

    home = window.home
    home.search_edit.setText("ヤマダ")
    home.search()
    n = len(registry.ENTRIES)                     # the registered types and the added one
    assert f"Ctrl+1〜{n} で" in home.search_message.text()
    i18n.language().set("en")
    assert f"then Ctrl+1…{n} starts" in home.search_message.text()
    i18n.language().set("ja")
    monkeypatch.setattr(registry, "ENTRIES", registry.ENTRIES[:-1]
                        + (dataclasses.replace(fifth_type, shortcut="Ctrl+Shift+N"),))
    home.translateUI()
    keys = ", ".join(f"Ctrl+{i}" for i in range(1, n))
    assert f"{keys}, Ctrl+Shift+N で" in home.search_message.text()

    home.new_buttons[fifth_type.id].click()
    page = window.case_page
    qtbot.waitUntil(lambda: page is not None and page.view is not None, timeout=15000)
    assert f"状態：{engine.STATUS_LABELS['open'][0]}" in page.subject.text()
    monkeypatch.setitem(engine.STATUS_LABELS, "open", ("受付中（試験）", "taking it (test)"))
    page.translateUI()
    assert "受付中（試験）" in page.subject.text()

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

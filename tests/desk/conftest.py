"""A fifth case type registered for one test, exactly as a real one would be: its module plus one
``Entry`` in the registry (``register`` is what the registry does for each of ``ENTRIES``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def fifth_type(monkeypatch):
    from app.workflows import registry
    from tests.desk import fifth_case

    entry = registry.Entry(fifth_case, "Ctrl+5")
    monkeypatch.setattr(registry, "ENTRIES", registry.ENTRIES + (entry,))
    for table, value in ((registry.BY_ID, entry), (registry.CASE_TYPES, entry.case),
                         (registry.RULES, entry.rules)):
        monkeypatch.setitem(table, entry.id, value)
    return entry

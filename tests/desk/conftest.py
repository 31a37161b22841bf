"""A fifth case type registered for one test, exactly as a real one would be: its module plus one
``Entry`` in the registry (the derived tables follow from ``ENTRIES``)."""

from __future__ import annotations

import pytest


@pytest.fixture
def fifth_type(monkeypatch):
    from app.workflows import registry
    from tests.desk import fifth_case

    entries = registry.ENTRIES + (registry.Entry(fifth_case, "Ctrl+5"),)
    monkeypatch.setattr(registry, "ENTRIES", entries)
    for name, table in registry.tables(entries).items():
        monkeypatch.setattr(registry, name, table)
    return registry.BY_ID["address_notice"]

"""Fixtures of the desk's tests: the supervisor's sample office (app.desk.samples), built once per
session with a copy of its SQLite file per test; and a fifth case type registered for one test,
exactly as a real one would be: its module plus one ``Entry`` in the registry."""

from __future__ import annotations

import shutil

import pytest

from app.store import open_store


@pytest.fixture(scope="session")
def office_template(tmp_path_factory):
    from app.desk.samples import build

    path = tmp_path_factory.mktemp("desk-template") / "office.db"
    office = build(path)
    return office


@pytest.fixture
def office(office_template, tmp_path):
    from dataclasses import replace

    path = tmp_path / "office.db"
    shutil.copyfile(office_template.path, path)
    return replace(office_template, path=path)


@pytest.fixture
def ostore(office):
    s = open_store(office.path)
    yield s
    s.close()


@pytest.fixture
def fifth_type(monkeypatch):
    from app.workflows import registry
    from tests.desk import fifth_case

    entry = registry.Entry(fifth_case, f"Ctrl+{len(registry.ENTRIES) + 1}")    # the next free shortcut
    monkeypatch.setattr(registry, "ENTRIES", registry.ENTRIES + (entry,))
    for table, value in ((registry.BY_ID, entry), (registry.CASE_TYPES, entry.case),
                         (registry.RULES, entry.rules)):
        monkeypatch.setitem(table, entry.id, value)
    return entry

"""The sample office of the supervisor's desk (app.desk.samples), built once per session; each
test gets its own copy of the SQLite file."""

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

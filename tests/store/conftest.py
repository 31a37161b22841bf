"""Fixtures of the store tests: one small demo store for the whole session (read-only use)."""

from __future__ import annotations

import pytest

DEMO_RESIDENTS = 2500


@pytest.fixture(scope="session")
def demo_store_path(tmp_path_factory):
    from app.store.demo import generate

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.db"
    generate(path, DEMO_RESIDENTS, seed=7, ca_dir=folder / "ca", quiet=True)
    return path


@pytest.fixture
def demo(demo_store_path):
    """The session's demo store, opened read-only (mode=ro is not needed: tests only read)."""
    from app.store import open_store

    s = open_store(demo_store_path)
    yield s
    s.close()

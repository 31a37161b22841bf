"""Fixtures of the workflow tests: staff rows (the security package builds real accounts; the
engine only needs the rows its events point at) and small demo residents written straight into a
real SQLite store."""

from __future__ import annotations

import pytest

from tests.workflows.helpers import add_staff


@pytest.fixture
def clerk(store):
    return add_staff(store, "clerk1", "窓口 一郎")


@pytest.fixture
def clerk2(store):
    return add_staff(store, "clerk2", "窓口 二郎")


@pytest.fixture
def engine(store, clerk):
    from app.workflows.engine import CaseEngine

    return CaseEngine(store, staff_id=clerk, terminal_id="T001", today="2026-11-25")

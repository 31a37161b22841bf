"""Fixtures for the printing tests: a real store with a small household, a foreign resident, a
removed record, staff and a DV support measure; helpers that read PDFs back with pypdf and
poppler (pdftotext, pdffonts, pdftoppm)."""

from __future__ import annotations

import pytest

from app.config import OfficeConfig
from app.printing.samples import SampleTown, create_sample_town


@pytest.fixture
def town(store) -> SampleTown:
    return create_sample_town(store)


@pytest.fixture
def office() -> OfficeConfig:
    return OfficeConfig()

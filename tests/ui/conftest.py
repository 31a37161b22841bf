"""Fixtures for the window tests (pytest-qt, offscreen): one QApplication for the session, set up
exactly as the app sets itself up (bundled font, style, Japanese catalogue built from the .ts)."""

from __future__ import annotations

import pytest

from tests.ui.uihelpers import ensure_catalogue


@pytest.fixture(scope="session")
def qapp():
    ensure_catalogue()
    from app.ui.main import create_application

    return create_application([], lang="ja")


@pytest.fixture
def lang_ja(qapp):
    from app.ui import i18n

    i18n.language().set("ja")
    yield
    i18n.language().set("ja")

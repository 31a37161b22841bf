"""DV point 11 through the window: searching a protected person in the resident search writes an
audit entry naming that person, the signed-in operator and this terminal; an unprotected person
found by the same search is not logged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.test_ui_restriction import _household_with_protected_member

pytestmark = pytest.mark.gui


def test_search_of_a_protected_person_is_audited(qtbot, window):
    from app.security import audit

    services = window.controller.services
    ids = _household_with_protected_member(services.store)
    home = window.home
    home.search_edit.setText("保護")
    qtbot.keyClick(home.search_edit, Qt.Key.Key_Return)
    assert {h.id for h in home._results} >= {ids["M"], ids["R"]}

    logged = audit.entries(services.store.conn, target_id=ids["R"])
    lookups = [e for e in logged if e.action == "lookup.protected"]
    assert len(lookups) == 1
    entry = lookups[0]
    assert entry.staff_id == services.session.staff.id
    assert services.staff_name(entry.staff_id)
    assert entry.terminal_id == services.terminal_id and entry.terminal_id
    assert "ui.search" in entry.detail
    assert not [e for e in audit.entries(services.store.conn, target_id=ids["M"])
                if e.action == "lookup.protected"]
    assert audit.verify(services.store.conn).ok

"""The window's top-level handler: an exception no code caught (in a slot, in another thread) is
logged with an incident number and shown in one dialog with that number, ja and en; the window
stays open with what the clerk had entered."""

from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QTimer

pytestmark = [pytest.mark.gui, pytest.mark.qt_no_exception_capture]


def _dialog_text(reporter):
    box = reporter.last_dialog
    return box.text() if box is not None and box.isVisible() else None


def _incident_number(records):
    lines = [r.getMessage() for r in records if r.name == "app.incident"]
    assert len(lines) == 1, lines
    return lines[0].split()[1], lines[0]


def test_an_exception_in_a_slot_becomes_a_dialog_with_an_incident_number(window, qtbot, caplog):
    from app.ui.main import IncidentReporter

    reporter = IncidentReporter().install()
    try:
        caplog.set_level(logging.ERROR, logger="app.incident")

        def broken_slot():
            raise RuntimeError("a defect in a slot")

        QTimer.singleShot(0, broken_slot)
        qtbot.waitUntil(lambda: _dialog_text(reporter) is not None, timeout=10000)
        number, logged = _incident_number(caplog.records)
        text = _dialog_text(reporter)
        assert f"事象番号 {number}" in text and f"incident {number}" in text
        assert "Traceback" in logged and "a defect in a slot" in logged and "broken_slot" in logged
        assert "Traceback" not in text and "RuntimeError" not in text
        assert window.isVisible()                       # nothing closed, nothing lost
        reporter.last_dialog.close()

        caplog.clear()
        thread = threading.Thread(target=lambda: 1 / 0, name="card-like-thread")
        thread.start()
        thread.join(timeout=10)
        qtbot.waitUntil(lambda: _dialog_text(reporter) is not None, timeout=10000)
        number, logged = _incident_number(caplog.records)
        assert f"incident {number}" in _dialog_text(reporter) and "ZeroDivisionError" in logged
        reporter.last_dialog.close()
    finally:
        reporter.uninstall()


def test_a_failure_before_the_window_opens_is_an_incident_box(monkeypatch, caplog, qapp):
    import argparse

    from PySide6.QtWidgets import QMessageBox

    from app.config import OfficeConfig
    from app.ui import main

    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text)))
    monkeypatch.setattr(OfficeConfig, "load", classmethod(lambda cls: (_ for _ in ()).throw(KeyError("boom"))))
    caplog.set_level(logging.ERROR, logger="app.incident")
    status = main.run(argparse.Namespace(training=False, store=None, lang="ja"))
    number, logged = _incident_number(caplog.records)
    assert status == 70 and len(shown) == 1 and f"事象番号 {number}" in shown[0] and "KeyError" in logged

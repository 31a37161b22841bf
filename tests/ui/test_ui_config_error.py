"""A damaged configuration file is reported in a window (no console on a desktop start), and
the window does not open on a configuration it cannot trust."""

import argparse

from PySide6.QtWidgets import QMessageBox

from app.config import OfficeConfig


def test_damaged_config_is_reported_in_a_window_and_nothing_starts(monkeypatch):
    from app.ui import main

    path = OfficeConfig.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ not json", encoding="utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text: shown.append(text)))
    status = main.run(argparse.Namespace(training=False, store=None, lang="ja"))
    assert status == 2
    assert len(shown) == 1 and str(path) in shown[0] and "config" in shown[0]
    assert path.read_text(encoding="utf-8") == "{ not json"     # nothing rewritten behind IT's back

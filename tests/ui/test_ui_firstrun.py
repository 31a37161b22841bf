"""First-time setup before sign-in: an unconfigured terminal gets a form built from app.config's
FIELDS; a bad value shows that field's own message and writes nothing; valid values are saved to
the user's configuration file and the terminal counts as configured. Training mode never asks."""

from __future__ import annotations

import pytest

from tests.ui.uihelpers import dispose

pytestmark = pytest.mark.gui


def test_first_run_validates_then_saves(qtbot, lang_ja):
    from app.config import FIRST_RUN_KEYS, OfficeConfig, needs_first_run
    from app.ui.firstrun import FirstRunDialog

    assert needs_first_run()
    dialog = FirstRunDialog(OfficeConfig.load())
    assert list(dialog.editors) == list(FIRST_RUN_KEYS)
    assert dialog.labels["terminal_id"].text() == "端末 ID"
    dialog.editors["office_name"].setText("北支所 市民係")
    dialog.editors["terminal_id"].setText("bad id!")
    dialog.editors["server_port"].setText("99999")
    assert dialog.save() is False
    assert "端末 ID は英数字" in dialog.errors["terminal_id"].text()
    assert not dialog.errors["terminal_id"].isHidden()
    assert dialog.errors["server_port"].text() and dialog.errors["office_name"].isHidden()
    assert dialog.message.text() == "保存していません。印の付いた項目を直してください。"
    assert needs_first_run() and not OfficeConfig.path().exists()

    dialog.editors["terminal_id"].setText("KITA-02")
    dialog.editors["server_port"].setText("5433")
    dialog.editors["server_host"].setText("madoguchi-central.example.lg.jp")
    dialog.editors["server_user"].setText("kita02")
    assert dialog.save() is True
    assert dialog.result() == dialog.DialogCode.Accepted
    assert not needs_first_run() and dialog.saved_path == OfficeConfig.path()
    loaded = OfficeConfig.load()
    assert (loaded.office_name, loaded.terminal_id, loaded.server_port, loaded.server_user) == \
        ("北支所 市民係", "KITA-02", 5433, "kita02")
    assert loaded.source("terminal_id") == "user"
    dispose(dialog)


def test_training_mode_never_asks(qapp):
    from app.config import OfficeConfig, needs_first_run
    from app.ui.firstrun import configure_if_needed

    config = OfficeConfig()
    assert needs_first_run()
    assert configure_if_needed(config, training=True) is config

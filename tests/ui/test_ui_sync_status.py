"""The sync indicator in the main window's status bar: a training/standalone store says so and
starts no sync thread; a terminal with a central server (the real PostgreSQL of tests/sync) runs
rounds on the sync thread and the label shows the last sync and pending events, updated on the GUI
thread through a signal."""

from __future__ import annotations

import pytest

from tests.sync.conftest import central, master_store, os_keyring, pg_server, seeded  # noqa: F401

pytestmark = pytest.mark.gui


def test_training_store_shows_standalone_and_starts_no_sync(window):
    from app.ui import i18n

    label = window.sync_status
    assert label.standalone and label.service is None and not label.act_sync_now.isEnabled()
    assert window.controller.services.__dict__.get("sync_service") is None
    assert label.text() == "スタンドアロン（同期なし）"
    i18n.language().set("en")
    assert label.text() == "standalone (no sync)"


@pytest.mark.postgres
def test_indicator_shows_a_real_background_sync(qtbot, qapp, lang_ja, seeded, os_keyring, tmp_path):
    from app.config import OfficeConfig
    from app.store import open_store
    from app.sync.connection import save_password
    from app.ui import i18n
    from app.ui.services import Services
    from app.ui.syncstatus import SyncStatusLabel

    target = seeded.target("TA")
    save_password(target, seeded.password("TA"))
    config = OfficeConfig(terminal_id="TA", server_host=target.host, server_port=target.port,
                          server_db=target.dbname, server_user=target.user)
    path = tmp_path / "terminal-a.db"
    store = open_store(path, create=True)
    store.set_setting("sync.interval_seconds", 3600)
    services = Services(store=store, store_path=path, config=config, training=False, with_card=False)
    label = SyncStatusLabel(services)
    qtbot.addWidget(label)
    try:
        assert not label.standalone and label.service is not None
        qtbot.waitUntil(lambda: label.status is not None and label.status.last_sync_at is not None,
                        timeout=30000)
        assert label.status.error is None
        assert "最終同期" in label.text() and "未送信 0 件" in label.text()
        i18n.language().set("en")
        assert "last sync" in label.text() and "0 pending" in label.text()
        assert store.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 60
        rounds = label.service.rounds
        label.act_sync_now.trigger()                     # right-click ▸ Sync now
        qtbot.waitUntil(lambda: label.service.rounds > rounds, timeout=30000)
    finally:
        services.close()
    assert services.sync_service is None and not label.service._thread.is_alive()

"""The background service: rounds on its own thread, status for the UI, a request for an
immediate round, polling while a case waits for an officer, errors in plain words."""

from __future__ import annotations

import json

import pytest

from app.store import open_store
from app.sync.scratch import wait_until
from app.sync.service import SyncService
from tests.sync.casewriter import write_case
from tests.sync.municipality import sid

pytestmark = pytest.mark.postgres


def test_background_service_syncs_reports_and_polls_while_a_case_waits(seeded, terminal_store, tmp_path):
    a = terminal_store("a")
    a.set_setting("sync.interval_seconds", 3600)
    a.set_setting("sync.poll_seconds", 0.2)
    seen = []
    service = SyncService(a.path, seeded.target("TA"), password=seeded.password("TA"),
                          on_change=seen.append)
    service.start()
    try:
        assert wait_until(lambda: service.rounds >= 1, 20)
        status = service.status()
        assert status.last_sync_at and status.error is None and not status.support_stale
        assert "最終同期" in status.summary("ja") and "0 pending" in status.summary("en")
        assert a.conn.execute("SELECT count(*) FROM residents").fetchone()[0] == 60

        write_case(a, "TA", sid("clerk_a"), events=3)
        assert service.status().pending_events == 0     # a snapshot until the next round
        rounds = service.rounds
        service.request()
        assert wait_until(lambda: service.rounds > rounds and service.status().pending_events == 0, 20)

        # a case waiting for the support officer: the service polls every poll_seconds
        write_case(a, "TA", sid("clerk_a"), events=2, last_status="awaiting_release")
        service.request()
        assert wait_until(lambda: service.status().waiting_cases == 1, 20)
        rounds = service.rounds
        assert wait_until(lambda: service.rounds >= rounds + 3, 10)
    finally:
        service.stop()
    assert seen and seen[-1].waiting_cases == 1


def test_service_reports_a_wrong_password_in_plain_words(seeded, terminal_store):
    a = terminal_store("a")
    service = SyncService(a.path, seeded.target("TA"), password="not-it")
    service.start()
    try:
        assert wait_until(lambda: service.rounds >= 1, 20)
        status = service.status()
        assert "refused the password" in status.error and not status.ok
        assert "パスワード" in status.summary("ja")
    finally:
        service.stop()


def test_sync_now_on_a_terminal_synced_by_its_sync_account_asks_that_sync(seeded, terminal_store, tmp_path,
                                                                         monkeypatch):
    """A clerk's window cannot sync a shared terminal itself (the password is the sync account's):
    "sync now" writes the request file that the package's path unit turns into a start of the sync
    service, shows "syncing…" and then that sync's result — or, when nothing answers, says so."""
    from app.sync import request
    from app.sync.service import sync_round

    (tmp_path / "system-config" / "credentials").mkdir(parents=True)
    monkeypatch.setenv("MADOGUCHI_SYSTEM_CONFIG_DIR", str(tmp_path / "system-config"))
    a = terminal_store("a")
    a.set_setting("sync.interval_seconds", 3600)
    asked = request.request_path(a.path)
    seen = []
    service = SyncService(a.path, seeded.target("TA"), on_change=seen.append)   # no password
    service.start()
    try:
        assert wait_until(lambda: service.status() is not None, 20)
        assert service.status().last_sync_at is None and not asked.exists()    # never syncs itself
        service.request()
        assert wait_until(asked.exists, 20)
        assert wait_until(lambda: service.status().running, 20)
        # the sync service the path unit starts: a round with the terminal's credential
        with open_store(a.path) as as_sync_account:
            sync_round(as_sync_account, seeded.target("TA"), password=seeded.password("TA"))
        assert wait_until(lambda: not service.status().running and service.status().last_sync_at, 20)
        assert service.status().error is None
        assert json.loads(asked.read_text(encoding="utf-8"))["asked_at"] < service.status().last_sync_at

        # nobody answers (the path unit is not enabled): the clerk is told, in both languages
        monkeypatch.setattr(request, "WAIT_SECONDS", 0.5)
        service.request()
        assert wait_until(lambda: (service.status().error or "").startswith("端末の同期サービスが応答しません"), 20)
        assert "did not answer" in service.status().summary("en")
    finally:
        service.stop()
    assert any(s.running for s in seen)

"""The sync status indicator of the main window's status bar (issue 8 point 6), and the background
sync it watches.

Owns: starting and stopping :class:`app.sync.service.SyncService` for the window's store, and
showing its status (last sync, pending events, errors in plain words, stale support data, cases
waiting for a support officer). The service calls back on its own thread; the status crosses to
the GUI thread through :func:`app.ui.cardbridge.post`, never by touching the label from there. A standalone or
training store (:func:`app.sync.freshness.is_standalone`) shows "standalone (no sync)" and starts
no thread. Must not: run a sync round on the GUI thread, or hold the sync password.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from app.ui import i18n
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

log = logging.getLogger(__name__)


class SyncStatusLabel(QLabel):
    """Permanent status-bar label; ``status`` is the last SyncStatus (None: standalone/not yet)."""

    def __init__(self, services, parent: QWidget | None = None, *, autostart: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("sync_status")
        self.services = services
        self.status = None
        self.service = None
        from app.sync.connection import SyncTarget
        from app.sync.freshness import is_standalone

        self.target = SyncTarget.from_config(services.config)
        self.standalone = bool(services.training) or is_standalone(services.store,
                                                                 self.target.configured)
        self.act_sync_now = QAction(self, triggered=self.sync_now)   # right-click: sync now
        self.act_sync_now.setEnabled(not self.standalone)
        self.addAction(self.act_sync_now)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        if not self.standalone and autostart:
            self.start()
        i18n.translate_ui(self)

    # -- the service ----------------------------------------------------------------------
    def start(self) -> None:
        from app.sync.service import SyncService

        if self.standalone or self.service is not None:
            return
        from app.ui.cardbridge import post

        def publish(status) -> None:          # on the sync thread: hand over, never touch the label
            post(self, self._show, status)

        self.service = SyncService(self.services.store_path, self.target, on_change=publish)
        self.services.sync_service = self.service     # Services.close() stops it
        self.service.start()

    def sync_now(self) -> None:
        if self.service is not None:
            self.service.request()

    def stop(self) -> None:
        service, self.service = self.service, None
        if service is not None:
            self.services.sync_service = None
            service.on_change = None
            service.stop()

    # -- display ------------------------------------------------------------------------------
    def _show(self, status) -> None:
        self.status = status
        self.translateUI()

    def translateUI(self) -> None:  # noqa: N802
        self.act_sync_now.setText(self.tr("Sync now"))
        if self.standalone:
            self.setText(self.tr("standalone (no sync)"))
            self.setToolTip(self.tr("This store does not sync with the central server "
                                    "(training or standalone terminal)."))
            return
        status = self.status
        if status is None:
            self.setText(self.tr("sync: starting…"))
            self.setToolTip("")
            return
        text = status.summary(i18n.current())
        if status.running:
            text = self.tr("syncing…") + " · " + text
        if status.waiting_cases:
            text += " · " + self.tr("{n} waiting for a support officer").format(n=status.waiting_cases)
        self.setText(text)
        tips = []
        if status.support_stale:
            tips.append(i18n.pick(status.stale_reason_ja or "", status.stale_reason_en or ""))
        if status.error:
            tips.append(status.error)
        self.setToolTip("\n".join(t for t in tips if t))
        self.setProperty("problem", not status.ok)

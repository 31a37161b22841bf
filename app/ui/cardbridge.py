"""The bridge between the card reader's own thread and the GUI thread.

The card service (``app.card``) runs every PC/SC call on one thread of its own and reports through
callbacks and futures. Those callbacks run on the card thread, so they may not touch a widget:
:class:`CardBridge` turns each into a Qt signal, which Qt delivers to the GUI thread as a queued
call. Nothing here ever waits for the card; the GUI thread only posts requests and is called back.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class CardBridge(QObject):
    """Qt face of the card service. Signals are always received on the GUI thread."""

    #: any event object the service reports (reader list, card inserted/removed, state...)
    event = Signal(object)
    #: internal: a finished future and the GUI-thread callback waiting for it
    _finished = Signal(object, object)

    def __init__(self, service: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._gui_thread = threading.get_ident()
        self._finished.connect(self._deliver)

    # called on the card thread ------------------------------------------------------------
    def on_card_event(self, ev: Any) -> None:
        """Callback handed to the card service; safe to call from any thread."""
        self.event.emit(ev)

    # called on the GUI thread -------------------------------------------------------------
    def when_done(self, future: Future, on_done: Callable[[Future], None]) -> Future:
        """Call ``on_done(future)`` on the GUI thread once the card thread has finished it."""
        future.add_done_callback(lambda f: self._finished.emit(on_done, f))
        return future

    @Slot(object, object)
    def _deliver(self, on_done: Callable[[Future], None], future: Future) -> None:
        assert threading.get_ident() == self._gui_thread, "card result delivered off the GUI thread"
        try:
            on_done(future)
        except Exception:  # a slot that raises would abort the Qt event loop
            log.exception("handling a card result failed")

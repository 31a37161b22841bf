"""The bridge between worker threads (the card reader's thread, the sync thread, the chores
thread) and the GUI thread.

Those threads report through callbacks and futures that run on the worker thread, so they may not
touch a widget. They may not emit on a window's QObject either: the GUI thread can delete it at the
same moment (a closed dialog, a disposed window), and a signal emitted on an object being destroyed
on another thread crashes the process. So every hand-over goes through :func:`post`: one carrier
object that lives as long as the QApplication posts ``(callback, args)`` to the GUI thread, and
there — where widgets are deleted, so the check cannot race — the callback runs only if the Qt
object it belongs to still exists. :class:`CardBridge` is the card service's use of it. Nothing
here ever waits for the card; the GUI thread only posts requests and is called back.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

log = logging.getLogger(__name__)


class _Carrier(QObject):
    """Lives as long as the QApplication; its queued signal is the only thing worker threads touch."""

    call = Signal(object, object, object)

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.call.connect(self._run)

    @Slot(object, object, object)
    def _run(self, owner: QObject | None, callback: Callable[..., None], args: tuple) -> None:
        from shiboken6 import isValid

        if owner is not None and not isValid(owner):
            return                            # its window is gone: nobody is waiting any more
        try:
            callback(*args)
        except Exception:  # an exception out of a slot would abort the Qt event loop
            log.exception("handling a result on the GUI thread failed")


_carrier: _Carrier | None = None
_carrier_lock = threading.Lock()


def carrier() -> _Carrier:
    """The process's carrier; made on the GUI thread (the first call must come from there)."""
    global _carrier
    with _carrier_lock:
        if _carrier is None:
            # a child of the application: never deleted before the app itself, after the threads
            _carrier = _Carrier(QCoreApplication.instance())
        return _carrier


def post(owner: QObject | None, callback: Callable[..., None], *args: Any) -> None:
    """From any thread: run ``callback(*args)`` on the GUI thread, unless ``owner`` (the Qt object
    the callback belongs to) has been deleted by then."""
    carrier().call.emit(owner, callback, args)


class CardBridge(QObject):
    """Qt face of the card service. Signals are always received on the GUI thread."""

    #: any event object the service reports (reader list, card inserted/removed, state...)
    event = Signal(object)

    def __init__(self, service: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._gui_thread = threading.get_ident()
        carrier()

    # called on the card thread ------------------------------------------------------------
    def on_card_event(self, ev: Any) -> None:
        """Callback handed to the card service; safe to call from any thread."""
        post(self, self._emit_event, ev)     # plain Python here: no call into Qt off the GUI thread

    def _emit_event(self, ev: Any) -> None:
        self.event.emit(ev)

    # called on the GUI thread -------------------------------------------------------------
    def when_done(self, future: Future, on_done: Callable[[Future], None]) -> Future:
        """Call ``on_done(future)`` on the GUI thread once the card thread has finished it."""
        future.add_done_callback(lambda f: post(self, self._deliver, on_done, f))
        return future

    def _deliver(self, on_done: Callable[[Future], None], future: Future) -> None:
        assert threading.get_ident() == self._gui_thread, "card result delivered off the GUI thread"
        on_done(future)

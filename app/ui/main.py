"""Start of the counter window: Qt application set-up and the flow sign-in → main window → lock.

``madoguchi`` with no sub-command calls :func:`run`. This module owns the QApplication (font,
style, language, high-DPI), the :class:`Controller` that moves between the sign-in window, the main
window and the idle lock, and the idle watcher. Rules, cases and the card live in other packages and
are reached through :mod:`app.ui.services`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui import i18n, theme
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)

log = logging.getLogger(__name__)

#: user input that counts as "the clerk is still here" for the idle lock
ACTIVITY_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def create_application(argv: list[str] | None = None, lang: str = "ja") -> QApplication:
    """The one QApplication, with font, style and language set (reused if it exists, as in tests)."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("Madoguchi")
        app.setOrganizationName("madoguchi")
        app.setApplicationDisplayName("窓口 Madoguchi")
    if not getattr(app, "_madoguchi_themed", False):
        theme.apply(app)
        app._madoguchi_themed = True
    i18n.language().set(lang)
    return app


class IdleWatcher(QObject):
    """Application-wide event filter: every key or mouse action tells the session it is alive."""

    activity = Signal()

    def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
        try:
            if event.type() in ACTIVITY_EVENTS:
                self.activity.emit()
        except Exception:  # an exception out of a C++ virtual kills the process: log it instead
            log.exception("idle watcher")
        return False


class IncidentReporter(QObject):
    """The window's top-level handler: an exception that no code caught (in a slot, a timer, the
    card thread) is written to the log under an incident number and shown in a dialog with that
    number (ja and en). The window stays open as it was; the clerk's case is not closed.
    A :class:`app.errors.MadoguchiError` that got this far is shown in its own words."""

    reported = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = None
        self.last_dialog: QMessageBox | None = None

    def install(self) -> "IncidentReporter":
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = lambda a: self.handle(a.exc_type, a.exc_value, a.exc_traceback)
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(self, exc_type, exc, tb) -> None:
        from app.errors import MadoguchiError
        from app.incident import explain, record

        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.instance().exit(130)
            return
        if exc is None:
            exc = exc_type()
        exc.__traceback__ = exc.__traceback__ or tb
        if isinstance(exc, MadoguchiError):
            record(exc, "window")           # worded, but no code caught it: still worth a look
        shown = explain(exc, "window")
        self.reported.emit(shown.ja + "\n画面は閉じていません。", shown.en + "\nThe window was not closed.")

    def _show(self, ja: str, en: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "窓口 Madoguchi", f"{ja}\n\n{en}",
                          QMessageBox.StandardButton.Ok, QApplication.activeWindow())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()                      # window-modal, never a nested event loop
        self.last_dialog = box


class Controller(QObject):
    """Moves between the sign-in window, the main window and the lock screen."""

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self.signin = None
        self.window = None
        self.idle = IdleWatcher(self)
        QApplication.instance().installEventFilter(self.idle)
        self.idle.activity.connect(services.touch)
        self.lock_timer = QTimer(self)
        self.lock_timer.setInterval(1000)
        self.lock_timer.timeout.connect(self._check_idle)

    def close(self) -> None:
        """End of the counter window (app exit, and every test that made one), on the GUI thread
        and before ``services.close()``: the idle filter leaves the application, the lock timer
        stops, and the windows and this controller are deleted here. Left to the garbage collector
        they would be destroyed on whichever thread collects (the card or sync thread), while the
        GUI thread still delivers events to them — the window tests' crash."""
        self.lock_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.idle)
        for widget in (self.window, self.signin):
            if widget is not None:
                widget.close()                 # a case on screen is paused (needs the store)
                widget.deleteLater()
        self.window = self.signin = None
        self.deleteLater()

    def start(self) -> None:
        self.show_sign_in()
        # the store and the security module load after the window is on screen
        QTimer.singleShot(0, self, self._prepare)

    def _prepare(self) -> None:
        from app.ui.services import StartError

        try:
            self.services.prepare()
        except StartError as exc:
            QMessageBox.critical(self.signin, "窓口 Madoguchi", str(exc))
            QApplication.instance().exit(2)
            return
        self.services.start_card()
        if self.signin is not None:
            self.signin.card_box.setEnabled(True)

    def show_sign_in(self, locked_staff=None) -> None:
        from app.ui.signin import SignInWindow

        if self.signin is None:
            self.signin = SignInWindow(self.services)
            self.signin.signed_in.connect(self._signed_in)
        self.signin.prepare(locked_staff)
        self.signin.show()
        self.signin.raise_()
        self.signin.activateWindow()

    def _signed_in(self, staff) -> None:
        from app.ui.mainwindow import MainWindow

        self.signin.hide()
        if self.window is None:
            self.window = MainWindow(self.services)
            self.window.sign_out_requested.connect(self.sign_out)
            self.window.lock_requested.connect(self.lock)
        self.window.signed_in(staff)
        self.window.show()
        self.lock_timer.start()

    def _check_idle(self) -> None:
        if self.services.session_locked():
            self.lock()

    def lock(self) -> None:
        self.lock_timer.stop()
        staff = self.services.lock_session()
        if self.window is not None:
            self.window.hide()
        self.show_sign_in(locked_staff=staff)

    def sign_out(self) -> None:
        self.lock_timer.stop()
        if self.window is not None and self.window.case_page is not None:
            self.window.go_home()              # the open case is paused, not left behind
        self.services.sign_out()
        if self.window is not None:
            self.window.hide()
        self.show_sign_in()


def run(args: argparse.Namespace) -> int:
    """Open the counter window (``madoguchi`` / ``make run``); returns the exit status."""
    from app.incident import explain

    try:
        return _run(args)
    except Exception as exc:            # noqa: BLE001 (the window's top-level handler)
        # before or after the event loop: no window to keep; say it in a box (no console)
        message = explain(exc, "window start")
        if QApplication.instance() is not None:
            QMessageBox.critical(None, "窓口 Madoguchi", f"{message.ja}\n\n{message.en}")
        print(f"madoguchi: {message}", file=sys.stderr)
        return message.exit_status


def _run(args: argparse.Namespace) -> int:
    from app.config import ConfigError, OfficeConfig

    try:
        config = OfficeConfig.load()
    except ConfigError as exc:
        # Started from the desktop there is no console: say it in a window, for IT staff.
        create_application(lang=getattr(args, "lang", None) or "ja")
        QMessageBox.critical(None, "窓口 Madoguchi", f"{exc}\n\nmadoguchi config show / config init")
        return 2
    lang = getattr(args, "lang", None) or config.language or "ja"
    app = create_application(lang=lang)
    reporter = IncidentReporter().install()
    try:
        return _run_window(app, args, config)
    finally:
        reporter.uninstall()


def _run_window(app: QApplication, args: argparse.Namespace, config) -> int:
    from app.ui.firstrun import configure_if_needed
    from app.ui.services import Services, StartError

    config = configure_if_needed(config, training=bool(getattr(args, "training", False)))
    if config is None:
        return 1                      # first-time setup cancelled: nothing to start with
    try:
        services = Services.open(config=config, training=bool(getattr(args, "training", False)),
                                 store_path=Path(args.store) if getattr(args, "store", None) else None)
    except StartError as exc:
        QMessageBox.critical(None, "窓口 Madoguchi", str(exc))
        return 2
    controller = Controller(services)
    controller.start()
    app._madoguchi_controller = controller
    try:
        return app.exec()
    finally:
        controller.close()
        services.close()


def main() -> int:
    """Entry point of the ``madoguchi-gui`` script (same as ``madoguchi`` without a command)."""
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:])

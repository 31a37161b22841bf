"""PyInstaller runtime hook of Madoguchi: runs in the frozen program before its entry script.

Three jobs, nothing else:

1. Programs the application starts (``pcscd`` for the
   training card stack, ``sh``) must load the system's libraries, not the bundle's: the
   bootloader puts the bundle first on ``LD_LIBRARY_PATH`` (Linux) and keeps the user's value
   in ``LD_LIBRARY_PATH_ORIG``; the environment handed to children gets the original back. The
   frozen process itself is unaffected (the loader read the variable when it started).
2. The smoke-test mode used by tests/packaging and by IT staff after an install:
with ``MADOGUCHI_SMOKE_TEST=<report file>`` in the environment, the counter window's event loop
is left as soon as a window is on screen, and a JSON report (the windows shown) is written to
that file; the program then ends through its normal shutdown path (stores closed, exit status of
``app.exec()``). Without the variable this hook does nothing and imports nothing. It must never
change what the program does in normal use.

   After an installation IT staff (and the go-live test) can go one step further: with
   ``MADOGUCHI_SMOKE_SIGN_IN=<login>`` the password is read from standard input (never from the
   environment or the command line), typed into the sign-in window exactly as a clerk would, and
   with ``MADOGUCHI_SMOKE_SEARCH=<name>`` the resident search of the main window is run; the
   report then also holds who signed in and how many residents were found (no resident data).
3. The bundled Qt's plugin and QML folders in ``QT_PLUGIN_PATH`` and ``QML2_IMPORT_PATH`` (and, on
   Windows, the bundle on ``PATH`` for QtNetwork's OpenSSL), set as PyInstaller's PySide6 hook
   sets them, but without importing Qt: the command line's program leaves that hook out, because
   it imports QtCore in every run (build.spec). The window imports QtCore when it opens.
"""


def _install_smoke_test(report_path: str) -> None:
    import json
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec
    deadline_s = float(__import__("os").environ.get("MADOGUCHI_SMOKE_TIMEOUT", "30"))

    def _write(report: dict) -> None:
        with open(report_path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, ensure_ascii=False)

    import os
    import sys

    login = os.environ.get("MADOGUCHI_SMOKE_SIGN_IN")
    search = os.environ.get("MADOGUCHI_SMOKE_SEARCH")
    password = sys.stdin.readline().rstrip("\n") if login else None
    steps: dict = {}

    def drive(app) -> bool:
        """One step of the optional sign-in and search; True when there is nothing left to do."""
        controller = getattr(app, "_madoguchi_controller", None)
        if not login or controller is None:
            return True
        if "signed_in" not in steps:
            if controller.window is not None and controller.window.isVisible():
                steps["signed_in"] = controller.services.session.staff.login
            elif not steps.get("typed") and controller.signin.isVisible():
                controller.signin.login.setText(login)
                controller.signin.password.setText(password)
                controller.signin.sign_in_with_password()
                steps["typed"] = True
            elif steps.get("typed") and controller.window is None:
                steps["sign_in_message"] = controller.signin.message.text()
                return True
            return False
        if search and "found" not in steps:
            home = controller.window.home
            home.search_edit.setText(search)
            home.search()
            steps["found"] = len(home._results)
        if os.environ.get("MADOGUCHI_SMOKE_DESK") and "desk" not in steps:
            controller.window.open_desk()           # the supervisor's desk: its Qt Charts load
            desk = getattr(controller.window, "desk", None)
            steps["desk"] = [type(c).__mro__[1].__name__ for c in (
                desk.figures_tab.cases_chart, desk.figures_tab.refusal_chart)] if desk else None
        return True

    def exec_then_quit(*_args):
        app = QApplication.instance()
        started = time.monotonic()

        def check() -> None:
            shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
            late = time.monotonic() - started > deadline_s
            if shown and not late and not drive(app):
                QTimer.singleShot(100, check)
            elif shown:
                _write({"windows": [{"class": type(w).__name__, "title": w.windowTitle(),
                                     "width": w.width(), "height": w.height()} for w in shown],
                        "platform": QApplication.platformName(),
                        # what programs started by the application get (see _restore_library_path)
                        "child_library_path": __import__("os").environ.get("LD_LIBRARY_PATH"),
                        **{k: v for k, v in steps.items() if k != "typed"}})
                app.quit()
            elif time.monotonic() - started > deadline_s:
                _write({"windows": [], "error": "no window was shown"})
                app.exit(3)
            else:
                QTimer.singleShot(100, check)

        QTimer.singleShot(0, check)
        return original_exec()

    QApplication.exec = exec_then_quit


def _restore_library_path() -> None:
    import os
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    for name in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
        value = os.environ.get(name)
        if not bundle or value is None or value.split(os.pathsep)[0] != bundle:
            continue  # not set by the bootloader: leave it as the user set it
        original = os.environ.pop(name + "_ORIG", None)
        if original is not None:
            os.environ[name] = original
        else:
            del os.environ[name]


def _qt_paths() -> None:
    import os
    import sys

    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return
    qt = os.path.join(bundle, "PySide6") if sys.platform == "win32" else os.path.join(bundle, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt, "qml")
    if sys.platform == "win32":
        os.environ["PATH"] = bundle + os.pathsep + os.environ.get("PATH", "")


def _main() -> None:
    import os
    import sys

    if sys.platform != "win32":
        _restore_library_path()
    _qt_paths()
    report = os.environ.get("MADOGUCHI_SMOKE_TEST")
    if report:
        _install_smoke_test(report)


_main()

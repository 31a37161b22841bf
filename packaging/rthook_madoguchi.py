"""PyInstaller runtime hook of Madoguchi: runs in the frozen program before its entry script.

Two jobs, nothing else:

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

    def exec_then_quit(*_args):
        app = QApplication.instance()
        started = time.monotonic()

        def check() -> None:
            shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
            if shown:
                _write({"windows": [{"class": type(w).__name__, "title": w.windowTitle(),
                                     "width": w.width(), "height": w.height()} for w in shown],
                        "platform": QApplication.platformName(),
                        # what programs started by the application get (see _restore_library_path)
                        "child_library_path": __import__("os").environ.get("LD_LIBRARY_PATH")})
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


def _main() -> None:
    import os
    import sys

    if sys.platform != "win32":
        _restore_library_path()
    report = os.environ.get("MADOGUCHI_SMOKE_TEST")
    if report:
        _install_smoke_test(report)


_main()

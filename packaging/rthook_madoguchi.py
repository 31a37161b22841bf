"""PyInstaller runtime hook of Madoguchi: runs in the frozen program before its entry script.

Its one job is the smoke-test mode used by tests/packaging and by IT staff after an install:
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
                        "platform": QApplication.platformName()})
                app.quit()
            elif time.monotonic() - started > deadline_s:
                _write({"windows": [], "error": "no window was shown"})
                app.exit(3)
            else:
                QTimer.singleShot(100, check)

        QTimer.singleShot(0, check)
        return original_exec()

    QApplication.exec = exec_then_quit


def _main() -> None:
    import os

    report = os.environ.get("MADOGUCHI_SMOKE_TEST")
    if report:
        _install_smoke_test(report)


_main()

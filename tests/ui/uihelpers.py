"""Helpers shared by the window tests (not fixtures: plain functions the tests import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TS = REPO / "resources" / "translations" / "madoguchi_ja.ts"


def ensure_catalogue() -> Path:
    """Build the .qm from the .ts when it is missing or older (``make translations`` does the same)."""
    qm = TS.with_suffix(".qm")
    if not qm.exists() or qm.stat().st_mtime < TS.stat().st_mtime:
        lrelease = Path(sys.executable).parent / "pyside6-lrelease"
        subprocess.run([str(lrelease), "-silent", str(TS), "-qm", str(qm)], check=True)
    return qm


def dispose(*widgets) -> None:
    """Delete windows now (not at interpreter exit), so no language switch reaches a window
    whose store is already closed."""
    from PySide6.QtCore import QCoreApplication, QEvent

    for w in widgets:
        if w is not None:
            w.close()
            w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

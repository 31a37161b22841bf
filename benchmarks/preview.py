"""Benchmark of the print preview: from the clerk's "Preview" to the first page on screen
(offscreen Qt, the sample town's household copy and processing slip). Goal ≤ 60 ms (median).

The preview renders with QtPdf in the window's process. For comparison the figure of the former
way — pdftoppm run synchronously to PNG files, then loaded as images — is measured on the same
PDFs when poppler is installed (poppler stays a test tool; the terminal no longer needs it).
Wall time and this process's CPU time are both given (the machine may be busy).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _sample_pdfs() -> dict[str, bytes]:
    from app.printing.samples import create_sample_town, sample_documents
    from app.store import open_store

    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-preview-") as tmp:
        store = open_store(Path(tmp) / "s.db", create=True)
        docs = sample_documents(store, create_sample_town(store))
        store.close()
    return {k: docs[k] for k in ("juminhyo-household", "processing-slip")}


def _shown(app, dialog) -> None:
    """Process events until the preview's first page is painted (dark pixels of text on it)."""
    dialog.show()
    while True:
        app.processEvents()
        image = dialog.view.viewport().grab().toImage()
        w, h = image.width(), image.height()
        if any(image.pixelColor(x, y).lightness() < 128 for x in range(w // 8, w, w // 8 or 1)
               for y in range(h // 16, h, 4)):
            return


def _qtpdf_once(app, doc) -> tuple[float, float]:
    from app.ui.preview import DocumentsDialog

    holder = DocumentsDialog([doc])
    shown = []
    holder.open_preview = shown.append            # instead of a modal exec()
    wall, cpu = time.perf_counter(), time.process_time()
    holder.preview()
    _shown(app, shown[0])
    result = time.perf_counter() - wall, time.process_time() - cpu
    shown[0].close()
    holder.deleteLater()
    return result


def _pdftoppm_once(pdf: bytes) -> float:
    """The former preview's rendering step alone (it then still built a print-preview dialog)."""
    from PySide6.QtGui import QImage

    wall = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "doc.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "150", "-png", str(Path(tmp) / "doc.pdf"), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        [QImage(str(p)) for p in sorted(Path(tmp).glob("page*.png"))]
    return time.perf_counter() - wall


def main(quick: bool = False) -> dict:
    from app.printing.case_adapter import PrintedDocument
    from app.ui.main import create_application

    app = create_application([], lang="ja")
    runs = 5 if quick else 15
    result: dict = {"goal_preview_shown_ms": 60, "load_average_1min": round(os.getloadavg()[0], 2)}
    for name, pdf in _sample_pdfs().items():
        doc = PrintedDocument("copy", name, name, pdf, f"{name}.pdf")
        _qtpdf_once(app, doc)                                    # warm-up (fonts, plugins)
        pairs = [_qtpdf_once(app, doc) for _ in range(runs)]
        result[name] = {"qtpdf_shown_median_ms": round(statistics.median(p[0] for p in pairs) * 1000, 1),
                        "qtpdf_cpu_median_ms": round(statistics.median(p[1] for p in pairs) * 1000, 1)}
        if shutil.which("pdftoppm"):
            before = [_pdftoppm_once(pdf) for _ in range(runs)]
            result[name]["pdftoppm_render_median_ms"] = round(statistics.median(before) * 1000, 1)
    print("preview:", json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)

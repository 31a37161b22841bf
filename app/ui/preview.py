"""Preview, print and save-as-PDF of the printing engineer's documents (``app.printing``).

QtPdf is not part of PySide6-Essentials, so pages are rendered to images with poppler's
``pdftoppm`` (Debian ``poppler-utils``, in the Makefile's DEBS) and shown in Qt's print preview
dialog, which also prints them through the system's printers. Saving writes the PDF exactly as
``app.printing`` made it (fonts embedded). Where ``pdftoppm`` is missing, saving is still offered.
This module never builds a document itself.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPageLayout, QPageSize
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from app.printing.case_adapter import PrintedDocument
from app.ui import i18n

log = logging.getLogger(__name__)
RENDER_DPI = 150


#: a finished PDF from ``app.printing`` (:class:`app.printing.PrintedDocument`): title_ja,
#: title_en, pdf, filename
Document = PrintedDocument


def title_of(doc: Document) -> str:
    return i18n.pick(doc.title_ja, doc.title_en)


def render_pages(pdf: bytes, dpi: int = RENDER_DPI) -> list[QImage]:
    """Every page of ``pdf`` as an image (poppler's pdftoppm); [] if poppler is missing."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        log.warning("pdftoppm not found: preview unavailable, saving still works")
        return []
    with tempfile.TemporaryDirectory(prefix="madoguchi-preview-") as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run([exe, "-r", str(dpi), "-png", str(src), str(Path(tmp) / "page")],
                       check=True, capture_output=True, timeout=60)
        return [QImage(str(p)) for p in sorted(Path(tmp).glob("page*.png"))]


def paint_pages(printer: QPrinter, pages: list[QImage]) -> None:
    """Draw page images onto the printer (or the preview), one image per sheet, fitted to A4."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    painter = QPainter(printer)
    try:
        for i, image in enumerate(pages):
            if i:
                printer.newPage()
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(area.x(), area.y(), size.width(), size.height())
            painter.drawImage(target, image)
    finally:
        painter.end()


class DocumentsDialog(QDialog):
    """The documents of a case: preview and print, or save as PDF."""

    def __init__(self, documents: list[Document], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DocumentsDialog")
        self.documents = documents
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.list = QListWidget(self)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.preview_button = QPushButton(self)
        self.preview_button.setDefault(True)
        self.save_button = QPushButton(self)
        self.close_button = QPushButton(self)
        row.addWidget(self.preview_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.preview_button.clicked.connect(self.preview)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.accept)
        self.list.itemActivated.connect(lambda _: self.preview())
        self.resize(700, 400)
        i18n.translate_ui(self)
        self.list.setCurrentRow(0)

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Documents of this case"))
        self.hint.setText(self.tr("Preview and print on the counter printer, or save the PDF."))
        self.preview_button.setText(self.tr("Preview and print…"))
        self.save_button.setText(self.tr("Save as PDF…"))
        self.close_button.setText(self.tr("Close"))
        current = self.list.currentRow()
        self.list.clear()
        for doc in self.documents:
            self.list.addItem(title_of(doc))
        self.list.setCurrentRow(max(0, current))

    def current(self) -> Document | None:
        row = self.list.currentRow()
        return self.documents[row] if 0 <= row < len(self.documents) else None

    def preview(self) -> None:
        doc = self.current()
        if doc is None:
            return
        pages = render_pages(doc.pdf)
        if not pages:
            QMessageBox.information(self, self.windowTitle(), self.tr(
                "Preview is not available on this terminal (poppler-utils missing). Save the PDF instead."))
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(doc.filename)
        dialog = QPrintPreviewDialog(printer, self)
        dialog.setWindowTitle(title_of(doc))
        dialog.paintRequested.connect(lambda p: paint_pages(p, pages))
        self.open_preview(dialog)

    @staticmethod
    def open_preview(dialog: QPrintPreviewDialog) -> None:
        """Show the preview (tests replace this to look at it without a modal loop)."""
        dialog.exec()

    def save(self) -> None:
        doc = self.current()
        if doc is None:
            return
        path = self.ask_save_path(doc)
        if not path:
            return
        try:
            Path(path).write_bytes(doc.pdf)
        except OSError as exc:
            log.error("saving %s failed: %s", path, exc)
            QMessageBox.warning(self, self.windowTitle(), self.tr(
                "The PDF could not be saved there ({error}). Choose another folder.").format(error=exc.strerror))

    def ask_save_path(self, doc: Document) -> str:
        """Ask where to save (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save as PDF"), doc.filename, "PDF (*.pdf)")
        return path


def preview_documents(parent: QWidget, documents: list[Document]) -> None:
    if documents:
        DocumentsDialog(documents, parent).exec()

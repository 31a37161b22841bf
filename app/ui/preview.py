"""Preview, print and save-as-PDF of the documents ``app.printing`` made.

The preview shows the PDF itself with Qt's own PDF module (``QPdfDocument`` / ``QPdfView`` of
QtPdf, PySide6-Addons): nothing is shelled out, nothing is written to disk, and a terminal needs
no poppler (poppler stays a test tool). Printing renders each page with the same document at the
printer's resolution. Saving writes the PDF exactly as ``app.printing`` made it (fonts embedded).
This module never builds a document itself.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPageLayout, QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (QDialog, QFileDialog, QHBoxLayout, QLabel, QListWidget, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from app.printing.case_adapter import PrintedDocument
from app.ui import i18n

log = logging.getLogger(__name__)
RENDER_DPI = 150
PRINT_DPI = 300

#: a finished PDF from ``app.printing`` (:class:`app.printing.PrintedDocument`): title_ja,
#: title_en, pdf, filename
Document = PrintedDocument


def title_of(doc: Document) -> str:
    return i18n.pick(doc.title_ja, doc.title_en)


def load_pdf(pdf: bytes, parent=None) -> QPdfDocument:
    """The PDF bytes as a loaded QPdfDocument (from memory; the buffer lives with the document)."""
    document = QPdfDocument(parent)
    buffer = QBuffer(document)
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise ValueError(f"the PDF could not be read ({document.error()})")
    return document


def render_pages(pdf: bytes, dpi: int = RENDER_DPI) -> list[QImage]:
    """Every page of ``pdf`` as an image at ``dpi``."""
    document = load_pdf(pdf)
    return [_render(document, i, dpi) for i in range(document.pageCount())]


def _render(document: QPdfDocument, page: int, dpi: int) -> QImage:
    points = document.pagePointSize(page)                 # 1 pt = 1/72 in
    return document.render(page, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)))


def print_document(printer: QPrinter, document: QPdfDocument) -> None:
    """Draw each page onto the printer, one page per A4 sheet, rendered at the print resolution."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    painter = QPainter(printer)
    try:
        for i in range(document.pageCount()):
            if i:
                printer.newPage()
            image = _render(document, i, PRINT_DPI)
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRectF(area.x(), area.y(), size.width(), size.height()), image)
    finally:
        painter.end()


class PdfPreview(QDialog):
    """One document shown as it will print (every page, fitted to the width), with Print."""

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PdfPreview")
        self.doc = doc
        self.document = load_pdf(doc.pdf, self)
        layout = QVBoxLayout(self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.pages_label = QLabel(self)
        self.print_button = QPushButton(self)
        self.print_button.setDefault(True)
        self.close_button = QPushButton(self)
        row.addWidget(self.pages_label)
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_it)
        self.close_button.clicked.connect(self.accept)
        self.resize(760, 900)
        i18n.translate_ui(self)

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(title_of(self.doc))
        self.pages_label.setText(self.tr("{n} page(s)").format(n=self.document.pageCount()))
        self.print_button.setText(self.tr("Print…"))
        self.close_button.setText(self.tr("Close"))

    def print_it(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.doc.filename)
        if self.ask_printer(printer):
            print_document(printer, self.document)

    def ask_printer(self, printer: QPrinter) -> bool:
        """The system's print dialog (tests replace this)."""
        return QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted


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
        try:
            dialog = PdfPreview(doc, self)
        except ValueError as exc:
            log.error("preview of %s failed: %s", doc.filename, exc)
            QMessageBox.warning(self, self.windowTitle(), self.tr(
                "This PDF cannot be shown ({error}). Save it and open it elsewhere.").format(error=exc))
            return
        self.open_preview(dialog)

    @staticmethod
    def open_preview(dialog: QDialog) -> None:
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

"""The print preview renders the PDF with QtPdf in the window's own process (no poppler), shows
every page, and prints them; a PDF it cannot read is told to the clerk, and saving still works."""

from __future__ import annotations

import io

import pytest


@pytest.fixture(scope="module")
def slip_pdf():
    from app.printing.samples import create_sample_town, sample_documents
    from app.store import open_store

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "s.db", create=True)
        pdf = sample_documents(store, create_sample_town(store))["juminhyo-household"]
        store.close()
    return pdf


def _doc(pdf):
    from app.printing.case_adapter import PrintedDocument

    return PrintedDocument("copy", "住民票の写し", "Copy", pdf, "copy-1.pdf")


def test_preview_shows_every_page_and_prints_them(qtbot, qapp, lang_ja, slip_pdf, tmp_path, monkeypatch):
    from PySide6.QtPrintSupport import QPrinter
    from pypdf import PdfReader

    from app.ui.preview import DocumentsDialog, PdfPreview, render_pages

    dialog = DocumentsDialog([_doc(slip_pdf)])
    qtbot.addWidget(dialog)
    shown = []
    monkeypatch.setattr(DocumentsDialog, "open_preview", staticmethod(shown.append))
    dialog.preview()
    assert len(shown) == 1 and isinstance(shown[0], PdfPreview)
    preview = shown[0]
    qtbot.addWidget(preview)
    pages = len(PdfReader(io.BytesIO(slip_pdf)).pages)
    assert preview.document.pageCount() == pages == len(render_pages(slip_pdf)) == 2
    assert preview.view.document() is preview.document
    assert preview.pages_label.text() == "2 ページ" and preview.print_button.text() == "印刷…"
    image = render_pages(slip_pdf, dpi=30)[0]
    assert any(image.pixelColor(x, y).lightness() < 100 for x in range(image.width()) for y in range(image.height()))

    target = tmp_path / "printed.pdf"

    def to_file(printer):
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return True

    monkeypatch.setattr(PdfPreview, "ask_printer", lambda self, printer: to_file(printer))
    preview.print_it()
    assert len(PdfReader(str(target)).pages) == pages


def test_a_pdf_that_cannot_be_read_is_told_and_can_still_be_saved(qtbot, qapp, lang_ja, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.ui.preview import DocumentsDialog

    broken = _doc(b"%PDF-1.4 not really")
    dialog = DocumentsDialog([broken])
    qtbot.addWidget(dialog)
    told = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: told.append(args[2]))
    monkeypatch.setattr(DocumentsDialog, "open_preview", staticmethod(lambda d: told.append("opened")))
    dialog.preview()
    assert len(told) == 1 and "表示できません" in told[0]
    target = tmp_path / "saved.pdf"
    monkeypatch.setattr(DocumentsDialog, "ask_save_path", lambda self, doc: str(target))
    dialog.save()
    assert target.read_bytes() == broken.pdf

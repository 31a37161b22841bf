"""Reading PDFs back in tests: pypdf for text per page, poppler (pdftotext, pdffonts, pdftoppm)."""

from __future__ import annotations

import io
import subprocess


# --------------------------------------------------------------------------- reading PDFs back

def pdf_pages_text(pdf: bytes) -> list[str]:
    """Text of each page, by pypdf."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def pdftotext(pdf: bytes, tmp_path) -> list[str]:
    """Text of each page, by poppler's pdftotext (pages are split at form feeds)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdffonts(pdf: bytes, tmp_path) -> list[dict]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type [encoding words...] emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


def squash(text: str) -> str:
    """Text without any whitespace (extraction puts spaces between wide characters)."""
    return "".join(text.split())

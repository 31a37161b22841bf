"""Look of the counter window: the bundled Japanese font, large type and a high-contrast style.

Owns font loading (IPAex Gothic from ``resources/fonts``, with the Debian copy as a fallback for a
checkout where the fonts have not been copied yet) and the application style sheet. Holds no
behaviour.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.paths import resource

log = logging.getLogger(__name__)

FONT_FILES = ("ipaexg.ttf",)
SYSTEM_FALLBACK = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
BASE_POINT_SIZE = 12

# Colours: dark text on white, strong accents; the restriction warning is white on deep red.
INK = "#111111"
PAPER = "#ffffff"
ACCENT = "#0b4f9c"
DANGER = "#b00020"
WARN = "#8a5a00"
OK = "#1b6e20"
TRAINING = "#6a1b9a"

STYLE = f"""
QWidget {{ color: {INK}; background: {PAPER}; }}
QMainWindow, QDialog {{ background: {PAPER}; }}
QPushButton {{ border: 2px solid {ACCENT}; border-radius: 4px; padding: 6px 14px;
               background: #eef3fb; min-height: 26px; }}
QPushButton:default {{ background: {ACCENT}; color: white; }}
QPushButton:focus {{ border: 3px solid #ff9800; }}
QPushButton:disabled {{ border-color: #9e9e9e; color: #6b6b6b; background: #f0f0f0; }}
QLineEdit, QComboBox, QDateEdit, QSpinBox, QPlainTextEdit {{ border: 2px solid #555; padding: 4px;
               min-height: 24px; background: white; }}
QLineEdit:focus, QComboBox:focus, QDateEdit:focus {{ border: 3px solid #ff9800; }}
QCheckBox {{ spacing: 10px; padding: 3px; }}
QCheckBox::indicator {{ width: 22px; height: 22px; }}
QCheckBox:focus {{ background: #fff3e0; }}
QGroupBox {{ font-weight: bold; border: 2px solid #888; margin-top: 14px; padding-top: 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; }}
QTableWidget, QListWidget, QTreeWidget {{ border: 2px solid #555; gridline-color: #bbb;
               selection-background-color: {ACCENT}; selection-color: white; }}
QHeaderView::section {{ background: #e0e0e0; font-weight: bold; padding: 4px; border: 1px solid #999; }}
QTabBar::tab {{ padding: 6px 14px; border: 1px solid #888; }}
QTabBar::tab:selected {{ background: {ACCENT}; color: white; }}
QLabel#TrainingBanner {{ background: {TRAINING}; color: white; font-weight: bold; padding: 4px; }}
QLabel#RestrictionWarning {{ background: {DANGER}; color: white; font-weight: bold; padding: 14px;
               border: 4px solid black; }}
QLabel#Refusal {{ background: #fff0f0; color: {DANGER}; border: 3px solid {DANGER}; padding: 10px; }}
QLabel#Notes {{ background: #f3f6fb; color: {INK}; border: 2px solid {ACCENT}; padding: 10px; }}
QLabel#StaffOnly {{ background: #fff8e0; color: {INK}; border: 3px dashed #8a6d00; padding: 10px; }}
QLabel#Reason {{ color: {DANGER}; font-weight: bold; }}
QLabel#Title {{ font-weight: bold; }}
QStatusBar {{ background: #eeeeee; }}
"""


def load_fonts() -> str:
    """Register the bundled Japanese font; return the family name to use ("" if none found)."""
    candidates = [resource("fonts", name) for name in FONT_FILES] + [SYSTEM_FALLBACK]
    for path in candidates:
        if not path.exists():
            continue
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path)
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        if families:
            log.info("font %s from %s", families[0], path)
            return families[0]
    log.warning("no Japanese font found; text may show as boxes")
    return ""


def apply(app: QApplication) -> str:
    family = load_fonts()
    font = QFont(family) if family else app.font()
    font.setPointSize(BASE_POINT_SIZE)
    app.setFont(font)
    app.setStyleSheet(STYLE)
    return family


def scaled(point_delta: int, bold: bool = False) -> QFont:
    """The application font, ``point_delta`` points larger, for titles and warnings."""
    font = QFont(QApplication.font())
    font.setPointSize(BASE_POINT_SIZE + point_delta)
    font.setBold(bold)
    return font

"""Help menu and the About dialog (issue 9 point 4): version, store path, reader, sync state and
configuration paths from :func:`app.support.support_info`, as selectable text with a Copy button,
to read out to the help desk.

Owns: the Help menu of the main window and the dialog. The information is gathered on the
window's chore thread (it loads libraries and asks the keyring) and shown when ready; the GUI
thread never waits for it. Must not: collect anything secret (support_info holds no PIN,
password, My Number or resident data), or probe the card reader itself (the readers the card
thread already knows are passed in).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMenu, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.ui import i18n
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)


def gather(services) -> dict:
    """support_info for this window's store and readers (runs off the GUI thread)."""
    from app.support import support_info

    return support_info(services.store_path, training=services.training, qt_version=qVersion(),
                        readers=list(services.card.readers))


class AboutDialog(QDialog):
    """Support information, selectable, with Copy."""

    def __init__(self, services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.services = services
        self.info = None
        self.resize(760, 480)
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("support_text")
        self.text.setReadOnly(True)       # read-only text stays selectable
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text, 1)
        self.message = QLabel(self)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton(self)
        self.copy_button.setObjectName("copy_button")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        i18n.translate_ui(self)
        self.future = services.bridge.when_done(services._background().submit(gather, services),
                                                self._gathered)

    def _gathered(self, future) -> None:
        from shiboken6 import isValid

        from app.support import format_text

        if not isValid(self):                 # closed before the information arrived
            return
        try:
            self.info = future.result()
            text = format_text(self.info)
        except Exception as exc:  # show what failed: that is what the help desk needs
            text = f"support information could not be collected: {type(exc).__name__}: {exc}"
        self.text.setPlainText(text)
        self.copy_button.setEnabled(True)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.message.setText(self.tr("Copied to the clipboard."))

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("About Madoguchi"))
        self.hint.setText(self.tr("Read this out to the help desk, or press Copy and paste it "
                                  "into your message."))
        self.copy_button.setText(self.tr("Copy"))
        self.close_button.setText(self.tr("Close"))
        if self.info is None:
            self.text.setPlainText(self.tr("Collecting…"))


class HelpMenu(QMenu):
    """Help ▸ About Madoguchi…"""

    def __init__(self, parent: QWidget, services) -> None:
        super().__init__(parent)
        self.services = services
        self.dialog = None
        self.act_about = QAction(self, triggered=self.show_about)
        self.addAction(self.act_about)
        i18n.translate_ui(self)

    def show_about(self) -> AboutDialog:
        self.dialog = AboutDialog(self.services, self.parentWidget())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.show()
        return self.dialog

    def translateUI(self) -> None:  # noqa: N802
        self.setTitle(self.tr("&Help"))
        self.act_about.setText(self.tr("&About Madoguchi…"))

"""First-run configuration dialog (issue 9 point 3): shown before sign-in when the terminal was
never configured (:func:`app.config.needs_first_run`) and not in training mode.

Owns: a form built from :data:`app.config.FIELDS` for the keys in :data:`app.config.FIRST_RUN_KEYS`
(labels and help in ja/en from the data), validating every value with the field's own parser and
showing its message next to the field, then saving the user's configuration file. Must not: hold
a password (the sync password goes to the OS keyring through ``madoguchi server login``), or keep
its own copy of the rules (they live in app.config).
"""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)

from app.ui import i18n
# lazy imports: pages, dialogs and lower layers load on first use (the sign-in window first)


class FirstRunDialog(QDialog):
    def __init__(self, config, parent: QWidget | None = None) -> None:
        from app.config import FIRST_RUN_KEYS, field_by_key

        super().__init__(parent)
        self.setObjectName("FirstRunDialog")
        self.config = config
        self.saved_path = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.fields = [field_by_key(k) for k in FIRST_RUN_KEYS]
        self.labels, self.editors, self.errors = {}, {}, {}
        for f in self.fields:
            value = str(getattr(config, f.key))
            if f.choices:
                editor = QComboBox(self)
                editor.addItems(list(f.choices))
                editor.setCurrentText(value)
            else:
                editor = QLineEdit(value, self)
            editor.setObjectName(f"field_{f.key}")
            error = QLabel(self)
            error.setObjectName("Refusal")
            error.setWordWrap(True)
            error.hide()
            box = QVBoxLayout()
            box.addWidget(editor)
            box.addWidget(error)
            label = QLabel(self)
            form.addRow(label, box)
            self.labels[f.key], self.editors[f.key], self.errors[f.key] = label, editor, error
        self.message = QLabel(self)
        self.message.setObjectName("Refusal")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._problems: dict[str, object] = {}
        self._save_error = None
        i18n.translate_ui(self)

    def text_of(self, key: str) -> str:
        editor = self.editors[key]
        return editor.currentText() if isinstance(editor, QComboBox) else editor.text()

    def save(self) -> bool:
        """Check every field with its own rule; write the file only when all are valid."""
        from app.config import ConfigError

        values, self._problems, self._save_error = {}, {}, None
        for f in self.fields:
            try:
                values[f.key] = f.parse(self.text_of(f.key))
            except ConfigError as exc:
                self._problems[f.key] = exc
        if not self._problems:
            before = {k: getattr(self.config, k) for k in values}
            for key, value in values.items():
                setattr(self.config, key, value)
            try:
                self.saved_path = self.config.save("user")
            except ConfigError as exc:
                for key, value in before.items():
                    setattr(self.config, key, value)
                self._save_error = exc
        self.translateUI()
        if self._problems or self._save_error:
            first = next(iter(self._problems), None)
            if first:
                self.editors[first].setFocus()
            return False
        self.accept()
        return True

    def translateUI(self) -> None:  # noqa: N802
        self.setWindowTitle(self.tr("Madoguchi — first-time setup of this terminal"))
        self.intro.setText(self.tr(
            "This terminal is not configured yet. Fill in what office IT staff gave you; you can "
            "change it later with `madoguchi config`. The sync password is not asked here: it goes "
            "to the OS keyring with `madoguchi server login`."))
        for f in self.fields:
            self.labels[f.key].setText(i18n.pick(f.label_ja, f.label_en))
            help_text = i18n.pick(f.help_ja, f.help_en)
            self.labels[f.key].setToolTip(help_text)
            self.editors[f.key].setToolTip(help_text)
            error = self.errors[f.key]
            problem = self._problems.get(f.key)
            error.setText(i18n.pick(problem.ja, problem.en) if problem else "")
            error.setVisible(problem is not None)
        if self._problems:
            self.message.setText(self.tr("Nothing was saved: correct the fields marked above."))
        elif self._save_error is not None:
            self.message.setText(i18n.pick(self._save_error.ja, self._save_error.en))
        else:
            self.message.setText("")


def configure_if_needed(config, training: bool, parent: QWidget | None = None):
    """Before sign-in: the first-run dialog when the terminal was never configured (never in
    training mode). Returns the configuration to start with, or None when the user cancelled."""
    from app.config import OfficeConfig, needs_first_run

    if training or not needs_first_run():
        return config
    dialog = FirstRunDialog(config, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    config = OfficeConfig.load()
    if config.language != i18n.current():
        i18n.language().set(config.language)
    return config

"""The note editor: a title and the note's text in a roomy, wrapping area. Ctrl+Enter saves, Esc cancels."""
from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

SIZE = (560, 380)
HINT = "Ctrl+Enter saves · Esc cancels"


class NoteEditor(QDialog):
    def __init__(self, parent: QWidget | None, window_title: str, title: str = "", text: str = ""):
        super().__init__(parent)
        self.setWindowTitle(window_title)
        self.title_edit = QLineEdit(title, placeholderText="Optional: the map shows it instead of the text's start")
        self.text_edit = QPlainTextEdit(placeholderText="What the note says")
        self.text_edit.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlainText(text)
        self.text_edit.moveCursor(QTextCursor.End)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.Save)
        hint = QLabel(HINT)
        hint.setEnabled(False)  # drawn greyed: a hint, not a part to use
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("&Title", buddy=self.title_edit))
        layout.addWidget(self.title_edit)
        layout.addSpacing(4)
        layout.addWidget(QLabel("Te&xt", buddy=self.text_edit))
        layout.addWidget(self.text_edit, 1)
        row = QHBoxLayout()
        row.addWidget(hint)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # the main Enter key and the keypad's
            QShortcut(QKeySequence(keys), self, self._save)
        self.text_edit.textChanged.connect(self._update_save)
        self._update_save()
        self.resize(*SIZE)
        self.text_edit.setFocus()

    def values(self) -> tuple[str, str]:
        """(title, text), each without the blanks around it."""
        return self.title_edit.text().strip(), self.text_edit.toPlainText().strip()

    def _update_save(self) -> None:
        self.save_button.setEnabled(bool(self.values()[1]))  # a note says something

    def _save(self) -> None:
        if self.save_button.isEnabled():
            self.accept()


def edit_note(parent: QWidget | None, window_title: str, title: str = "", text: str = "") -> tuple[str, str] | None:
    """Ask for a note's title and text; None when cancelled."""
    editor = NoteEditor(parent, window_title, title, text)
    try:
        return editor.values() if editor.exec() == QDialog.Accepted else None
    finally:
        editor.deleteLater()

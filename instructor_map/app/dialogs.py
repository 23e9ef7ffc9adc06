"""Small modal questions in one place, so the window reads simply and tests can answer them."""
from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from instructor_map.app import note_editor

IMPORT_FILTER = "Notes (*.txt *.md *.markdown *.csv *.tsv *.json *.jsonl *.ndjson *.canvas);;All files (*)"
PROJECT_FILTER = "Instructor Map projects (*.imap)"
EXPORT_FILTER = ("CSV (*.csv);;JSON (*.json);;JSON Canvas (*.canvas);;GraphML (*.graphml);;PNG image (*.png);;"
                 "SVG image (*.svg)")


def error(parent: QWidget, title: str, message: str) -> None:
    QMessageBox.critical(parent, title, message)


def inform(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def ask_save_changes(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox.question(parent, "Unsaved changes", f"Save the changes to {name}?",
                               QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(box, "cancel")


def ask_recover(parent: QWidget, name: str) -> bool:
    answer = QMessageBox.question(parent, "Recover unsaved work",
                                  f"{name} has newer autosaved edits than the saved file. Restore them?",
                                  QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
    return answer == QMessageBox.Yes


def get_text(parent: QWidget, title: str, label: str, text: str = "", multiline: bool = False) -> str | None:
    if multiline:
        value, ok = QInputDialog.getMultiLineText(parent, title, label, text)
    else:
        value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def edit_note(parent: QWidget, window_title: str, title: str = "", text: str = "") -> tuple[str, str] | None:
    """A note's (title, text), stripped, from the note editor; None when cancelled."""
    return note_editor.edit_note(parent, window_title, title, text)


def open_paths(parent: QWidget, title: str, filters: str) -> list[str]:
    paths, _ = QFileDialog.getOpenFileNames(parent, title, "", filters)
    return paths


def save_path(parent: QWidget, title: str, filters: str, suggested: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None

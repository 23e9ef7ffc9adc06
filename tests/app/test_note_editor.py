"""The note editor: a title and a roomy wrapping text; Ctrl+Enter saves, Esc cancels; an edit of both is one
undo, and a new note is written in the same editor."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from travel_notes import NOTES

from instructor_map.app import dialogs, note_editor
from instructor_map.app.note_editor import NoteEditor

LONG = " ".join(NOTES)  # one paragraph far wider than the editor


@pytest.fixture
def editor(qtbot):
    def make(title="", text=""):
        dialog = NoteEditor(None, "Edit note", title, text)
        qtbot.addWidget(dialog)
        with qtbot.waitActive(dialog):  # its keys, Ctrl+Enter included, are the active window's
            dialog.show()
            dialog.activateWindow()
        return dialog
    return make


def test_ctrl_enter_saves_the_title_and_the_text(qtbot, editor):
    dialog = editor("", "Quiet beach")
    assert (dialog.width(), dialog.height()) == (560, 380)
    assert dialog.focusWidget() is dialog.text_edit  # typing goes on with the text
    qtbot.keyClicks(dialog.text_edit, " with shallow water")
    qtbot.keyClicks(dialog.title_edit, "Beach")
    qtbot.keyClick(dialog.text_edit, Qt.Key_Return, Qt.ControlModifier)
    assert dialog.result() == QDialog.Accepted and not dialog.isVisible()
    assert dialog.values() == ("Beach", "Quiet beach with shallow water")  # no line added by the keys


def test_escape_cancels(qtbot, editor):
    dialog = editor("Beach", "Quiet beach")
    qtbot.keyClicks(dialog.text_edit, " and more")
    qtbot.keyClick(dialog.text_edit, Qt.Key_Escape)
    assert dialog.result() == QDialog.Rejected and not dialog.isVisible()


def test_a_note_with_no_text_cannot_be_saved(qtbot, editor):
    dialog = editor()
    qtbot.keyClicks(dialog.title_edit, "Only a title")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.text_edit, Qt.Key_Return, Qt.ControlModifier)
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.text_edit, "   ")
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.text_edit, "now it says something")
    assert dialog.save_button.isEnabled()


def test_long_text_wraps_instead_of_scrolling_sideways(qtbot, editor):
    dialog = editor("", LONG)
    first = dialog.text_edit.document().firstBlock()
    qtbot.waitUntil(lambda: first.layout().lineCount() >= 4 and not dialog.text_edit.horizontalScrollBar().isVisible(),
                    timeout=5_000)


def mapped_window(qtbot, make_window, tmp_path):
    window = make_window()
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(NOTES), encoding="utf-8")
    assert window.files.import_paths([path])
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)
    return window


def test_editing_title_and_text_in_the_window_is_one_undo(qtbot, make_window, tmp_path, monkeypatch):
    window = mapped_window(qtbot, make_window, tmp_path)
    note = window.doc.note_ids[0]
    monkeypatch.setattr(dialogs, "edit_note", note_editor.edit_note)  # the real editor, typed into

    opened = []

    def type_into_the_editor():
        dialog = QApplication.activeModalWidget()
        opened.append(dialog.values() if isinstance(dialog, NoteEditor) else dialog)
        try:
            dialog.title_edit.setText("Beach days")
            dialog.text_edit.setPlainText("A quiet beach, shallow water, shade at noon")
            qtbot.keyClick(dialog.text_edit, Qt.Key_Enter, Qt.ControlModifier | Qt.KeypadModifier)  # the keypad's
        finally:
            if dialog is not None and dialog.isVisible():
                dialog.reject()  # never left open, whatever went wrong

    QTimer.singleShot(0, type_into_the_editor)  # runs once the editor is open and waits for the user
    window.note_actions.edit(note)
    assert opened == [("", NOTES[0])]  # it opened on the note as it was
    edited = window.doc.notes[note]
    assert (edited.title, edited.text) == ("Beach days", "A quiet beach, shallow water, shade at noon")
    assert window.undo_action.text().replace("&", "") == "Undo Edit note"
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)  # the new text is mapped
    window.session.undo()
    assert (window.doc.notes[note].title, window.doc.notes[note].text) == ("", NOTES[0])


def test_add_note_uses_the_editor_and_cancel_changes_nothing(qtbot, make_window, tmp_path, answers):
    window = mapped_window(qtbot, make_window, tmp_path)
    answers["edit_note"] = [("Packing", "Sunscreen, hats and a kite"), None]
    window.note_actions.add_note()
    new = window.doc.notes[window.doc.note_ids[-1]]
    assert (new.title, new.text) == ("Packing", "Sunscreen, hats and a kite") and len(window.doc.notes) == 13
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)
    assert window.doc.placements[2].position(new.id) is not None
    window.note_actions.edit(new.id)  # cancelled
    assert (new.title, new.text) == ("Packing", "Sunscreen, hats and a kite")
    assert window.undo_action.text().replace("&", "") == "Undo Add note"

"""The whole loop in a real window: import, type a task, map, drag, undo, save, reopen, cancel."""
from __future__ import annotations

import numpy as np
from travel_notes import NOTES

from instructor_map.core.project_file import load_project

TASK_A = "Represent the travel note for planning a relaxing family trip: "
TASK_B = "Represent the travel note for planning the trip by budget: "


def wait_idle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=timeout)


def import_notes(qtbot, window, tmp_path, notes=NOTES):
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(notes), encoding="utf-8")
    assert window.files.import_paths([path])
    wait_idle(qtbot, window)


def positions(window, dims=2):
    return {i: window.doc.placements[dims].position(i) for i in window.doc.notes}


def test_first_run_shows_the_welcome_page(make_window):
    window = make_window()
    assert window.stack.currentWidget() is window.welcome
    assert "Untitled" in window.windowTitle()


def test_import_and_instruction_place_every_note(qtbot, make_window, tmp_path):
    window = make_window()
    window.instruction_bar.combo.setEditText(TASK_A)
    window.instruction_bar.apply_button.click()
    import_notes(qtbot, window, tmp_path)
    assert window.stack.currentWidget() is window.tabs
    for dims in (2, 3):
        places = positions(window, dims)
        assert len(places) == len(NOTES) and all(p is not None and np.isfinite(p).all() for p in places.values())
    assert window.doc.instruction == TASK_A
    assert window.model_label.text().startswith("Model:")


def test_drag_pins_a_note_and_undo_restores_it(qtbot, make_window, tmp_path):
    window = make_window()
    import_notes(qtbot, window, tmp_path)
    note = window.doc.note_ids[0]
    before = window.doc.placements[2].position(note)
    window.canvas.notesMoved.emit({note: (before[0] + 30.0, before[1] - 12.0)})
    assert window.doc.placements[2].pins[note] == (before[0] + 30.0, before[1] - 12.0)
    assert window.isWindowModified()
    window.session.undo()
    assert note not in window.doc.placements[2].pins
    assert window.doc.placements[2].position(note) == before


def test_new_instruction_moves_unpinned_notes_only(qtbot, make_window, tmp_path):
    window = make_window()
    window.instruction_bar.combo.setEditText(TASK_A)
    window.instruction_bar.apply_button.click()
    import_notes(qtbot, window, tmp_path)
    pinned = window.doc.note_ids[:2]
    window.canvas.notesMoved.emit({pinned[0]: (5.0, 5.0), pinned[1]: (-40.0, 20.0)})
    before = positions(window)
    window.instruction_bar.combo.setEditText(TASK_B)
    window.instruction_bar.combo.lineEdit().returnPressed.emit()
    wait_idle(qtbot, window)
    after = positions(window)
    assert after[pinned[0]] == (5.0, 5.0) and after[pinned[1]] == (-40.0, 20.0)
    moved = [i for i in window.doc.note_ids[2:] if np.linalg.norm(np.subtract(after[i], before[i])) > 1e-3]
    assert len(moved) >= len(NOTES) // 2
    window.session.undo()  # the instruction change is one undo step, layout included
    assert window.doc.instruction == TASK_A and positions(window) == before


def test_save_close_reopen_keeps_everything(qtbot, make_window, tmp_path):
    from instructor_map.core import commands as cmds
    from instructor_map.core.document import Group, Link

    window = make_window()
    import_notes(qtbot, window, tmp_path)
    a, b, c = window.doc.note_ids[:3]
    window.canvas.notesMoved.emit({a: (1.5, 2.5)})
    window.session.push(cmds.SetNoteField([b], "color", "#123456"))
    window.session.push(cmds.AddGroup(Group("g-beach", "Beach"), [a, c]))
    window.session.push(cmds.AddLink(Link("l-x", a, b, "supports", "because")))
    path = tmp_path / "trip.imap"
    assert window.files.save_as(path)
    assert not window.isWindowModified() and "trip.imap" in window.windowTitle()
    saved = load_project(path)
    window.close()

    again = make_window()
    assert again.files.open_path(path)
    doc = again.doc
    assert list(doc.notes) == list(saved.notes) and doc.notes == saved.notes
    assert doc.placements[2].pins == {a: (1.5, 2.5)}
    assert positions(again) == {i: saved.placements[2].position(i) for i in saved.notes}
    assert doc.notes[b].color == "#123456" and doc.notes[c].group == "g-beach"
    assert doc.links["l-x"] == Link("l-x", a, b, "supports", "because")


def test_notes_panel_lists_searches_and_shares_the_selection_with_the_map(qtbot, make_window, tmp_path):
    from PySide6.QtCore import Qt

    window = make_window()
    import_notes(qtbot, window, tmp_path)
    panel, ids = window.notes_panel, window.doc.note_ids
    shown = lambda: [panel.model.index(r).data() for r in range(panel.model.rowCount())]  # noqa: E731
    assert shown() == NOTES
    qtbot.keyClicks(panel.search, "beach")
    assert shown() == [NOTES[0]] and window.canvas.highlight() == {ids[0]}
    assert window.view3d.highlight() == {ids[0]}
    window.escape()  # Esc clears the search, on both maps
    assert panel.search.text() == "" and shown() == NOTES
    assert window.canvas.highlight() is None and window.view3d.highlight() is None
    row = panel.list.visualRect(panel.model.index(3))
    qtbot.mouseClick(panel.list.viewport(), Qt.LeftButton, pos=row.center())
    assert window.canvas.selection() == [ids[3]]
    window.canvas.set_selection([ids[5], ids[6]])
    window.canvas.selectionChanged.emit(window.canvas.selection())  # as a rubber band does
    assert panel.selection() == [ids[5], ids[6]]
    window.doc.notes[ids[6]].text = "Renamed: a night train to the coast"
    panel.refresh()
    assert shown()[6] == "Renamed: a night train to the coast" and panel.selection() == [ids[5], ids[6]]


def test_cancel_mid_run_keeps_the_previous_map(qtbot, make_window, tmp_path, bundled_encoder):
    window = make_window(model="bundled")
    import_notes(qtbot, window, tmp_path)
    window.instruction_bar.combo.setEditText(TASK_B)
    window.instruction_bar.apply_button.click()  # re-embeds the 12 notes under a new task, at once
    wait_idle(qtbot, window)
    before = positions(window)
    many = [f"Note number {i} about {NOTES[i % len(NOTES)]}" for i in range(300)]
    window.files.paste_notes("\n".join(many))
    qtbot.waitUntil(lambda: window.mapping.busy and window.progress.maximum() > 0, timeout=30_000)
    window.mapping.cancel()
    wait_idle(qtbot, window)
    assert {i: positions(window)[i] for i in before} == before


def test_3d_view_renders_the_map(qtbot, make_window, tmp_path):
    window = make_window()
    import_notes(qtbot, window, tmp_path)
    assert window.view3d.window() is not window  # no OpenGL widget in the window until the 3D tab is opened
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.view3d.isVisible() and bool(window.view3d.note_ids()))
    assert window.view3d.window() is window
    assert len(window.view3d.note_ids()) == len(window.doc.notes)  # the map drawn while the tab was closed
    image = window.view3d.grabFramebuffer()
    pixels = np.array([image.pixelColor(x, y).rgb() for x in range(0, image.width(), 7)
                       for y in range(0, image.height(), 7)])
    assert len(set(pixels.tolist())) > 3  # more than a blank background


def test_bad_import_shows_one_dialog_and_keeps_the_document(qtbot, make_window, tmp_path, answers):
    window = make_window()
    import_notes(qtbot, window, tmp_path)
    count = len(window.doc.notes)
    bad = tmp_path / "photo.txt"
    bad.write_bytes(bytes(range(256)) * 10)
    answers["error"] = [None]
    assert not window.files.import_paths([bad])
    assert len(window.doc.notes) == count and not answers["error"]


def _crash(window):
    """What a killed process leaves: no close event, no save, no autosave cleanup."""
    window.worker.stop()
    window.autosave_timer.stop()
    window.session.stack.set_clean()
    window.hide()


def test_autosave_of_a_saved_project_is_offered_after_a_crash(qtbot, make_window, tmp_path, answers):
    from instructor_map.core import commands as cmds

    window = make_window()
    import_notes(qtbot, window, tmp_path)
    path = tmp_path / "trip.imap"
    window.files.save_as(path)
    note = window.doc.note_ids[0]
    window.session.push(cmds.SetNoteField([note], "text", "Edited after saving"))
    window.canvas.notesMoved.emit({note: (3.0, 4.0)})
    wait_idle(qtbot, window)
    window.files.autosave()
    _crash(window)

    again = make_window()
    answers["ask_recover"] = [True]
    assert again.files.open_path(path)
    assert again.doc.notes[note].text == "Edited after saving" and again.doc.placements[2].pins[note] == (3.0, 4.0)
    assert again.isWindowModified()


def test_an_unsaved_map_is_offered_on_the_next_start(qtbot, make_window, tmp_path, answers):
    window = make_window()
    import_notes(qtbot, window, tmp_path)
    window.files.autosave()
    texts = window.doc.texts()
    _crash(window)

    answers["ask_recover"] = [True]
    again = make_window()
    qtbot.waitUntil(lambda: bool(again.doc.notes), timeout=5000)
    assert again.doc.texts() == texts and again.isWindowModified() and again.files.path is None


def test_dropping_files_on_the_window_imports_them(qtbot, make_window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    window = make_window()
    path = tmp_path / "dropped.md"
    path.write_text("# Beach\n\n- sand\n- waves\n\n# Snow\n\n- skiing\n", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    wait_idle(qtbot, window)
    assert sorted(window.doc.texts()) == ["sand", "skiing", "waves"]
    assert {g.name for g in window.doc.groups.values()} == {"Beach", "Snow"}


def test_a_sample_opens_from_the_first_screen(qtbot, make_window):
    window = make_window()
    window.welcome.sample_buttons["vacation.imap"].click()
    assert window.stack.currentWidget() is window.tabs
    assert len(window.doc.notes) >= 40 and all(window.doc.placements[2].position(i) for i in window.doc.notes)
    window.grab().save("/tmp/imap-window-vacation.png")


def test_cluster_names_show_on_the_map_and_renaming_is_undoable(qtbot, make_window, answers):
    window = make_window()
    window.welcome.sample_buttons["research_notes.imap"].click()
    canvas = window.canvas

    def names() -> dict:
        return canvas.names_shown() if not canvas.labels_pending() else {}

    qtbot.waitUntil(lambda: set(names()) == set(window.doc.clusters.values()))
    cluster = min(names())
    answers["get_text"] = ["Coral reefs"]
    canvas.clusters.renameRequested.emit(cluster)
    qtbot.waitUntil(lambda: names().get(cluster, ("",))[0] == "Coral reefs")
    assert cluster in window.doc.cluster_renamed
    window.session.undo()
    qtbot.waitUntil(lambda: names().get(cluster, ("Coral reefs",))[0] != "Coral reefs")


def test_undo_and_redo_keys_take_back_and_bring_back_an_edit(qtbot, make_window, tmp_path):
    from PySide6.QtCore import Qt

    window = make_window()
    import_notes(qtbot, window, tmp_path)
    note = window.doc.note_ids[0]
    window.canvas.notesMoved.emit({note: (3.0, 4.0)})
    assert window.undo_action.text() == "&Undo Move 1 note" and window.isWindowModified()
    window.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert note not in window.doc.placements[2].pins and window.redo_action.isEnabled()
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.doc.placements[2].pins[note] == (3.0, 4.0) and not window.redo_action.isEnabled()


def test_a_sample_opens_as_an_untitled_copy_and_is_never_written(qtbot, make_window, answers, tmp_path):
    from instructor_map.app import SAMPLES

    sample = SAMPLES / "vacation.imap"
    before = sample.read_bytes()
    window = make_window(model="bundled")
    window.welcome.sample_buttons["vacation.imap"].click()
    wait_idle(qtbot, window)
    assert window.files.path is None and "Untitled" in window.windowTitle()
    window.canvas.notesMoved.emit({window.doc.note_ids[0]: (1.0, 1.0)})
    window.files.autosave()
    answers["save_path"] = [str(tmp_path / "my-trip.imap")]
    assert window.files.save()  # Ctrl+S asks where, as for any new map
    assert sample.read_bytes() == before and not list(SAMPLES.glob(".*autosave*"))
    assert window.files.path == tmp_path / "my-trip.imap"


def test_help_lists_every_shortcut_from_the_menus(make_window, monkeypatch):
    from instructor_map.app import dialogs

    window = make_window()
    shown = []
    monkeypatch.setattr(dialogs, "inform", lambda parent, title, text: shown.append((title, text)))
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    for action in help_menu.actions():
        action.trigger()
    (title, table), (about, text) = shown
    assert title == "Keyboard shortcuts" and "Ctrl+Shift+Z" in table and "Edit › Undo" in table
    assert "Ctrl+0" in table and "F5" in table and "Esc" in table
    assert about == "About Instructor Map" and "not instruction-tuned" in text

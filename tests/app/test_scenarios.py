"""The three scenarios in a real window: argument maps, vacation planning, clustered notes.

Each test drives a feature through its menu action (or the widget the user clicks) and checks what the user
sees: where notes are, what is highlighted or listed, and that undo brings the map back.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QDialogButtonBox

from instructor_map.app import axes_dialog
from instructor_map.core.arrangement import Arrangement
from instructor_map.core.graph import ARGUMENT_KINDS
from instructor_map.paint.marks import POINT_SIZE, SELECTED_SIZE

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
RELAXING = "Represent the travel note for planning a relaxing family trip: "
BUDGET = "Represent the travel note for planning the trip by budget: "


def wait_quiet(qtbot, window, timeout=90_000):
    """No map being built, no question on its way to the worker, no animation running."""
    qtbot.waitUntil(lambda: window.mapping.settled and not window.map_actions.pending
                    and not window.canvas.gliding(), timeout=timeout)


def open_sample(qtbot, make_window, name):
    window = make_window(model="bundled")
    assert window.files.open_path(SAMPLES / f"{name}.imap")
    wait_quiet(qtbot, window)
    return window


def menu_action(window, *path):
    """The action at a menu path, e.g. ("Map", "Argument layout"); menus are filled as when they open."""
    actions = window.menuBar().actions()
    for name in path:
        action = next(a for a in actions if a.text().replace("&", "") == name)
        if action.menu() is not None:
            action.menu().aboutToShow.emit()
            actions = action.menu().actions()
    return action


def trigger(qtbot, window, *path):
    menu_action(window, *path).trigger()
    wait_quiet(qtbot, window)


def places(window):
    view = window.doc.placements[2]
    return {i: view.position(i) for i in window.doc.notes}


def shown(window):
    """Where the 2D canvas draws each note."""
    return window.canvas.places()


def screenshot(qtbot, window, path):
    """The window as the screen shows it (the X server's own pixels, labels and overlays included)."""
    qtbot.waitUntil(lambda: not window.canvas.labels_pending() and not window.canvas.gliding())
    g = window.frameGeometry()
    assert window.screen().grabWindow(0, g.x(), g.y(), g.width(), g.height()).save(path)


# ---- argument maps -------------------------------------------------------------------------------------------
def test_argument_layout_puts_claims_above_their_reasons_and_undo_returns_to_the_meaning_map(qtbot, make_window):
    window = open_sample(qtbot, make_window, "argument_map")
    doc = window.doc
    assert Arrangement.of(doc.placements[2].basis).mode == "argument"  # the sample opens as an argument
    assert menu_action(window, "Map", "Argument layout").isChecked()
    trigger(qtbot, window, "Map", "Semantic layout")
    semantic = places(window)

    trigger(qtbot, window, "Map", "Argument layout")
    arranged = places(window)
    assert arranged != semantic and window.session.stack.undo_label == "Argument layout"
    for link in doc.links.values():
        if link.kind in ARGUMENT_KINDS:
            assert arranged[link.target][1] > arranged[link.source][1], link
    drawn = shown(window)  # what the canvas draws, once the glide ends
    assert np.allclose([drawn[i] for i in arranged], list(arranged.values()))
    assert menu_action(window, "Map", "Argument layout").isChecked()

    note = doc.note_ids[5]
    pin = (arranged[note][0] + 6.0, arranged[note][1] - 6.0)
    window.canvas.notesMoved.emit({note: pin})  # a pin still wins
    assert places(window)[note] == pin

    window.files.paste_notes("Buses would be more crowded, so slower for everyone")
    wait_quiet(qtbot, window)
    new = doc.note_ids[-1]
    assert places(window)[new][1] == min(p[1] for p in places(window).values())  # an unlinked note: bottom row
    assert Arrangement.of(doc.placements[2].basis).mode == "argument"
    window.canvas.set_selection([new])
    screenshot(qtbot, window, "/tmp/scenario-argument.png")

    for _ in range(3):
        window.session.undo()
    assert places(window) == semantic and Arrangement.of(doc.placements[2].basis).mode == "semantic"
    window.session.redo()
    assert places(window) == arranged

    trigger(qtbot, window, "Map", "Semantic layout")
    assert Arrangement.of(doc.placements[2].basis).mode == "semantic" and places(window) != arranged
    window.session.undo()
    assert places(window) == arranged


def test_a_link_is_retyped_and_labelled_from_the_context_menu(qtbot, make_window, answers):
    window = open_sample(qtbot, make_window, "argument_map")
    link = next(ln for ln in window.doc.links.values() if ln.kind == "supports")
    original = (link.kind, link.label)

    def link_menu():
        menu = window.note_actions.menu_for([link.source])
        links = next(a.menu() for a in menu.actions() if a.text() == "Links")
        return next(a.menu() for a in links.actions() if a.menu() and link.kind in a.text())

    assert [a.text() for a in link_menu().actions() if a.isChecked()] == ["supports"]
    next(a for a in link_menu().actions() if a.text() == "opposes").trigger()
    assert link.kind == "opposes" and window.session.stack.undo_label == "Make link opposes"
    assert (link.source, link.target) in window.canvas.drawn_links()["opposes"]  # now a red dashed arrow

    answers["get_text"] = ["only if fares fund it"]
    next(a for a in link_menu().actions() if a.text() == "Label…").trigger()
    assert link.label == "only if fares fund it"
    canvas = window.canvas
    qtbot.waitUntil(lambda: not canvas.labels_pending() and "only if fares fund it" in canvas.link_label_texts())
    window.session.undo()
    window.session.undo()
    assert (link.kind, link.label) == original
    qtbot.waitUntil(lambda: not canvas.labels_pending() and "only if fares fund it" not in canvas.link_label_texts())


# ---- vacation planning ---------------------------------------------------------------------------------------
def test_most_relevant_notes_and_size_by_relevance(qtbot, make_window):
    window = open_sample(qtbot, make_window, "vacation")
    window.side.setCurrentWidget(window.insights_panel)
    wait_quiet(qtbot, window)
    panel = window.insights_panel
    ranked = panel.ids("relevant")
    assert len(ranked) == 15 and len(set(ranked)) == 15
    assert "planning a relaxing family trip" in panel.sections["relevant"].detail.text()
    panel.sections["relevant"].tree.topLevelItem(0).setSelected(True)
    assert window.canvas.selection() == [ranked[0]]  # a row selects its note on the map

    trigger(qtbot, window, "View", "Size by relevance")
    sizes = window.canvas.sizes()
    assert sizes[ranked[0]] > 1.5 * POINT_SIZE  # the selected note, drawn larger still
    rest = {k: v for k, v in sizes.items() if k != ranked[0]}
    assert max(rest.values()) >= 1.7 * POINT_SIZE and min(rest.values()) <= 0.6 * POINT_SIZE
    assert sizes[ranked[1]] > sizes[ranked[-1]] > min(rest.values())
    window.canvas.grab().save("/tmp/scenario-relevance.png")
    trigger(qtbot, window, "View", "Size by relevance")
    assert set(window.canvas.sizes().values()) == {POINT_SIZE, SELECTED_SIZE}  # plain again; the selection larger


def test_find_notes_like_a_text_highlights_ten_and_selects_the_best(qtbot, make_window, answers):
    window = open_sample(qtbot, make_window, "vacation")
    answers["get_text"] = ["flight and airport costs"]
    trigger(qtbot, window, "Edit", "Find notes like…")
    found = window.insights_panel.ids("like")
    assert len(found) == 10 and window.canvas.highlight() == set(found)
    assert window.canvas.selection() == [found[0]] and found[0] in {"v28", "v34", "v40", "v43"}
    assert window.side.currentWidget() is window.insights_panel
    trigger(qtbot, window, "Map", "Cancel embedding, or clear search and overlays")  # Esc
    assert window.canvas.highlight() is None and window.insights_panel.ids("like") == []


def test_compare_with_the_previous_task_draws_arrows_and_ranks_what_moved(qtbot, make_window):
    window = open_sample(qtbot, make_window, "vacation")
    window.instruction_bar.combo.setEditText(BUDGET)
    window.instruction_bar.apply_button.click()
    wait_quiet(qtbot, window)
    assert window.doc.instruction == BUDGET
    pinned = window.doc.note_ids[0]
    window.canvas.notesMoved.emit({pinned: (0.0, 0.0)})

    trigger(qtbot, window, "Map", "Compare with previous task", RELAXING.strip())
    earlier = window.canvas.movement.places
    assert earlier is not None and window.map_actions.comparing == RELAXING
    moved = window.insights_panel.ids("moved")
    now = places(window)
    distance = {i: float(np.hypot(*np.subtract(now[i], earlier[i]))) for i in now}
    assert moved == sorted(distance, key=distance.get, reverse=True)[:15]
    assert pinned not in moved and distance[pinned] == 0.0  # what the user placed stays put in both maps
    assert window.canvas.movement.shown() == len(now) - 1
    assert menu_action(window, "Map", "Compare with previous task", RELAXING.strip()).isChecked()
    screenshot(qtbot, window, "/tmp/scenario-compare.png")

    trigger(qtbot, window, "Map", "Cancel embedding, or clear search and overlays")  # Esc
    assert window.canvas.movement.shown() == 0 and window.insights_panel.ids("moved") == []
    assert window.map_actions.comparing is None


def test_named_axes_place_notes_between_two_words_and_survive_saving(qtbot, make_window, monkeypatch, tmp_path):
    def fill_dialog(parent, arrangement):
        dialog = axes_dialog.AxesDialog(parent, arrangement)
        assert not dialog.poles["x"][0].isEnabled()  # PCA until a named axis is chosen
        dialog.kinds["x"].setCurrentIndex(1)
        dialog.poles["x"][0].setText("relaxing")
        assert not dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()  # one word is not an axis
        dialog.poles["x"][1].setText("adventurous")
        assert dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()
        return dialog.value()

    monkeypatch.setattr(axes_dialog, "ask_axes", fill_dialog)
    window = open_sample(qtbot, make_window, "vacation")
    before = places(window)
    trigger(qtbot, window, "Map", "Axes…")
    x = {i: p[0] for i, p in places(window).items()}
    assert x["v20"] > x["v23"]  # kayaking to a sea cave is more adventurous than the toddler's nap
    assert window.canvas.axis_titles() == ("relaxing ← → adventurous", "")
    assert window.canvas.getPlotItem().getAxis("bottom").isVisible()
    assert not window.canvas.getPlotItem().getAxis("left").isVisible()
    screenshot(qtbot, window, "/tmp/scenario-axes.png")

    window.instruction_bar.combo.setEditText(BUDGET)  # the axes stay, embedded under the new task
    window.instruction_bar.apply_button.click()
    wait_quiet(qtbot, window)
    assert window.canvas.axis_titles() == ("relaxing ← → adventurous", "")
    assert window.files.save_as(tmp_path / "axes.imap")
    again = make_window(model="bundled")
    assert again.files.open_path(tmp_path / "axes.imap")
    assert again.canvas.axis_titles() == ("relaxing ← → adventurous", "")

    window.session.undo()
    window.session.undo()
    assert places(window) == before and window.canvas.axis_titles() == ("", "")
    assert not window.canvas.getPlotItem().getAxis("bottom").isVisible()


# ---- clustered notes -----------------------------------------------------------------------------------------
def test_suggested_links_and_near_duplicates_can_be_accepted_or_dismissed(qtbot, make_window):
    window = open_sample(qtbot, make_window, "research_notes")
    doc = window.doc
    original = next(iter(doc.notes.values()))
    half = " ".join(original.text.split()[:10])
    window.files.paste_notes(original.text.replace(".", " again.", 1) + "\n" + half)  # a near copy, and half of it
    wait_quiet(qtbot, window)
    copy = doc.note_ids[-2]
    window.side.setCurrentWidget(window.suggestions_panel)
    wait_quiet(qtbot, window)
    panel = window.suggestions_panel

    links = panel.links.pairs()
    assert len(links) == 20
    a, b = links[1]
    panel.links.rows[frozenset((a, b))].buttons["Link"].click()
    wait_quiet(qtbot, window)
    assert any({ln.source, ln.target} == {a, b} and ln.kind == "related" for ln in doc.links.values())
    assert (a, b) not in panel.links.pairs()
    c, d = panel.links.pairs()[0]
    panel.links.rows[frozenset((c, d))].buttons["Dismiss"].click()
    window.map_actions.refresh()  # asked again: the dismissed pair stays hidden
    wait_quiet(qtbot, window)
    assert (c, d) not in panel.links.pairs() and len(panel.links.pairs()) >= 18

    assert (original.id, copy) in panel.duplicates.pairs()
    panel.slider.setValue(99)
    wait_quiet(qtbot, window)
    assert panel.duplicates.pairs() == [(original.id, copy)] and panel.threshold_label.text() == "Similarity ≥ 0.99"
    panel.slider.setValue(80)
    wait_quiet(qtbot, window)
    assert len(panel.duplicates.pairs()) >= 3 and (original.id, doc.note_ids[-1]) in panel.duplicates.pairs()
    panel.slider.setValue(95)
    wait_quiet(qtbot, window)
    row = panel.duplicates.rows[frozenset((original.id, copy))]
    row.buttons["Select both"].click()
    assert window.canvas.selection() == [original.id, copy]
    menu_action(window, "View", "Fit all").trigger()
    screenshot(qtbot, window, "/tmp/scenario-suggestions.png")
    row.buttons["Delete second"].click()
    wait_quiet(qtbot, window)
    assert copy not in doc.notes and original.id in doc.notes
    assert (original.id, copy) not in panel.duplicates.pairs()
    window.session.undo()
    assert copy in doc.notes


def test_the_suggestions_panel_says_when_there_are_no_near_duplicates(qtbot):
    from instructor_map.app.suggestions_panel import SuggestionsPanel
    from instructor_map.core.document import MapDocument, Note

    panel = SuggestionsPanel()
    qtbot.addWidget(panel)
    doc = MapDocument()
    doc.insert_note(Note("a", "beach"))
    panel.reset(doc)
    assert panel.more.text() == ""  # nothing asked yet
    panel.show_suggestions(doc, [], [], 0)
    assert "No two notes are this similar" in panel.more.text() and "0.95" in panel.more.text()

"""The user's groups on the 2D map in a real window: named frames; dragging notes into another group's frame or
out of their own; grouping the selection, renaming by a double-click on the name; colouring by group with a
legend. Every change is one undo step."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt

from instructor_map.core.document import Group, MapDocument, Note
from instructor_map.core.project_file import save_project

BEACH = ["Sunset swim at the lagoon", "Snorkelling over the reef", "Lazy afternoon under the palms",
         "Surf lesson at dawn"]
CITY = ["Old town walking tour", "Modern art museum", "Rooftop bar over the harbour", "Night market"]


def open_groups(qtbot, make_window, tmp_path):
    """Two groups of four pinned notes, far apart, and one loose note in between."""
    doc = MapDocument()
    doc.groups = {"g1": Group("g1", "Beach"), "g2": Group("g2", "City")}
    for k, (text, group, x) in enumerate([*((t, "g1", -6.0) for t in BEACH), *((t, "g2", 6.0) for t in CITY)]):
        note_id = f"n{k + 1}"
        doc.notes[note_id] = Note(note_id, text, group=group)
        doc.placements[2].pins[note_id] = (x + (k % 2) * 1.5, (k % 4) * 1.2)
    doc.notes["loose"] = Note("loose", "Passport expires in March")
    doc.placements[2].pins["loose"] = (0.0, -3.0)
    path = tmp_path / "groups.imap"
    save_project(doc, path)
    window = make_window()
    window.resize(1600, 1000)
    assert window.files.open_path(path)
    canvas = window.canvas
    qtbot.waitUntil(lambda: window.mapping.settled and not canvas.gliding() and not canvas.labels_pending(),
                    timeout=60_000)
    return window, canvas


def settle(qtbot, window):
    qtbot.waitUntil(lambda: window.mapping.settled and not window.canvas.gliding()
                    and not window.canvas.labels_pending(), timeout=60_000)


def frame_centre(canvas, group: str) -> QPoint:
    """The viewport pixel in the middle of a group's frame, away from its notes."""
    frame = next(f for f in canvas.map_scene().frames if f.group == group)
    corner = canvas.mapFromScene(canvas.vb.mapToScene(QPointF(frame.box.x, frame.box.y)))
    return corner + QPoint(int(frame.box.w / 2), int(frame.box.h - 8))


def drag(qtbot, canvas, start: QPoint, end: QPoint, steps: int = 8) -> None:
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, start)
    for k in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * (k / steps))
        qtbot.wait(20)  # the scene's move rate limit is a rate in time, with no signal to wait for
    qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, end)


def test_groups_are_named_frames(qtbot, make_window, tmp_path):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    assert {f.group for f in canvas.map_scene().frames} == {"g1", "g2"}
    assert {name for name, *_ in canvas.names_shown("group-name").values()} == {"Beach", "City"}


def test_a_note_dragged_into_another_frame_joins_its_group_and_undo_takes_it_back(qtbot, make_window, tmp_path):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    doc = window.doc
    before = doc.placements[2].position("n1")
    drag(qtbot, canvas, canvas.note_pixel("n1"), frame_centre(canvas, "g2"))
    qtbot.waitUntil(lambda: doc.notes["n1"].group == "g2")
    assert doc.placements[2].position("n1") != before
    assert "City" in window.session.stack.undo_label
    window.session.undo()  # one step: the place and the group together
    assert doc.notes["n1"].group == "g1" and doc.placements[2].position("n1") == before


def test_a_note_dragged_out_of_its_frame_leaves_its_group(qtbot, make_window, tmp_path):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    doc = window.doc
    start = canvas.note_pixel("n5")
    drag(qtbot, canvas, start, canvas.note_pixel("loose") + QPoint(0, 60))
    qtbot.waitUntil(lambda: doc.notes["n5"].group == "")
    window.session.undo()
    assert doc.notes["n5"].group == "g2"
    drag(qtbot, canvas, canvas.note_pixel("n5"), canvas.note_pixel("n5") + QPoint(0, 6))  # a nudge inside
    settle(qtbot, window)
    assert doc.notes["n5"].group == "g2"


def test_grouping_the_selection_draws_a_new_named_frame(qtbot, make_window, tmp_path, answers):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    window.select(["n1", "n2", "loose"])
    answers["get_text"] = ["Must do"]
    window.group_actions.group_selection()
    settle(qtbot, window)
    assert {name for name, *_ in canvas.names_shown("group-name").values()} >= {"Must do"}
    window.session.undo()
    settle(qtbot, window)
    assert "Must do" not in {name for name, *_ in canvas.names_shown("group-name").values()}


def test_double_click_on_a_group_name_renames_it(qtbot, make_window, tmp_path, answers):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    name = next(t for t in canvas.map_scene().names if t.cls == "group-name" and t.owner == "g1")
    box = next(b for t, b in canvas.texts.texts_now() if t is name)
    at = canvas.mapFromScene(canvas.vb.mapToScene(box.center()))
    answers["get_text"] = ["Seaside"]
    viewport = canvas.viewport()
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.NoModifier, at)  # what a real double click sends
    qtbot.mouseDClick(viewport, Qt.LeftButton, Qt.NoModifier, at)
    qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, at)
    qtbot.waitUntil(lambda: window.doc.groups["g1"].name == "Seaside")
    settle(qtbot, window)
    assert "Seaside" in {name for name, *_ in canvas.names_shown("group-name").values()}


def test_colour_by_group_colours_notes_and_shows_a_legend(qtbot, make_window, tmp_path):
    window, canvas = open_groups(qtbot, make_window, tmp_path)
    canvas.set_color_by("group")
    settle(qtbot, window)
    colors = {i: c.name() for i, c in canvas.point_colors().items()}
    assert colors["n1"] == colors["n2"] != colors["n5"] == colors["n6"]
    legend = canvas.map_scene().legend
    assert legend is not None and [e.label for e in legend.entries] == ["Beach", "City"]
    canvas.set_color_by("cluster")
    settle(qtbot, window)
    assert canvas.map_scene().legend is None

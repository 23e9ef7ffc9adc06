"""The 2D canvas under a real X server, with the mouse: clicks and rubber bands select, drags move the selected
notes, shift-drags request links, double clicks and right clicks ask for the note and the context menu, right drags
pan; a selection set by the window emits nothing."""
from __future__ import annotations

import numpy as np
import pytest
from canvas2d_fixtures import (
    make_canvas_fixture,  # noqa: F401  (the fixture "make_canvas")
    make_doc,
)
from PySide6.QtCore import QPoint, Qt

from instructor_map.app.canvas2d import MapCanvas2D


def data_point(canvas: MapCanvas2D, p: QPoint) -> tuple[float, float]:
    q = canvas.vb.mapSceneToView(canvas.mapToScene(p))
    return q.x(), q.y()


def drag(qtbot, canvas, start: QPoint, end: QPoint, modifier=Qt.NoModifier, steps: int = 8) -> None:
    """A real left-button drag on the viewport, with pauses so the scene's move rate limit lets moves through
    (a rate in time, with no signal to wait for)."""
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.LeftButton, modifier, start)
    for k in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * (k / steps))
        qtbot.wait(20)
    qtbot.mouseRelease(viewport, Qt.LeftButton, modifier, end)


def empty_spot(canvas: MapCanvas2D, xs=range(40, 860, 20), ys=range(40, 610, 20), clear: float = 40) -> QPoint:
    """A viewport point at least `clear` pixels from every note, and off their texts."""
    pts = np.array([[p.x(), p.y()] for p in map(canvas.note_pixel, canvas.note_ids())])
    for x in xs:
        for y in ys:
            if np.hypot(*(pts - (x, y)).T).min() > clear and canvas.note_at(QPoint(x, y)) is None:
                return QPoint(x, y)
    raise AssertionError("no empty spot")


def test_drag_one_note_emits_once_near_the_drop(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    moves = []
    canvas.notesMoved.connect(moves.append)
    start = canvas.note_pixel("n7")
    end = start + QPoint(120, 70)
    drag(qtbot, canvas, start, end)
    assert len(moves) == 1 and list(moves[0]) == ["n7"]
    drop = data_point(canvas, end)
    assert np.allclose(moves[0]["n7"], drop, atol=2 * canvas.vb.viewPixelSize()[0])
    assert canvas.selection() == ["n7"] and canvas.gesture() is None
    assert doc.placements[2].pins == {}  # the document is the window's to change


def test_drag_moves_every_selected_note(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    chosen = ["n3", "n11", "n20"]
    canvas.set_selection(chosen)
    before = {i: np.array(doc.placements[2].position(i)) for i in chosen}
    moves = []
    canvas.notesMoved.connect(moves.append)
    start = canvas.note_pixel("n11")
    drag(qtbot, canvas, start, start + QPoint(-90, 60))
    assert len(moves) == 1 and sorted(moves[0]) == sorted(chosen)
    shifts = [np.array(moves[0][i]) - before[i] for i in chosen]
    assert np.allclose(shifts, shifts[0]) and np.linalg.norm(shifts[0]) > 0
    assert np.allclose(canvas.places()["n3"], moves[0]["n3"])  # drawn where it was dropped


def test_a_drag_shows_what_it_does_while_it_lasts(make_canvas, qtbot):
    canvas = make_canvas()
    viewport, seen = canvas.viewport(), []
    for modifier, start, end in ((Qt.NoModifier, canvas.note_pixel("n7"), canvas.note_pixel("n7") + QPoint(60, 40)),
                                 (Qt.ShiftModifier, canvas.note_pixel("n1"), canvas.note_pixel("n16")),
                                 (Qt.NoModifier, empty_spot(canvas), empty_spot(canvas) + QPoint(50, 30))):
        qtbot.mousePress(viewport, Qt.LeftButton, modifier, start)
        for k in range(1, 5):
            qtbot.mouseMove(viewport, start + (end - start) * (k / 4))
            qtbot.wait(20)  # the scene's move rate limit
        seen.append(canvas.gesture())
        qtbot.mouseRelease(viewport, Qt.LeftButton, modifier, end)
        assert canvas.gesture() is None
    assert seen == ["move", "link", "band"]


def test_click_selects_ctrl_toggles_empty_clears(make_canvas, qtbot):
    canvas = make_canvas()
    changes = []
    canvas.selectionChanged.connect(changes.append)
    viewport = canvas.viewport()
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.NoModifier, canvas.note_pixel("n4"))
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ControlModifier, canvas.note_pixel("n9"))
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.ControlModifier, canvas.note_pixel("n4"))
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.NoModifier, empty_spot(canvas))
    assert changes == [["n4"], ["n4", "n9"], ["n9"], []]


def test_rubber_band_selects_the_notes_inside(make_canvas, qtbot):
    canvas = make_canvas()
    changes = []
    canvas.selectionChanged.connect(changes.append)
    corner_a = empty_spot(canvas, range(430, 300, -10), range(40, 4, -4), clear=12)  # above the map's top right
    corner_b = QPoint(880, 330)
    assert canvas.note_at(corner_a) is None
    drag(qtbot, canvas, corner_a, corner_b)
    (x0, y1), (x1, y0) = data_point(canvas, corner_a), data_point(canvas, corner_b)
    inside = [i for i, (x, y) in canvas.places().items() if x0 <= x <= x1 and y0 <= y <= y1]
    assert inside and len(changes) == 1 and sorted(changes[0]) == sorted(inside)
    assert canvas.gesture() is None  # the band is gone


def test_shift_drag_between_notes_requests_a_link(make_canvas, qtbot):
    canvas = make_canvas()
    links, moves = [], []
    canvas.linkRequested.connect(lambda s, t: links.append((s, t)))
    canvas.notesMoved.connect(moves.append)
    drag(qtbot, canvas, canvas.note_pixel("n1"), canvas.note_pixel("n16"), Qt.ShiftModifier)
    assert links == [("n1", "n16")] and moves == []
    assert canvas.gesture() is None  # the line drawn is gone


def test_double_click_and_context_menu(make_canvas, qtbot):
    canvas = make_canvas()
    activated, menus = [], []
    canvas.noteActivated.connect(activated.append)
    canvas.contextMenuRequested.connect(lambda ids, pos: menus.append((ids, pos)))
    viewport, spot = canvas.viewport(), canvas.note_pixel("n5")
    assert canvas.note_at(spot) == "n5" and canvas.note_at(spot + QPoint(4, -4)) == "n5"
    qtbot.mouseClick(viewport, Qt.LeftButton, Qt.NoModifier, spot)  # what a real double click sends
    qtbot.mouseDClick(viewport, Qt.LeftButton, Qt.NoModifier, spot)
    qtbot.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, spot)
    assert activated == ["n5"]
    canvas.set_selection(["n1", "n2"])
    qtbot.mouseClick(viewport, Qt.RightButton, Qt.NoModifier, canvas.note_pixel("n2"))
    qtbot.mouseClick(viewport, Qt.RightButton, Qt.NoModifier, canvas.note_pixel("n8"))
    assert [ids for ids, _ in menus] == [["n1", "n2"], ["n8"]]
    assert canvas.selection() == ["n8"]


def test_set_selection_does_not_emit(make_canvas, qtbot):
    canvas = make_canvas()
    with qtbot.assertNotEmitted(canvas.selectionChanged):
        canvas.set_selection(["n1", "n2", "missing"])
    assert canvas.selection() == ["n1", "n2"]
    texts = {label.note_id: label for label in canvas.shown_labels()}
    assert {"n1", "n2"} <= set(texts)  # the selected notes' texts are shown, one-line labels in bold
    assert {i for i, label in texts.items() if label.bold or label.card} >= {"n1", "n2"}
    assert {i for i, label in texts.items() if label.bold} <= {"n1", "n2"}


def test_right_drag_pans_without_selecting(make_canvas, qtbot):
    canvas = make_canvas()
    changes, moves = [], []
    canvas.selectionChanged.connect(changes.append)
    canvas.notesMoved.connect(moves.append)
    (x0, _), (y0, _) = canvas.vb.viewRange()
    viewport, start = canvas.viewport(), canvas.note_pixel("n5")
    qtbot.mousePress(viewport, Qt.RightButton, Qt.NoModifier, start)
    for k in range(1, 6):
        qtbot.mouseMove(viewport, start + QPoint(20 * k, 0))
        qtbot.wait(20)  # the scene's move rate limit
    qtbot.mouseRelease(viewport, Qt.RightButton, Qt.NoModifier, start + QPoint(100, 0))
    (x1, _), (y1, _) = canvas.vb.viewRange()
    assert x1 < x0 and y1 == pytest.approx(y0) and changes == [] and moves == []

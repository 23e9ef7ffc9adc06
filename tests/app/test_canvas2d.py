"""The 2D canvas under a real X server: drawing, selection, drags, links, labels and animation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer

from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.app.labels2d import LABEL_CAP
from instructor_map.app.sample2d import THIN_ABOVE
from instructor_map.core.document import Link, MapDocument, Note, short_label

SCREENSHOT = "/tmp/canvas2d.png"
TOPICS = [
    ("Beach", ["Sunset swim at the lagoon", "Snorkelling over the reef near the pier",
               "Lazy afternoon with a book under the palms", "Surf lesson for beginners at dawn",
               "Fresh coconut from the beach stall"]),
    ("Mountains", ["Hike to the glacier viewpoint", "Cable car to the summit restaurant",
                   "Overnight stay in the alpine hut", "Skiing the black run before lunch",
                   "Via ferrata with a local guide"]),
    ("City", ["Old town walking tour with street food", "Modern art museum on a rainy day",
              "Rooftop bar with a view over the harbour", "Night market for souvenirs",
              "Jazz concert in the cathedral square"]),
    ("Budget", ["Flights are cheaper on Tuesdays", "Hostel dorms cut the cost in half",
                "Rail pass pays off after four long trips", "Eat where the locals eat",
                "Free museum Sundays"]),
    ("Family", ["Kids want a pool at the hotel", "Grandma cannot climb many stairs",
                "Short transfers keep everyone happy", "Playground near the apartment",
                "A day at the theme park"]),
    ("Worries", ["Passport expires in March", "Travel insurance covers ski accidents?",
                 "The dog needs a sitter for two weeks", "Sunburn last year was awful",
                 "Strikes at the airport in summer"]),
]


def make_doc(n_per_topic: int | None = None, seed: int = 3) -> MapDocument:
    """Six clusters of travel notes around a circle (each a small sunflower spiral), a long note, two titles."""
    rng = np.random.default_rng(seed)
    doc = MapDocument()
    for c, (topic, texts) in enumerate(TOPICS):
        centre = 7 * np.array([math.cos(c * math.pi / 3), math.sin(c * math.pi / 3)])
        for k in range(n_per_topic or len(texts)):
            note_id = f"n{len(doc.notes) + 1}"
            text = texts[k % len(texts)]
            doc.notes[note_id] = Note(note_id, text, title=topic if k == 0 and c % 2 else "")
            around = 1.6 * np.array([math.cos(k * 2.4 + c), math.sin(k * 2.4 + c)]) * math.sqrt((k + 1) / 5)
            doc.placements[2].positions[note_id] = tuple(float(v) for v in centre + around + rng.normal(0, 0.25, 2))
            doc.clusters[note_id] = c
    doc.notes["n2"].text = ("Snorkelling over the reef near the pier, then lunch at the fish shack that "
                            "everyone on the forum recommends; bring cash because they do not take cards.")
    return doc


@pytest.fixture
def make_canvas(qtbot):
    """Builds shown canvases and checks, once the test ends, that none left a timer or animation running."""
    canvases = []

    def make(doc: MapDocument | None = None) -> MapCanvas2D:
        canvas = MapCanvas2D()
        qtbot.addWidget(canvas)
        canvas.resize(900, 650)
        canvas.show()
        qtbot.waitExposed(canvas)
        canvas.set_document(doc if doc is not None else make_doc())
        canvases.append(canvas)
        return canvas

    yield make
    for canvas in canvases:
        canvas.hide()  # qtbot closes it afterwards
        assert not [t for t in canvas.findChildren(QTimer) if t.isActive()], "a timer outlived its test"
        assert not canvas.gliding()


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


def empty_spot(canvas: MapCanvas2D) -> QPoint:
    """A viewport point at least 40 pixels from every note."""
    pts = np.array([[p.x(), p.y()] for p in map(canvas.note_pixel, canvas.note_ids())])
    for x in range(40, 860, 20):
        for y in range(40, 610, 20):
            if np.hypot(*(pts - (x, y)).T).min() > 40:
                return QPoint(x, y)
    raise AssertionError("no empty spot")


def test_refresh_draws_every_placed_note(make_canvas):
    doc = make_doc()
    doc.notes["loose"] = Note("loose", "no place yet")
    canvas = make_canvas(doc)
    assert canvas.note_ids() == [i for i in doc.notes if i != "loose"]
    assert len(canvas.shown_points()[0]) == len(doc.notes) - 1 and not canvas.sampling()
    assert canvas.note_pixel("loose") is None
    shown = canvas.shown_labels()
    assert len(shown) >= 0.8 * (len(doc.notes) - 1)
    assert all(label.text == short_label(doc.notes[label.note_id]) for label in shown)
    boxes = [label.box.adjusted(1, 1, -1, -1) for label in shown]
    assert not any(a.intersects(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    assert all(canvas.vb.rect().contains(label.box) for label in shown)
    image = canvas.grab().toImage()
    for label in shown[:10]:  # the text is on the screen where the label's box is
        box = label.box
        corner = canvas.viewport().mapTo(canvas, canvas.mapFromScene(canvas.vb.mapToScene(box.topLeft())))
        darkest = min(image.pixelColor(corner.x() + x, corner.y() + y).lightness()
                      for x in range(2, int(box.width()) - 2) for y in range(2, int(box.height()) - 2))
        assert darkest < 120


def test_empty_document(make_canvas):
    canvas = make_canvas(MapDocument())
    canvas.fit_all()
    canvas.animate_to_document()
    assert canvas.note_ids() == [] and len(canvas.shown_points()[0]) == 0 and canvas.selection() == []
    assert canvas.shown_labels() == [] and canvas.note_at(QPoint(100, 100)) is None


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
    corner_a, corner_b = QPoint(430, 40), QPoint(880, 330)
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
    assert {label.note_id for label in canvas.shown_labels() if label.bold} == {"n1", "n2"}


def test_highlight_fades_the_others(make_canvas):
    canvas = make_canvas()
    canvas.set_highlight({"n1"})
    assert canvas.highlight() == {"n1"}
    alphas = {i: color.alpha() for i, color in canvas.point_colors().items()}
    assert alphas["n1"] == 255 and max(a for i, a in alphas.items() if i != "n1") < 100
    assert all(label.faded == (label.note_id != "n1") for label in canvas.shown_labels())
    canvas.set_highlight(None)
    assert canvas.highlight() is None and all(c.alpha() == 255 for c in canvas.point_colors().values())


def test_level_of_detail_caps_labels(make_canvas, qtbot):
    canvas = make_canvas(make_doc(n_per_topic=500))
    assert len(canvas.note_ids()) == 3000
    shown = canvas.shown_labels()
    assert 0 < len(shown) <= LABEL_CAP
    canvas.vb.setRange(xRange=(5.5, 8.5), yRange=(-1, 1), padding=0)  # zoom in: only notes in view get labels
    qtbot.waitUntil(lambda: not canvas.labels_pending())
    (x0, x1), (y0, y1) = canvas.vb.viewRange()
    shown, places = canvas.shown_labels(), canvas.places()
    assert 0 < len(shown) <= LABEL_CAP
    assert all(x0 <= places[label.note_id][0] <= x1 and y0 <= places[label.note_id][1] <= y1 for label in shown)


def test_a_big_map_draws_a_sample_while_the_view_moves_and_every_note_once_still(make_canvas, qtbot):
    canvas = make_canvas(make_doc(n_per_topic=THIN_ABOVE // 6 + 500))
    ids = canvas.note_ids()
    canvas.set_selection([ids[-1]])
    assert not canvas.sampling() and len(canvas.shown_points()[0]) == len(ids) > THIN_ABOVE
    canvas.vb.translateBy(x=1.0)
    assert canvas.sampling()
    xy, sizes = canvas.shown_points()
    assert THIN_ABOVE <= len(xy) <= THIN_ABOVE + 1
    picked = sizes > sizes.min()  # the selected note is in the sample, drawn selected
    assert picked.sum() == 1 and tuple(xy[picked][0]) == canvas.places()[ids[-1]]
    qtbot.waitUntil(lambda: not canvas.sampling(), timeout=2000)
    assert len(canvas.shown_points()[0]) == len(ids)


def test_animation_ends_at_the_document_places(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    view = doc.placements[2]

    def drawn_at_document_places():
        ids = canvas.note_ids()
        return np.allclose(list(canvas.places().values()), view.array(ids))

    view.positions = {i: (-p[1], p[0]) for i, p in view.positions.items()}  # a new layout
    canvas.animate_to_document(200)
    start = canvas.places()
    qtbot.waitUntil(lambda: canvas.places() != start)  # under way
    assert canvas.gliding()
    canvas.animate_to_document(150)  # again, mid-way: glides on from where the points are
    qtbot.waitUntil(lambda: not canvas.gliding(), timeout=2000)
    assert drawn_at_document_places()
    view.positions = {i: (p[0] + 1, p[1]) for i, p in view.positions.items()}
    canvas.animate_to_document(300)
    start = canvas.places()
    qtbot.waitUntil(lambda: canvas.places() != start)
    canvas.refresh()  # jumps cleanly
    assert not canvas.gliding() and drawn_at_document_places()
    assert np.allclose(canvas.shown_points()[0], list(canvas.places().values()))  # the points are where the notes are
    canvas.fit_all()
    colours = canvas.point_colors()
    image = canvas.grab().toImage()
    for note_id in canvas.note_ids()[:5]:  # and the screen shows a point there, in the note's colour
        centre = canvas.viewport().mapTo(canvas, canvas.note_pixel(note_id))
        assert image.pixelColor(centre).name() == colours[note_id].name(), note_id


def test_new_clusters_and_a_selection_restyle_the_drawn_points(make_canvas, qtbot):
    from instructor_map.paint.palette import CLUSTER_COLORS

    doc = make_doc()
    canvas = make_canvas(doc)
    doc.clusters = {i: (c + 1) % len(TOPICS) for i, c in doc.clusters.items()}  # clusters found anew
    canvas.recolor()
    canvas.set_selection(["n3"])
    assert canvas.note_ids() == list(doc.notes)  # the same points, restyled
    colours = canvas.point_colors()
    image = canvas.grab().toImage()
    for note_id in ("n1", "n9", "n20", "n3"):
        want = CLUSTER_COLORS[doc.clusters[note_id] % len(CLUSTER_COLORS)].lower()
        assert colours[note_id].name() == want
        centre = canvas.viewport().mapTo(canvas, canvas.note_pixel(note_id))
        assert image.pixelColor(centre).name() == want, note_id  # and the screen shows it
    sizes = canvas.sizes()
    assert sizes["n3"] > sizes["n1"] == sizes["n9"]  # the selected note is drawn larger


def test_labels_keep_clear_of_cluster_names(make_canvas):
    canvas = make_canvas(make_doc(n_per_topic=14))
    names = []
    for x, y, w, h in canvas.clusters.boxes():
        centre = canvas.vb.mapFromView(QPointF(x, y))  # pixels of the view box, like the label boxes
        names.append(QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h))
    assert len(names) == len(TOPICS) == len(canvas.clusters.names_shown())
    shown = canvas.shown_labels()
    assert len(shown) > 30
    assert not any(label.box.adjusted(1, 1, -1, -1).intersects(name) for label in shown for name in names)


def test_cluster_regions_glide_with_their_notes_and_wait_for_a_finished_map(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    view, overlay = doc.placements[2], canvas.clusters

    def centre(cluster):
        return np.mean([p for i, p in canvas.places().items() if doc.clusters[i] == cluster], axis=0)

    def name_at(cluster):
        _, x, y = overlay.names_shown()[cluster]
        return np.array([x, y])

    assert np.allclose(name_at(2), centre(2))
    assert overlay.names_shown()[2][0] == "Cluster 3"
    view.positions = {i: (p[0] + 5, p[1] - 3) for i, p in view.positions.items()}  # a new task's map
    canvas.animate_to_document(300, places_only=True)
    qtbot.waitUntil(lambda: 0.5 < overlay.regions_shown()[2][0] < 4.5)  # part of the way
    assert canvas.gliding()
    assert np.allclose(name_at(2), centre(2))  # mid-glide, the name is at its notes' centre
    shift_x, shift_y = overlay.regions_shown()[2]
    assert 0 < shift_x < 5 and -3 < shift_y < 0  # the region moves along, part of the way so far
    qtbot.waitUntil(lambda: not canvas.gliding(), timeout=2000)
    assert np.allclose(name_at(2), centre(2)) and overlay.regions_shown()[2] == (0.0, 0.0)  # reshaped where it ended
    canvas.refresh(partial=True)  # a map still being embedded: no regions yet
    assert overlay.regions_shown() == {} and overlay.names_shown() == {}
    canvas.refresh()
    assert sorted(overlay.regions_shown()) == sorted(overlay.names_shown()) == list(range(len(TOPICS)))


def test_screenshot(make_canvas, qtbot):
    doc = make_doc()
    links = [("n1", "n2", "supports"), ("n6", "n7", "supports"), ("n16", "n18", "supports"),
             ("n19", "n27", "opposes"), ("n11", "n22", "opposes"), ("n4", "n13", "related"),
             ("n8", "n10", "related"), ("n24", "n26", "related")]
    for k, (s, t, kind) in enumerate(links):
        doc.links[f"l{k}"] = Link(f"l{k}", s, t, kind)
    doc.placements[2].pins = {"n3": (4.5, -1.2), "n14": doc.placements[2].positions["n14"]}
    canvas = make_canvas(doc)
    canvas.set_selection(["n12"])
    assert canvas.grab().save(SCREENSHOT)
    assert sorted(canvas.pinned()) == ["n14", "n3"]
    drawn = canvas.drawn_links()
    assert sorted((s, t, kind) for kind, pairs in drawn.items() for s, t in pairs) == sorted(links)


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


def test_tooltip_wraps_and_escapes_the_full_text(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    doc.notes["n1"].text = "Fish & chips <b>not</b> " + "very long words " * 10
    tip = canvas.tooltip("n1")
    assert "&amp;" in tip and "<b>not</b>" not in tip and tip.count("<br>") >= 2
    assert canvas.tooltip("n6").startswith("<qt><b>Mountains</b><br>Hike") and canvas.tooltip("missing") == ""
    qtbot.mouseMove(canvas.viewport(), canvas.note_pixel("n6"))  # hovering shows it
    qtbot.waitUntil(lambda: "Mountains" in canvas.vb.toolTip())


def test_export_image(make_canvas, tmp_path):
    canvas = make_canvas()
    canvas.export_image(tmp_path / "map.png")
    canvas.export_image(tmp_path / "map.svg")
    assert (tmp_path / "map.png").stat().st_size > 1000
    assert "<svg" in (tmp_path / "map.svg").read_text()

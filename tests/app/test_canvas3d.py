"""The 3D map in a real window: it draws, names its clusters, picks points by projection, and selects by click."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QVector3D
from PySide6.QtWidgets import QMainWindow

from instructor_map.app.canvas3d import LABEL_ALL, LABEL_CHARS, LABEL_NEAREST, MapView3D
from instructor_map.app.pg_shim import key_timer
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.palette import BACKGROUND, SELECTED, cluster_color
from instructor_map.core.project_file import load_project
from instructor_map.paint.regions import name_color

SCREENSHOT = "/tmp/canvas3d.png"
VACATION = Path(__file__).parents[2] / "assets" / "samples" / "vacation.imap"
CENTRES = np.array([[-3.0, -1.5, 0.0], [3.0, -1.0, 1.5], [0.0, 3.0, -1.0]])
TOPICS = [
    ["Beach day in Lisbon", "Surf lesson at dawn", "Sunset over the bay", "Snorkelling the reef",
     "Fresh grilled sardines", "Sand between the toes", "A hammock in the shade", "Tide pools at low water"],
    ["Ski pass for the week", "Powder run before lunch", "Hot chocolate at the hut", "Chairlift queue",
     "Avalanche report", "Ski school for the kids", "Fondue in the chalet", "Snowshoe trail at night"],
    ["Museum pass", "Old town walking tour", "Cathedral rooftop", "Street food market", "Jazz bar downstairs",
     "Bookshop in a church", "Tram 28 across the hills", "Gallery of modern art", "Castle on the hill"],
]


def make_doc() -> MapDocument:
    """25 notes in three clusters of 3D places, with a few links."""
    rng = np.random.default_rng(7)
    doc = MapDocument()
    for cluster, (centre, titles) in enumerate(zip(CENTRES, TOPICS)):
        for k, title in enumerate(titles):
            note_id = f"c{cluster}n{k}"
            doc.insert_note(Note(note_id, text=f"{title}. Notes about {title.lower()}.", title=title if k % 2 else ""))
            doc.placements[3].positions[note_id] = tuple(float(v) for v in centre + rng.normal(0, 0.6, 3))
            doc.clusters[note_id] = cluster
    doc.add_link(Link("l1", "c0n0", "c0n1", "supports"))
    doc.add_link(Link("l2", "c0n2", "c1n3", "opposes"))
    doc.add_link(Link("l3", "c1n0", "c2n0", "related"))
    return doc


@pytest.fixture
def make_view(qtbot, capfd):
    """Shown MapView3Ds at 800x600; each is closed and deleted when the test ends, and none failed to draw."""
    views = []

    def make(doc: MapDocument | None) -> MapView3D:
        view = MapView3D()
        qtbot.addWidget(view)
        view.resize(800, 600)
        view.set_document(doc)
        view.show()
        qtbot.waitExposed(view)
        views.append(view)
        return view

    yield make
    for view in views:
        assert not key_timer(view).isActive()
        view.close()
    assert "Error while drawing" not in capfd.readouterr().err  # pyqtgraph reports paint errors, never raises


def pixel_of(view: MapView3D, note_id: str) -> QPoint:
    return view.note_pixel(note_id).toPoint()


def labelled(view: MapView3D) -> set[str]:
    """The texts of the labels placed beside points."""
    return {label.text for label in view.shown_labels()}


def frame(view: MapView3D) -> np.ndarray:
    """The rendered framebuffer as an (H, W, 3) uint8 array."""
    img = view.grabFramebuffer().convertToFormat(view.grabFramebuffer().Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def rgb(color: str) -> np.ndarray:
    c = QColor(color)
    return np.array([c.red(), c.green(), c.blue()])


def near(pixels: np.ndarray, color: str, tol: int = 12) -> np.ndarray:
    return (np.abs(pixels.astype(int) - rgb(color)) <= tol).all(axis=-1)


def test_renders_points_labels_and_screenshot(make_view):
    view = make_view(make_doc())
    view.set_selection(["c2n3"])
    view.grabFramebuffer().save(SCREENSHOT)
    img = frame(view)
    assert (~near(img, BACKGROUND, tol=3)).sum() > 2000  # points, labels, links and grid were drawn
    for cluster in range(3):
        assert near(img, cluster_color(cluster)).sum() > 100
    dark = (img.max(axis=-1) < 90).sum()
    assert dark > 500  # label text
    # the framebuffer shows a note's colour where project() says the note is
    dpr = view.devicePixelRatioF()
    p = pixel_of(view, "c1n4")
    assert near(img[round(p.y() * dpr), round(p.x() * dpr)], cluster_color(1), tol=20)


def test_all_points_in_view_after_fit(make_view):
    view = make_view(make_doc())
    xy = view.project(np.array(list(view.places().values())))
    assert np.isfinite(xy).all()
    assert (xy[:, 0] > 0).all() and (xy[:, 0] < view.width()).all()
    assert (xy[:, 1] > 0).all() and (xy[:, 1] < view.height()).all()


def test_fit_made_while_hidden_is_redone_at_the_shown_size(qtbot):
    view = MapView3D()
    qtbot.addWidget(view)
    view.set_document(make_doc())  # hidden, at Qt's guessed size
    view.resize(1000, 250)
    view.show()
    qtbot.waitExposed(view)
    xy = view.project(np.array(list(view.places().values())))
    assert (xy[:, 1] > 0).all() and (xy[:, 1] < view.height()).all()


def test_pick_finds_projected_note(make_view):
    view = make_view(make_doc())
    for note_id in ("c0n3", "c1n0", "c2n8"):
        p = pixel_of(view, note_id)
        assert view.pick(p.x(), p.y()) == note_id
        assert view.pick(p.x() + 3, p.y() - 3) == note_id
    assert view.pick(2, 2) is None


def test_click_selects_ctrl_click_adds_empty_click_clears(make_view, qtbot):
    view = make_view(make_doc())
    a, b = pixel_of(view, "c0n3"), pixel_of(view, "c2n5")
    with qtbot.waitSignal(view.selectionChanged) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=a)
    assert sig.args == [["c0n3"]]
    with qtbot.waitSignal(view.selectionChanged) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, pos=b)
    assert sig.args == [["c0n3", "c2n5"]]
    with qtbot.waitSignal(view.selectionChanged) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, pos=a)
    assert sig.args == [["c2n5"]]
    with qtbot.waitSignal(view.selectionChanged) as sig:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert sig.args == [[]]
    assert view.selection() == []


def test_drag_rotates_without_selecting(make_view, qtbot):
    view = make_view(make_doc())
    start = pixel_of(view, "c0n3")
    azimuth = view.cameraParams()["azimuth"]
    with qtbot.assertNotEmitted(view.selectionChanged):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(view, start + QPoint(40, 10))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 10))
    assert view.cameraParams()["azimuth"] != azimuth
    assert view.selection() == []


def test_double_click_activates(make_view, qtbot):
    view = make_view(make_doc())
    with qtbot.waitSignal(view.noteActivated) as sig:
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=pixel_of(view, "c1n2"))
    assert sig.args == ["c1n2"]


def test_set_selection_is_silent_and_drawn(make_view, qtbot):
    view = make_view(make_doc())
    with qtbot.assertNotEmitted(view.selectionChanged, wait=50):
        view.set_selection(["c2n1", "missing"])
    assert view.selection() == ["c2n1"]
    p = pixel_of(view, "c2n1")
    img = frame(view)
    dpr = view.devicePixelRatioF()
    assert near(img[round(p.y() * dpr), round(p.x() * dpr)], SELECTED, tol=20)


def test_refresh_moves_a_point(make_view):
    doc = make_doc()
    view = make_view(doc)
    before = pixel_of(view, "c0n0")
    doc.placements[3].positions["c0n0"] = (0.0, -1.0, -2.5)  # an empty spot below the clusters
    view.refresh()
    after = pixel_of(view, "c0n0")
    assert (after - before).manhattanLength() > 50
    assert view.pick(after.x(), after.y()) == "c0n0"
    img = frame(view)
    dpr = view.devicePixelRatioF()
    assert near(img[round(after.y() * dpr), round(after.x() * dpr)], cluster_color(0), tol=20)


def test_highlight_fades_the_rest(make_view):
    view = make_view(make_doc())
    p = pixel_of(view, "c1n4")
    dpr = view.devicePixelRatioF()
    view.set_highlight({"c0n0"})
    assert view.highlight() == {"c0n0"}
    faded = frame(view)[round(p.y() * dpr), round(p.x() * dpr)]
    assert not near(faded, cluster_color(1), tol=20)
    view.set_highlight(None)
    assert view.highlight() is None
    assert near(frame(view)[round(p.y() * dpr), round(p.x() * dpr)], cluster_color(1), tol=20)


def test_overlapping_labels_are_culled(make_view):
    doc = MapDocument()
    for note_id, place in [("a", (0.0, 0.0, 0.0)), ("b", (0.0, 0.0, 0.0)), ("c", (4.0, 0.0, 0.0))]:
        doc.insert_note(Note(note_id, f"note {note_id}"))
        doc.placements[3].positions[note_id] = place
    view = make_view(doc)
    view.set_selection(["b"])
    view.grabFramebuffer()
    culled = {label.note_id for label in view.shown_labels() if label.culled}
    assert culled == {"a"} and labelled(view) == {"note a", "note b", "note c"}


def test_unplaced_notes_are_not_drawn(make_view):
    doc = make_doc()
    doc.insert_note(Note("loose", "No place yet"))
    view = make_view(doc)
    assert "loose" not in view.note_ids() and len(view.note_ids()) == 25
    assert view.note_pixel("loose") is None and set(view.places()) == set(view.note_ids())


@pytest.mark.parametrize("doc", [None, MapDocument()], ids=["none", "empty"])
def test_empty_document_renders(make_view, doc):
    view = make_view(doc)
    view.fit_all()
    view.refresh()
    assert view.pick(400, 300) is None
    img = frame(view)
    assert near(img, BACKGROUND, tol=3).all()


def test_labels_level_of_detail(make_view):
    rng = np.random.default_rng(1)
    doc = MapDocument()
    for k in range(LABEL_ALL + 50):
        doc.insert_note(Note(f"n{k}", f"note {k}"))
        doc.placements[3].positions[f"n{k}"] = tuple(rng.normal(0, 3, 3))
    view = make_view(doc)
    far = max(doc.notes, key=lambda i: np.linalg.norm(doc.placements[3].position(i)))
    view.set_selection([far])
    assert len(view.shown_labels()) == LABEL_NEAREST + 1
    assert far in {label.note_id for label in view.shown_labels()}


def test_nearest_labels_follow_the_camera_centre(make_view):
    rng = np.random.default_rng(2)
    doc = MapDocument()
    for k in range(LABEL_ALL + 50):
        doc.insert_note(Note(f"n{k}", f"note {k}"))
        doc.placements[3].positions[f"n{k}"] = tuple(rng.normal(0, 3, 3))
    view = make_view(doc)
    far = max(doc.notes, key=lambda i: np.linalg.norm(doc.placements[3].position(i)))
    assert far not in {label.note_id for label in view.shown_labels()}
    view.setCameraPosition(pos=QVector3D(*doc.placements[3].position(far)))
    assert far in {label.note_id for label in view.shown_labels()}


def test_moving_into_another_window_keeps_drawing(make_view, qtbot):
    view = make_view(make_doc())
    window = QMainWindow()
    window.setCentralWidget(view)  # a new top-level window gives the view a new GL context
    window.resize(800, 600)
    window.show()
    qtbot.waitExposed(window)
    view.fit_all()
    p = pixel_of(view, "c1n4")
    dpr = view.devicePixelRatioF()
    assert near(frame(view)[round(p.y() * dpr), round(p.x() * dpr)], cluster_color(1), tol=20)
    view.setParent(None)  # hand the view back to the fixture, which closes it
    window.close()
    window.deleteLater()


def test_labels_show_the_title_else_the_start_of_the_text(make_view):
    doc = MapDocument()
    doc.insert_note(Note("a", "body", title="Title"))
    doc.insert_note(Note("b", "A rather long note text\nthat goes on and on for a while"))
    doc.placements[3].positions = {"a": (0.0, 0.0, 0.0), "b": (3.0, 1.0, 0.0)}
    view = make_view(doc)
    texts = {label.note_id: label.text for label in view.shown_labels()}
    assert texts["a"] == "Title"
    assert len(texts["b"]) == LABEL_CHARS and texts["b"].endswith("…") and "\n" not in texts["b"]


def name_pixels(view: MapView3D, doc: MapDocument, cluster: int) -> int:
    """How many pixels around the centre of the cluster's drawn notes have its name colour."""
    rows = [k for k, i in enumerate(view.note_ids()) if doc.clusters.get(i) == cluster]
    centre = np.array(list(view.places().values()))[rows].mean(axis=0)
    x, y = view.project(centre)[0]
    dpr = view.devicePixelRatioF()
    box = frame(view)[round((y - 8) * dpr):round((y + 8) * dpr), round((x - 40) * dpr):round((x + 40) * dpr)]
    return int(near(box, name_color(cluster).name(), tol=25).sum())


def test_vacation_clusters_are_named_at_their_centres(make_view):
    doc = load_project(VACATION)
    view = make_view(doc)
    named = {c: doc.cluster_name(c) for c in set(doc.clusters.values()) if c >= 0}
    assert len(named) >= 2 and view.cluster_names_shown() == named
    for cluster in named:
        assert name_pixels(view, doc, cluster) > 40  # bold text in the cluster's name colour


def test_names_follow_a_rename_and_leave_with_the_clusters(make_view):
    doc = load_project(VACATION)
    view = make_view(doc)
    doc.cluster_labels[0] = "Seaside days"
    view.refresh()
    assert view.cluster_names_shown()[0] == "Seaside days"
    doc.clusters.clear()
    view.refresh()
    assert view.cluster_names_shown() == {}
    assert not near(frame(view), name_color(0).name(), tol=6).any()


def test_show_clusters_off_hides_names(make_view):
    doc = load_project(VACATION)
    view = make_view(doc)
    view.set_cluster_names_visible(False)
    assert view.cluster_names_shown() == {} and name_pixels(view, doc, 0) == 0
    view.set_cluster_names_visible(True)
    assert 0 in view.cluster_names_shown() and name_pixels(view, doc, 0) > 40


def test_overlapping_names_keep_the_larger_cluster(make_view):
    doc = MapDocument()
    places = {"a1": (0.0, 0.0, 0.0), "a2": (0.2, 0.0, 0.0), "b1": (0.1, 0.0, 0.05), "c1": (5.0, 0.0, 0.0)}
    for note_id, place in places.items():
        doc.insert_note(Note(note_id, f"note {note_id}"))
        doc.placements[3].positions[note_id] = place
        doc.clusters[note_id] = "abc".index(note_id[0])
    view = make_view(doc)
    assert view.cluster_names_shown() == {0: "Cluster 1", 2: "Cluster 3"}  # cluster 1 would cover cluster 0

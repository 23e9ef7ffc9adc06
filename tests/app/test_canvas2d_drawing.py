"""The 2D canvas under a real X server, drawing: every placed note and its label, highlight, level of detail and
the sample drawn while the view moves, animation to new places, cluster colours, names and regions, links and pins
in a screenshot, tooltips and image export."""
from __future__ import annotations

import numpy as np
from canvas2d_fixtures import (
    TOPICS,
    make_canvas_fixture,  # noqa: F401  (the fixture "make_canvas")
    make_doc,
)
from PySide6.QtCore import QPoint, QRectF

from instructor_map.app.sample2d import THIN_ABOVE
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.scene.notes import CARD_PAD, CARD_WIDTH, LABEL_CAP
from instructor_map.core.scene.text import ELLIPSIS, clean

SCREENSHOT = "/tmp/canvas2d.png"


def says(note: Note, shown: str) -> bool:
    """`shown` is the start of what the note says: a card's title and text, or a label's title or text."""
    title, text = clean(note.title), clean(note.text)
    return any(whole.startswith(shown.removesuffix(ELLIPSIS)) for whole in (f"{title} {text}", title, text) if whole)


def test_refresh_draws_every_placed_note(make_canvas):
    doc = make_doc()
    doc.notes["loose"] = Note("loose", "no place yet")
    canvas = make_canvas(doc)
    assert canvas.note_ids() == [i for i in doc.notes if i != "loose"]
    assert len(canvas.shown_points()[0]) == len(doc.notes) - 1 and not canvas.sampling()
    assert canvas.note_pixel("loose") is None
    shown = canvas.shown_labels()
    assert len(shown) >= 0.8 * (len(doc.notes) - 1)
    assert all(says(doc.notes[label.note_id], label.text) for label in shown)
    assert any(label.card for label in shown)  # a small map at this size: cards where there is room
    assert all(label.box.width() <= CARD_WIDTH + 2 * CARD_PAD for label in shown)  # long notes are cut
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
    from instructor_map.core.palette import CLUSTER_COLORS

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
    names = [QRectF(t.box.x, t.box.y, t.box.w, t.box.h) for t in canvas.map_scene().names if t.cls == "cluster-name"]
    assert len(names) == len(TOPICS) == len(canvas.names_shown())
    shown = canvas.shown_labels()
    assert len(shown) > 30
    assert not any(label.box.adjusted(1, 1, -1, -1).intersects(name) for label in shown for name in names)
    assert all(canvas.vb.rect().contains(name) for name in names)


def test_cluster_regions_glide_with_their_notes_and_wait_for_a_finished_map(make_canvas, qtbot):
    doc = make_doc()
    canvas = make_canvas(doc)
    view, overlay = doc.placements[2], canvas.clusters

    def name_off_centre(cluster) -> np.ndarray:
        """Pixels from the middle of the cluster's name to its notes' centre (a name may move up or down a few
        lines off its notes)."""
        _, x, y = canvas.names_shown()[cluster]
        centre = np.mean([p for i, p in canvas.places().items() if doc.clusters[i] == cluster], axis=0)
        return np.abs(canvas.view().to_pixels([x, y]) - canvas.view().to_pixels(centre))[0]

    def at_centre(cluster) -> bool:
        dx, dy = name_off_centre(cluster)
        return dx < 1 and dy < 80

    assert at_centre(2) and canvas.names_shown()[2][0] == "Cluster 3"
    view.positions = {i: (p[0] + 5, p[1] - 3) for i, p in view.positions.items()}  # a new task's map
    canvas.animate_to_document(300, places_only=True)
    qtbot.waitUntil(lambda: 0.5 < overlay.regions_shown()[2][0] < 4.5)  # part of the way
    assert canvas.gliding()
    assert 2 in canvas.names_shown()  # mid-glide, the name stays on the map
    shift_x, shift_y = overlay.regions_shown()[2]
    assert 0 < shift_x < 5 and -3 < shift_y < 0  # the region moves along, part of the way so far
    qtbot.waitUntil(lambda: not canvas.gliding() and not canvas.labels_pending(), timeout=2000)
    assert at_centre(2) and overlay.regions_shown()[2] == (0.0, 0.0)  # reshaped and named where it ended
    canvas.refresh(partial=True)  # a map still being embedded: no regions yet
    assert overlay.regions_shown() == {}
    canvas.refresh()
    assert sorted(overlay.regions_shown()) == sorted(canvas.names_shown()) == list(range(len(TOPICS)))


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

"""The 2D map as structured SVG, measured with Qt's fonts: every note a group holding its point and its text,
every text a classed <text> with its box, every link a group naming its ends and kind; no text over another or
off the picture; and the canvas's "Export image" writes exactly the texts the canvas shows."""
from __future__ import annotations

import dataclasses
import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.core.document import LINK_KINDS, MapDocument
from instructor_map.core.project_file import load_project
from instructor_map.core.scene.model import Box
from instructor_map.paint.render import map_scene, render_map

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
SVG = "{http://www.w3.org/2000/svg}"
TEXT_CLASSES = {"note-text", "cluster-name", "group-name", "link-label", "legend"}


def sample(name: str) -> MapDocument:
    doc = load_project(SAMPLES / f"{name}.imap")
    if name == "argument_map":  # a labelled link, so that the file has every kind of text
        link = next(iter(doc.links.values()))
        doc.links[link.id] = dataclasses.replace(link, label="only if fares fund it")
    return doc


def box_of(element: ET.Element) -> Box:
    x, y, w, h = map(float, element.get("data-box").split())
    return Box(x, y, w, h)


def text_boxes(root: ET.Element) -> list[tuple[str, Box]]:
    return [(t.get("class").split()[0], box_of(t)) for t in root.iter(f"{SVG}text")]


def assert_structured(root: ET.Element, doc: MapDocument, width: int, height: int) -> None:
    assert root.get("viewBox") == f"0 0 {width} {height}"
    notes = root.findall(f".//{SVG}g[@class='note']")
    assert sorted(g.get("data-id") for g in notes) == sorted(doc.notes)  # every placed note, once
    for group in notes:
        assert len(group.findall(f"{SVG}circle")) == 1
        assert [t.get("class").split()[0] for t in group.iter(f"{SVG}text")] in ([], ["note-text"])
        assert box_of(group)  # the note's extent, point and text
    in_notes = {id(t) for g in notes for t in g.iter(f"{SVG}text")}
    texts = list(root.iter(f"{SVG}text"))
    assert [t for t in texts if t.get("class").split()[0] == "note-text" and id(t) not in in_notes] == []
    assert all(t.get("data-box") and t.get("class").split()[0] in TEXT_CLASSES for t in texts)
    boxes = [box for _, box in text_boxes(root)]
    for a, b in itertools.combinations(boxes, 2):
        assert not Box(a.x + 0.1, a.y + 0.1, a.w - 0.2, a.h - 0.2).overlaps(b), (a, b)  # rounded to 0.1 pixel
    assert [b for b in boxes if not Box(b.x + 0.1, b.y + 0.1, b.w - 0.2, b.h - 0.2).inside(width, height)] == []
    links = root.findall(f".//{SVG}g[@class='link']")
    assert sorted((g.get("data-source"), g.get("data-target"), g.get("data-kind")) for g in links) == \
        sorted((ln.source, ln.target, ln.kind) for ln in doc.links.values())
    assert all(g.get("data-kind") in LINK_KINDS and g.find(f"{SVG}line") is not None for g in links)


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)], ids=["1600x1000", "1024x700"])
@pytest.mark.parametrize("name, color_by", [("vacation", "group"), ("argument_map", "cluster")])
def test_svg_export_is_structured(qapp, tmp_path, name, color_by, size):
    doc = sample(name)
    scene = map_scene(doc, size, color_by=color_by)
    render_map(doc, tmp_path / "map.svg", scene=scene)
    root = ET.parse(tmp_path / "map.svg").getroot()
    assert_structured(root, doc, *size)
    assert len(root.findall(f".//{SVG}text[@data-box]")) == len(scene.texts())
    kinds = {"vacation": {"note-text", "cluster-name", "group-name", "legend"},
             "argument_map": {"note-text", "link-label", "legend"}}[name]  # rows of an argument: no clusters
    assert {cls for cls, _ in text_boxes(root)} == kinds
    assert len([t for t in root.iter(f"{SVG}text") if "card" in t.get("class").split()]) == \
        sum(t.card for t in scene.note_texts)
    if name == "argument_map":
        said = [" ".join(s.text for s in t.iter(f"{SVG}tspan")) for t in root.iter(f"{SVG}text")
                if t.get("class") == "link-label"]
        assert said == ["only if fares fund it"]


def same_boxes(exported: list[tuple[str, Box]], drawn: list[tuple[str, Box]]) -> bool:
    """The same classes of text in the same boxes, to the 0.1 pixel the file rounds to."""
    left = sorted(exported, key=lambda e: (e[0], *e[1]))
    right = sorted(drawn, key=lambda e: (e[0], *e[1]))
    return len(left) == len(right) and all(a == b and all(abs(u - v) <= 0.06 for u, v in zip(p, q))
                                           for (a, p), (b, q) in zip(left, right))


def scene_boxes(scene) -> list[tuple[str, Box]]:
    classes = {"note": "note-text", "part-name": "cluster-name"}
    return [(classes.get(t.cls, t.cls), t.box) for t in scene.texts()]


def test_the_export_of_a_document_is_the_map_fitted_at_its_size(qapp, tmp_path):
    doc = sample("vacation")
    render_map(doc, tmp_path / "map.svg", size=(1024, 700))
    root = ET.parse(tmp_path / "map.svg").getroot()
    assert_structured(root, doc, 1024, 700)
    assert same_boxes(text_boxes(root), scene_boxes(map_scene(doc, (1024, 700))))


@pytest.mark.parametrize("size", [(1600, 1000), (1024, 700)], ids=["1600x1000", "1024x700"])
def test_the_canvas_exports_the_texts_it_shows(qtbot, tmp_path, size):
    doc = sample("argument_map")
    canvas = MapCanvas2D()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_document(doc)
    canvas.fit_all()
    qtbot.waitUntil(lambda: not canvas.labels_pending() and canvas.map_scene() is not None)
    shown = canvas.map_scene()
    assert len(shown.note_texts) >= 0.5 * len(doc.notes) and shown.legend is not None
    canvas.export_image(tmp_path / "canvas.svg")
    canvas.grab().save(f"/tmp/svg_export_canvas_{size[0]}x{size[1]}.png")
    root = ET.parse(tmp_path / "canvas.svg").getroot()
    width, height = int(canvas.vb.width()), int(canvas.vb.height())
    assert (shown.width, shown.height) == (width, height)
    assert_structured(root, doc, width, height)
    assert same_boxes(text_boxes(root), scene_boxes(shown))  # the same texts in the same places
    labels = {label.note_id for label in canvas.shown_labels()}
    assert labels == {g.get("data-id") for g in root.findall(f".//{SVG}g[@class='note']")
                      if g.find(f"{SVG}text") is not None}
    canvas.hide()

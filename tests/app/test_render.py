"""`instructor-map export` draws the 2D map as PNG or SVG without a screen, coloured like the app."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from instructor_map.cli import main
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.palette import BACKGROUND, cluster_color
from instructor_map.core.project_file import load_project, save_project
from instructor_map.core.scene.text import clean
from instructor_map.paint.render import map_scene, render_map
from instructor_map.paint.scene_paint import paint_scene

VACATION = Path(__file__).parents[2] / "assets" / "samples" / "vacation.imap"
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & \"q\" 'x'"


def export_without_screen(*args) -> subprocess.CompletedProcess:
    """The command line in a fresh process with no display and no Qt platform chosen."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, "-m", "instructor_map.cli", "export", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def texts(svg_path) -> list[str]:
    """What each <text> says, its lines joined by spaces."""
    root = ET.parse(svg_path).getroot()
    assert root.tag == f"{SVG}svg"
    return [" ".join(s.text or "" for s in spans) if (spans := t.findall(f"{SVG}tspan")) else "".join(t.itertext())
            for t in root.iter(f"{SVG}text")]


def pixels(picture) -> np.ndarray:
    """RGB rows of a QImage or an image file."""
    image = (picture if isinstance(picture, QImage) else QImage(str(picture))).convertToFormat(QImage.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rows[:, : image.width(), 2::-1].copy()  # BGRA in memory -> RGB, kept after the image goes


def rgb(color: str) -> list[int]:
    return list(QColor(color).getRgb()[:3])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("render")


def test_png_has_the_size_asked_for_and_the_cluster_colours(qapp, folder):
    out = folder / "vacation.png"
    done = export_without_screen(VACATION, "-o", out, "--width", 1200, "--height", 800)
    assert done.stderr.strip() == f"wrote {out}"
    image = pixels(out)
    assert image.shape == (800, 1200, 3)
    assert image[5, 5].tolist() == image[-5, -5].tolist() == rgb(BACKGROUND)
    doc = load_project(VACATION)
    for cluster in set(doc.clusters.values()):  # each point is a disc of its cluster's colour
        notes = sum(c == cluster for c in doc.clusters.values())
        assert (image == rgb(cluster_color(cluster))).all(axis=2).sum() > 40 * notes, cluster


def test_svg_is_valid_xml_with_the_task_the_cluster_names_and_the_note_labels(folder):
    out = folder / "vacation.svg"
    export_without_screen(VACATION, "-o", out)
    root = ET.parse(out).getroot()
    assert root.get("viewBox") == "0 0 1600 1000"
    doc = load_project(VACATION)
    assert root.find(f"{SVG}desc").text == clean(doc.instruction)  # the task, for whoever opens the file
    shown = texts(out)
    assert set(doc.cluster_labels.values()) <= set(shown)
    titles = [clean(note.title) for note in doc.notes.values()]
    assert sum(any(text.startswith(title) for text in shown) for title in titles) >= 0.85 * len(titles)


def test_hostile_text_is_escaped_in_svg(folder):
    doc = MapDocument(instruction=f"Represent {HOSTILE}: ")
    doc.insert_note(Note("n1", HOSTILE))
    doc.insert_note(Note("n2", "calm", title=f"{HOSTILE}\x01"))
    doc.placements[2].positions = {"n1": (0.0, 0.0), "n2": (1.0, 1.0)}
    doc.clusters, doc.cluster_labels = {"n1": 0, "n2": 0}, {0: HOSTILE}
    save_project(doc, folder / "hostile.imap")
    out = folder / "hostile.svg"
    export_without_screen(folder / "hostile.imap", "-o", out)
    raw = out.read_text(encoding="utf-8")
    assert "<script" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in raw and "\x01" not in raw
    shown = texts(out)
    assert shown.count(HOSTILE) == 2  # the first note's text and the cluster name, as written
    assert f"{HOSTILE} calm" in shown  # the second note's card: its title, then its text
    assert ET.parse(out).getroot().find(f"{SVG}desc").text == f"Represent {HOSTILE}:"


def test_texts_never_cover_each_other_or_a_point(qapp):
    rng = np.random.default_rng(3)
    doc = MapDocument(instruction="Represent the note for a crowded map: ")
    for k in range(300):
        doc.insert_note(Note(f"n{k}", f"note number {k} with a fairly long text to label"))
        doc.placements[2].positions[f"n{k}"] = tuple(rng.normal(size=2))
        doc.clusters[f"n{k}"] = k % 5
    doc.placements[2].pins = {"n0": (0.0, 0.0), "n1": (0.1, 0.1)}
    for k in range(0, 60, 2):
        doc.add_link(Link(f"l{k}", f"n{k}", f"n{k + 1}", ("supports", "opposes", "related")[k % 3]))
    scene = map_scene(doc, (900, 600))
    image = QImage(900, 600, QImage.Format_RGB32)
    painter = QPainter(image)
    paint_scene(painter, scene)
    painter.end()
    boxes = [t.box for t in scene.texts()]
    assert len(scene.note_texts) > 30 and scene.legend is not None
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    assert all(box.inside(900, 600) for box in boxes)
    shown = pixels(image)
    colours = [rgb(cluster_color(c)) for c in range(5)]
    for text in scene.note_texts + scene.link_labels:  # a text over a point would hide it
        box = text.box
        assert not any(abs(n.x - box.x - box.w / 2) < box.w / 2 + n.size / 2 - 1 and
                       abs(n.y - box.y - box.h / 2) < box.h / 2 + n.size / 2 - 1 for n in scene.notes)
        if not text.card:  # and the painted label shows no point's colour (a card's edge has its note's)
            inside = shown[int(box.y) + 1:int(box.bottom) - 1, int(box.x) + 1:int(box.right) - 1]
            assert not any((inside == colour).all(axis=2).any() for colour in colours)


@pytest.mark.parametrize("places", [{}, {"n1": (2.0, 3.0)}, {"n1": (1.0, 1.0), "n2": (1.0, 1.0)},
                                    {"n1": (0.0, 0.0), "n2": (5.0, 0.0)}])
def test_maps_with_few_or_no_places_still_draw(qapp, tmp_path, places):
    doc = MapDocument()
    doc.insert_note(Note("n1", "alone"))
    doc.insert_note(Note("n2", "another"))
    doc.placements[2].positions = places
    doc.clusters = {"n1": 0}
    render_map(doc, tmp_path / "map.png", size=(300, 200))
    assert pixels(tmp_path / "map.png").shape == (200, 300, 3)


def test_bad_image_requests_exit_2_with_one_line(qapp, capsys, tmp_path):
    cases = {("-o", tmp_path / "m.png", "--dims", "3"): "2D map",
             ("-o", tmp_path / "m.png", "--width", "50"): "200 to 8000 pixels",
             ("-o", tmp_path / "m.svg", "--height", "0"): "200 to 8000 pixels",
             ("-o", tmp_path / "m.csv", "--height", "900"): "png and svg",
             ("-o", tmp_path / "m.pdf"): "csv, json, canvas, graphml, png, svg"}
    for args, needle in cases.items():
        assert main(["export", str(VACATION), *map(str, args)]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], lines
    assert list(tmp_path.iterdir()) == []


def test_other_formats_never_load_qt(tmp_path):
    code = ("import sys; from instructor_map.cli import main; "
            f"code = main(['export', {str(VACATION)!r}, '-o', {str(tmp_path / 'map.csv')!r}]); "
            "print(code, [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph'))])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split("\n")[0] == "0 []", done.stderr


def test_image_export_needs_no_widgets_and_no_app():
    code = ("import sys, instructor_map.paint.render; "
            "print([m for m in sys.modules if m.startswith(('PySide6.QtWidgets', 'pyqtgraph', 'instructor_map.app'))])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr

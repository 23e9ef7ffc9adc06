"""The 2D map as a PNG or SVG file: the scene the canvas shows at that size after "fit all", with no window.

Measuring and painting text needs a QGuiApplication; the command line makes one on the offscreen platform when
there is no display. PNG is painted with QPainter; SVG is written from the scene as structured, editable SVG.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage, QPainter

from instructor_map.core.document import MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import atomic_write
from instructor_map.core.scene import Scene, SceneInput, build_scene, fit_view
from instructor_map.core.scene.svg import scene_svg
from instructor_map.core.scene.text import clean
from instructor_map.paint.measure import QtMeasure
from instructor_map.paint.scene_paint import paint_scene

FORMATS = ("png", "svg")
SIZE = (1600, 1000)  # pixels
SIZE_LIMITS = (200, 8000)  # pixels, each side


def map_scene(doc: MapDocument, size: tuple[int, int] = SIZE, note_style: str = "auto",
              color_by: str = "cluster") -> Scene:
    """The scene of `doc`'s 2D map at `size`, fitted as the canvas fits it."""
    inp = SceneInput.of(doc, note_style, color_by)
    return build_scene(inp, fit_view(inp.places, *size), QtMeasure())


def render_map(doc: MapDocument, path, fmt: str | None = None, size: tuple[int, int] = SIZE,
               scene: Scene | None = None) -> None:
    """Write the 2D map of `doc` to `path` as "png" or "svg" (`fmt`, else the suffix), written atomically:
    `scene` when given (what a canvas shows), else the map fitted at `size`."""
    path = Path(path)
    fmt = (fmt or path.suffix[1:]).lower()
    if fmt not in FORMATS:
        raise InputError(f"cannot draw the map as {fmt or 'a name without suffix'!r}; use png or svg", path)
    width, height = (scene.width, scene.height) if scene is not None else size
    low, high = SIZE_LIMITS
    if not (low <= width <= high and low <= height <= high):
        raise InputError(f"the image must be {low} to {high} pixels wide and high, not {width}x{height}")
    scene = scene or map_scene(doc, size)
    if fmt == "svg":
        data = scene_svg(scene, "Instructor Map", clean(doc.instruction)).encode("utf-8")
    else:
        data = png_bytes(scene)
    atomic_write(path, lambda fh: fh.write(data))


def png_bytes(scene: Scene) -> bytes:
    image = QImage(scene.width, scene.height, QImage.Format_RGB32)
    painter = QPainter(image)
    try:
        paint_scene(painter, scene)
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("could not encode the map as PNG")
    return bytes(buffer.data())

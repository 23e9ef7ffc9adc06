"""The 2D map's texts, frames and legend: one item that paints the scene (instructor_map.core.scene) over the
points and links, in screen pixels.

The scene is built for one view; until the next one is built (a moment after a pan, zoom or drag), each note's
text follows its note, names and frames follow the map, and the legend stays in its corner.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QTransform
from PySide6.QtWidgets import QGraphicsObject

from instructor_map.app.pg_shim import view_transform
from instructor_map.core.palette import TEXT
from instructor_map.core.scene.model import Box, Frame, Scene, Text
from instructor_map.core.scene.view import View
from instructor_map.paint.scene_paint import paint_frame, paint_legend, paint_text


class ShownLabel(NamedTuple):
    note_id: str
    text: str
    box: QRectF  # pixels of the view box
    bold: bool  # a selected note's one-line label
    faded: bool  # outside a search's hits
    card: bool = False  # a card (title and wrapped text), not a one-line label


class SceneLayer(QGraphicsObject):
    def __init__(self, vb, z: float, tip=None):
        super().__init__()
        self.vb, self.tip = vb, tip  # tip(note id) -> the tooltip of a note's card or label
        self.scene_shown: Scene | None = None
        self.view: View | None = None
        self._anchor: dict[str, np.ndarray] = {}  # note id -> its pixel when the scene was built
        self._row: dict[str, int] = {}
        self.pos = np.zeros((0, 2))
        self.setZValue(z)
        vb.addItem(self, ignoreBounds=True)
        vb.sigRangeChanged.connect(self._on_range_changed)

    def _on_range_changed(self, *_) -> None:
        self.prepareGeometryChange()  # the bounding rect is the view's

    def show_scene(self, scene: Scene | None, view: View | None, rows: dict[str, int], pos: np.ndarray) -> None:
        """Show `scene`, built at `view` for the notes at `rows` (note id -> row of `pos`)."""
        self.scene_shown, self.view = scene, view
        self._row = rows
        self.pos = pos
        px = view.to_pixels(pos) if view is not None and len(pos) else np.zeros((0, 2))
        self._anchor = {t.owner: px[self._row[t.owner]] for t in (scene.note_texts if scene else ())
                        if t.owner in self._row}
        self.update()

    def move(self, pos: np.ndarray) -> None:
        """The points moved (a drag, a glide): their texts follow."""
        self.pos = pos
        if self.scene_shown is not None:
            self.update()

    def boundingRect(self) -> QRectF:
        return self.vb.viewRect()

    # ---- where things are now ------------------------------------------------------------------------------
    def _shift(self, text: Text, t: QTransform) -> tuple[float, float]:
        """How far (device pixels) `text` is drawn from where the scene put it (in the view box's pixels)."""
        view = self.view
        row = self._row.get(text.owner, -1)
        if text.cls == "note" and 0 <= row < len(self.pos) and text.owner in self._anchor:
            x, y = self.pos[row]
            now = t.map(QPointF(float(x), float(y)))
            then = self._anchor[text.owner]
            return now.x() - then[0], now.y() - then[1]
        if text.cls == "legend":
            origin = t.map(QPointF(*self._corner()))
            return origin.x(), origin.y()
        cx, cy = text.box.x + text.box.w / 2, text.box.y + text.box.h / 2
        now = t.map(QPointF(*view.to_map(cx, cy)))
        return now.x() - cx, now.y() - cy

    def _corner(self) -> tuple[float, float]:
        (x0, _), (_, y1) = self.vb.viewRange()
        return x0, y1

    def _frame_box(self, frame: Frame, t: QTransform) -> Frame:
        a = t.map(QPointF(*self.view.to_map(frame.box.x, frame.box.y)))
        b = t.map(QPointF(*self.view.to_map(frame.box.right, frame.box.bottom)))
        return Frame(frame.group, Box(a.x(), a.y(), b.x() - a.x(), b.y() - a.y()), frame.color)

    def texts_now(self) -> list[tuple[Text, QRectF]]:
        """Each text shown with its box now, in pixels of the view box."""
        scene = self.scene_shown
        if scene is None:
            return []
        t = view_transform(self.vb)
        out = []
        for text in scene.texts():
            dx, dy = self._shift(text, t)
            out.append((text, QRectF(text.box.x + dx, text.box.y + dy, text.box.w, text.box.h)))
        return out

    def shown_labels(self) -> list[ShownLabel]:
        return [ShownLabel(t.owner, t.text, box, t.bold > 0 and not t.card, t.color != TEXT, t.card)
                for t, box in self.texts_now() if t.cls == "note"]

    def names_shown(self, view: View, cls: str) -> dict:
        out = {}
        for text, box in self.texts_now():
            if text.cls == cls:
                key = int(text.owner) if cls == "cluster-name" else text.owner
                out[key] = (text.text, *view.to_map(box.center().x(), box.center().y()))
        return out

    def text_at(self, point: QPointF) -> Text | None:
        """The text drawn at this pixel of the view box (the topmost), if any."""
        for text, box in reversed(self.texts_now()):
            if box.contains(point):
                return text
        return None

    def frame_at(self, point: QPointF) -> str | None:
        """The group whose frame is drawn at this pixel of the view box (the smallest), if any."""
        scene = self.scene_shown
        if scene is None:
            return None
        t = view_transform(self.vb)
        hits = [f for f in (self._frame_box(f, t) for f in scene.frames)
                if QRectF(f.box.x, f.box.y, f.box.w, f.box.h).contains(point)]
        return min(hits, key=lambda f: f.box.w * f.box.h).group if hits else None

    def hoverEvent(self, ev) -> None:
        """pyqtgraph's hover: over a note's card or label, its full text as the tooltip."""
        text = None
        if not ev.isExit() and self.tip is not None:
            text = self.text_at(view_transform(self.vb).map(ev.pos()))
        self.setToolTip(self.tip(text.owner) if text is not None and text.cls == "note" else "")

    # ---- painting --------------------------------------------------------------------------------------------
    def paint(self, painter: QPainter, *args) -> None:
        scene = self.scene_shown
        if scene is None or self.view is None:
            return
        t = painter.worldTransform()
        painter.resetTransform()  # from here on, device pixels
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        for frame in scene.frames:
            paint_frame(painter, self._frame_box(frame, t))
        for text in scene.texts():
            if text.cls != "legend":
                paint_text(painter, text, *self._shift(text, t))
        if scene.legend is not None:
            origin = t.map(QPointF(*self._corner()))
            painter.translate(origin)
            paint_legend(painter, scene.legend)

"""The 3D map's texts: note labels just right of their points, cluster names centred on their clusters, each
with a halo, and the pass that leaves out texts that would overlap."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyqtgraph.opengl as gl
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QVector4D

from instructor_map.core.palette import BACKGROUND
from instructor_map.paint.regions import name_color

LABEL_GAP = 9.0  # pixels between a point and its label
NAME_PAD = 4.0  # pixels kept clear left and right of a cluster name
TEXT = QColor("#262626")
FADED_TEXT = QColor(38, 38, 38, 55)


class ShownLabel3D(NamedTuple):
    note_id: str
    text: str
    culled: bool  # left out at the last paint: it would overlap a label placed before it


class _Text3D(gl.GLTextItem):
    """Text at a scene point's projection, with a halo; skipped when behind the camera or culled."""

    halo = 3.0  # pen width, pixels

    def __init__(self, **kwds):
        super().__init__(**kwds)
        self.rank = 0  # lower ranks win when texts overlap
        self.box = (0.0, 0.0)  # width and height in pixels
        self.culled = False

    def _measure(self, text: str, font: QFont) -> None:
        metrics = QFontMetricsF(font)
        self.box = (metrics.horizontalAdvance(text), metrics.ascent())  # lines may touch, not cross

    def screen_box(self, x: float, y: float) -> tuple[float, float, float, float]:
        """Left, top, right, bottom in widget pixels when the point projects to (x, y)."""
        width, height = self.box
        return x + LABEL_GAP, y - height / 2, x + LABEL_GAP + width, y + height / 2

    def paint(self):
        if not self.text or self.culled:
            return
        clip = self.mvpMatrix().map(QVector4D(*map(float, self.pos), 1.0))
        if clip.w() <= 1e-9:
            return
        view = self.view()
        x = (clip.x() / clip.w() + 1.0) * 0.5 * view.width()
        y = (1.0 - clip.y() / clip.w()) * 0.5 * view.height()
        metrics = QFontMetricsF(self.font)
        left = self.screen_box(x, y)[0]
        path = QPainterPath()
        path.addText(QPointF(left, y + (metrics.ascent() - metrics.descent()) / 2.0), self.font, self.text)
        self.setupGLState()
        painter = QPainter(view)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        halo = QColor(BACKGROUND)
        halo.setAlphaF(0.85 * self.color.alphaF())
        pen = QPen(halo, self.halo)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.strokePath(path, pen)  # a halo keeps text legible over lines and grid
        painter.fillPath(path, self.color)
        painter.end()


class Label3D(_Text3D):
    """A note's label, just right of its point."""

    def __init__(self, **kwds):
        super().__init__(**kwds)
        self.note_id = ""

    def place(self, note_id: str, pos: np.ndarray, text: str, color: QColor, font: QFont, rank: int) -> None:
        self.note_id, self.rank = note_id, rank
        self._measure(text, font)
        self.setData(pos=pos, text=text, color=color, font=font)
        self.setVisible(True)


class ClusterName3D(_Text3D):
    """A cluster's name, centred on its notes' centre, in the cluster's name colour; larger clusters win
    overlaps."""

    halo = 5.0

    def __init__(self, **kwds):
        super().__init__(**kwds)
        self.cluster = -1

    def place(self, cluster: int, pos: np.ndarray, text: str, size: int, font: QFont) -> None:
        self.cluster, self.rank = cluster, -size
        self._measure(text, font)
        self.setData(pos=pos, text=text, color=name_color(cluster), font=font)
        self.setVisible(True)

    def screen_box(self, x: float, y: float) -> tuple[float, float, float, float]:
        width, height = self.box
        return x - width / 2 - NAME_PAD, y - height / 2, x + width / 2 + NAME_PAD, y + height / 2


def cull(texts: list[_Text3D], xy: np.ndarray, depth: np.ndarray, taken: np.ndarray | None = None) -> np.ndarray:
    """Mark the texts that would overlap one already placed, or a box in `taken` (left, top, right, bottom
    rows): lower ranks first, then those nearest the camera (`depth`). `xy` holds each text's point in widget
    pixels, NaN behind the camera. Returns the boxes placed, `taken` included."""
    before = np.empty((0, 4)) if taken is None else np.asarray(taken, dtype=np.float64).reshape(-1, 4)
    placed = np.concatenate([before, np.empty((len(texts), 4))])
    count = len(before)
    for k in np.lexsort((depth, [text.rank for text in texts])):
        text, (x, y) = texts[k], xy[k]
        box = text.screen_box(x, y)
        mine = placed[:count]
        text.culled = not np.isfinite(x) or bool(np.any(
            (mine[:, 0] < box[2]) & (mine[:, 2] > box[0]) & (mine[:, 1] < box[3]) & (mine[:, 3] > box[1])))
        if not text.culled:
            placed[count] = box
            count += 1
    return placed[:count]

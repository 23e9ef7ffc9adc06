"""The 3D map's note labels: text just right of its point, with a halo, and the pass that leaves out labels
that would overlap."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyqtgraph.opengl as gl
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QVector4D

from instructor_map.paint.palette import BACKGROUND

LABEL_GAP = 9.0  # pixels between a point and its label
TEXT = QColor("#262626")
FADED_TEXT = QColor(38, 38, 38, 55)


class ShownLabel3D(NamedTuple):
    note_id: str
    text: str
    culled: bool  # left out at the last paint: it would overlap a label placed before it


class Label3D(gl.GLTextItem):
    """A note's label, just right of its point, with a halo; skipped when behind the camera or culled."""

    def __init__(self, **kwds):
        super().__init__(**kwds)
        self.note_id = ""
        self.rank = 0  # lower ranks win when labels overlap
        self.box = (0.0, 0.0)  # width and height in pixels
        self.culled = False

    def place(self, note_id: str, pos: np.ndarray, text: str, color: QColor, font: QFont, rank: int) -> None:
        metrics = QFontMetricsF(font)
        self.note_id, self.rank = note_id, rank
        self.box = (metrics.horizontalAdvance(text), metrics.ascent())  # lines may touch, not cross
        self.setData(pos=pos, text=text, color=color, font=font)
        self.setVisible(True)

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
        path = QPainterPath()
        path.addText(QPointF(x + LABEL_GAP, y + (metrics.ascent() - metrics.descent()) / 2.0), self.font, self.text)
        self.setupGLState()
        painter = QPainter(view)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        halo = QColor(BACKGROUND)
        halo.setAlphaF(0.85 * self.color.alphaF())
        pen = QPen(halo, 3.0)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.strokePath(path, pen)  # a halo keeps text legible over lines and grid
        painter.fillPath(path, self.color)
        painter.end()


def cull(labels: list[Label3D], xy: np.ndarray, depth: np.ndarray) -> None:
    """Mark the labels that would overlap one already placed: lower ranks (the selection) first, then those
    nearest the camera (`depth`). `xy` holds each label's point in widget pixels, NaN behind the camera."""
    placed = np.empty((len(labels), 4))
    count = 0
    for k in np.lexsort((depth, [label.rank for label in labels])):
        label, (x, y) = labels[k], xy[k]
        width, height = label.box
        box = (x + LABEL_GAP, y - height / 2, x + LABEL_GAP + width, y + height / 2)
        mine = placed[:count]
        label.culled = not np.isfinite(x) or bool(np.any(
            (mine[:, 0] < box[2]) & (mine[:, 2] > box[0]) & (mine[:, 1] < box[3]) & (mine[:, 3] > box[1])))
        if not label.culled:
            placed[count] = box
            count += 1

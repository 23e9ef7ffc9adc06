"""The 2D map's note labels: one item that paints every shown label in screen pixels beside its point.

One paint call for all labels, instead of one text item each (each of which pyqtgraph re-transforms in Python
before every frame), keeps frames short while the map pans, zooms, glides or fills in.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsObject

from instructor_map.app.pg_shim import view_transform
from instructor_map.paint import palette
from instructor_map.paint.marks import LABEL_SPOTS

TEXT = QColor(palette.TEXT)
FADED_TEXT = QColor(43, 43, 43, 70)
LABEL_FILL = QColor(251, 251, 248, 230)  # nearly opaque, so a label on top hides the one beneath cleanly
PAD = 1  # pixels of fill around the text
LABEL_ALL = 300  # up to this many visible notes, each may have a label; beyond, one per label-sized cell
LABEL_CAP = 200  # labels shown at most
LABEL_CELL = (130, 18)  # pixels
# where a label may go: (right or left, lifted by label heights, what it may cover: 1 nothing, 2 points);
# the second half is tried for a selected note only
FIT_SPOTS = tuple((side, lift, 1) for side, lift in LABEL_SPOTS) + tuple((side, lift, 2) for side, lift in LABEL_SPOTS)
GRID = 4  # pixels; labels are fitted on a grid of cells this size


class ShownLabel(NamedTuple):
    note_id: str
    text: str
    box: QRectF  # pixels of the view box
    bold: bool  # a selected note's
    faded: bool  # outside a search's hits


class LabelLayer(QGraphicsObject):
    """Labels as (row, side, lift, bold, faded): right (side 1) or left (-1) of the point at `gap` pixels,
    raised or lowered by `lift` pixels; bold for selected notes, faded outside a search. It lives among the
    map's items (so its z-value orders it against points and links) and paints in screen pixels."""

    def __init__(self, vb, gap: float, z: float, point_size: float = 8.5):
        super().__init__()
        self.vb, self.gap = vb, gap
        self.fonts = (QFont(), QFont())  # plain, and bold for selected notes
        for font in self.fonts:
            font.setPointSizeF(point_size)
        self.fonts[1].setBold(True)
        self.metrics = tuple(QFontMetricsF(font) for font in self.fonts)
        self._widths: dict[tuple[str, bool], float] = {}
        self.labels: list[tuple[int, int, float, bool, bool]] = []
        self.texts: list[str] = []
        self.pos = np.zeros((0, 2))
        self.setZValue(z)
        vb.addItem(self, ignoreBounds=True)
        vb.sigRangeChanged.connect(self._on_range_changed)

    def _on_range_changed(self, *_) -> None:
        self.prepareGeometryChange()  # the bounding rect is the view's

    def size(self, text: str, bold: bool) -> tuple[float, float]:
        """A label's box in pixels."""
        width = self._widths.get((text, bold))
        if width is None:
            if len(self._widths) > 50_000:
                self._widths.clear()
            width = self._widths[(text, bold)] = self.metrics[bold].horizontalAdvance(text) + 2 * PAD
        return width, self.metrics[bold].height() + 2 * PAD

    def show_labels(self, labels: list[tuple], texts: list[str], pos: np.ndarray) -> None:
        self.labels, self.texts, self.pos = labels, texts, pos
        self.update()

    def move(self, pos: np.ndarray) -> None:
        """The points moved (a drag, a glide): the labels follow."""
        self.pos = pos
        if self.labels:
            self.update()

    def rects(self, transform=None) -> list[tuple[int, QRectF]]:
        """(row, box in pixels) of every label shown; pixels of the view box unless `transform` (view to
        device) is given."""
        t = transform if transform is not None else view_transform(self.vb)
        out = []
        for row, side, lift, bold, _ in self.labels:
            if row >= len(self.pos):
                continue
            anchor = t.map(QPointF(float(self.pos[row, 0]), float(self.pos[row, 1])))
            w, h = self.size(self.texts[row], bold)
            left = anchor.x() + self.gap if side > 0 else anchor.x() - self.gap - w
            out.append((row, QRectF(left, anchor.y() + lift - h / 2, w, h)))
        return out

    def boundingRect(self) -> QRectF:
        return self.vb.viewRect()

    def paint(self, painter: QPainter, *args) -> None:
        if not self.labels:
            return
        style = {row: (bold, faded) for row, _, _, bold, faded in self.labels}
        boxes = self.rects(painter.worldTransform())
        painter.resetTransform()  # from here on, device pixels
        for row, box in boxes:
            bold, faded = style[row]
            painter.fillRect(box, LABEL_FILL)
            painter.setFont(self.fonts[bold])
            painter.setPen(FADED_TEXT if faded else TEXT)
            painter.drawText(box, Qt.AlignCenter, self.texts[row])


def fit_labels(vb, pos: np.ndarray, ids: list[str], rows: dict[str, int], texts: list[str], selection: list[str],
               highlight: set[str] | None, size: Callable[[str, bool], tuple[float, float]], gap: float,
               obstacles: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple]:
    """(row, side, lift, bold, faded) for each label that fits beside its point (right, left, a little higher or
    lower) in the view box `vb` without covering another label, a point or an obstacle (x, y, width, height:
    a box of that many pixels centred on a map place, e.g. a cluster's name); a selected note's label covers
    points where it must. Visible notes only, at most LABEL_CAP."""
    width, height = vb.width(), vb.height()
    if not ids or width < 1 or height < 1:
        return []
    (x0, _), (_, y1) = vb.viewRange()
    px, py = vb.viewPixelSize()
    sx, sy = (pos[:, 0] - x0) / px, (y1 - pos[:, 1]) / py  # pixels from the top left
    inside = np.flatnonzero((sx >= 0) & (sx < width) & (sy >= 0) & (sy < height))
    taken = np.zeros((int(height // GRID) + 1, int(width // GRID) + 1), dtype=np.uint8)  # 1 point, 2 label
    cx, cy = (sx[inside] // GRID).astype(int), (sy[inside] // GRID).astype(int)
    for dx, dy in itertools.product((-1, 0, 1), repeat=2):
        taken[np.clip(cy + dy, 0, taken.shape[0] - 1), np.clip(cx + dx, 0, taken.shape[1] - 1)] = 1
    for x, y, w, h in obstacles:  # kept free like a label
        left, top = (x - x0) / px - w / 2, (y1 - y) / py - h / 2
        taken[max(0, int(top // GRID)):max(0, math.ceil((top + h) / GRID)),
              max(0, int(left // GRID)):max(0, math.ceil((left + w) / GRID))] = 2
    chosen = set(selection)
    wanted = [rows[i] for i in chosen | (highlight or set()) if i in rows]
    placed = []
    for row in _label_order(inside, sx, sy, wanted, width, height):
        note_id = ids[row]
        bold = note_id in chosen
        w, h = size(texts[row], bold)
        for side, lift, limit in FIT_SPOTS[: len(FIT_SPOTS) if bold else len(FIT_SPOTS) // 2]:
            left = sx[row] + gap if side > 0 else sx[row] - gap - w
            top = sy[row] + (lift - 0.5) * h
            if left < 0 or top < 0 or left + w > width or top + h > height:
                continue
            cells = np.s_[int(top // GRID):math.ceil((top + h) / GRID), int(left // GRID):math.ceil((left + w) / GRID)]
            if taken[cells].max(initial=0) < limit:
                taken[cells] = 2
                placed.append((row, side, lift * h, bold, highlight is not None and note_id not in highlight))
                break
        if len(placed) == LABEL_CAP:
            break
    return placed


def _label_order(inside: np.ndarray, sx: np.ndarray, sy: np.ndarray, wanted: list[int], width: float,
                 height: float) -> list[int]:
    """Visible rows worth a label, best first: selected and search hits, then the rest or a spread of them."""
    first = sorted(r for r in wanted if 0 <= sx[r] < width and 0 <= sy[r] < height)
    if len(inside) <= LABEL_ALL:
        return list(dict.fromkeys([*first, *inside.tolist()]))
    cells = (sx[inside] // LABEL_CELL[0]).astype(np.int64) * 1_000_003 + (sy[inside] // LABEL_CELL[1]).astype(np.int64)
    _, firsts = np.unique(cells, return_index=True)  # one note per label-sized cell
    return list(dict.fromkeys([*first, *inside[np.sort(firsts)].tolist()]))

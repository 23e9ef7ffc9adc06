"""The 2D map's note labels: one item that paints every shown label in screen pixels beside its point.

One paint call for all labels, instead of one text item each (each of which pyqtgraph re-transforms in Python
before every frame), keeps frames short while the map pans, zooms, glides or fills in.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsObject

TEXT = QColor("#2b2b2b")
FADED_TEXT = QColor(43, 43, 43, 70)
LABEL_FILL = QColor(251, 251, 248, 230)  # nearly opaque, so a label on top hides the one beneath cleanly
PAD = 1  # pixels of fill around the text


class LabelLayer(QGraphicsObject):
    """Labels as (row, side, lift, bold, faded): right (side 1) or left (-1) of the point at `gap` pixels,
    raised or lowered by `lift` pixels; bold for selected notes, faded outside a search. It lives among the
    map's items (so its z-value orders it against points and links) and paints in screen pixels."""

    def __init__(self, vb, gap: float, z: float, size: float = 8.5):
        super().__init__()
        self.vb, self.gap = vb, gap
        self.fonts = (QFont(), QFont())  # plain, and bold for selected notes
        for font in self.fonts:
            font.setPointSizeF(size)
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
        t = transform if transform is not None else self.vb.childGroup.transform()
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

"""A light layer over the 2D map, drawn from the shown places so it follows drags and animations: arrows from
where notes sat under an earlier task."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from instructor_map.app.pg_shim import point_table
from instructor_map.paint.marks import ARROW_BOX, arrowheads

TRAIL = QColor(70, 95, 150, 120)
GHOST_SIZE = 7  # pixels
Z_TRAILS = -1  # under the links


class MovementOverlay:
    """An arrow per note from its earlier place (a small hollow ring) to where it is now."""

    def __init__(self, viewbox: pg.ViewBox):
        self.places: dict[str, tuple] | None = None
        self.lines = pg.PlotCurveItem(pen=pg.mkPen(TRAIL, width=1.3), connect="pairs", antialias=True)
        self.ghosts = pg.ScatterPlotItem(pxMode=True, size=GHOST_SIZE, pen=pg.mkPen(TRAIL, width=1.2), brush=None)
        self.heads = pg.ScatterPlotItem(pxMode=True, size=ARROW_BOX, pen=None, brush=pg.mkBrush(TRAIL))
        for item in (self.lines, self.ghosts, self.heads):
            item.setZValue(Z_TRAILS)
            item.setAcceptedMouseButtons(Qt.NoButton)
            viewbox.addItem(item, ignoreBounds=True)

    def update(self, ids: list[str], pos: np.ndarray) -> None:
        if not self.places and not self.shown():
            return  # nothing to draw and nothing drawn: skip a pass over every note
        places, away = self.places or {}, (np.nan, np.nan)
        old = np.array([places.get(i, away) for i in ids], dtype=float).reshape(-1, 2)
        moved = np.isfinite(old).all(axis=1) & (np.hypot(*(pos - old).T) > 1e-6)
        old, now = old[moved], pos[moved]
        segments = np.empty((2 * len(now), 2))
        segments[0::2], segments[1::2] = old, now
        self.lines.setData(segments[:, 0], segments[:, 1], connect="pairs")
        self.ghosts.setData(pos=old)
        self.heads.setData(pos=now, symbol=arrowheads(old, now))

    def shown(self) -> int:
        """How many arrows are drawn."""
        return len(point_table(self.ghosts))

"""Symbols on the 2D map, sized in pixels: the point, arrowheads that touch its rim, and the pin."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainterPath, QTransform

POINT_SIZE, SELECTED_SIZE = 12, 15  # pixels
RIM = POINT_SIZE / 2 + 1.5  # a point's outline; arrow tips touch it
ARROW_STEPS = 72  # arrowheads are drawn at this many directions
ARROW_LEN, ARROW_HALF = 9.0, 4.0
ARROW_BOX = 2 * (RIM + ARROW_LEN + 1)
PIN_BOX = 2 * (RIM + 10)


def _arrowhead(angle: float) -> QPainterPath:
    """A symbol centred on the target note whose tip sits on the note's rim, pointing along `angle` degrees."""
    tip, base = -RIM / ARROW_BOX, -(RIM + ARROW_LEN) / ARROW_BOX
    path = QPainterPath(QPointF(tip, 0))
    path.lineTo(base, ARROW_HALF / ARROW_BOX)
    path.lineTo(base, -ARROW_HALF / ARROW_BOX)
    path.closeSubpath()
    return QTransform().rotate(angle).map(path)


def _pin_mark() -> QPainterPath:
    """A push-pin standing on the top of the note's point."""
    s = PIN_BOX
    path = QPainterPath()
    path.addEllipse(QPointF(0, -(RIM + 6) / s), 3.2 / s, 3.2 / s)
    path.addRect(QRectF(-0.7 / s, -(RIM + 4) / s, 1.4 / s, 4.5 / s))
    return path


ARROWHEADS = [_arrowhead(k * 360 / ARROW_STEPS) for k in range(ARROW_STEPS)]
PIN_MARK = _pin_mark()


def arrowheads(start: np.ndarray, end: np.ndarray) -> list[QPainterPath]:
    """The arrowhead symbol for each arrow from `start` to `end` rows (map coordinates, y up)."""
    d = np.asarray(end, dtype=float) - np.asarray(start, dtype=float)
    steps = np.rint(np.degrees(np.arctan2(-d[:, 1], d[:, 0])) / (360 / ARROW_STEPS)).astype(int)
    return [ARROWHEADS[k % ARROW_STEPS] for k in steps]

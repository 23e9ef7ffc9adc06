"""Symbols on the 2D map and in its image, sized in pixels: the point, arrowheads that touch its rim, the pin,
and the spots for a label beside its point."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath, QTransform

from instructor_map.core.scene.model import PIN_REACH, POINT_SIZE, RIM, SELECTED_SIZE  # noqa: F401 (shared)

LABEL_GAP = RIM + 2  # pixels between a point's centre and its label
LABEL_SPOTS = ((1, 0), (-1, 0), (1, -1), (1, 1), (-1, -1), (-1, 1))  # right or left, lifted by label heights
ARROW_STEPS = 72  # arrowheads are drawn at this many directions
ARROW_LEN, ARROW_HALF = 9.0, 4.0
ARROW_BOX = 2 * (RIM + ARROW_LEN + 1)
PIN_BOX = 2 * (RIM + PIN_REACH)
PIN_HEAD = (-(RIM + 6), 3.2)  # the pin's head: its centre's height from the point's centre, and its radius
PIN_STEM = (-0.7, -(RIM + 4), 1.4, 4.5)  # left, top, width and height from the point's centre


def _arrowhead(angle: float) -> QPainterPath:
    """A symbol centred on the target note whose tip sits on the note's rim, pointing along `angle` degrees."""
    tip, base = -RIM / ARROW_BOX, -(RIM + ARROW_LEN) / ARROW_BOX
    path = QPainterPath(QPointF(tip, 0))
    path.lineTo(base, ARROW_HALF / ARROW_BOX)
    path.lineTo(base, -ARROW_HALF / ARROW_BOX)
    path.closeSubpath()
    return QTransform().rotate(angle).map(path)


def _pin_mark() -> QPainterPath:
    """A push-pin standing on the top of the note's point, as a symbol of PIN_BOX pixels."""
    s = PIN_BOX
    (lift, radius), (left, top, width, height) = PIN_HEAD, PIN_STEM
    path = QPainterPath()
    path.addEllipse(QPointF(0, lift / s), radius / s, radius / s)
    path.addRect(QRectF(left / s, top / s, width / s, height / s))
    return path


ARROWHEADS = [_arrowhead(k * 360 / ARROW_STEPS) for k in range(ARROW_STEPS)]
PIN_MARK = _pin_mark()


def arrowheads(start: np.ndarray, end: np.ndarray) -> list[QPainterPath]:
    """The arrowhead symbol for each arrow from `start` to `end` rows (map coordinates, y up)."""
    d = np.asarray(end, dtype=float) - np.asarray(start, dtype=float)
    steps = np.rint(np.degrees(np.arctan2(-d[:, 1], d[:, 0])) / (360 / ARROW_STEPS)).astype(int)
    return [ARROWHEADS[k % ARROW_STEPS] for k in steps]


def draw_pins(painter: QPainter, xy: np.ndarray) -> None:
    """A push-pin on each point at `xy` (pixels, y down), in the painter's pen and brush."""
    (lift, radius), (left, top, width, height) = PIN_HEAD, PIN_STEM
    for x, y in xy:
        painter.drawEllipse(QPointF(x, y + lift), radius, radius)
        painter.drawRect(QRectF(x + left, y + top, width, height))

"""Cluster regions, on the map and in its image: their colours and shapes around a cluster's core hull
(instructor_map.core.hull)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainterPath, QPainterPathStroker, QPolygonF

from instructor_map.core import palette

GROWTH = 1.08  # a region on the canvas reaches this much farther from its centre than its corners


def _qcolor(color: str) -> QColor:
    c = QColor(color[:7])
    c.setAlpha(int(color[7:9] or "ff", 16))
    return c


def region_color(cluster: int) -> QColor:
    return _qcolor(palette.region_color(cluster))


def name_color(cluster: int) -> QColor:
    return _qcolor(palette.name_color(cluster))


def grown_polygon(corners: np.ndarray) -> QPolygonF:
    """The canvas's region in map units: the hull's corners moved out from its centre, by a share of the
    region's size and a little more."""
    centre = corners.mean(axis=0)
    pad = 0.04 * max(float(np.ptp(corners, axis=0).max()), 1.0) + 2.0
    grown = centre + (corners - centre) * GROWTH + np.sign(corners - centre) * pad
    return QPolygonF([QPointF(float(x), float(y)) for x, y in grown])


def rounded_region(corners: np.ndarray, pad: float) -> QPainterPath:
    """The image's region in pixels: the hull with rounded corners, `pad` beyond it; a disc around one point."""
    path = QPainterPath()
    if len(corners) == 1:
        path.addEllipse(QPointF(*corners[0]), pad, pad)
        return path
    path.addPolygon(QPolygonF([QPointF(x, y) for x, y in corners]))
    path.closeSubpath()
    stroker = QPainterPathStroker()
    stroker.setWidth(2 * pad)
    stroker.setJoinStyle(Qt.RoundJoin)
    stroker.setCapStyle(Qt.RoundCap)
    return stroker.createStroke(path).united(path)

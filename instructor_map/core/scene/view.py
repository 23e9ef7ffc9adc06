"""Which part of the map a canvas of some pixels shows: a view, and the view that fits all notes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARGINS = (0.03, 0.06, 0.12, 0.05)  # left, top, right, bottom: shares of the canvas kept free of points
MIN_MARGINS = (18, 28, 60, 22)  # pixels, at least; a label or card goes right of its point first
MAX_STRETCH = 3.0  # fitting may scale one axis up to this many times more than the other


@dataclass(frozen=True)
class View:
    """Map coordinates (y up) to pixels (y down): px = (x - x0) * sx, py = (y1 - y) * sy."""

    x0: float
    y1: float
    sx: float  # pixels per map unit
    sy: float
    width: int
    height: int

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack([(xy[:, 0] - self.x0) * self.sx, (self.y1 - xy[:, 1]) * self.sy])

    def to_map(self, px: float, py: float) -> tuple[float, float]:
        return self.x0 + px / self.sx, self.y1 - py / self.sy

    @property
    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(x from, x to), (y from, y to) in map units."""
        return (self.x0, self.x0 + self.width / self.sx), (self.y1 - self.height / self.sy, self.y1)

    @classmethod
    def of_ranges(cls, x_range, y_range, width: int, height: int) -> View:
        (x0, x1), (y0, y1) = x_range, y_range
        return cls(x0, y1, width / max(x1 - x0, 1e-12), height / max(y1 - y0, 1e-12), width, height)


def fit_view(places: np.ndarray, width: int, height: int) -> View:
    """The view of `width` x `height` pixels in which the notes at `places` (N, 2) fill the canvas inside its
    margins: each axis on its own scale, neither more than MAX_STRETCH times the other."""
    left, top, right, bottom = (max(share * side, least) for share, side, least in
                                zip(MARGINS, (width, height, width, height), MIN_MARGINS))
    inner_w, inner_h = max(width - left - right, 1.0), max(height - top - bottom, 1.0)
    places = np.asarray(places, dtype=float).reshape(-1, 2)
    places = places[np.isfinite(places).all(axis=1)]
    if not len(places):
        return View(-width / 2, height / 2, 1.0, 1.0, width, height)
    low, high = places.min(axis=0), places.max(axis=0)
    span = high - low
    if not (span > 1e-9).any():  # one place: a unit square around it
        span = np.ones(2)
        low, high = low - 0.5, high + 0.5
    scale = np.where(span > 1e-9, [inner_w, inner_h] / np.maximum(span, 1e-12), np.inf)
    least = scale.min()
    scale = np.minimum(scale, least * MAX_STRETCH)
    sx, sy = float(scale[0]), float(scale[1])
    middle = (low + high) / 2
    cx, cy = left + inner_w / 2, top + inner_h / 2
    return View(float(middle[0] - cx / sx), float(middle[1] + cy / sy), sx, sy, width, height)

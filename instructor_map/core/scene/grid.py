"""Which pixels of the canvas are taken, on a grid of small cells: texts never share a cell."""
from __future__ import annotations

import math

import numpy as np

from instructor_map.core.scene.model import Box

CELL = 4  # pixels
FREE, POINT, TEXT = 0, 1, 2


class Occupancy:
    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.cells = np.zeros((int(height // CELL) + 1, int(width // CELL) + 1), dtype=np.uint8)

    def _slice(self, box: Box):
        return np.s_[max(0, int(box.y // CELL)):max(0, math.ceil(box.bottom / CELL)),
                     max(0, int(box.x // CELL)):max(0, math.ceil(box.right / CELL))]

    def mark_points(self, px: np.ndarray, radius: float) -> None:
        """Points at pixels `px` (N, 2), each taking the cells within `radius`."""
        if not len(px):
            return
        reach = max(1, math.ceil(radius / CELL))
        inside = (px[:, 0] >= -radius) & (px[:, 0] < self.width + radius) & (px[:, 1] >= -radius) & \
                 (px[:, 1] < self.height + radius)
        cx, cy = (px[inside, 0] // CELL).astype(int), (px[inside, 1] // CELL).astype(int)
        rows, cols = self.cells.shape
        for dy in range(-reach + 1, reach):
            for dx in range(-reach + 1, reach):
                y, x = cy + dy, cx + dx
                ok = (y >= 0) & (y < rows) & (x >= 0) & (x < cols)
                sub = self.cells[y[ok], x[ok]]
                self.cells[y[ok], x[ok]] = np.maximum(sub, POINT)

    def fits(self, box: Box, covers: int = FREE) -> bool:
        """`box` lies inside the canvas and covers nothing above `covers` (FREE: nothing; POINT: points)."""
        if not box.inside(self.width, self.height):
            return False
        return int(self.cells[self._slice(box)].max(initial=0)) <= covers

    def take(self, box: Box) -> None:
        self.cells[self._slice(box)] = TEXT

    def count_points(self, box: Box) -> int:
        return int((self.cells[self._slice(box)] == POINT).sum())

"""Which parts of the canvas are taken: points on a grid of small cells, texts as exact boxes in buckets.

Texts never overlap one another; whether a text may cover points is the caller's choice. A summed-area table of
the points and buckets of texts keep each test a handful of lookups, so a map of 100,000 notes is labelled in a
few milliseconds.
"""
from __future__ import annotations

import math

import numpy as np

from instructor_map.core.scene.model import Box

CELL = 2  # pixels per point cell: finer than the gap between a point's rim and its text
BUCKET = 64  # pixels per text bucket
FREE, POINT = 0, 1  # what a text may cover: nothing, or points


class Occupancy:
    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.points = np.zeros((int(height // CELL) + 1, int(width // CELL) + 1), dtype=bool)
        self._sums: np.ndarray | None = None
        self._texts: dict[tuple[int, int], list[Box]] = {}

    def mark_points(self, px: np.ndarray, radius: float) -> None:
        """Points at pixels `px` (N, 2), each taking the cells within `radius`."""
        if not len(px):
            return
        reach = max(1, math.ceil(radius / CELL))
        rows, cols = self.points.shape
        cx, cy = np.floor(px[:, 0] / CELL), np.floor(px[:, 1] / CELL)
        ok = (cx >= 0) & (cx < cols) & (cy >= 0) & (cy < rows)
        centres = np.zeros_like(self.points)
        centres[cy[ok].astype(np.int64), cx[ok].astype(np.int64)] = True
        grown = centres.copy()  # each centre grown by reach - 1 cells each way: rows, then columns
        for d in range(1, reach):
            grown[d:] |= centres[:-d]
            grown[:-d] |= centres[d:]
        wide = grown.copy()
        for d in range(1, reach):
            wide[:, d:] |= grown[:, :-d]
            wide[:, :-d] |= grown[:, d:]
        self.points |= wide
        self._sums = None

    def _cells(self, box: Box) -> tuple[int, int, int, int]:
        return (max(0, int(box.y // CELL)), max(0, math.ceil((box.y + box.h) / CELL)),
                max(0, int(box.x // CELL)), max(0, math.ceil((box.x + box.w) / CELL)))

    def _table(self) -> np.ndarray:
        """The summed-area table of the point cells."""
        if self._sums is None:
            self._sums = np.zeros((self.points.shape[0] + 1, self.points.shape[1] + 1), dtype=np.int32)
            self._sums[1:, 1:] = self.points.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
        return self._sums

    def free_of_points(self, lefts: np.ndarray, tops: np.ndarray, w, h) -> np.ndarray:
        """For many boxes at once (widths and heights one each, or one for all): whether each covers no point cell,
        as count_points(box) == 0 would say."""
        s = self._table()
        top = np.clip(np.floor(tops / CELL), 0, s.shape[0] - 1).astype(np.int64)  # past the edge: no cells
        left = np.clip(np.floor(lefts / CELL), 0, s.shape[1] - 1).astype(np.int64)
        bottom = np.minimum(np.maximum(0, np.ceil((tops + h) / CELL)), s.shape[0] - 1).astype(np.int64)
        right = np.minimum(np.maximum(0, np.ceil((lefts + w) / CELL)), s.shape[1] - 1).astype(np.int64)
        counts = s[bottom, right] - s[top, right] - s[bottom, left] + s[top, left]
        return (counts == 0) | (bottom <= top) | (right <= left)

    def count_points(self, box: Box) -> int:
        """How many point cells `box` covers."""
        top, bottom, left, right = self._cells(box)
        s = self._table()
        bottom, right = min(bottom, s.shape[0] - 1), min(right, s.shape[1] - 1)
        if bottom <= top or right <= left:
            return 0
        return int(s[bottom, right] - s[top, right] - s[bottom, left] + s[top, left])

    def _buckets(self, box: Box):
        for by in range(int(box.y // BUCKET), int((box.y + box.h) // BUCKET) + 1):
            for bx in range(int(box.x // BUCKET), int((box.x + box.w) // BUCKET) + 1):
                yield bx, by

    def fits(self, box: Box, covers: int = FREE) -> bool:
        """`box` lies inside the canvas, overlaps no text, and covers points only when `covers` is POINT. Points
        are asked first: one lookup, and in a dense map the usual reason a spot is taken."""
        x, y, w, h = box
        right, bottom = x + w, y + h
        if x < 0 or y < 0 or right > self.width or bottom > self.height:
            return False
        if covers != POINT and self.count_points(box):
            return False
        texts = self._texts
        if texts:
            for by in range(int(y // BUCKET), int(bottom // BUCKET) + 1):
                for bx in range(int(x // BUCKET), int(right // BUCKET) + 1):
                    for other in texts.get((bx, by), ()):
                        if x < other.x + other.w and other.x < right and y < other.y + other.h and other.y < bottom:
                            return False
        return True

    def take(self, box: Box) -> None:
        for key in self._buckets(box):
            self._texts.setdefault(key, []).append(box)

    def remove(self, box: Box) -> None:
        """Free what `box` took (a label about to become a card)."""
        for key in self._buckets(box):
            bucket = self._texts.get(key)
            if bucket is not None and box in bucket:
                bucket.remove(box)

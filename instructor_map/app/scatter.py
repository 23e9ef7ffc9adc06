"""The 2D map's scatter item: it leaves clicks to the view box, and moves or restyles its points in place.

pyqtgraph's setData, setBrush and setPen look up every point's symbol in the symbol atlas again (150 ms at
10,000 notes); these in-place updates work on the item's point table and look each distinct style up once.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from instructor_map.app.pg_shim import point_table, points_moved, points_restyled


class Scatter(pg.ScatterPlotItem):
    def mouseClickEvent(self, ev):
        ev.ignore()  # the view box picks notes itself

    @property
    def table(self) -> np.ndarray:
        """The drawn points: columns x, y, size, pen, brush and data (the note id), one row per point."""
        return point_table(self)

    def shows(self, ids: list[str]) -> bool:
        """These notes are the points drawn, in this order."""
        data = point_table(self)
        return len(data) == len(ids) and data["data"].tolist() == ids

    def looks_like(self, brushes, pens, sizes) -> bool:
        """The drawn points already have these brushes, pens and sizes."""
        data = point_table(self)
        return np.array_equal(data["size"], sizes) and all(a is b for a, b in zip(data["brush"], brushes)) \
            and all(a is b for a, b in zip(data["pen"], pens))

    def move_points(self, pos: np.ndarray) -> None:
        """New places for the drawn points, (N, 2)."""
        data = point_table(self)
        data["x"], data["y"] = pos[:, 0], pos[:, 1]
        points_moved(self)

    def restyle(self, brushes: list, pens: list, sizes: np.ndarray) -> None:
        """New brushes, pens and sizes for the drawn points, one per point."""
        data = point_table(self)
        brush_rows, brush_set = _distinct(brushes)
        pen_rows, pen_set = _distinct(pens)
        sizes_set, size_rows = np.unique(sizes, return_inverse=True)
        data["brush"], data["pen"], data["size"] = brush_set[brush_rows], pen_set[pen_rows], sizes
        style = (brush_rows * len(pen_set) + pen_rows) * len(sizes_set) + size_rows.ravel()
        _, first, inverse = np.unique(style, return_index=True, return_inverse=True)
        points_restyled(self, first, inverse.ravel())


def _distinct(objects: list) -> tuple[np.ndarray, np.ndarray]:
    """Each object's row in an object array of the distinct ones (by identity): numpy indexes that array fast,
    where converting a list of Qt objects checks every one of them."""
    index: dict[int, int] = {}
    found: list = []

    def row(o) -> int:
        k = index.get(id(o))
        if k is None:
            k = index[id(o)] = len(found)
            found.append(o)
        return k

    rows = np.fromiter(map(row, objects), dtype=np.intp, count=len(objects))
    distinct = np.empty(len(found), dtype=object)
    for k, o in enumerate(found):
        distinct[k] = o
    return rows, distinct

"""The 2D map's scatter item: it leaves clicks to the view box, and moves or restyles its points in place.

pyqtgraph's setData, setBrush and setPen look up every point's symbol in the symbol atlas again (150 ms at
10,000 notes); these in-place updates work on the item's point table and look each distinct style up once.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class Scatter(pg.ScatterPlotItem):
    def mouseClickEvent(self, ev):
        ev.ignore()  # the view box picks notes itself

    def shows(self, ids: list[str]) -> bool:
        """These notes are the points drawn, in this order."""
        return len(self.data) == len(ids) and self.data["data"].tolist() == ids

    def looks_like(self, brushes, pens, sizes) -> bool:
        """The drawn points already have these brushes, pens and sizes."""
        data = self.data
        return np.array_equal(data["size"], sizes) and all(a is b for a, b in zip(data["brush"], brushes)) \
            and all(a is b for a, b in zip(data["pen"], pens))

    def move_points(self, pos: np.ndarray) -> None:
        """New places for the drawn points, (N, 2)."""
        self.data["x"], self.data["y"] = pos[:, 0], pos[:, 1]
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.bounds = [None, None]
        self.invalidate()

    def restyle(self, brushes: list, pens: list, sizes: np.ndarray) -> None:
        """New brushes, pens and sizes for the drawn points, one per point."""
        data = self.data
        brush_rows, brush_set = _distinct(brushes)
        pen_rows, pen_set = _distinct(pens)
        sizes_set, size_rows = np.unique(sizes, return_inverse=True)
        data["brush"], data["pen"], data["size"] = brush_set[brush_rows], pen_set[pen_rows], sizes
        style = (brush_rows * len(pen_set) + pen_rows) * len(sizes_set) + size_rows.ravel()
        _, first, inverse = np.unique(style, return_index=True, return_inverse=True)
        looks = list(zip(*self._style(["symbol", "size", "pen", "brush"], data=data, idx=first)))
        data["sourceRect"] = np.array(self.fragmentAtlas[looks], dtype=data["sourceRect"].dtype)[inverse.ravel()]
        self._maybeRebuildAtlas()
        self._updateMaxSpotSizes(data=data)
        self.invalidate()


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

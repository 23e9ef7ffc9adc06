"""Cluster regions on the 2D map: a soft hull around each cluster's core, under its notes. Their names are part
of the map's scene (scene_layer)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QGraphicsPolygonItem

from instructor_map.core.document import MapDocument
from instructor_map.core.hull import core_hull
from instructor_map.paint.regions import grown_polygon, region_color

Z_HULLS = -20


class ClusterOverlay(QObject):
    renameRequested = Signal(int)  # a double-click on a cluster's name

    def __init__(self, viewbox: pg.ViewBox):
        super().__init__()
        self.vb = viewbox
        self.hulls: dict[int, QGraphicsPolygonItem] = {}
        self.visible = True
        self._members: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # cluster -> (rows, centre) at the update

    def update(self, doc: MapDocument, ids: list[str], pos: np.ndarray) -> None:
        """Redraw from the shown positions (so regions follow drags and animations)."""
        groups: dict[int, np.ndarray] = {}
        if self.visible and len(ids) == len(pos) and len(ids):
            clusters = np.fromiter((doc.clusters.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
            shown = (clusters >= 0) & np.isfinite(pos).all(axis=1)
            order = np.argsort(clusters[shown], kind="stable")
            rows = np.flatnonzero(shown)[order]
            found, starts = np.unique(clusters[rows], return_index=True)
            groups = dict(zip(found.tolist(), np.split(rows, starts[1:])))
        for gone in set(self.hulls) - set(groups):
            self.vb.removeItem(self.hulls.pop(gone))
        self._members = {}
        for cluster, rows in groups.items():
            points = pos[rows]
            self._hull(cluster, points)
            self.hulls[cluster].setPos(0.0, 0.0)
            self.hulls[cluster].show()
            self._members[cluster] = rows, points.mean(axis=0)

    def follow(self, pos: np.ndarray) -> None:
        """Move each region with its notes' centre, keeping its shape (frames of a glide; the next update
        reshapes them). `pos` holds the places of the notes given to the last update, in that order."""
        for cluster, (rows, centre) in self._members.items():
            now = pos[rows].mean(axis=0)
            self.hulls[cluster].setPos(float(now[0] - centre[0]), float(now[1] - centre[1]))

    def regions_shown(self) -> dict[int, tuple[float, float]]:
        """Cluster -> how far its region has moved (map units) since it was shaped, for each region shown: it
        moves along with its notes during a glide and is reshaped, unmoved, when the glide ends."""
        return {cluster: (hull.pos().x(), hull.pos().y()) for cluster, hull in self.hulls.items() if hull.isVisible()}

    def hide(self) -> None:
        """Hide the regions until the next update."""
        self._members = {}  # nothing to follow: the notes drawn may change meanwhile
        for item in self.hulls.values():
            item.hide()

    def _hull(self, cluster: int, points: np.ndarray) -> None:
        item = self.hulls.get(cluster)
        if item is None:
            item = QGraphicsPolygonItem()
            item.setBrush(region_color(cluster))
            item.setPen(pg.mkPen(None))
            item.setZValue(Z_HULLS)
            self.vb.addItem(item)
            self.hulls[cluster] = item
        item.setPolygon(grown_polygon(core_hull(points)))

"""Cluster names drawn at each cluster's centre, over a soft hull around its notes, on the 2D map. Zoomed in
(the view narrower than ZOOM_IN of the map), the names of each cluster's parts replace its own name."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsPolygonItem

from instructor_map.app.pg_shim import text_size
from instructor_map.core.document import MapDocument
from instructor_map.core.hull import core_hull
from instructor_map.paint.regions import NAME_FILL, grown_polygon, name_color, region_color

Z_HULLS, Z_NAMES = -20, 40
ZOOM_IN = 0.5  # the view's width against the map's, below which the parts of clusters are named


class _Name(pg.TextItem):
    def __init__(self, overlay: ClusterOverlay):
        super().__init__(anchor=(0.5, 0.5), fill=pg.mkBrush(NAME_FILL))
        self.overlay, self.cluster = overlay, -1
        self.setToolTip("Double-click to rename this cluster")

    def mouseDoubleClickEvent(self, event):
        self.overlay.renameRequested.emit(self.cluster)
        event.accept()


class ClusterOverlay(QObject):
    renameRequested = Signal(int)

    def __init__(self, viewbox: pg.ViewBox):
        super().__init__()
        self.vb = viewbox
        self.names: dict[int, _Name] = {}
        self.hulls: dict[int, QGraphicsPolygonItem] = {}
        self.font = QFont()
        self.font.setPointSizeF(10.5)
        self.font.setBold(True)
        self.visible = True
        self._members: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # cluster -> (rows, centre) at the update
        self.parts: dict[str, pg.TextItem] = {}  # "cluster.part" -> its name, shown zoomed in
        self.part_font = QFont()
        self.part_font.setPointSizeF(9.5)
        self.zoomed_in = False
        self._extent = 0.0  # the map's width or height, whichever is larger, at the last update

    def update(self, doc: MapDocument, ids: list[str], pos: np.ndarray) -> None:
        """Redraw from the shown positions (so names follow drags and animations)."""
        groups: dict[int, np.ndarray] = {}
        if self.visible and len(ids) == len(pos) and len(ids):
            clusters = np.fromiter((doc.clusters.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))
            shown = (clusters >= 0) & np.isfinite(pos).all(axis=1)
            order = np.argsort(clusters[shown], kind="stable")
            rows = np.flatnonzero(shown)[order]
            found, starts = np.unique(clusters[rows], return_index=True)
            groups = dict(zip(found.tolist(), np.split(rows, starts[1:])))
        for gone in set(self.names) - set(groups):
            self.vb.removeItem(self.names.pop(gone))
            self.vb.removeItem(self.hulls.pop(gone))
        self._members = {}
        for cluster, rows in groups.items():
            points = pos[rows]
            self._hull(cluster, points)
            self.hulls[cluster].setPos(0.0, 0.0)
            self.hulls[cluster].show()
            name = self.names.get(cluster) or self._new_name(cluster)
            name.show()
            name.setText(doc.cluster_name(cluster))
            centre = points.mean(axis=0)
            name.setPos(float(centre[0]), float(centre[1]))
            self._members[cluster] = rows, centre
        self._update_parts(doc, ids, pos, groups)

    def _update_parts(self, doc: MapDocument, ids: list[str], pos: np.ndarray, groups: dict) -> None:
        shown: dict[str, np.ndarray] = {}
        for cluster, rows in groups.items():
            for part in {doc.subclusters.get(ids[r], -1) for r in rows} - {-1}:
                key = f"{cluster}.{part}"
                mine = [r for r in rows if doc.subclusters.get(ids[r]) == part]
                if key in doc.subcluster_names and mine:
                    shown[key] = pos[mine].mean(axis=0)
        for gone in set(self.parts) - set(shown):
            self.vb.removeItem(self.parts.pop(gone))
        for key, centre in shown.items():
            item = self.parts.get(key) or self._new_part(key)
            item.setText(doc.subcluster_names[key])
            item.setPos(float(centre[0]), float(centre[1]))
        self._extent = float(np.ptp(pos, axis=0).max()) if len(pos) else 0.0
        self._show_level()

    def set_view_width(self, width: float) -> None:
        """The view now spans `width` map units: name the clusters, or zoomed in, their parts."""
        zoomed_in = bool(self.parts) and bool(width < ZOOM_IN * self._extent)
        if zoomed_in != self.zoomed_in:
            self.zoomed_in = zoomed_in
            self._show_level()

    def _show_level(self) -> None:
        divided = {int(key.split(".")[0]) for key in self.parts}
        for cluster, name in self.names.items():
            name.setVisible(cluster in self._members and not (self.zoomed_in and cluster in divided))
        for item in self.parts.values():
            item.setVisible(self.zoomed_in)

    def parts_shown(self) -> dict[str, tuple[str, float, float]]:
        """"cluster.part" -> (its name, x, y) for each part named on the map now (zoomed in)."""
        return {key: (item.toPlainText(), item.pos().x(), item.pos().y())
                for key, item in self.parts.items() if item.isVisible()}

    def _new_part(self, key: str) -> pg.TextItem:
        item = pg.TextItem(anchor=(0.5, 0.5), fill=pg.mkBrush(NAME_FILL))
        item.setColor(name_color(int(key.split(".")[0])))
        item.setFont(self.part_font)
        item.setZValue(Z_NAMES)
        self.vb.addItem(item)
        self.parts[key] = item
        return item

    def follow(self, pos: np.ndarray) -> None:
        """Move each region and name with its notes' centre, keeping its shape (frames of a glide; the next
        update reshapes them). `pos` holds the places of the notes given to the last update, in that order."""
        for cluster, (rows, centre) in self._members.items():
            now = pos[rows].mean(axis=0)
            self.hulls[cluster].setPos(float(now[0] - centre[0]), float(now[1] - centre[1]))
            self.names[cluster].setPos(float(now[0]), float(now[1]))

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """(x, y, width, height) of each name shown: its centre on the map and its size in pixels."""
        out = []
        for name in (*self.names.values(), *self.parts.values()):
            if name.isVisible():
                out.append((name.pos().x(), name.pos().y(), *text_size(name)))
        return out

    def names_shown(self) -> dict[int, tuple[str, float, float]]:
        """Cluster -> (its name, x, y of the name's centre on the map) for each name shown."""
        return {cluster: (name.toPlainText(), name.pos().x(), name.pos().y())
                for cluster, name in self.names.items() if name.isVisible()}

    def regions_shown(self) -> dict[int, tuple[float, float]]:
        """Cluster -> how far its region has moved (map units) since it was shaped, for each region shown: it
        moves along with its notes during a glide and is reshaped, unmoved, when the glide ends."""
        return {cluster: (hull.pos().x(), hull.pos().y()) for cluster, hull in self.hulls.items() if hull.isVisible()}

    def hide(self) -> None:
        """Hide the regions and names until the next update."""
        self._members = {}  # nothing to follow: the notes drawn may change meanwhile
        for item in (*self.names.values(), *self.hulls.values(), *self.parts.values()):
            item.hide()

    def _new_name(self, cluster: int) -> _Name:
        name = _Name(self)
        name.cluster = cluster
        name.setColor(name_color(cluster))
        name.setFont(self.font)
        name.setZValue(Z_NAMES)
        self.vb.addItem(name)
        self.names[cluster] = name
        return name

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

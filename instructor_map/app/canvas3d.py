"""The 3D map: notes as points in a view you can rotate and zoom, with labels, cluster names, links and click
selection."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QVector3D

from instructor_map.app.labels3d import FADED_TEXT, TEXT, ClusterName3D, Label3D, ShownLabel3D, cull
from instructor_map.app.pg_shim import own_shader_programs
from instructor_map.core.document import MapDocument, short_label
from instructor_map.core.palette import BACKGROUND, LINK_STYLES, SELECTED, note_colors

POINT_SIZE = 10.0
SELECTED_SIZE = 15.0
PICK_RADIUS = 10.0  # pixels
CLICK_SLOP = 4  # a press and release closer than this is a click, not a drag
LABEL_ALL = 150  # up to this many notes, every note is labelled
LABEL_NEAREST = 100  # beyond it: the selection plus this many notes nearest the camera centre
LABEL_CHARS = 32
NAME_POINTS = 12.5  # cluster names' font size; note labels' is 9
FADED_ALPHA = 0.15
GRID = (0, 0, 0, 22)
DASHES = 7  # dashes on an "opposes" link
# Alpha blending without a depth test: later items draw on top (grid, links, points, labels),
# and within the scatter the array order decides (faded, then plain, then selected).
OVERLAY = {
    GL.GL_DEPTH_TEST: False,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFuncSeparate": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA),
}
SHADED = (gl.GLScatterPlotItem, gl.GLLinePlotItem)  # item classes that cache a compiled shader program


def _rgba(color: str) -> tuple[float, float, float, float]:
    return QColor(color).getRgbF()


class MapView3D(gl.GLViewWidget):
    """Points for notes in 3D. Left drag rotates, Ctrl or middle drag pans, the wheel zooms; a click picks."""

    selectionChanged = Signal(list)  # note ids, after a user click
    noteActivated = Signal(str)  # a point was double-clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        fmt = self.format()
        fmt.setSamples(4)  # multisampling: smooth lines and label text
        self.setFormat(fmt)
        self.setBackgroundColor(BACKGROUND)
        self.setMinimumSize(200, 150)
        self._doc: MapDocument | None = None
        self._ids: list[str] = []  # drawn notes, in document order
        self._pos = np.zeros((0, 3), dtype=np.float32)  # their places, one row per drawn note
        self._selection: list[str] = []
        self._highlight: set[str] | None = None
        self._fitted = False
        self._fit_on_show = False  # fitted while hidden, at a guessed size: fit again once shown
        self._press: QPointF | None = None
        self._dragging = False
        self._font = QFont(self.font().family(), 9)
        self._name_font = QFont(self.font().family())
        self._name_font.setPointSizeF(NAME_POINTS)
        self._name_font.setBold(True)
        self._show_names = True

        self._grid = gl.GLGridItem(color=GRID)
        self._grid.setVisible(False)
        self.addItem(self._grid)
        self._links = {}
        for kind in LINK_STYLES:
            item = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True, glOptions=OVERLAY)
            item.setVisible(False)
            self._links[kind] = item
            self.addItem(item)
        self._scatter = gl.GLScatterPlotItem(pxMode=True, glOptions=OVERLAY)
        self._scatter.setVisible(False)
        self.addItem(self._scatter)
        self._labels: list[Label3D] = []
        self._names: list[ClusterName3D] = []
        self._programs: dict[type, object] = {}

    def initializeGL(self):
        # a new GL context (first show, or moved to another window): compile and upload everything again
        self._programs.clear()
        super().initializeGL()
        self._update_grid()
        self._restyle()
        if self._fit_on_show:
            self.fit_all()

    def paintGL(self):
        self._cull_labels()
        with own_shader_programs(self._programs, SHADED):  # this view's GL context's own
            super().paintGL()

    # ---- public API ------------------------------------------------------------------------------------
    def set_document(self, doc: MapDocument | None) -> None:
        self._doc = doc
        self._selection = []
        self._highlight = None
        self._fitted = False
        self.refresh()

    def refresh(self) -> None:
        """Re-read places, colours and links from the document; the camera is fitted the first time."""
        doc = self._doc
        ids = list(doc.notes) if doc is not None else []
        pos = doc.placements[3].array(ids) if ids else np.zeros((0, 3), dtype=np.float32)
        shown = np.isfinite(pos).all(axis=1)
        self._ids = [i for i, ok in zip(ids, shown) if ok]
        self._pos = np.ascontiguousarray(pos[shown], dtype=np.float32)
        present = set(ids)
        self._selection = [i for i in self._selection if i in present]
        self._update_grid()
        self._draw_names()
        self._restyle()
        if not self._fitted and len(self._ids):
            self.fit_all()

    def set_selection(self, ids: list[str]) -> None:
        present = self._doc.notes if self._doc is not None else {}
        self._selection = [i for i in dict.fromkeys(ids) if i in present]
        self._restyle()

    def selection(self) -> list[str]:
        return list(self._selection)

    def set_cluster_names_visible(self, on: bool) -> None:
        """Show or hide the clusters' names (shown by default)."""
        self._show_names = on
        self._draw_names()
        self.update()

    def set_highlight(self, ids: set[str] | None) -> None:
        """Draw these notes plainly and fade the rest; None shows every note plainly."""
        self._highlight = None if ids is None else set(ids)
        self._restyle()

    def fit_all(self) -> None:
        """Centre the camera on the points and step back until the bounding sphere fits the view."""
        if not len(self._pos):
            return
        lo, hi = self._pos.min(axis=0), self._pos.max(axis=0)
        centre = (lo + hi) / 2.0
        radius = float(np.linalg.norm(self._pos - centre, axis=1).max()) or 1.0
        half_w = math.radians(self.cameraParams()["fov"]) / 2.0
        half_h = math.atan(math.tan(half_w) * self.height() / max(self.width(), 1))
        distance = 1.1 * radius / math.sin(min(half_w, half_h))
        self.setCameraPosition(pos=QVector3D(*map(float, centre)), distance=distance)
        self._fitted = True
        self._fit_on_show = not self.isVisible()

    def project(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) scene points -> (N, 2) widget pixels (logical, top-left origin); NaN behind the camera.

        The framebuffer pixel is this times devicePixelRatioF()."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        mvp = self.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * self.viewMatrix()
        m = np.array(mvp.data(), dtype=np.float64).reshape(4, 4).T  # Qt stores column-major
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        clip = np.c_[pts, np.ones(len(pts))] @ m.T
        out = np.full((len(pts), 2), np.nan)
        front = clip[:, 3] > 1e-9
        ndc = clip[front, :2] / clip[front, 3:4]
        out[front, 0] = (ndc[:, 0] + 1.0) * 0.5 * w
        out[front, 1] = (1.0 - ndc[:, 1]) * 0.5 * h
        return out

    def pick(self, x: float, y: float) -> str | None:
        """The note whose point is nearest to widget pixel (x, y), if within PICK_RADIUS."""
        if not self._ids:
            return None
        screen = self.project(self._pos)
        dist = np.hypot(screen[:, 0] - x, screen[:, 1] - y)
        dist[~np.isfinite(dist)] = np.inf
        row = int(np.argmin(dist))
        return self._ids[row] if dist[row] <= PICK_RADIUS else None

    # ---- read: what the view shows ---------------------------------------------------------------------
    def note_ids(self) -> list[str]:
        """The notes drawn (those with a 3D place), in document order."""
        return list(self._ids)

    def places(self) -> dict[str, tuple[float, float, float]]:
        """Each drawn note's place in the scene."""
        return {i: (float(x), float(y), float(z)) for i, (x, y, z) in zip(self._ids, self._pos.tolist())}

    def note_pixel(self, note_id: str) -> QPointF | None:
        """The widget pixel (logical) where the note's point is drawn; None when it is not drawn or is behind
        the camera."""
        if note_id not in self._ids:
            return None
        x, y = self.project(self._pos[self._ids.index(note_id)])[0]
        return QPointF(x, y) if np.isfinite(x) else None

    def highlight(self) -> set[str] | None:
        """The notes drawn plainly while the others fade; None when none fade."""
        return None if self._highlight is None else set(self._highlight)

    def shown_labels(self) -> list[ShownLabel3D]:
        """The labels placed beside points (all of a small map's, else the selection's and those nearest the
        camera centre), with whether the last paint left each out for overlapping."""
        return [ShownLabel3D(label.note_id, label.text, label.culled) for label in self._labels if label.visible()]

    def cluster_names_shown(self) -> dict[int, str]:
        """Cluster -> the name drawn at its centre from the current camera: each named cluster's, less those
        behind the camera or left out for overlapping a larger cluster's."""
        self._cull_labels()
        return {name.cluster: name.text for name in self._names if name.visible() and not name.culled}

    # ---- drawing ---------------------------------------------------------------------------------------
    def _alphas(self) -> np.ndarray:
        if self._highlight is None:
            return np.ones(len(self._ids), dtype=np.float32)
        return np.array([1.0 if i in self._highlight else FADED_ALPHA for i in self._ids], dtype=np.float32)

    def _selected(self) -> np.ndarray:
        chosen = set(self._selection)
        return np.fromiter((i in chosen for i in self._ids), dtype=bool, count=len(self._ids))

    def _restyle(self) -> None:
        """Colours, sizes, draw order, links and labels from the current places, selection and highlight."""
        n = len(self._ids)
        self._scatter.setVisible(n > 0)
        alphas, selected = self._alphas(), self._selected()
        if n:
            colors = np.array([_rgba(c) for c in note_colors(self._doc, self._ids)], dtype=np.float32)
            colors[selected] = _rgba(SELECTED)
            colors[:, 3] = np.where(selected, 1.0, alphas)
            sizes = np.where(selected, SELECTED_SIZE, POINT_SIZE).astype(np.float32)
            order = np.argsort(selected * 2 + (alphas >= 1.0), kind="stable")  # selected on top, faded below
            self._scatter.setData(pos=self._pos[order], color=colors[order], size=sizes[order])
        self._draw_links(alphas)
        self._draw_labels(alphas, selected)
        self.update()

    def _draw_links(self, alphas: np.ndarray) -> None:
        row = {note_id: k for k, note_id in enumerate(self._ids)}
        links = self._doc.links.values() if self._doc is not None else ()
        for kind, item in self._links.items():
            color, dashed = LINK_STYLES[kind]
            ends = [(row[ln.source], row[ln.target]) for ln in links
                    if ln.kind == kind and ln.source in row and ln.target in row]
            item.setVisible(bool(ends))
            if not ends:
                continue
            a, b = np.array(ends).T
            starts, stops = self._pos[a].astype(np.float64), self._pos[b].astype(np.float64)
            alpha = np.minimum(alphas[a], alphas[b]) * 0.8
            if dashed:  # cut each segment into 2 * DASHES - 1 pieces and keep every other one
                t = np.linspace(0.0, 1.0, 2 * DASHES)
                pts = starts[:, None, :] + (stops - starts)[:, None, :] * t[None, :, None]
                segments = pts.reshape(len(ends), DASHES, 2, 3)
                alpha = np.repeat(alpha, DASHES)
                vertices = segments.reshape(-1, 3)
            else:
                vertices = np.stack([starts, stops], axis=1).reshape(-1, 3)
            colors = np.tile(np.array(_rgba(color), dtype=np.float32), (len(vertices), 1))
            colors[:, 3] = np.repeat(alpha, 2)
            item.setData(pos=vertices.astype(np.float32), color=colors)

    def _label_rows(self, selected: np.ndarray) -> np.ndarray:
        """Rows to label: all of them for small maps, else the selection and the notes nearest the centre."""
        n = len(self._ids)
        if n <= LABEL_ALL:
            return np.arange(n)
        at = self.cameraParams()["center"]
        centre = np.array([at.x(), at.y(), at.z()])
        nearest = np.argsort(np.linalg.norm(self._pos - centre, axis=1))[:LABEL_NEAREST]
        return np.union1d(nearest, np.flatnonzero(selected))

    def _draw_labels(self, alphas: np.ndarray, selected: np.ndarray) -> None:
        rows = self._label_rows(selected)
        while len(self._labels) < len(rows):
            label = Label3D(font=self._font, glOptions=OVERLAY)
            label.setDepthValue(10)
            self._labels.append(label)
            self.addItem(label)
        bold = QFont(self._font)
        bold.setBold(True)
        for label, row in zip(self._labels, rows):
            faded = alphas[row] < 1.0
            note_id = self._ids[row]
            label.place(note_id, self._pos[row].astype(float), short_label(self._doc.notes[note_id], LABEL_CHARS),
                        FADED_TEXT if faded else TEXT, bold if selected[row] else self._font,
                        rank=0 if selected[row] else 2 if faded else 1)
        for label in self._labels[len(rows):]:
            label.setVisible(False)

    def _draw_names(self) -> None:
        """Each cluster's name at the centre of its drawn notes, unless names are hidden."""
        doc = self._doc
        clusters = np.fromiter((doc.clusters.get(i, -1) for i in self._ids), dtype=np.int64,
                               count=len(self._ids)) if doc is not None and self._show_names else np.zeros(0)
        found = np.unique(clusters[clusters >= 0]).tolist()
        while len(self._names) < len(found):
            name = ClusterName3D(glOptions=OVERLAY)
            name.setDepthValue(20)  # over the points and the note labels
            self._names.append(name)
            self.addItem(name)
        for name, cluster in zip(self._names, found):
            rows = clusters == cluster
            name.place(cluster, self._pos[rows].mean(axis=0).astype(float), doc.cluster_name(cluster),
                       int(rows.sum()), self._name_font)
        for name in self._names[len(found):]:
            name.setVisible(False)

    def _cull_labels(self) -> None:
        """Leave out texts that would overlap one already placed: cluster names first, larger clusters before
        smaller; then note labels, selected first, then nearest the camera."""
        cam = self.cameraPosition()
        eye = np.array([cam.x(), cam.y(), cam.z()])
        taken = None
        for texts in ([name for name in self._names if name.visible()],
                      [label for label in self._labels if label.visible()]):
            if texts:
                pos = np.array([text.pos for text in texts], dtype=np.float64)
                taken = cull(texts, self.project(pos), np.linalg.norm(pos - eye, axis=1), taken)

    def _update_grid(self) -> None:
        """A faint floor under the points, sized to them, for a sense of depth."""
        self._grid.setVisible(len(self._pos) > 0)
        if not len(self._pos):
            return
        lo, hi = self._pos.min(axis=0), self._pos.max(axis=0)
        extent = float(max(hi[0] - lo[0], hi[1] - lo[1], 1e-6)) * 1.3
        step = 10.0 ** math.floor(math.log10(extent / 4.0))
        step *= 5.0 if extent / step > 40 else 2.0 if extent / step > 16 else 1.0
        side = math.ceil(extent / step) * step
        self._grid.setSize(side, side, 1)
        self._grid.setSpacing(step, step, 1)
        self._grid.resetTransform()
        self._grid.translate(float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2, float(lo[2]) - 0.05 * extent)

    # ---- camera hooks: the nearest-to-centre labels follow the camera centre --------------------------
    def setCameraPosition(self, *args, **kwargs):
        super().setCameraPosition(*args, **kwargs)
        self._follow_centre()

    def pan(self, *args, **kwargs):
        super().pan(*args, **kwargs)
        self._follow_centre()

    def _follow_centre(self) -> None:
        if len(self._ids) > LABEL_ALL:
            self._draw_labels(self._alphas(), self._selected())

    # ---- mouse: drags go to the camera, clicks pick ----------------------------------------------------
    def mousePressEvent(self, ev):
        super().mousePressEvent(ev)
        self._press = ev.position() if ev.button() == Qt.MouseButton.LeftButton else None
        self._dragging = False

    def mouseMoveEvent(self, ev):
        if self._press is not None and not self._dragging:
            if (ev.position() - self._press).manhattanLength() < CLICK_SLOP:
                return
            self._dragging = True
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev):
        super().mouseReleaseEvent(ev)
        if ev.button() != Qt.MouseButton.LeftButton or self._press is None or self._dragging:
            return
        self._press = None
        hit = self.pick(ev.position().x(), ev.position().y())
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if hit is not None:
                chosen = [i for i in self._selection if i != hit]
                self._selection = chosen if hit in self._selection else chosen + [hit]
        else:
            self._selection = [hit] if hit is not None else []
        self._restyle()
        self.selectionChanged.emit(self.selection())

    def mouseDoubleClickEvent(self, ev):
        self._press = None  # the release that follows is not a click
        if ev.button() == Qt.MouseButton.LeftButton:
            hit = self.pick(ev.position().x(), ev.position().y())
            if hit is not None:
                self.noteActivated.emit(hit)

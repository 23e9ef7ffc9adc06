"""The 2D map: notes as points with labels and link arrows; select, drag, link and open them with the mouse."""
from __future__ import annotations

import html
import textwrap

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractAnimation,
    QEasingCurve,
    QPoint,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    QVariantAnimation,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtSvg import QSvgGenerator

from instructor_map.app.cluster_overlay import ClusterOverlay
from instructor_map.app.labels2d import TEXT, LabelLayer, fit_labels
from instructor_map.app.marks import ARROW_BOX, PIN_BOX, PIN_MARK, POINT_SIZE, RIM, SELECTED_SIZE, arrowheads
from instructor_map.app.overlays import LinkLabels, MovementOverlay
from instructor_map.app.palette import BACKGROUND, LINK_STYLES, SELECTED, note_colors
from instructor_map.app.scatter import Scatter
from instructor_map.core.arrangement import Arrangement
from instructor_map.core.document import LINK_KINDS, MapDocument, Note, short_label

PICK_RADIUS = 9  # pixels from a point's centre that still hit it
THIN_ABOVE = 20_000  # a map with more notes draws an even sample of this many while the view moves
SETTLE_MS = 150  # the view counts as still this long after its last pan or zoom
LABEL_GAP = RIM + 2  # pixels between a point's centre and its label
LABEL_CHARS = 40
LABEL_DELAY_MS = 60
TIP_WIDTH = 60
FADED_ALPHA = 45
PIN = "#3d3d3d"
Z_LINKS, Z_LABELS, Z_ARROWS, Z_POINTS = 0, 1, 2, 3  # bottom to top; pins and the link being drawn over all


def label_text(note: Note) -> str:
    return short_label(note, LABEL_CHARS)


class _MapViewBox(pg.ViewBox):
    """Hands left clicks and drags to the canvas; pans with the right or middle button; zooms on the wheel."""

    clicked = Signal(object)
    dragged = Signal(object)

    def mouseClickEvent(self, ev):
        ev.accept()
        self.clicked.emit(ev)

    def mouseDragEvent(self, ev, axis=None):
        ev.accept()
        if ev.button() == Qt.LeftButton:
            self.dragged.emit(ev)
            return
        inverse = pg.functions.invertQTransform(self.childGroup.transform())
        shift = inverse.map(QPointF(ev.lastPos() - ev.pos())) - inverse.map(QPointF(0, 0))
        self.translateBy(x=shift.x(), y=shift.y())


class MapCanvas2D(pg.PlotWidget):
    """The document's 2D view. It never edits the document: it emits what the user asked for.

    Click selects (Ctrl toggles), a click on empty space clears; a left drag on empty space selects with a
    rubber band (Ctrl or Shift adds); a left drag on a note moves it, with the selection if it is selected;
    Shift and a left drag from a note to another asks for a link; double-click opens a note; right-click asks
    for a menu; right or middle drag pans; the wheel zooms.
    """

    selectionChanged = Signal(list)  # note ids, after the user changed the selection
    notesMoved = Signal(dict)  # {note id: (x, y)} once, when a drag ends
    noteActivated = Signal(str)
    contextMenuRequested = Signal(list, QPoint)  # the notes it is for (none on empty space), global position
    linkRequested = Signal(str, str)  # source, target

    def __init__(self, parent=None):
        vb = _MapViewBox(lockAspect=True, enableMenu=False)
        super().__init__(parent, background=BACKGROUND, viewBox=vb)
        self.vb = vb
        plot = self.getPlotItem()
        for axis in ("left", "bottom"):
            plot.hideAxis(axis)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self.vb.disableAutoRange()
        band = QColor(SELECTED)
        band.setAlpha(28)
        self.vb.rbScaleBox.setPen(pg.mkPen(SELECTED, width=1, style=Qt.DashLine))
        self.vb.rbScaleBox.setBrush(QBrush(band))
        self._doc = MapDocument()
        self._argument = False  # the argument layout: rows of claims and reasons, no cluster regions
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._pos = np.zeros((0, 2))
        self._colors: list[str] = []
        self._pinned = np.zeros(0, bool)
        self._link_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._selection: list[str] = []
        self._highlight: set[str] | None = None
        self._scales: dict[str, float] | None = None  # point size factors, e.g. by relevance
        self._scale = np.ones(0)
        self._labelled_links: list[tuple[int, int, str]] = []
        self._titles = ("", "")
        self._fit_after = False
        self._brushes: dict[tuple[str, bool], QBrush] = {}
        self._pens = (pg.mkPen("#ffffff", width=1), pg.mkPen(SELECTED, width=2.5))
        self._texts: list[str] = []
        self._dragging: dict[str, np.ndarray] = {}  # note id -> place when the drag began
        self._drag_delta = np.zeros(2)
        self._link_source: str | None = None
        self._link_from = np.zeros(2)
        self._band_adds = False
        self._press_modifiers = Qt.NoModifier  # a drag acts on the keys held when the button went down
        self._start = self._target = self._pos

        self._links = {}
        self._arrows = {}
        for kind in LINK_KINDS:
            color, dashed = LINK_STYLES[kind]
            pen = pg.mkPen(color, width=1.6, style=Qt.DashLine if dashed else Qt.SolidLine)
            self._links[kind] = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
            self._arrows[kind] = Scatter(pxMode=True, size=ARROW_BOX, pen=None, brush=pg.mkBrush(color))
        self._points = Scatter(pxMode=True, size=POINT_SIZE, symbol="o", hoverable=True, tip=self._tooltip)
        self._thin = Scatter(pxMode=True, size=POINT_SIZE, symbol="o")  # the sample shown while moving
        self._thin.hide()
        self._pins = Scatter(pxMode=True, size=PIN_BOX, symbol=PIN_MARK, pen=None, brush=pg.mkBrush(PIN))
        self._link_line = pg.PlotCurveItem(pen=pg.mkPen(SELECTED, width=1.5, style=Qt.DashLine))
        layers = {Z_LINKS: self._links.values(), Z_ARROWS: self._arrows.values(), Z_POINTS: [self._points, self._thin],
                  Z_POINTS + 1: [self._pins, self._link_line]}
        for z, items in layers.items():
            for item in items:
                item.setZValue(z)
                self.vb.addItem(item)
        self._link_line.hide()
        # labels beside their points, under the points; a selected note's label over them
        self.labels = (LabelLayer(self.vb, LABEL_GAP, Z_LABELS), LabelLayer(self.vb, LABEL_GAP, Z_POINTS + 0.5))
        self.clusters = ClusterOverlay(self.vb)
        self.movement = MovementOverlay(self.vb)
        self.link_labels = LinkLabels(self.vb)
        for name in ("bottom", "left"):  # shown only for the titles of named axes: no line, no ticks
            plot.getAxis(name).setStyle(showValues=False, tickLength=0)
            plot.getAxis(name).setPen(pg.mkPen(None))
            plot.getAxis(name).setTicks([[], []])

        self._label_timer = QTimer(self, singleShot=True, interval=LABEL_DELAY_MS)
        self._settle_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_settled)
        self._thin_timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._thin_timer.timeout.connect(self._prepare_thin)
        self._thin_ready = False
        self._label_timer.timeout.connect(self._update_labels)
        self._animation = QVariantAnimation(self, startValue=0.0, endValue=1.0)
        self._animation.setEasingCurve(QEasingCurve.InOutCubic)
        self._animation.valueChanged.connect(self._on_animation_changed)
        self._animation.finished.connect(self._on_animation_finished)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.vb.clicked.connect(self._on_mouse_clicked)
        self.vb.dragged.connect(self._on_mouse_dragged)

    # ---- public API ------------------------------------------------------------------------------------
    def set_document(self, doc: MapDocument) -> None:
        self._animation.stop()
        self._doc, self._selection, self._highlight = doc, [], None
        self._scales, self.movement.places = None, None
        self._dragging, self._link_source = {}, None
        self.refresh()
        self.fit_all()

    def refresh(self, partial: bool = False) -> None:
        """Re-read notes, places, colours, pins and links from the document and draw them.

        `partial`: a map still being embedded (frequent updates): labels follow a moment later, debounced, and
        the cluster regions wait for the finished map.
        """
        self._animation.stop()
        self._fit_after = False
        had_points = bool(self._ids)
        self._read()
        if not had_points and self._ids:
            self.fit_all()
        self._draw(regions=not partial)
        if partial:
            self._label_timer.start()
        else:
            self._update_labels()  # after the draw, which places the cluster names that labels keep clear of

    def recolor(self) -> None:
        """Only colours and cluster names changed (clusters found after the map was drawn): redraw them
        without re-reading the places or stopping a glide that runs."""
        if self._ids != [i for i in self._doc.notes if i in self._row]:
            self.refresh()
            return
        self._colors = note_colors(self._doc, self._ids)
        if self._animation.state() != QAbstractAnimation.Running:  # else its next frame draws them
            self._draw()
            self._label_timer.start()  # labels keep clear of the new cluster names

    def animate_to_document(self, duration_ms: int = 400, fit: bool = False, places_only: bool = False) -> None:
        """Like refresh, but the points glide from where they are shown now to their new places; with `fit`,
        the view then fits the whole map (else only when notes glided out of it). `places_only`: nothing but
        places changed (a new task's map), so colours, labels and links are kept when the same notes are drawn."""
        self._fit_after = fit
        if not self._ids:
            self.refresh()  # nothing to glide from
            return
        self._animation.stop()
        ids, start = self._ids, self._pos
        self._read(places_only)
        self._target = self._pos.copy()
        if self._ids is ids:
            self._start = start
        else:
            shown = dict(zip(ids, start))
            self._start = np.array([shown.get(i, p) for i, p in zip(self._ids, self._target)]).reshape(-1, 2)
        self._pos = self._start.copy()
        if self._ids is not ids:  # else the labels shown fit these places already
            self._update_labels()
        self._draw(places_only=self._ids is ids)
        if self._ids and duration_ms > 0:
            self._animation.setDuration(duration_ms)
            self._animation.start()
        else:
            self._on_animation_finished()

    def set_selection(self, ids: list[str]) -> None:
        self._selection = [i for i in dict.fromkeys(ids) if i in self._doc.notes]
        self._update_labels()
        self._draw()

    def selection(self) -> list[str]:
        return list(self._selection)

    def set_highlight(self, ids: set[str] | None) -> None:
        self._highlight = None if ids is None else set(ids)
        self._update_labels()
        self._draw()

    def set_sizes(self, scales: dict[str, float] | None) -> None:
        """Scale each note's point (1 is the usual size); None for the same size everywhere."""
        self._scales = scales
        self._read_scales()
        self._draw()

    def sizes(self) -> dict[str, float]:
        """Point diameters in pixels, as drawn."""
        return dict(zip(self._ids, self._points.data["size"].tolist()))

    def set_trails(self, places: dict[str, tuple] | None) -> None:
        """Draw an arrow from each note's place in `places` to where it is now; None removes them."""
        self.movement.places = places
        self._draw()

    def axis_titles(self) -> tuple[str, str]:
        return self._titles

    def fit_all(self) -> None:
        if not self._ids:
            return
        (x0, y0), (x1, y1) = self._pos.min(axis=0), self._pos.max(axis=0)
        w, h = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        # room for labels beside the outermost points, more on the right where they go first
        self.vb.setRange(xRange=(x0 - 0.1 * w, x1 + 0.2 * w), yRange=(y0 - 0.06 * h, y1 + 0.06 * h), padding=0)

    def export_image(self, path) -> None:
        """Save what the canvas shows as PNG (or any raster format Qt knows) or as SVG."""
        path = str(path)
        if path.lower().endswith(".svg"):
            svg = QSvgGenerator()
            svg.setFileName(path)
            svg.setSize(self.size())
            svg.setViewBox(self.rect())
            svg.setTitle("Instructor Map")
            scatters = [self._points, self._pins, *self._arrows.values()]
            for item in scatters:  # draw each symbol as vectors, not from the pixmap cache
                item.setExportMode(True, {"antialias": True})
            painter = QPainter(svg)
            self.render(painter)
            for item in scatters:
                item.setExportMode(False)
            if not painter.end():
                raise OSError(f"could not write {path}")
        elif not self.grab().save(path):
            raise OSError(f"could not write {path}")

    # ---- reading and drawing ---------------------------------------------------------------------------
    def _read(self, places_only: bool = False) -> None:
        doc, view = self._doc, self._doc.placements[2]
        ids = list(doc.notes)
        places = view.array(ids)
        drawn = np.isfinite(places).all(axis=1)
        if places_only and drawn.all() and ids == self._ids:  # the same notes: colours, labels and links stand
            self._pos = places.astype(float)
            self._pinned = np.fromiter((i in view.pins for i in ids), bool, len(ids))
            self._read_view(view)
            return
        self._ids = [i for i, ok in zip(ids, drawn) if ok]
        self._row = {i: r for r, i in enumerate(self._ids)}
        self._pos = places[drawn].astype(float)
        self._colors = note_colors(doc, self._ids)
        self._texts = [label_text(doc.notes[i]) for i in self._ids]
        self._pinned = np.array([i in view.pins for i in self._ids], dtype=bool)
        self._selection = [i for i in self._selection if i in doc.notes]
        pairs = {kind: [] for kind in LINK_KINDS}
        for link in doc.links.values():
            ends = self._row.get(link.source), self._row.get(link.target)
            if None not in ends and ends[0] != ends[1] and link.kind in pairs:
                pairs[link.kind].append(ends)
        self._link_rows = {k: tuple(np.array(v, dtype=int).reshape(-1, 2).T) for k, v in pairs.items()}
        self._labelled_links = [(self._row[ln.source], self._row[ln.target], ln.label) for ln in doc.links.values()
                                if ln.label.strip() and ln.label != ln.kind and ln.source in self._row
                                and ln.target in self._row]
        self._read_scales()
        self._read_view(view)

    def _read_view(self, view) -> None:
        """The arrangement's titles, and the live places of a drag in progress."""
        arrangement = Arrangement.of(view.basis)
        self._argument = arrangement.mode == "argument"
        self._show_titles(arrangement.titles())
        for note_id, start in self._dragging.items():  # a drag in progress keeps its live places
            if note_id in self._row:
                self._pos[self._row[note_id]] = start + self._drag_delta

    def _read_scales(self) -> None:
        scales = self._scales or {}
        self._scale = np.array([scales.get(i, 1.0) for i in self._ids], dtype=float)

    def _show_titles(self, titles: tuple[str, str]) -> None:
        """Axis titles while the map has named axes, e.g. "relaxing ← → adventurous"; no axes otherwise."""
        if titles == self._titles:
            return
        self._titles = titles
        plot = self.getPlotItem()
        for name, title in zip(("bottom", "left"), titles):
            plot.showAxis(name, bool(title))
            plot.getAxis(name).setLabel(title, **{"color": TEXT.name(), "font-size": "10pt", "font-weight": "bold"})

    def _brush(self, color: str, faded: bool) -> QBrush:
        brush = self._brushes.get((color, faded))
        if brush is None:
            qcolor = QColor(color)
            if faded:
                qcolor.setAlpha(FADED_ALPHA)
            brush = self._brushes[(color, faded)] = QBrush(qcolor)
        return brush

    def _draw(self, places_only: bool = False, regions: bool = True) -> None:
        """Draw everything from the state read; `places_only` when nothing but places changed (a glide);
        without `regions`, the cluster regions are hidden until a later draw."""
        pos, hits = self._pos, self._highlight
        if places_only and len(self._points.data) == len(pos):
            self._points.move_points(pos)
        else:
            chosen = set(self._selection)
            brushes = [self._brush(c, hits is not None and i not in hits) for i, c in zip(self._ids, self._colors)]
            picked = [i in chosen for i in self._ids]
            sizes = np.where(picked, SELECTED_SIZE, POINT_SIZE) * self._scale
            pens = [self._pens[p] for p in picked]
            if self._points.shows(self._ids):
                if not self._points.looks_like(brushes, pens, sizes):
                    self._points.restyle(brushes, pens, sizes)
                self._points.move_points(pos)
            else:
                self._points.setData(pos=pos, brush=brushes, pen=pens, data=self._ids, size=sizes)
        self._thin_ready = False
        if self._thin.isVisible():
            self._prepare_thin() if len(pos) > THIN_ABOVE else self._on_settled()
        elif len(pos) > THIN_ABOVE:
            self._thin_timer.start()  # ready before the next pan, without holding up this frame
        self._pins.setData(pos=pos[self._pinned])
        for kind, (src, dst) in self._link_rows.items():
            segments = np.empty((2 * len(src), 2))
            segments[0::2], segments[1::2] = pos[src], pos[dst]
            self._links[kind].setData(segments[:, 0], segments[:, 1], connect="pairs")
            self._arrows[kind].setData(pos=pos[dst], symbol=arrowheads(pos[src], pos[dst]))
        shown = slice(0 if self._argument else len(pos))  # clusters cut across an argument's rows: none there
        if not regions:
            self.clusters.hide()  # until the map is finished
        elif places_only:
            self.clusters.follow(pos)  # a glide: regions move along, and are reshaped when it ends
        else:
            self.clusters.update(self._doc, self._ids[shown], pos[shown])
        self.movement.update(self._ids, pos)
        self.link_labels.update(self._labelled_links, pos)
        self._place_labels()

    def _place_labels(self) -> None:
        for layer in self.labels:
            layer.move(self._pos)

    def _update_labels(self) -> None:
        placed = fit_labels(self.vb, self._pos, self._ids, self._row, self._texts, self._selection, self._highlight,
                            self.labels[0].size, LABEL_GAP, self.clusters.boxes())
        for bold, layer in enumerate(self.labels):
            layer.show_labels([label for label in placed if label[3] == bool(bold)], self._texts, self._pos)

    def _tooltip(self, x, y, data) -> str:
        note = self._doc.notes.get(data)
        if note is None:
            return ""
        body = "<br>".join(html.escape(line) for line in textwrap.wrap(" ".join(note.text.split()), TIP_WIDTH))
        return f"<qt><b>{html.escape(note.title)}</b><br>{body}</qt>" if note.title else f"<qt>{body}</qt>"

    # ---- animation and view ----------------------------------------------------------------------------
    def _on_animation_changed(self, t) -> None:
        self._pos = self._start + (self._target - self._start) * float(t)
        self._draw(places_only=True)

    def _on_animation_finished(self) -> None:
        self._pos = self._target.copy()
        self._draw()
        self._update_labels()
        (x0, x1), (y0, y1) = self.vb.viewRange()
        x, y = self._pos[:, 0], self._pos[:, 1]
        if len(x) and (self._fit_after or ((x < x0) | (x > x1) | (y < y0) | (y > y1)).any()):
            self.fit_all()
        self._fit_after = False

    def _on_range_changed(self, *_) -> None:
        self._label_timer.start()
        if len(self._points.data) > THIN_ABOVE:
            if not self._thin_ready:
                self._prepare_thin()
            self._points.hide()
            self._thin.show()
            self._settle_timer.start()

    def _prepare_thin(self) -> None:
        """The sample drawn while the view moves: an even spread of the notes, and the selected ones."""
        self._thin_timer.stop()
        data = self._points.data
        rows = np.random.default_rng(0).choice(len(data), THIN_ABOVE, replace=False)
        rows = np.union1d(rows, np.array([self._row[i] for i in self._selection if i in self._row], dtype=int))
        self._thin.setData(x=data["x"][rows], y=data["y"][rows], size=data["size"][rows],
                           pen=list(data["pen"][rows]), brush=list(data["brush"][rows]))
        self._thin_ready = True

    def _on_settled(self) -> None:
        self._thin.hide()
        self._points.show()

    def hideEvent(self, event) -> None:
        self._label_timer.stop()
        self._settle_timer.stop()
        self._thin_timer.stop()
        self._on_settled()
        if self._animation.state() == QAbstractAnimation.Running:
            self._animation.stop()
            self._on_animation_finished()
        super().hideEvent(event)

    # ---- mouse -----------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self._press_modifiers = event.modifiers()
        super().mousePressEvent(event)

    def _note_at(self, vb_pos) -> str | None:
        if not self._ids:
            return None
        p = self.vb.mapToView(QPointF(vb_pos))
        px, py = self.vb.viewPixelSize()
        d2 = ((self._pos[:, 0] - p.x()) / px) ** 2 + ((self._pos[:, 1] - p.y()) / py) ** 2
        row = int(np.argmin(d2))
        return self._ids[row] if d2[row] <= PICK_RADIUS**2 else None

    def _select(self, ids: list[str]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self._selection:
            self.set_selection(ids)
            self.selectionChanged.emit(self.selection())

    def _on_mouse_clicked(self, ev) -> None:
        hit = self._note_at(ev.pos())
        if ev.button() == Qt.LeftButton:
            if ev.double():
                if hit is not None:
                    self.noteActivated.emit(hit)
            elif ev.modifiers() & Qt.ControlModifier:
                if hit is not None:
                    toggled = [i for i in self._selection if i != hit]
                    self._select(toggled if hit in self._selection else [*self._selection, hit])
            else:
                self._select([] if hit is None else [hit])
        elif ev.button() == Qt.RightButton:
            if hit is not None and hit not in self._selection:
                self._select([hit])
            self.contextMenuRequested.emit(self.selection() if hit is not None else [], ev.screenPos().toPoint())

    def _on_mouse_dragged(self, ev) -> None:
        if ev.isStart():
            self._begin_drag(ev)
        origin, now = self.vb.mapToView(QPointF(ev.buttonDownPos())), self.vb.mapToView(QPointF(ev.pos()))
        if self._dragging:
            self._drag_delta = np.array([now.x() - origin.x(), now.y() - origin.y()])
            for note_id, start in self._dragging.items():
                if note_id in self._row:
                    self._pos[self._row[note_id]] = start + self._drag_delta
            self._draw()
            if ev.isFinish():
                moved = {i: tuple(map(float, self._pos[self._row[i]])) for i in self._dragging if i in self._row}
                self._dragging = {}
                self._update_labels()
                self.notesMoved.emit(moved)
        elif self._link_source is not None:
            self._link_line.setData([self._link_from[0], now.x()], [self._link_from[1], now.y()])
            if ev.isFinish():
                source, target = self._link_source, self._note_at(ev.pos())
                self._link_source = None
                self._link_line.hide()
                if target is not None and target != source:
                    self.linkRequested.emit(source, target)
        elif ev.isFinish():
            self.vb.rbScaleBox.hide()
            band = QRectF(origin, now).normalized()
            x, y = self._pos[:, 0], self._pos[:, 1]
            inside = (x >= band.left()) & (x <= band.right()) & (y >= band.top()) & (y <= band.bottom())
            caught = [self._ids[r] for r in np.flatnonzero(inside)]
            self._select([*self._selection, *caught] if self._band_adds else caught)
        else:
            self.vb.updateScaleBox(ev.buttonDownPos(), ev.pos())

    def _begin_drag(self, ev) -> None:
        """Decide what a left drag does from where it began and the keys held: move, link or rubber band."""
        if self._animation.state() == QAbstractAnimation.Running:
            self.refresh()
        hit, keys = self._note_at(ev.buttonDownPos()), self._press_modifiers
        if hit is None:
            self._band_adds = bool(keys & (Qt.ControlModifier | Qt.ShiftModifier))
        elif keys & Qt.ShiftModifier:
            self._link_source, self._link_from = hit, self._pos[self._row[hit]].copy()
            self._link_line.show()
        else:
            if hit not in self._selection:
                self._select([hit])
            self._drag_delta = np.zeros(2)
            self._dragging = {i: self._pos[self._row[i]].copy() for i in self._selection if i in self._row}

"""The 2D map: notes as points with labels and link arrows; select, drag, link and open them with the mouse."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractAnimation, QEasingCurve, QPoint, QPointF, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QBrush, QColor

from instructor_map.app.cluster_overlay import ClusterOverlay
from instructor_map.app.links2d import LinkLayer
from instructor_map.app.map_texts import MapTexts
from instructor_map.app.mouse2d import MapViewBox, MouseGestures
from instructor_map.app.overlays import MovementOverlay
from instructor_map.app.sample2d import MovingSample
from instructor_map.app.scatter import Scatter
from instructor_map.app.scene_layer import SceneLayer
from instructor_map.core.arrangement import Arrangement
from instructor_map.core.document import MapDocument
from instructor_map.core.palette import BACKGROUND, PIN, SELECTED, TEXT, note_colors
from instructor_map.core.scene import SceneInput, fit_view
from instructor_map.paint.marks import PIN_BOX, PIN_MARK, POINT_SIZE, SELECTED_SIZE
from instructor_map.paint.measure import QtMeasure

LABEL_DELAY_MS = 60
TIP_WIDTH = 60
FADED_ALPHA = 45
Z_LINKS, Z_ARROWS, Z_POINTS, Z_TEXTS = 0, 2, 3, 3.5  # bottom to top; pins and the link being drawn over all


class MapCanvas2D(MouseGestures, MapTexts, pg.PlotWidget):
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
    groupRenameRequested = Signal(str)  # a double-click on a group's name
    groupMenuRequested = Signal(str, QPoint)  # a right-click in a group's frame, off its notes

    def __init__(self, parent=None):
        vb = MapViewBox(lockAspect=False, enableMenu=False)
        super().__init__(parent, background=BACKGROUND, viewBox=vb)
        self.vb = vb
        plot = self.getPlotItem()
        for axis in ("left", "bottom"):
            plot.hideAxis(axis)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        self.vb.disableAutoRange()
        self._doc = MapDocument()
        self._argument = False  # the argument layout: rows of claims and reasons, no cluster regions
        self._regions = True  # cluster regions and names are drawn: not while a map is being embedded
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._pos = np.zeros((0, 2))
        self._colors: list[str] = []
        self._pinned = np.zeros(0, bool)
        self._selection: list[str] = []
        self._highlight: set[str] | None = None
        self._scales: dict[str, float] | None = None  # point size factors, e.g. by relevance
        self._scale = np.ones(0)
        self._titles = ("", "")
        self._fit_after = False
        self._brushes: dict[tuple[str, bool], QBrush] = {}
        self._pens = (pg.mkPen("#ffffff", width=1), pg.mkPen(SELECTED, width=2.5))
        self._note_style, self._color_by, self._frames = "auto", "cluster", True
        self._input: SceneInput | None = None
        self._measure = QtMeasure()
        self._start = self._target = self._pos

        self._links = LinkLayer(self.vb, Z_LINKS, Z_ARROWS)
        self._points = Scatter(pxMode=True, size=POINT_SIZE, symbol="o", hoverable=True, tip=self._tooltip)
        self._points.setZValue(Z_POINTS)
        self.vb.addItem(self._points)
        self._sample = MovingSample(self, self.vb, self._points, Z_POINTS, self._selected_rows)
        self._pins = Scatter(pxMode=True, size=PIN_BOX, symbol=PIN_MARK, pen=None, brush=pg.mkBrush(PIN))
        self._pins.setZValue(Z_POINTS + 1)
        self.vb.addItem(self._pins)
        self._init_mouse(Z_POINTS + 1)
        self.texts = SceneLayer(self.vb, Z_TEXTS, self.tooltip)  # cards, labels, names, frames and legend
        self.clusters = ClusterOverlay(self.vb)
        self.movement = MovementOverlay(self.vb)
        for name in ("bottom", "left"):  # shown only for the titles of named axes: no line, no ticks
            plot.getAxis(name).setStyle(showValues=False, tickLength=0)
            plot.getAxis(name).setPen(pg.mkPen(None))
            plot.getAxis(name).setTicks([[], []])

        self._label_timer = QTimer(self, singleShot=True, interval=LABEL_DELAY_MS)
        self._label_timer.timeout.connect(self._update_labels)
        self._animation = QVariantAnimation(self, startValue=0.0, endValue=1.0)
        self._animation.setEasingCurve(QEasingCurve.InOutCubic)
        self._animation.valueChanged.connect(self._on_animation_changed)
        self._animation.finished.connect(self._on_animation_finished)
        self.vb.sigRangeChanged.connect(self._on_range_changed)
        self.vb.sigResized.connect(self._label_timer.start)  # the same range on a new size: lay texts out anew

    # ---- public API ------------------------------------------------------------------------------------
    def set_document(self, doc: MapDocument) -> None:
        self._animation.stop()
        self._doc, self._selection, self._highlight = doc, [], None
        self._scales, self.movement.places = None, None
        self._forget_gesture()
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
        self._colors = note_colors(self._doc, self._ids, self._color_by)
        self._input = None
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
        return dict(zip(self._ids, self._points.table["size"].tolist()))

    def set_trails(self, places: dict[str, tuple] | None) -> None:
        """Draw an arrow from each note's place in `places` to where it is now; None removes them."""
        self.movement.places = places
        self._draw()

    def axis_titles(self) -> tuple[str, str]:
        return self._titles

    def fit_all(self) -> None:
        """Fit the whole map into the canvas, as the exported image of the canvas's size fits it."""
        if not self._ids:
            return
        view = fit_view(self._pos, max(int(self.vb.width()), 1), max(int(self.vb.height()), 1))
        x_range, y_range = view.ranges
        self.vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    # ---- read: what the canvas shows -------------------------------------------------------------------
    def note_ids(self) -> list[str]:
        """The notes drawn (those with a 2D place), in document order."""
        return list(self._ids)

    def places(self) -> dict[str, tuple[float, float]]:
        """Where each note is drawn now, in map coordinates: mid-glide or mid-drag, where it is on the way."""
        return {i: (float(x), float(y)) for i, (x, y) in zip(self._ids, self._pos.tolist())}

    def note_pixel(self, note_id: str) -> QPoint | None:
        """The viewport pixel at the centre of the note's point; None for a note not drawn."""
        row = self._row.get(note_id)
        if row is None:
            return None
        x, y = self._pos[row]
        return self.mapFromScene(self.vb.mapViewToScene(QPointF(float(x), float(y))))

    def highlight(self) -> set[str] | None:
        """The notes drawn plainly while the others fade (a search's hits); None when none fade."""
        return None if self._highlight is None else set(self._highlight)

    def gliding(self) -> bool:
        """The points are gliding to new places (animate_to_document)."""
        return self._animation.state() == QAbstractAnimation.Running

    def point_colors(self) -> dict[str, QColor]:
        """Each drawn point's fill colour, with its alpha (faded outside a search's hits)."""
        return {i: brush.color() for i, brush in zip(self._ids, self._points.table["brush"])}

    def shown_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Places (N, 2) and diameters in pixels (N,) of the points on the screen now: every note's, or the
        sample of a big map while its view moves (sampling())."""
        data = (self._sample.thin if self.sampling() else self._points).table
        return np.column_stack([data["x"], data["y"]]), data["size"].copy()

    def sampling(self) -> bool:
        """A big map's view is moving: a sample of its points is drawn, not every one."""
        return self._sample.sampling()

    def pinned(self) -> list[str]:
        """The notes drawn with a pin."""
        return [i for i, pin in zip(self._ids, self._pinned) if pin]

    def drawn_links(self) -> dict[str, list[tuple[str, str]]]:
        """Link kind -> (source, target) of each link drawn as an arrow."""
        return self._links.drawn(self._ids)

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
        self._colors = note_colors(doc, self._ids, self._color_by)
        self._input = None
        self._pinned = np.array([i in view.pins for i in self._ids], dtype=bool)
        self._selection = [i for i in self._selection if i in doc.notes]
        self._links.read(doc, self._row)
        self._read_scales()
        self._read_view(view)

    def _read_view(self, view) -> None:
        """The arrangement's titles, and the live places of a drag in progress."""
        arrangement = Arrangement.of(view.basis)
        self._argument = arrangement.mode == "argument"
        self._show_titles(arrangement.titles())
        self._keep_dragged_places()

    @property
    def no_regions(self) -> bool:
        """Layouts that are not a map of meaning (an argument's rows, a canvas as the user arranged it) show no
        cluster regions: they would cut across it."""
        return self._argument or bool(self._doc is not None and self._doc.imported_arrangement)

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
            plot.getAxis(name).setLabel(title, **{"color": TEXT, "font-size": "10pt", "font-weight": "bold"})

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
        if places_only and len(self._points.table) == len(pos):
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
        self._sample.redrawn()
        self._pins.setData(pos=pos[self._pinned])
        self._links.draw(pos)
        shown = slice(0 if self.no_regions else len(pos))  # clusters cut across an argument's rows: none there
        self._regions = regions
        if not regions:
            self.clusters.hide()  # until the map is finished, with the names of clusters
        elif places_only:
            self.clusters.follow(pos)  # a glide: regions move along, and are reshaped when it ends
        else:
            self.clusters.update(self._doc, self._ids[shown], pos[shown])
        self.movement.update(self._ids, pos)
        self.texts.move(self._pos)

    def _tooltip(self, x, y, data) -> str:
        return self.tooltip(data)

    def _selected_rows(self) -> np.ndarray:
        return np.array([self._row[i] for i in self._selection if i in self._row], dtype=int)

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
        self._sample.view_moved()

    def hideEvent(self, event) -> None:
        self._label_timer.stop()
        self._sample.stop()
        if self._animation.state() == QAbstractAnimation.Running:
            self._animation.stop()
            self._on_animation_finished()
        super().hideEvent(event)

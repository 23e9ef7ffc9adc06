"""The 2D map's mouse: click to select, drag notes to move them, Shift-drag from a note to another to link them,
drag on empty space for a rubber band, double-click to open, right-click for a menu. The view box pans on a right
or middle drag and zooms on the wheel."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QAbstractAnimation, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from instructor_map.app.pg_shim import rubber_band, show_rubber_band, view_transform
from instructor_map.core.palette import SELECTED

PICK_RADIUS = 9  # pixels from a point's centre that still hit it


class MapViewBox(pg.ViewBox):
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
        inverse = pg.functions.invertQTransform(view_transform(self))
        shift = inverse.map(QPointF(ev.lastPos() - ev.pos())) - inverse.map(QPointF(0, 0))
        self.translateBy(x=shift.x(), y=shift.y())


class MouseGestures:
    """The mouse part of MapCanvas2D, which mixes it in: it reads the notes drawn (`_ids`, `_row`, `_pos`) and
    the selection, redraws with `_draw` and `_update_labels`, and emits the canvas's signals. Its view box is a
    MapViewBox."""

    def _init_mouse(self, z: float) -> None:
        """State of the drag in progress, and the line drawn (at z-value `z`) while a link is being drawn."""
        self._dragging: dict[str, np.ndarray] = {}  # note id -> place when the drag began
        self._drag_delta = np.zeros(2)
        self._link_source: str | None = None
        self._link_from = np.zeros(2)
        self._band_adds = False
        self._frame_from: str | None = None  # the group frame a drag of notes began in
        self._drop_group: str | None = None
        self._press_modifiers = Qt.NoModifier  # a drag acts on the keys held when the button went down
        self._link_line = pg.PlotCurveItem(pen=pg.mkPen(SELECTED, width=1.5, style=Qt.DashLine))
        self._link_line.setZValue(z)
        self.vb.addItem(self._link_line)
        self._link_line.hide()
        band = QColor(SELECTED)
        band.setAlpha(28)
        rubber_band(self.vb).setPen(pg.mkPen(SELECTED, width=1, style=Qt.DashLine))
        rubber_band(self.vb).setBrush(QBrush(band))
        self.vb.clicked.connect(self._on_mouse_clicked)
        self.vb.dragged.connect(self._on_mouse_dragged)

    # ---- read ------------------------------------------------------------------------------------------------
    def note_at(self, point: QPoint) -> str | None:
        """The note drawn at this viewport pixel (within PICK_RADIUS), if any."""
        return self._note_at(self.vb.mapFromScene(self.mapToScene(point)))

    def gesture(self) -> str | None:
        """What a left drag in progress shows: "move" (notes follow the mouse), "link" (a line from a note to
        the mouse) or "band" (a rubber band); None when none shows."""
        if self._dragging:
            return "move"
        if self._link_line.isVisible():
            return "link"
        return "band" if rubber_band(self.vb).isVisible() else None

    # ---- state kept across reads -----------------------------------------------------------------------------
    def _forget_gesture(self) -> None:
        self._dragging, self._link_source = {}, None

    def _keep_dragged_places(self) -> None:
        """A drag in progress keeps its live places when the places are read anew."""
        for note_id, start in self._dragging.items():
            if note_id in self._row:
                self._pos[self._row[note_id]] = start + self._drag_delta

    # ---- events ----------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self._press_modifiers = event.modifiers()
        super().mousePressEvent(event)

    def _note_at(self, vb_pos) -> str | None:
        """The note whose point, or else whose card or label, is at this pixel of the view box."""
        if not self._ids:
            return None
        p = self.vb.mapToView(QPointF(vb_pos))
        px, py = self.vb.viewPixelSize()
        d2 = ((self._pos[:, 0] - p.x()) / px) ** 2 + ((self._pos[:, 1] - p.y()) / py) ** 2
        row = int(np.argmin(d2))
        if d2[row] <= PICK_RADIUS**2:
            return self._ids[row]
        text = self.texts.text_at(QPointF(vb_pos))
        return text.owner if text is not None and text.cls == "note" and text.owner in self._row else None

    def _select(self, ids: list[str]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self._selection:
            self.set_selection(ids)
            self.selectionChanged.emit(self.selection())

    def _on_mouse_clicked(self, ev) -> None:
        hit = self._note_at(ev.pos())
        if ev.button() == Qt.LeftButton:
            if ev.double():
                text = self.texts.text_at(QPointF(ev.pos())) if hit is None else None
                if hit is not None:
                    self.noteActivated.emit(hit)
                elif text is not None and text.cls == "cluster-name":
                    self.clusters.renameRequested.emit(int(text.owner))
                elif text is not None and text.cls == "group-name":
                    self.groupRenameRequested.emit(text.owner)
            elif ev.modifiers() & Qt.ControlModifier:
                if hit is not None:
                    toggled = [i for i in self._selection if i != hit]
                    self._select(toggled if hit in self._selection else [*self._selection, hit])
            else:
                self._select([] if hit is None else [hit])
        elif ev.button() == Qt.RightButton:
            if hit is not None and hit not in self._selection:
                self._select([hit])
            group = self.texts.frame_at(QPointF(ev.pos())) if hit is None else None
            if group is not None:
                self.groupMenuRequested.emit(group, ev.screenPos().toPoint())
            else:
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
                self._drop_group = self._group_change(self._frame_from, self.texts.frame_at(QPointF(ev.pos())))
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
            rubber_band(self.vb).hide()
            band = QRectF(origin, now).normalized()
            x, y = self._pos[:, 0], self._pos[:, 1]
            inside = (x >= band.left()) & (x <= band.right()) & (y >= band.top()) & (y <= band.bottom())
            caught = [self._ids[r] for r in np.flatnonzero(inside)]
            self._select([*self._selection, *caught] if self._band_adds else caught)
        else:
            show_rubber_band(self.vb, ev.buttonDownPos(), ev.pos())

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
            self._frame_from = self.texts.frame_at(QPointF(ev.buttonDownPos()))

    def drop_group(self) -> str | None:
        """What the last drag of notes did to their group: the group id whose frame they were dropped into, ""
        when they were dragged out of their group's frame to no frame, None when it changed nothing. Asked once:
        a second call answers None."""
        group, self._drop_group = self._drop_group, None
        return group

    def _group_change(self, start: str | None, end: str | None) -> str | None:
        groups = {self._doc.notes[i].group for i in self._dragging if i in self._doc.notes}
        if end is not None:
            return end if groups != {end} else None
        if start is not None and groups == {start}:
            return ""  # out of the frame they were in, to open space
        return None

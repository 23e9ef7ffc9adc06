"""Keeps the 2D map, the 3D map and the notes list in step with the session: it subscribes to the session's
change events and redraws what each change touched, the visible map at once and the rest a moment later."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QWidget

from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.app.canvas3d import MapView3D
from instructor_map.app.notes_panel import NotesPanel
from instructor_map.core.commands import MoveNotes, SetPinned
from instructor_map.core.events import Aspect, Change
from instructor_map.core.map_commands import ApplyMap, SetArrangement, SetInstruction
from instructor_map.core.session import Session


class MapDisplay(QObject):
    mapFinished = Signal()  # a map arrived with its clusters

    def __init__(self, session: Session, canvas: MapCanvas2D, view3d: MapView3D, notes_panel: NotesPanel,
                 stack: QStackedWidget, welcome: QWidget, tabs: QTabWidget, tab3d: QWidget):
        super().__init__(tabs)
        self.session, self.canvas, self.view3d, self.notes_panel = session, canvas, view3d, notes_panel
        self.stack, self.welcome, self.tabs, self.tab3d = stack, welcome, tabs, tab3d
        self._stale = None  # the map tab not redrawn since the last change
        tabs.currentChanged.connect(self._on_tab_changed)
        session.changed.connect(self._on_changed)

    @property
    def dims(self) -> int:
        """The map shown: 2 or 3."""
        return 3 if self.tabs.currentWidget() is self.tab3d else 2

    def _on_changed(self, change: Change) -> None:
        command = change.command
        if command is None:  # a whole new document
            for view in (self.canvas, self.view3d, self.notes_panel):
                view.set_document(self.session.doc)
            self.refresh()
        elif isinstance(command, ApplyMap) and not change.undone:
            if not command.complete:
                self.refresh(panel=False, partial=True)
            elif command.result.clusters is not None:
                self.refresh(recolor=True)
                self.mapFinished.emit()
            else:  # the whole new map, clusters still to come
                self.refresh(panel=False, animate=True, places_only=True)
        elif isinstance(command, SetInstruction) and not change.touches(Aspect.PLACES):
            return  # the new task's map is on its way
        elif isinstance(command, (SetInstruction, SetArrangement)):
            self.refresh(animate=True, fit=isinstance(command, SetArrangement))
        else:
            self.refresh(panel=not isinstance(command, (MoveNotes, SetPinned)))

    def refresh(self, animate: bool = False, panel: bool = True, partial: bool = False, fit: bool = False,
                recolor: bool = False, places_only: bool = False) -> None:
        """Redraw the visible map now; the hidden map and the notes list a moment later, so no frame waits.
        `recolor`: only clusters changed, the places are those drawn; `places_only`: only places changed."""
        self.stack.setCurrentWidget(self.tabs if self.session.doc.notes else self.welcome)
        if self.dims == 2:
            if recolor:
                self.canvas.recolor()
            elif animate:
                self.canvas.animate_to_document(fit=fit, places_only=places_only)
            else:
                self.canvas.refresh(partial=partial)
                if fit:
                    self.canvas.fit_all()
            self._stale = self.view3d
        else:
            self.view3d.refresh()
            self._stale = self.canvas
        if panel:
            QTimer.singleShot(0, self.notes_panel.refresh)

    def _on_tab_changed(self, _index: int) -> None:
        # The 3D view joins the window when its tab is first opened: an OpenGL widget in a window makes Qt compose
        # every repaint of that window through OpenGL, which costs 3-4x more where GL is software (Mesa).
        if self.dims == 3 and self.view3d.parent() is None:
            self.tab3d.layout().addWidget(self.view3d)
        view = self.view3d if self.dims == 3 else self.canvas
        if view is self._stale:
            view.refresh()
            self._stale = None

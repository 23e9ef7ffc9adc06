"""The main window: task bar, 2D/3D map, side panels and status bar, and the wiring between them.

The window holds one core Session and the controllers that act on it: files (ProjectFiles), the mapping loop
(Mapping), note and map actions, and the display that redraws on the session's change events. It passes each
controller what it needs; none of them reaches back into the window.
"""
from __future__ import annotations

import gc
import threading
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from instructor_map.app import dialogs
from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.app.canvas3d import MapView3D
from instructor_map.app.cluster_actions import ClusterActions
from instructor_map.app.files import ProjectFiles
from instructor_map.app.group_actions import GroupActions
from instructor_map.app.insights_panel import InsightsPanel
from instructor_map.app.instruction_bar import InstructionBar
from instructor_map.app.map_actions import MapActions
from instructor_map.app.map_display import MapDisplay
from instructor_map.app.map_progress import FirstMapProgress, MapProgress
from instructor_map.app.mapping import Mapping
from instructor_map.app.menus import MenuTargets, build_menus
from instructor_map.app.model_manager import Models
from instructor_map.app.note_actions import NoteActions
from instructor_map.app.notes_panel import NotesPanel
from instructor_map.app.startup import after_first_paint
from instructor_map.app.status_bar import StatusBar
from instructor_map.app.suggestions_panel import SuggestionsPanel
from instructor_map.app.welcome import WelcomePage
from instructor_map.app.worker import Worker
from instructor_map.core.document import MapDocument
from instructor_map.core.events import Aspect, Change
from instructor_map.core.session import Session

AUTOSAVE_MS = 60_000


_WARMING: list[threading.Thread] = []


def warm_imports() -> None:
    """Load what maps need (scipy, scikit-learn, networkx) in the background once the window has painted: before
    it, they would hold the window back; on the window's thread, they would freeze it for a second; in the worker
    mid-map, the import would hold the interpreter and stall the window."""
    def load() -> None:
        import networkx  # noqa: F401
        import scipy.linalg  # noqa: F401
        import scipy.spatial  # noqa: F401
        import sklearn.decomposition  # noqa: F401

        gc.freeze()  # as the window's own objects (below)

    thread = threading.Thread(target=load, name="warm imports", daemon=True)
    _WARMING.append(thread)
    thread.start()


def finish_warm_imports(timeout: float = 10.0) -> None:
    """Wait for the background imports before the interpreter shuts down: an import cut off by the shutdown (a
    window closed at once) would end in a traceback."""
    for thread in _WARMING:
        thread.join(timeout)


class MainWindow(QMainWindow):
    def __init__(self, model: str | None = None, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("Instructor Map", "Instructor Map")
        self.session = Session()
        self.worker = Worker(self)
        self._build_ui()
        self.display = MapDisplay(self.session, self.canvas, self.view3d, self.notes_panel, self.stack, self.welcome,
                                  self.tabs, self._tab3d)
        self.mapping = Mapping(self.session, self.worker, self.settings, model, self)
        # downloads, the model manager and the first start's question: before the preload below
        self.models = Models(self.mapping, self.settings, self.instruction_bar, self.status, self)
        self.first_map = FirstMapProgress(self.map_progress, self.session, self.mapping)
        self.files = ProjectFiles(self.session, self.settings, self)
        self.cluster_actions = ClusterActions(self.session, self)
        self.group_actions = GroupActions(self.session, self, self.selection)
        self.note_actions = NoteActions(self.session, self, self.selection, lambda: self.display.dims,
                                        self.cluster_actions)
        self.map_actions = MapActions(self.session, self.mapping, self, self._wanted_answers,
                                      lambda: self.suggestions_panel.threshold)
        self._connect()
        self.undo_action, self.redo_action = build_menus(MenuTargets(
            self, self.session, self.files, self.note_actions, self.cluster_actions, self.map_actions, self.mapping,
            self.display,
            self.canvas, self.view3d, self.notes_panel.search, self.escape, self.group_actions))
        self.session.changed.connect(self._on_session_changed)
        self.autosave_timer = QTimer(self, interval=AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.files.autosave)
        self.autosave_timer.start()
        self.setAcceptDrops(True)
        self.restoreGeometry(self.settings.value("geometry") or b"")
        self.session.replace(MapDocument())
        QTimer.singleShot(0, self.files.offer_untitled_recovery)
        after_first_paint(self, warm_imports)
        self.mapping.preload()
        # The ~200,000 objects of the libraries and the window live as long as the app: frozen, a full garbage
        # collection skips them instead of stalling the window for 80-190 ms each time.
        gc.freeze()

    @property
    def doc(self) -> MapDocument:
        return self.session.doc

    # ---- layout ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.instruction_bar = InstructionBar()
        self.canvas = MapCanvas2D()
        self.map_progress = MapProgress(self.canvas)  # over the map while its first map is on its way
        self.view3d = MapView3D()  # joins the window when its tab is first opened (MapDisplay)
        self._tab3d = QWidget()
        QVBoxLayout(self._tab3d).setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.canvas, "2D map")
        self.tabs.addTab(self._tab3d, "3D map")
        self.welcome = WelcomePage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.tabs)
        self.notes_panel = NotesPanel()
        self.suggestions_panel = SuggestionsPanel()
        self.insights_panel = InsightsPanel()
        self.side = QTabWidget()
        self.side.addTab(self.notes_panel, "Notes")
        self.side.addTab(self.suggestions_panel, "Suggestions")
        self.side.addTab(self.insights_panel, "Insights")
        splitter = QSplitter()
        splitter.addWidget(self.stack)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([900, 340])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.instruction_bar)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.model_label, self.progress, self.cancel_button = (self.status.model_label, self.status.progress,
                                                               self.status.cancel_button)
        self.resize(1280, 820)

    def _connect(self) -> None:
        """Signals of the views and controllers to the slots that serve them."""
        status = self.statusBar().showMessage
        self.instruction_bar.instructionApplied.connect(self.session.set_instruction)
        self.cancel_button.clicked.connect(self.mapping.cancel)
        for view in (self.canvas, self.view3d, self.notes_panel, self.insights_panel):
            view.selectionChanged.connect(self._on_selection_changed)
        self.notes_panel.searchChanged.connect(self._on_search_changed)
        self.display.mapFinished.connect(self._on_map_finished)
        self.mapping.busyChanged.connect(self.status.show_progress)
        self.mapping.progressChanged.connect(self.status.set_progress)
        self.mapping.failed.connect(lambda message: dialogs.error(self, "Could not build the map", message))
        self.mapping.message.connect(status)
        self.mapping.modelLoaded.connect(self.status.set_model)
        self.files.message.connect(status)
        self.welcome.importRequested.connect(self.files.import_chosen)
        self.welcome.pasteRequested.connect(self.files.paste_notes)
        self.welcome.openRequested.connect(self.files.open_path)
        self.files.pathChanged.connect(self._update_title)
        notes, canvas, panel = self.note_actions, self.canvas, self.notes_panel
        canvas.notesMoved.connect(self._on_notes_moved)
        canvas.groupRenameRequested.connect(self.group_actions.rename)
        canvas.groupMenuRequested.connect(lambda group, at: self.group_actions.menu_for_group(group).popup(at))
        self.group_actions.selectRequested.connect(self.select)
        canvas.noteActivated.connect(notes.edit)
        self.view3d.noteActivated.connect(notes.edit)
        canvas.contextMenuRequested.connect(notes.context_menu)
        canvas.linkRequested.connect(notes.link)
        canvas.clusters.renameRequested.connect(self.cluster_actions.rename)
        panel.addRequested.connect(notes.add_note)
        panel.editRequested.connect(notes.edit)
        panel.deleteRequested.connect(notes.delete)
        maps, suggestions = self.map_actions, self.suggestions_panel
        maps.trailsChanged.connect(canvas.set_trails)
        maps.sizesChanged.connect(canvas.set_sizes)
        maps.highlightChanged.connect(self._on_like_changed)
        maps.rowsChanged.connect(lambda section, title, rows: self.insights_panel.show_rows(
            section, self.doc, title, rows))
        maps.suggestionsChanged.connect(lambda answer: suggestions.show_suggestions(self.doc, *answer))
        maps.selectRequested.connect(self.select)
        maps.insightsRequested.connect(lambda: self.side.setCurrentWidget(self.insights_panel))
        maps.message.connect(status)
        suggestions.linkAccepted.connect(lambda a, b: notes.link(a, b, "related"))
        suggestions.selectRequested.connect(self.select)
        suggestions.deleteRequested.connect(notes.delete)
        suggestions.thresholdChanged.connect(lambda _: maps.schedule_refresh())  # once the slider rests
        self.side.currentChanged.connect(lambda _: maps.schedule_refresh())

    # ---- the session -----------------------------------------------------------------------------------
    def _on_session_changed(self, change: Change) -> None:
        if change.touches(Aspect.TASK):
            self.instruction_bar.set_instruction(self.doc.instruction, self.doc.instruction_history)
        if change.command is None:
            self.suggestions_panel.reset(self.doc)
            self.insights_panel.clear()
        stack = self.session.stack
        self.undo_action.setEnabled(stack.can_undo)
        self.undo_action.setText(f"&Undo {stack.undo_label}".rstrip())
        self.redo_action.setEnabled(stack.can_redo)
        self.redo_action.setText(f"&Redo {stack.redo_label}".rstrip())
        self._update_title()

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.name}[*] — Instructor Map")
        self.setWindowModified(self.session.modified)

    def _on_map_finished(self) -> None:
        if self.notes_panel.search.text():
            self._on_search_changed()

    def _wanted_answers(self) -> dict[str, bool]:
        side = self.side.currentWidget()
        return {"relevance": side is self.insights_panel, "suggest": side is self.suggestions_panel}

    def escape(self) -> None:
        """Esc: cancel the embedding that runs; else clear the search, the comparison and the notes found like a
        text."""
        if self.mapping.busy:
            self.mapping.cancel()
            return
        self.notes_panel.search.clear()
        self.map_actions.escape()

    # ---- selection and search --------------------------------------------------------------------------
    def _on_selection_changed(self, ids: list) -> None:
        for view in (self.canvas, self.view3d, self.notes_panel):
            if view is not self.sender():
                view.set_selection(ids)

    def selection(self) -> list[str]:
        return self.canvas.selection()

    def _on_notes_moved(self, places: dict) -> None:
        """A drag ended: into another group's frame, or out of its own, it also changes the notes' group."""
        group = self.canvas.drop_group()
        if group is None:
            self.note_actions.move(2, places)
        else:
            self.group_actions.move_into(2, places, group)

    def select(self, ids: list[str]) -> None:
        for view in (self.canvas, self.view3d, self.notes_panel):
            view.set_selection(ids)

    def _on_search_changed(self, _text: str = "") -> None:
        hits = self.notes_panel.matches()
        self.canvas.set_highlight(hits)
        self.view3d.set_highlight(hits)

    def _on_like_changed(self, ids) -> None:
        if ids is None:
            self._on_search_changed()  # back to the search's highlight, if any
        else:
            self.canvas.set_highlight(ids)
            self.view3d.set_highlight(ids)

    # ---- Qt events -------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        projects = [p for p in paths if p.suffix.lower() == ".imap"]
        if projects:
            self.files.open_path(projects[0])
        else:
            self.files.import_paths(paths)
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.closing()
        self.settings.setValue("geometry", self.saveGeometry())
        self.autosave_timer.stop()
        self.mapping.stop()
        self.models.stop()
        event.accept()

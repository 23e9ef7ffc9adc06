"""The main window: task bar, 2D/3D map, notes panel, status bar; file handling and the edit loop."""
from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from instructor_map.app import dialogs
from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.app.canvas3d import MapView3D
from instructor_map.app.insights_panel import InsightsPanel
from instructor_map.app.instruction_bar import InstructionBar
from instructor_map.app.map_actions import MapActions
from instructor_map.app.menus import build_menus
from instructor_map.app.note_actions import NoteActions
from instructor_map.app.notes_panel import NotesPanel
from instructor_map.app.suggestions_panel import SuggestionsPanel
from instructor_map.app.undo import CoreUndoCommand
from instructor_map.app.welcome import WelcomePage
from instructor_map.app.worker import WorkerThread
from instructor_map.core import commands as cmds
from instructor_map.core.arrangement import Arrangement
from instructor_map.core.document import MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.importers import import_file, import_text
from instructor_map.core.pipeline import MapRequest
from instructor_map.core.project_file import discard_autosave, load_project, recovery_for, save_project, write_autosave
from instructor_map.core.queries import MapSnapshot

AUTOSAVE_MS = 60_000
RECOMPUTE_DELAY_MS = 250
RECENT_MAX = 8
_REMAPPING = (cmds.SetInstruction, cmds.AddNotes, cmds.DeleteNotes, cmds.SetNoteField)


class MainWindow(QMainWindow):
    def __init__(self, model: str | None = None, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("Instructor Map", "Instructor Map")
        self.model = model if model is not None else (self.settings.value("model") or None)
        self.device = str(self.settings.value("device") or "auto")
        self.fast = self.settings.value("fast", False, type=bool)
        self.doc = MapDocument()
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda clean: self.setWindowModified(not clean))
        self.worker = WorkerThread(self)
        self.worker.worker.progress.connect(self._on_worker_progress)
        self.worker.worker.partial.connect(self._on_worker_partial)
        self.worker.worker.finished.connect(self._on_worker_finished)
        self.worker.worker.failed.connect(self._on_worker_failed)
        self.worker.worker.cancelled.connect(self._on_worker_cancelled)
        self.worker.worker.modelLoaded.connect(self._on_model_loaded)
        self._running: MapRequest | None = None
        self._build_ui()
        self.actions = NoteActions(self)
        self.map_actions = MapActions(self)
        build_menus(self)
        self._recompute_timer = QTimer(self, singleShot=True, interval=RECOMPUTE_DELAY_MS)
        self._recompute_timer.timeout.connect(self.recompute)
        self._autosave_timer = QTimer(self, interval=AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        self._autosave_timer.start()
        self.setAcceptDrops(True)
        self.restoreGeometry(self.settings.value("geometry") or b"")
        self.set_document(MapDocument(), None)
        QTimer.singleShot(0, self._offer_untitled_recovery)
        self.worker.preload(self.model, self.device, self.fast)
        # The ~200,000 objects of the libraries and the window live as long as the app: frozen, a full garbage
        # collection skips them instead of stalling the window for 80-190 ms each time.
        gc.freeze()

    # ---- layout ----------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.instruction_bar = InstructionBar()
        self.instruction_bar.instructionApplied.connect(self._on_instruction_applied)
        self.canvas = MapCanvas2D()
        # The 3D view joins the window when its tab is first opened: an OpenGL widget in a window makes Qt compose
        # every repaint of that window through OpenGL, which costs 3-4x more where GL is software (Mesa).
        self.view3d = MapView3D()
        self._tab3d = QWidget()
        QVBoxLayout(self._tab3d).setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.canvas, "2D map")
        self.tabs.addTab(self._tab3d, "3D map")
        self._stale_view = None  # the map tab not redrawn since the last change
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.welcome = WelcomePage(self)
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
        self.model_label = QLabel("Model: loading…")
        self.progress = QProgressBar(maximumWidth=220, textVisible=True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.statusBar().addPermanentWidget(self.model_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self._show_progress(False)
        for view in (self.canvas, self.view3d, self.notes_panel, self.insights_panel):
            view.selectionChanged.connect(self._on_selection_changed)
        self.notes_panel.searchChanged.connect(self._on_search_changed)
        self.resize(1280, 820)

    def _show_progress(self, visible: bool) -> None:
        self.progress.setVisible(visible)
        self.cancel_button.setVisible(visible)

    # ---- document --------------------------------------------------------------------------------------
    def set_document(self, doc: MapDocument, path: Path | None) -> None:
        self.worker.cancel()
        self._running = None
        self.doc, self.path = doc, path
        self.undo_stack.clear()
        for view in (self.canvas, self.view3d, self.notes_panel):
            view.set_document(doc)
        self.map_actions.reset()
        self.instruction_bar.set_instruction(doc.instruction, doc.instruction_history)
        self._update_title()
        self._refresh(animate=False)
        if doc.notes and any(n not in doc.placements[2].positions for n in doc.notes):
            self.schedule_recompute()

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Instructor Map")
        self.setWindowModified(not self.undo_stack.isClean())

    def push(self, command: cmds.Command) -> None:
        """Every edit goes through here, so every edit can be undone."""
        self.undo_stack.push(CoreUndoCommand(command, self.doc, self._on_command_applied))

    def _on_command_applied(self, command: cmds.Command) -> None:
        if isinstance(command, cmds.SetInstruction):
            self.instruction_bar.set_instruction(self.doc.instruction, self.doc.instruction_history)
        swapped = isinstance(command, cmds.SetArrangement)  # another layout: glide there, then show all of it
        animate = swapped or (isinstance(command, cmds.SetInstruction) and command.after is not None)
        waits = isinstance(command, cmds.SetInstruction) and command.after is None  # for the new task's layout
        if not waits:
            self._refresh(animate=animate, panel=not isinstance(command, (cmds.MoveNotes, cmds.SetPinned)),
                          fit=swapped)
        self.map_actions.schedule_refresh()
        remaps = isinstance(command, _REMAPPING) and (not isinstance(command, cmds.SetNoteField)
                                                       or command.field == "text")
        if isinstance(command, cmds.SetInstruction) and command.after is not None and self._cached_complete():
            remaps = False  # undo/redo of a finished instruction change restores its layout
        if remaps and isinstance(command, cmds.SetInstruction):
            self._recompute_timer.stop()
            self.recompute()  # a task applied on purpose: nothing to wait for
        elif remaps and not isinstance(command, cmds.DeleteNotes):
            self.schedule_recompute()

    def _cached_complete(self) -> bool:
        return self.doc.embeddings.has_all(self.doc.model, self.doc.instruction, self.doc.texts())

    def _refresh(self, animate: bool = False, panel: bool = True, partial: bool = False, fit: bool = False,
                 recolor: bool = False, places_only: bool = False) -> None:
        """Redraw the visible map now; the hidden map and the notes list a moment later, so no frame waits.
        `recolor`: only clusters changed, the places are those drawn; `places_only`: only places changed."""
        self.stack.setCurrentWidget(self.tabs if self.doc.notes else self.welcome)
        if self.tabs.currentWidget() is self.canvas:
            if recolor:
                self.canvas.recolor()
            elif animate:
                self.canvas.animate_to_document(fit=fit, places_only=places_only)
            else:
                self.canvas.refresh(partial=partial)
                if fit:
                    self.canvas.fit_all()
            self._stale_view = self.view3d
        else:
            self.view3d.refresh()
            self._stale_view = self.canvas
        if panel:
            QTimer.singleShot(0, self.notes_panel.refresh)

    def _on_tab_changed(self, index: int) -> None:
        view = self.view3d if self.tabs.widget(index) is self._tab3d else self.canvas
        if view is self.view3d and self.view3d.parent() is None:
            self._tab3d.layout().addWidget(self.view3d)
        if view is self._stale_view:
            self._stale_view.refresh()
            self._stale_view = None

    # ---- mapping ---------------------------------------------------------------------------------------
    def schedule_recompute(self) -> None:
        self._recompute_timer.start()

    def recompute(self) -> None:
        if not self.doc.notes:
            return
        self._running = MapRequest.from_document(self.doc)
        arranged = not Arrangement.of(self.doc.placements[2].basis).plain  # argument layout or named axes
        self.worker.submit(self._running, self.doc.embeddings, self.model, self.device, self.fast,
                           MapSnapshot.of(self.doc) if arranged else None)
        self.progress.setRange(0, 0)
        self.progress.setFormat("Loading model…" if self.worker.worker.encoder is None else "Embedding…")
        self._show_progress(True)

    def cancel(self) -> None:
        self.worker.cancel()

    def escape(self) -> None:
        """Esc: cancel the embedding that runs, else hide the comparison and the notes found like a text."""
        if self.busy:
            self.cancel()
        else:
            self.map_actions.escape()

    @property
    def busy(self) -> bool:
        return self._running is not None

    @property
    def settled(self) -> bool:
        """No map is being built or about to be."""
        return not self.busy and not self._recompute_timer.isActive()

    def _on_instruction_applied(self, text: str) -> None:
        if not self.doc.notes:
            self.doc.set_instruction(text)  # nothing to map yet; remembered for the first import
            return
        if text != self.doc.instruction or not self._cached_complete():
            self.push(cmds.SetInstruction(text))

    def _on_worker_progress(self, job: int, done: int, total: int) -> None:
        if job == self.worker.latest and total:
            # QProgressBar repaints at once on every new value (13 ms each here): let it join the next frame
            self.progress.setUpdatesEnabled(False)
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat("Embedding %v/%m")
            self.progress.setUpdatesEnabled(True)
            self.progress.update()

    def _on_worker_partial(self, job: int, result) -> None:
        if job != self.worker.latest:
            return
        complete = len(result.ids) == len(self.doc.notes)  # the whole new map, clusters still to come
        for dims, layout in result.layouts.items():
            places = layout.places(self.doc.notes)
            if complete:
                self.doc.placements[dims].positions = places
            else:
                self.doc.placements[dims].positions.update(places)
        self._refresh(panel=False, partial=not complete, animate=complete, places_only=complete)

    def _on_worker_finished(self, job: int, result) -> None:
        if job != self.worker.latest:
            return
        self._running = None
        self._show_progress(False)
        if result.instruction != self.doc.instruction:
            return  # the task changed meanwhile; a newer job follows
        encoder = self.worker.worker.encoder
        self.doc.model, self.doc.model_kind = encoder.model_id, encoder.kind
        result.apply(self.doc)
        top = self.undo_stack.command(self.undo_stack.index() - 1)
        if isinstance(top, CoreUndoCommand) and isinstance(top.command, cmds.SetInstruction):
            top.command.after = cmds.MapState(self.doc)
        if encoder.truncated:
            self.statusBar().showMessage(f"{encoder.truncated} long note(s) were truncated to "
                                         f"{encoder.max_seq_length} tokens", 8000)
        self._refresh(panel=True, recolor=True)
        if self.notes_panel.search.text():
            self._on_search_changed(self.notes_panel.search.text())
        self.map_actions.schedule_refresh()

    def _restore_previous(self) -> None:
        if self._running is not None:
            for dims, positions in self._running.previous.items():
                self.doc.placements[dims].positions = dict(positions)
        self._running = None
        self._show_progress(False)
        self._refresh()

    def _on_worker_failed(self, job: int, message: str) -> None:
        if job == self.worker.latest:
            self._restore_previous()
            dialogs.error(self, "Could not build the map", message)

    def _on_worker_cancelled(self, job: int) -> None:
        if job == self.worker.latest:
            self._restore_previous()
            self.statusBar().showMessage("Cancelled; the previous map is kept", 5000)

    def _on_model_loaded(self, encoder) -> None:
        text = f"Model: {encoder.description}"
        if not encoder.spec.instruction_tuned:
            text = f"⚠ {text}"
            self.model_label.setToolTip("This offline model is not instruction-tuned: the task changes the map "
                                        "only a little. Install hkunlp/instructor-large for task-aware maps.")
        self.model_label.setText(text)
        if encoder.spec.message:
            self.statusBar().showMessage(encoder.spec.message, 15000)

    # ---- selection and search --------------------------------------------------------------------------
    def _on_selection_changed(self, ids: list) -> None:
        for view in (self.canvas, self.view3d, self.notes_panel):
            if view is not self.sender():
                view.set_selection(ids)

    def selection(self) -> list[str]:
        return self.canvas.selection()

    def select(self, ids: list[str]) -> None:
        for view in (self.canvas, self.view3d, self.notes_panel):
            view.set_selection(ids)

    def _on_search_changed(self, text: str) -> None:
        hits = self.notes_panel.matches()
        self.canvas.set_highlight(hits)
        self.view3d.set_highlight(hits)

    # ---- files -----------------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        if self.undo_stack.isClean():
            return True
        answer = dialogs.ask_save_changes(self, self.path.name if self.path else "Untitled")
        return answer == "discard" or (answer == "save" and self.save())

    def new(self) -> None:
        if self.maybe_save():
            self.set_document(MapDocument(instruction=self.doc.instruction), None)

    def open_path(self, path) -> bool:
        path = Path(path)
        if path.suffix.lower() != ".imap":
            return self.import_paths([path])
        if not self.maybe_save():
            return False
        try:
            source, recovered = path, False
            backup = recovery_for(path)
            if backup is not None and dialogs.ask_recover(self, path.name):
                source, recovered = backup, True
            doc = load_project(source)
        except (InputError, OSError) as exc:
            dialogs.error(self, "Could not open the project", str(exc))
            return False
        self.set_document(doc, path)
        if recovered:
            self.undo_stack.resetClean()  # the recovered edits stay unsaved until the user saves
        self._add_recent(path)
        return True

    def import_paths(self, paths) -> bool:
        for path in paths:
            try:
                result = import_file(path, doc=self.doc)
            except (InputError, OSError) as exc:
                dialogs.error(self, "Could not import", str(exc))
                return False
            self._add_import(result, Path(path).name)
        return True

    def paste_notes(self, text: str | None = None) -> None:
        text = text if text is not None else dialogs.get_text(
            self, "Paste notes", "One note per line, or blank-line-separated paragraphs:", multiline=True)
        if not text or not text.strip():
            return
        fmt = "text" if "\n\n" in text.replace("\r\n", "\n").strip() else "lines"
        try:
            self._add_import(import_text(text, fmt=fmt, doc=self.doc), "pasted notes")
        except InputError as exc:
            dialogs.error(self, "Could not paste", str(exc))

    def _add_import(self, result, name: str) -> None:
        command = cmds.AddNotes(result.notes, result.links, result.places)
        self.doc.groups.update({g.id: g for g in result.groups})
        self.push(command)
        message = f"Imported {len(result.notes)} notes from {name}"
        if result.warnings:
            message += f" ({'; '.join(result.warnings[:2])})"
        self.statusBar().showMessage(message, 8000)

    def save(self) -> bool:
        return self.save_as(self.path) if self.path else self.save_as(None)

    def save_as(self, path=None) -> bool:
        path = path or dialogs.save_path(self, "Save project", dialogs.PROJECT_FILTER, "map.imap")
        if not path:
            return False
        path = Path(path).with_suffix(".imap") if Path(path).suffix.lower() != ".imap" else Path(path)
        try:
            save_project(self.doc, path)
        except (InputError, OSError) as exc:
            dialogs.error(self, "Could not save", str(exc))
            return False
        discard_autosave(path)
        if self.path is None:
            discard_autosave(self.untitled_path)
        self.path = path
        self.undo_stack.setClean()
        self._update_title()
        self._add_recent(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    @property
    def untitled_path(self) -> Path:
        """Where an unsaved document's autosave lives: beside the settings file."""
        return Path(self.settings.fileName()).parent / "Untitled.imap"

    def autosave(self) -> None:
        if not self.undo_stack.isClean() and self.doc.notes:
            try:
                self.untitled_path.parent.mkdir(parents=True, exist_ok=True)
                write_autosave(self.doc, self.path or self.untitled_path)
            except (InputError, OSError) as exc:
                self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)

    def _offer_untitled_recovery(self) -> None:
        backup = recovery_for(self.untitled_path)
        if backup is None or self.doc.notes:
            return
        if dialogs.ask_recover(self, "An unsaved map"):
            try:
                self.set_document(load_project(backup), None)
                self.undo_stack.resetClean()
                return
            except InputError as exc:
                dialogs.error(self, "Could not recover", str(exc))
        discard_autosave(self.untitled_path)

    def recent_files(self) -> list[str]:
        return [p for p in (self.settings.value("recent") or []) if Path(p).exists()]

    def _add_recent(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent", recent[:RECENT_MAX])

    # ---- Qt events -------------------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        projects = [p for p in paths if p.suffix.lower() == ".imap"]
        if projects:
            self.open_path(projects[0])
        else:
            self.import_paths(paths)
        event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        discard_autosave(self.path or self.untitled_path)
        self.settings.setValue("geometry", self.saveGeometry())
        self._autosave_timer.stop()
        self._recompute_timer.stop()
        self.worker.stop()
        event.accept()

"""File handling: new, open, import, paste, save, autosave and recovery, and the recent files.

Everything that reaches the document goes through the session: an opened project replaces its document, an
import is one undoable command. Errors become one dialog each; nothing is written behind the user's back.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from instructor_map.app import SAMPLES, dialogs
from instructor_map.core.document import MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.importers import import_file, import_text
from instructor_map.core.project_file import discard_autosave, load_project, recovery_for, save_project, write_autosave
from instructor_map.core.session import Session

RECENT_MAX = 8


class ProjectFiles(QObject):
    pathChanged = Signal()  # the project's file, or whether it has unsaved changes
    message = Signal(str, int)  # status bar text, how long to show it (ms)

    def __init__(self, session: Session, settings: QSettings, parent: QWidget):
        super().__init__(parent)
        self.session, self.settings, self.parent_widget = session, settings, parent
        self.path: Path | None = None
        self.suggested = "map.imap"  # what Save As offers for an untitled map

    @property
    def name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def _open_document(self, doc: MapDocument, path: Path | None, modified: bool = False) -> None:
        self.path, self.suggested = path, "map.imap"
        self.session.replace(doc)
        if modified:
            self.session.stack.set_dirty()  # recovered edits stay unsaved until the user saves
        self.pathChanged.emit()

    # ---- new and open --------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        if not self.session.modified:
            return True
        answer = dialogs.ask_save_changes(self.parent_widget, self.name)
        return answer == "discard" or (answer == "save" and self.save())

    def new(self) -> None:
        if self.maybe_save():
            self._open_document(MapDocument(instruction=self.session.doc.instruction), None)

    def open_path(self, path) -> bool:
        path = Path(path)
        if path.suffix.lower() != ".imap":
            return self.import_paths([path])
        if not self.maybe_save():
            return False
        sample = path.resolve().parent == SAMPLES.resolve()
        try:
            source, recovered = path, False
            backup = None if sample else recovery_for(path)
            if backup is not None and dialogs.ask_recover(self.parent_widget, path.name):
                source, recovered = backup, True
            doc = load_project(source)
        except (InputError, OSError) as exc:
            dialogs.error(self.parent_widget, "Could not open the project", str(exc))
            return False
        if sample:  # a copy to play with: saving asks where, and the sample stays as it is
            self._open_document(doc, None)
            self.suggested = path.name
            self.message.emit(f"Opened the sample {path.name} as an untitled copy", 8000)
            return True
        self._open_document(doc, path, modified=recovered)
        self._add_recent(path)
        return True

    # ---- import and paste ----------------------------------------------------------------------------
    def import_chosen(self) -> bool:
        """Import the files the user picks."""
        return self.import_paths(dialogs.open_paths(self.parent_widget, "Import notes", dialogs.IMPORT_FILTER))

    def import_paths(self, paths) -> bool:
        for path in paths:
            try:
                result = import_file(path, doc=self.session.doc)
            except (InputError, OSError) as exc:
                dialogs.error(self.parent_widget, "Could not import", str(exc))
                return False
            self._add_import(result, Path(path).name)
        return True

    def paste_notes(self, text: str | None = None) -> None:
        if text is None:
            text = dialogs.get_text(self.parent_widget, "Paste notes",
                                    "One note per line, or blank-line-separated paragraphs:", multiline=True)
        if not text or not text.strip():
            return
        fmt = "text" if "\n\n" in text.replace("\r\n", "\n").strip() else "lines"
        try:
            self._add_import(import_text(text, fmt=fmt, doc=self.session.doc), "pasted notes")
        except InputError as exc:
            dialogs.error(self.parent_widget, "Could not paste", str(exc))

    def _add_import(self, result, name: str) -> None:
        self.session.import_notes(result.notes, result.links, result.places, result.groups)
        message = f"Imported {len(result.notes)} notes from {name}"
        if result.warnings:
            message += f" ({'; '.join(result.warnings[:2])})"
        self.message.emit(message, 8000)
        self.pathChanged.emit()

    # ---- save ----------------------------------------------------------------------------------------
    def save(self) -> bool:
        return self.save_as(self.path)

    def save_as(self, path=None) -> bool:
        suggested = str(self.path) if self.path else self.suggested
        path = path or dialogs.save_path(self.parent_widget, "Save project", dialogs.PROJECT_FILTER, suggested)
        if not path:
            return False
        path = Path(path).with_suffix(".imap") if Path(path).suffix.lower() != ".imap" else Path(path)
        try:
            save_project(self.session.doc, path)
        except (InputError, OSError) as exc:
            dialogs.error(self.parent_widget, "Could not save", str(exc))
            return False
        discard_autosave(path)
        if self.path is None:
            discard_autosave(self.untitled_path)
        self.path = path
        self.session.stack.set_clean()
        self.pathChanged.emit()
        self._add_recent(path)
        self.message.emit(f"Saved {path.name}", 4000)
        return True

    @property
    def untitled_path(self) -> Path:
        """Where an unsaved document's autosave lives: beside the settings file."""
        return Path(self.settings.fileName()).parent / "Untitled.imap"

    def autosave(self) -> None:
        if self.session.modified and self.session.doc.notes:
            try:
                self.untitled_path.parent.mkdir(parents=True, exist_ok=True)
                write_autosave(self.session.doc, self.path or self.untitled_path)
            except (InputError, OSError) as exc:
                self.message.emit(f"Autosave failed: {exc}", 8000)

    def offer_untitled_recovery(self) -> None:
        backup = recovery_for(self.untitled_path)
        if backup is None or self.session.doc.notes:
            return
        if dialogs.ask_recover(self.parent_widget, "An unsaved map"):
            try:
                self._open_document(load_project(backup), None, modified=True)
                return
            except InputError as exc:
                dialogs.error(self.parent_widget, "Could not recover", str(exc))
        discard_autosave(self.untitled_path)

    def closing(self) -> None:
        """The window closes with the user's consent: the autosave is no longer needed."""
        discard_autosave(self.path or self.untitled_path)

    # ---- recent files --------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return [p for p in (self.settings.value("recent") or []) if Path(p).exists()]

    def _add_recent(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.settings.setValue("recent", recent[:RECENT_MAX])

"""The session: one document, its one undo stack, and the typed change events that views subscribe to.

Every change to the document goes through here as a command: edits, imports, the task, and the maps the
pipeline computes (amendments of the edit that asked for them). The app, the command line and the tests drive
the same Session; it knows no Qt and no threads. A map is computed by `pipeline.run` for a MapJob that the
session hands out, and its results come back through `apply_map`, which drops a result that no longer fits.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from instructor_map.core import pipeline
from instructor_map.core.commands import AddNotes, Command, CommandStack
from instructor_map.core.document import MapDocument
from instructor_map.core.events import Aspect, Change, Emitter
from instructor_map.core.map_commands import ApplyMap, SetInstruction
from instructor_map.core.pipeline import MapRequest, MapResult, TaskState


@dataclass
class MapJob:
    """One computation of the map: what it was asked for, and the edit it belongs to."""

    request: MapRequest
    anchor: Command | None  # the newest edit when the job was made; None: the document as opened
    stack: CommandStack  # the history of the document it was made for
    applied: ApplyMap | None = field(default=None, repr=False)  # what of it is in the document so far


class Session:
    def __init__(self, doc: MapDocument | None = None):
        self.doc = doc if doc is not None else MapDocument()
        self.stack = CommandStack(self.doc)
        self.changed: Emitter[Change] = Emitter()

    # ---- the document as a whole ---------------------------------------------------------------------
    def replace(self, doc: MapDocument) -> None:
        """A new or opened document: the history starts again, and everything has changed."""
        self.doc = doc
        self.stack = CommandStack(doc)
        self.changed.emit(Change(Aspect.ALL, remap=self.needs_map))

    @property
    def needs_map(self) -> bool:
        """Some note has no computed place yet."""
        positions = self.doc.placements[2].positions
        return any(n not in positions for n in self.doc.notes)

    @property
    def map_complete(self) -> bool:
        """Every note has its computed place and its vector for the current model and task."""
        doc = self.doc
        return not self.needs_map and doc.embeddings.has_all(doc.model, doc.instruction, doc.texts())

    # ---- edits and their history ---------------------------------------------------------------------
    def push(self, command: Command) -> Command:
        self.stack.push(command)
        self.changed.emit(Change(command.changes, command, remap=command.remaps))
        return command

    def undo(self) -> None:
        self._emit_entry(self.stack.undo(), undone=True)

    def redo(self) -> None:
        self._emit_entry(self.stack.redo(), undone=False)

    def _emit_entry(self, entry: list[Command] | None, undone: bool) -> None:
        if not entry:
            return
        command, amendments = entry[0], entry[1:]
        what = command.changes
        for amendment in amendments:
            what |= amendment.changes
        mapped = any(isinstance(a, ApplyMap) and a.result.clusters is not None for a in amendments)
        # the state undo or redo returns to may hold a map that was never finished (a job replaced halfway)
        remap = command.remaps and (not mapped or not self.map_complete)
        self.changed.emit(Change(what, command, undone=undone, remap=remap))

    def amend(self, anchor: Command, command: Command) -> None:
        """Do `command` as part of the edit `anchor` (just pushed): one undo takes back both."""
        if self.stack.amend(anchor, command):
            self.changed.emit(Change(command.changes, command))

    @property
    def modified(self) -> bool:
        return self.stack.modified

    def import_notes(self, notes, links=(), places=None, groups=()) -> AddNotes:
        """Add imported notes with their links, places and groups, as one undoable step."""
        return self.push(AddNotes(notes, links, places, groups))  # type: ignore[return-value]

    def set_instruction(self, text: str) -> bool:
        """Apply a task. True when the map should follow (the task is new, its map unfinished, or the notes are
        still where an import arranged them)."""
        held = self.doc.imported_arrangement and bool(self.doc.notes)
        if text == self.doc.instruction and not held and (self.map_complete or not self.doc.notes):
            return False
        if not self.doc.notes:  # nothing to map yet: remembered for the first import, not an edit to undo
            command = SetInstruction(text)
            self.stack.amend(None, command)
            self.changed.emit(Change(command.changes, command))
            return False
        self.push(SetInstruction(text))
        return True

    # ---- maps ----------------------------------------------------------------------------------------
    def map_job(self, clusters: int | str | None = None, for_edit: bool = True) -> MapJob:
        """A job for the map of the document as it is now. `for_edit`: the map follows the newest edit and is
        undone with it; otherwise (another model, a recompute asked for) it is not an edit of its own."""
        anchor = self.stack.top if for_edit else None
        return MapJob(MapRequest.from_document(self.doc, clusters), anchor, self.stack)

    def apply_map(self, job: MapJob, result: MapResult, model: tuple[str, str] | None = None) -> bool:
        """Put a result of `job` into the document, as an amendment of the edit it was computed for. False
        (nothing changes) when that edit was undone meanwhile, the task is no longer the job's, or another
        document was opened."""
        if job.stack is not self.stack or result.instruction != self.doc.instruction:
            return False
        if job.anchor is not None and not self.stack.is_done(job.anchor):
            return False  # its edit was undone: the map it led to no longer belongs
        if job.applied is not None:
            job.applied.extend(self.doc, result, model)
            command = job.applied
        else:
            command = ApplyMap(result, model)
            if not self.stack.amend(job.anchor, command):
                return False
            job.applied = command
        self.changed.emit(Change(command.changes, command))
        return True

    def discard_map(self, job: MapJob) -> None:
        """A job that was cancelled or failed: the map it showed so far goes, the one before comes back."""
        if job.applied is not None and job.stack is self.stack:
            self.stack.retract(job.anchor, job.applied)
            self.changed.emit(Change(Aspect.PLACES | Aspect.CLUSTERS, job.applied, undone=True))
            job.applied = None

    def run_map(self, encoder, clusters: int | str | None = None, state: TaskState | None = None,
                pole_vectors: Callable[[list[str]], np.ndarray] | None = None) -> MapResult | None:
        """Compute the map here and now (the command line); None when `state` interrupted it."""
        job = self.map_job(clusters)
        result = pipeline.run(job.request, encoder, self.doc.embeddings, state or pipeline.QuietState(),
                              pole_vectors)
        if result is None:
            self.discard_map(job)
            return None
        self.apply_map(job, result, (encoder.model_id, encoder.kind))
        return result

"""QUndoStack entries as thin wrappers over the core's edit commands."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from instructor_map.core.commands import Command
from instructor_map.core.document import MapDocument


class CoreUndoCommand(QUndoCommand):
    def __init__(self, command: Command, doc: MapDocument, changed: Callable[[Command], None]):
        super().__init__(command.label)
        self.command, self.doc, self.changed = command, doc, changed

    def redo(self) -> None:
        self.command.do(self.doc)
        self.changed(self.command)

    def undo(self) -> None:
        self.command.undo(self.doc)
        self.changed(self.command)

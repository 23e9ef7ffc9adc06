"""What the user does to groups: group the selected notes under a name, rename or recolour a group, take notes
out of theirs, drop notes onto a group's frame, delete a group (its notes stay), and a group's right-click menu.
Each pushes one undoable command to the session; none of them changes the map's places except a drop."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QMenu, QWidget

from instructor_map.app import dialogs
from instructor_map.core import group_commands as gc
from instructor_map.core.document import MapDocument
from instructor_map.core.session import Session


class GroupActions(QObject):
    """`selection()` gives the selected notes. `selectRequested(ids)`: the user asked to select a group's notes."""

    selectRequested = Signal(list)

    def __init__(self, session: Session, parent: QWidget, selection: Callable[[], list[str]]):
        super().__init__(parent)
        self.session, self.parent_widget, self.selection = session, parent, selection

    @property
    def doc(self) -> MapDocument:
        return self.session.doc

    def members(self, group_id: str) -> list[str]:
        return [k for k, note in self.doc.notes.items() if note.group == group_id]

    def default_name(self) -> str:
        """"Group N", the first such name no group has."""
        n = len(self.doc.groups) + 1
        while self.doc.group_by_name(f"Group {n}") is not None:
            n += 1
        return f"Group {n}"

    def _name_taken(self, name: str, but: str) -> bool:
        other = self.doc.group_by_name(name)
        if other is None or other.id == but:
            return False
        dialogs.error(self.parent_widget, "Rename group", f"There is already a group called “{name}”.")
        return True

    # ---- the commands --------------------------------------------------------------------------------
    def group_selection(self, name: str | None = None) -> str | None:
        """Group the selected notes under a name (asked for when None); an existing name adds them to that
        group. The group's id, or None when nothing was selected or the question was cancelled."""
        ids = list(self.selection())
        if not ids:
            return None
        if name is None:
            name = dialogs.get_text(self.parent_widget, "Group notes", f"Name of the group of {len(ids)} notes:"
                                    if len(ids) != 1 else "Name of the group:", self.default_name())
        if name is None or not name.strip():
            return None
        command = gc.GroupNotes(name, ids)
        self.session.push(command)
        return command.group_id

    def rename(self, group_id: str, name: str | None = None) -> None:
        old = self.doc.groups[group_id].name
        if name is None:
            name = dialogs.get_text(self.parent_widget, "Rename group", "Name:", old)
        if name is None or not name.strip() or name.strip() == old or self._name_taken(name.strip(), group_id):
            return
        self.session.push(gc.RenameGroup(group_id, name))

    def recolor(self, group_id: str, color: str | None = None) -> None:
        """A colour for the group (chosen in a dialog when None); "" takes its colour away."""
        group = self.doc.groups[group_id]
        if color is None:
            chosen = QColorDialog.getColor(QColor(group.color or "#808080"), self.parent_widget,
                                           f"Colour of “{group.name}”")
            if not chosen.isValid():
                return
            color = chosen.name()
        if color != group.color:
            self.session.push(gc.SetGroupColor(group_id, color))

    def ungroup(self, ids: Sequence[str] | None = None) -> None:
        """The notes (the selected ones when None) leave their groups."""
        ids = [k for k in (ids if ids is not None else self.selection()) if self.doc.notes[k].group]
        if ids:
            self.session.push(gc.SetNotesGroup(ids, ""))

    def move_into(self, dims: int, places: dict, group_id: str) -> None:
        """Notes dropped on a group's frame (or outside all frames, ""): moved and put in that group, one step."""
        self.session.push(gc.MoveIntoGroup(dims, places, group_id))

    def delete(self, group_id: str) -> None:
        if group_id in self.doc.groups:
            self.session.push(gc.DeleteGroup(group_id))

    def select(self, group_id: str) -> None:
        self.selectRequested.emit(self.members(group_id))

    # ---- the menu ------------------------------------------------------------------------------------
    def menu_for_group(self, group_id: str) -> QMenu:
        """The right-click menu of a group's frame."""
        group = self.doc.groups[group_id]
        name = group.name.replace("&", "&&")  # a single & would mark a shortcut
        menu = QMenu(self.parent_widget)
        menu.setTitle(name)
        menu.addAction(f"Rename “{name}”…", lambda: self.rename(group_id))
        menu.addAction("Colour…", lambda: self.recolor(group_id))
        if group.color:
            menu.addAction("Clear colour", lambda: self.recolor(group_id, ""))
        count = len(self.members(group_id))
        select = menu.addAction(f"Select its {count} notes" if count != 1 else "Select its note",
                                lambda: self.select(group_id))
        select.setEnabled(count > 0)
        menu.addSeparator()
        menu.addAction(f"Delete group “{name}” (notes stay)", lambda: self.delete(group_id))
        return menu

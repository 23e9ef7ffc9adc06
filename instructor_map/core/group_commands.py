"""Editing the user's groups: group notes under a name, rename or recolour a group, move notes in or out of one
(also by dragging them onto its frame on the map), and delete a group while its notes stay.

Each is a command with undo. Groups change no note's text or task, so none of them asks for a new map.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from instructor_map.core.commands import Command, MoveNotes
from instructor_map.core.document import Group, MapDocument
from instructor_map.core.events import Aspect


def _notes(n: int) -> str:
    return "1 note" if n == 1 else f"{n} notes"


def _quoted(doc: MapDocument, group_id: str) -> str:
    group = doc.groups.get(group_id)
    return f"“{group.name}”" if group is not None else "group"


class _Membership:
    """Which group each of some notes is in, to put back on undo."""

    def __init__(self, doc: MapDocument, ids: Iterable[str]):
        self.before = {k: doc.notes[k].group for k in ids}

    def restore(self, doc: MapDocument) -> None:
        for k, old in self.before.items():
            doc.notes[k].group = old


class GroupNotes(Command):
    """Make a group called `name` of the notes (they leave their old group); if a group of that name exists,
    the notes join it instead (and `color` is left to it)."""

    changes = Aspect.GROUPS

    def __init__(self, name: str, ids: Iterable[str], color: str = ""):
        if not name.strip():
            raise ValueError("a group needs a name")
        self.name, self.ids, self.color = name.strip(), list(ids), color
        self.group: Group | None = None  # the group made here, kept so that redo makes the same one
        self.created = False
        self.before: _Membership | None = None
        self.label = f"Group {_notes(len(self.ids))} as “{self.name}”"

    @property
    def group_id(self) -> str:
        """The group the notes are in once done ("" before)."""
        return self.group.id if self.group is not None else ""

    def do(self, doc):
        existing = doc.group_by_name(self.name)
        self.created = existing is None
        if existing is not None:
            self.group = existing
        else:
            if self.group is None or self.group.id in doc.groups:
                self.group = Group(doc.new_id("g"), self.name, self.color)
            doc.groups[self.group.id] = self.group
        self.before = _Membership(doc, self.ids)
        for k in self.ids:
            doc.notes[k].group = self.group.id

    def undo(self, doc):
        if self.before is not None:
            self.before.restore(doc)
        if self.created and self.group is not None:
            doc.groups.pop(self.group.id, None)


class RenameGroup(Command):
    changes = Aspect.GROUPS

    def __init__(self, group_id: str, name: str):
        if not name.strip():
            raise ValueError("a group needs a name")
        self.group_id, self.name = group_id, name.strip()
        self.before = ""
        self.label = f"Rename group to “{self.name}”"

    def do(self, doc):
        group = doc.groups[self.group_id]
        self.before = group.name
        self.label = f"Rename group “{self.before}” to “{self.name}”"
        group.name = self.name

    def undo(self, doc):
        doc.groups[self.group_id].name = self.before


class SetGroupColor(Command):
    """A group's colour ("#rrggbb"), or "" for none: its frame and the notes without a colour of their own."""

    changes = Aspect.GROUPS | Aspect.STYLE

    def __init__(self, group_id: str, color: str):
        self.group_id, self.color = group_id, color
        self.before = ""
        self.label = "Set group colour" if color else "Clear group colour"

    def do(self, doc):
        group = doc.groups[self.group_id]
        self.before = group.color
        self.label = f"{'Set' if self.color else 'Clear'} colour of “{group.name}”"
        group.color = self.color

    def undo(self, doc):
        doc.groups[self.group_id].color = self.before


class SetNotesGroup(Command):
    """Notes join a group (its id) or leave theirs ("")."""

    changes = Aspect.GROUPS

    def __init__(self, ids: Iterable[str], group_id: str):
        self.ids, self.group_id = list(ids), group_id
        self.before: _Membership | None = None
        self.label = f"Add {_notes(len(self.ids))} to group" if group_id else f"Ungroup {_notes(len(self.ids))}"

    def do(self, doc):
        if self.group_id and self.group_id not in doc.groups:
            raise KeyError(f"no group {self.group_id!r}")
        self.before = _Membership(doc, self.ids)
        if self.group_id:
            self.label = f"Add {_notes(len(self.ids))} to {_quoted(doc, self.group_id)}"
        for k in self.ids:
            doc.notes[k].group = self.group_id

    def undo(self, doc):
        if self.before is not None:
            self.before.restore(doc)


class MoveIntoGroup(Command):
    """Notes dragged onto a group's frame (or out of every frame, `group_id` ""): they move there, pinned like
    any moved note, and join that group (or leave theirs). One undo takes back both."""

    changes = Aspect.PLACES | Aspect.GROUPS

    def __init__(self, dims: int, places: dict[str, Sequence[float]], group_id: str):
        self.move = MoveNotes(dims, places)
        self.membership = SetNotesGroup(list(places), group_id)
        self.group_id = group_id
        count = _notes(len(places))
        self.label = f"Move {count} into group" if group_id else f"Move {count} out of their group"

    def do(self, doc):
        if self.group_id and self.group_id not in doc.groups:
            raise KeyError(f"no group {self.group_id!r}")  # before anything moves
        if self.group_id:
            self.label = f"Move {_notes(len(self.move.places))} into {_quoted(doc, self.group_id)}"
        self.move.do(doc)
        self.membership.do(doc)

    def undo(self, doc):
        self.membership.undo(doc)
        self.move.undo(doc)


class DeleteGroup(Command):
    """The group goes; its notes stay, in no group."""

    changes = Aspect.GROUPS

    def __init__(self, group_id: str):
        self.group_id = group_id
        self.group: Group | None = None
        self.index = 0  # its place among the groups, for undo
        self.members: list[str] = []
        self.label = "Delete group"

    def do(self, doc):
        self.index = list(doc.groups).index(self.group_id)
        self.group = doc.groups.pop(self.group_id)
        self.label = f"Delete group “{self.group.name}”"
        self.members = [k for k, note in doc.notes.items() if note.group == self.group_id]
        for k in self.members:
            doc.notes[k].group = ""

    def undo(self, doc):
        if self.group is None:
            return
        items = list(doc.groups.items())
        items.insert(self.index, (self.group_id, self.group))
        doc.groups.clear()
        doc.groups.update(items)
        for k in self.members:
            doc.notes[k].group = self.group_id

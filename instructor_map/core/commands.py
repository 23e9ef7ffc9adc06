"""Every user edit as a command with do, undo and a label, plus the one undo stack.

Each command says which parts of the document it changes (`changes`) and whether the map must be computed
again afterwards (`remaps`). The map commands (a new map, another arrangement, a new task) are in
map_commands.py. The session (session.py) owns the stack; the app and the command line drive it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.events import Aspect


class Command(ABC):
    label = "Edit"
    changes = Aspect.NONE
    remaps = False  # once done, the notes or the task differ from what the map was computed for

    @abstractmethod
    def do(self, doc: MapDocument) -> None: ...

    @abstractmethod
    def undo(self, doc: MapDocument) -> None: ...


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class MoveNotes(Command):
    """Place notes by hand in one view; a moved note is pinned there. One command per drag."""

    changes = Aspect.PLACES

    def __init__(self, dims: int, places: dict[str, Sequence[float]]):
        self.dims = dims
        self.places = {k: tuple(float(x) for x in v) for k, v in places.items()}
        self.before: dict[str, tuple | None] = {}
        self.label = f"Move {_plural(len(places), 'note')}"

    def do(self, doc):
        pins = doc.placements[self.dims].pins
        self.before = {k: pins.get(k) for k in self.places}
        pins.update(self.places)

    def undo(self, doc):
        _restore_pins(doc.placements[self.dims].pins, self.before)


def _restore_pins(pins: dict, before: dict) -> None:
    for k, old in before.items():
        if old is None:
            pins.pop(k, None)
        else:
            pins[k] = old


class SetPinned(Command):
    """Pin notes where they are shown now, or unpin them so they go back to their computed place."""

    changes = Aspect.PLACES

    def __init__(self, dims: int, ids: Iterable[str], pinned: bool):
        self.dims, self.ids, self.pinned = dims, list(ids), pinned
        self.before: dict[str, tuple | None] = {}
        self.label = ("Pin " if pinned else "Unpin ") + _plural(len(self.ids), "note")

    def do(self, doc):
        view = doc.placements[self.dims]
        self.before = {k: view.pins.get(k) for k in self.ids}
        for k in self.ids:
            if not self.pinned:
                view.pins.pop(k, None)
            elif k not in view.pins and view.position(k) is not None:
                view.pins[k] = view.position(k)

    def undo(self, doc):
        _restore_pins(doc.placements[self.dims].pins, self.before)


_FIELD_LABELS = {"text": "Edit text", "title": "Edit title", "color": "Set colour", "group": "Set group"}
_FIELD_CHANGES = {"text": Aspect.NOTES, "title": Aspect.NOTES, "color": Aspect.STYLE, "group": Aspect.GROUPS}


class SetNoteField(Command):
    """Change one field (text, title, color, group) of one or more notes."""

    def __init__(self, ids: Iterable[str], field: str, value: str):
        if field not in _FIELD_LABELS:
            raise ValueError(f"unknown note field {field!r}")
        self.ids, self.field, self.value = list(ids), field, value
        self.before: dict[str, str] = {}
        self.label = _FIELD_LABELS[field]
        self.changes = _FIELD_CHANGES[field]
        self.remaps = field == "text"

    def do(self, doc):
        self.before = {k: getattr(doc.notes[k], self.field) for k in self.ids}
        for k in self.ids:
            setattr(doc.notes[k], self.field, self.value)

    def undo(self, doc):
        for k, old in self.before.items():
            setattr(doc.notes[k], self.field, old)


class EditNote(Command):
    """Change a note's title and text together, as one edit."""

    label = "Edit note"
    changes = Aspect.NOTES

    def __init__(self, note_id: str, title: str, text: str):
        self.note_id, self.title, self.text = note_id, title, text
        self.before = ("", "")

    def do(self, doc):
        note = doc.notes[self.note_id]
        self.before = (note.title, note.text)
        self.remaps = note.text != self.text  # a new title alone leaves the map as it is
        note.title, note.text = self.title, self.text

    def undo(self, doc):
        note = doc.notes[self.note_id]
        note.title, note.text = self.before


class AddNotes(Command):
    """Add notes, with the links, places and groups they came with (an import, a paste, a new note).

    Places (a JSON Canvas's arrangement) become the notes' computed places, not pins, and mark the document as
    arranged by the import: maps computed before a task is applied leave them where they are (ApplyMap), and
    applying a task (SetInstruction) lets the map follow it. They are taken only while the map has no computed
    places of its own (an empty map, or one still arranged by an import): imported into a map that follows a
    task, the notes take their computed places like any other notes, since a file's pixels and the map's units
    have nothing in common.
    """

    changes = Aspect.NOTES | Aspect.LINKS | Aspect.PLACES | Aspect.GROUPS
    remaps = True

    def __init__(self, notes: Sequence[Note], links: Sequence[Link] = (), places: dict[int, dict] | None = None,
                 groups: Sequence[Group] = ()):
        self.notes, self.links, self.groups = list(notes), list(links), list(groups)
        self.places = places or {}  # dims -> {note id: position}, e.g. from a JSON Canvas
        self.added_groups: list[str] = []
        self.arranged_before = False
        self.label = "Add note" if len(self.notes) == 1 else f"Import {_plural(len(self.notes), 'note')}"

    def do(self, doc):
        self.arranged_before = doc.imported_arrangement
        arranged = any(self.places.values()) and (doc.imported_arrangement or not _placed(doc))
        self.added_groups = [g.id for g in self.groups if g.id not in doc.groups]
        doc.groups.update((g.id, g) for g in self.groups if g.id in self.added_groups)
        for note in self.notes:
            doc.insert_note(note)
        for link in self.links:
            doc.add_link(link)
        if arranged:
            for dims, places in self.places.items():
                doc.placements[dims].positions.update(places)
            doc.imported_arrangement = True

    def undo(self, doc):
        for link in self.links:
            doc.links.pop(link.id, None)
        for note in reversed(self.notes):
            doc.remove_note(note.id)
        for group_id in self.added_groups:
            doc.groups.pop(group_id, None)
        doc.imported_arrangement = self.arranged_before


def _placed(doc: MapDocument) -> bool:
    """Some note of the document has a place on the 2D map."""
    view = doc.placements[2]
    return any(k in view.positions or k in view.pins for k in doc.notes)


class DeleteNotes(Command):
    changes = Aspect.NOTES | Aspect.LINKS | Aspect.PLACES | Aspect.CLUSTERS

    def __init__(self, ids: Iterable[str]):
        self.ids = list(ids)
        self.removed: list[dict] = []
        self.label = f"Delete {_plural(len(self.ids), 'note')}"

    def do(self, doc):
        self.removed = [doc.remove_note(k) for k in self.ids]

    def undo(self, doc):
        for removed in reversed(self.removed):
            doc.restore_note(removed)


class AddLink(Command):
    changes = Aspect.LINKS

    def __init__(self, link: Link):
        self.link = link
        self.label = f"Link ({link.kind})"

    def do(self, doc):
        doc.add_link(self.link)

    def undo(self, doc):
        doc.links.pop(self.link.id, None)


class DeleteLinks(Command):
    changes = Aspect.LINKS

    def __init__(self, ids: Iterable[str]):
        self.ids = list(ids)
        self.removed: list[Link] = []
        self.label = f"Delete {_plural(len(self.ids), 'link')}"

    def do(self, doc):
        self.removed = [doc.links.pop(k) for k in self.ids]

    def undo(self, doc):
        for link in self.removed:
            doc.links[link.id] = link


class SetLink(Command):
    """Retype or relabel a link."""

    changes = Aspect.LINKS

    def __init__(self, link_id: str, kind: str | None = None, label: str | None = None):
        self.link_id, self.kind, self.text = link_id, kind, label
        self.before: tuple[str, str] = ("", "")
        self.label = f"Make link {kind}" if label is None else "Label link"

    def do(self, doc):
        link = doc.links[self.link_id]
        self.before = (link.kind, link.label)
        link.kind = self.kind if self.kind is not None else link.kind
        link.label = self.text if self.text is not None else link.label

    def undo(self, doc):
        doc.links[self.link_id].kind, doc.links[self.link_id].label = self.before


class AddGroup(Command):
    changes = Aspect.GROUPS

    def __init__(self, group: Group, members: Iterable[str] = ()):
        self.group, self.members = group, list(members)
        self.before: dict[str, str] = {}
        self.label = f"New group {group.name!r}"

    def do(self, doc):
        doc.groups[self.group.id] = self.group
        self.before = {k: doc.notes[k].group for k in self.members}
        for k in self.members:
            doc.notes[k].group = self.group.id

    def undo(self, doc):
        for k, old in self.before.items():
            doc.notes[k].group = old
        doc.groups.pop(self.group.id, None)


class RenameCluster(Command):
    changes = Aspect.CLUSTERS

    def __init__(self, cluster: int, name: str):
        self.cluster, self.name = cluster, name
        self.before: tuple[str | None, bool] = (None, False)
        self.label = "Rename cluster"

    def do(self, doc):
        self.before = (doc.cluster_labels.get(self.cluster), self.cluster in doc.cluster_renamed)
        doc.cluster_labels[self.cluster] = self.name
        doc.cluster_renamed.add(self.cluster)

    def undo(self, doc):
        old, renamed = self.before
        if old is None:
            doc.cluster_labels.pop(self.cluster, None)
        else:
            doc.cluster_labels[self.cluster] = old
        if not renamed:
            doc.cluster_renamed.discard(self.cluster)


class CommandStack:
    """Undo/redo history with a clean mark for "saved".

    An entry is a command and its amendments: results computed for it later (its new map), done after it and
    undone before it, so one undo takes back an edit together with the map it led to.
    """

    def __init__(self, doc: MapDocument):
        self.doc = doc
        self._done: list[list[Command]] = []
        self._undone: list[list[Command]] = []
        self._clean = 0

    def push(self, cmd: Command) -> Command:
        cmd.do(self.doc)
        self._done.append([cmd])
        if self._clean > len(self._done) - 1:
            self._clean = -1  # the saved state can no longer be reached by redo
        self._undone.clear()
        return cmd

    def undo(self) -> list[Command] | None:
        """Undo the newest entry; returns it (its command first), or None when there is nothing to undo."""
        if not self._done:
            return None
        entry = self._done.pop()
        for cmd in reversed(entry):
            cmd.undo(self.doc)
        self._undone.append(entry)
        return entry

    def redo(self) -> list[Command] | None:
        if not self._undone:
            return None
        entry = self._undone.pop()
        for cmd in entry:
            cmd.do(self.doc)
        self._done.append(entry)
        return entry

    @property
    def top(self) -> Command | None:
        """The newest command done, the one an amendment now would belong to."""
        return self._done[-1][0] if self._done else None

    def amend(self, anchor: Command | None, cmd: Command) -> bool:
        """Do `cmd` as a result of `anchor`, undone with it. With no anchor, `cmd` is part of the document as it
        was opened and is not undone. False (nothing done) when `anchor` is no longer done."""
        if anchor is None:
            cmd.do(self.doc)
            return True
        entry = next((e for e in reversed(self._done) if e[0] is anchor), None)
        if entry is None:
            return False
        cmd.do(self.doc)
        entry.append(cmd)
        return True

    def is_done(self, cmd: Command) -> bool:
        """`cmd` is in the history and not undone."""
        return any(e[0] is cmd for e in self._done)

    def retract(self, anchor: Command | None, cmd: Command) -> None:
        """Undo an amendment and forget it (a map that was cancelled halfway)."""
        entry = next((e for e in self._done if e[0] is anchor), None)
        if anchor is None or (entry is not None and cmd in entry[1:]):
            cmd.undo(self.doc)
            if entry is not None:
                entry.remove(cmd)

    def amendments(self, anchor: Command) -> list[Command]:
        entry = next((e for e in (*self._done, *self._undone) if e[0] is anchor), [anchor])
        return entry[1:]

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean = 0

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str:
        return self._done[-1][0].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1][0].label if self._undone else ""

    def set_clean(self) -> None:
        self._clean = len(self._done)

    def set_dirty(self) -> None:
        """No state in the history is the saved one (e.g. edits recovered from an autosave)."""
        self._clean = -1

    @property
    def modified(self) -> bool:
        return self._clean != len(self._done)

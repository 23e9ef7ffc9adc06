"""Every user edit as a command with do, undo and a label, plus a Qt-free undo stack.

The app wraps each command in a QUndoCommand; the CLI and the tests use CommandStack directly.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

from instructor_map.core.document import Group, Link, MapDocument, Note, Placement


class Command(ABC):
    label = "Edit"

    @abstractmethod
    def do(self, doc: MapDocument) -> None: ...

    @abstractmethod
    def undo(self, doc: MapDocument) -> None: ...


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class MoveNotes(Command):
    """Place notes by hand in one view; a moved note is pinned there. One command per drag."""

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
        pins = doc.placements[self.dims].pins
        for k, old in self.before.items():
            if old is None:
                pins.pop(k, None)
            else:
                pins[k] = old


class SetPinned(Command):
    """Pin notes where they are shown now, or unpin them so they go back to their computed place."""

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
        MoveNotes.undo(self, doc)  # same restore of the previous pins


_FIELD_LABELS = {"text": "Edit text", "title": "Edit title", "color": "Set colour", "group": "Set group"}


class SetNoteField(Command):
    """Change one field (text, title, color, group) of one or more notes."""

    def __init__(self, ids: Iterable[str], field: str, value: str):
        if field not in _FIELD_LABELS:
            raise ValueError(f"unknown note field {field!r}")
        self.ids, self.field, self.value = list(ids), field, value
        self.before: dict[str, str] = {}
        self.label = _FIELD_LABELS[field]

    def do(self, doc):
        self.before = {k: getattr(doc.notes[k], self.field) for k in self.ids}
        for k in self.ids:
            setattr(doc.notes[k], self.field, self.value)

    def undo(self, doc):
        for k, old in self.before.items():
            setattr(doc.notes[k], self.field, old)


class AddNotes(Command):
    def __init__(self, notes: Sequence[Note], links: Sequence[Link] = (), places: dict[int, dict] | None = None):
        self.notes, self.links = list(notes), list(links)
        self.places = places or {}  # dims -> {note id: position}, e.g. from a JSON Canvas
        self.label = "Add note" if len(self.notes) == 1 else f"Import {_plural(len(self.notes), 'note')}"

    def do(self, doc):
        for note in self.notes:
            doc.insert_note(note)
        for link in self.links:
            doc.add_link(link)
        for dims, places in self.places.items():
            doc.placements[dims].pins.update(places)

    def undo(self, doc):
        for link in self.links:
            doc.links.pop(link.id, None)
        for note in reversed(self.notes):
            doc.remove_note(note.id)


class DeleteNotes(Command):
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
    def __init__(self, link: Link):
        self.link = link
        self.label = f"Link ({link.kind})"

    def do(self, doc):
        doc.add_link(self.link)

    def undo(self, doc):
        doc.links.pop(self.link.id, None)


class DeleteLinks(Command):
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


class SetArrangement(Command):
    """Swap a view's computed places and basis, e.g. for the argument layout or named axes; pins still win."""

    def __init__(self, dims: int, positions: dict[str, Sequence[float]], basis: dict | None, label: str):
        self.dims, self.basis, self.label = dims, basis, label
        self.positions = {k: tuple(float(x) for x in v) for k, v in positions.items()}
        self.before: tuple[dict, dict | None] = ({}, None)

    def do(self, doc):
        view = doc.placements[self.dims]
        self.before = (view.positions, view.basis)
        view.positions = {k: v for k, v in self.positions.items() if k in doc.notes}
        view.basis = self.basis

    def undo(self, doc):
        view = doc.placements[self.dims]
        view.positions, view.basis = self.before


class MapState:
    """What a re-layout changes: computed places per view, clusters and their labels."""

    def __init__(self, doc: MapDocument):
        self.placements = {d: Placement(d, dict(v.positions), {}, v.basis) for d, v in doc.placements.items()}
        self.clusters = dict(doc.clusters)
        self.labels = dict(doc.cluster_labels)
        self.renamed = set(doc.cluster_renamed)

    def apply(self, doc: MapDocument) -> None:
        for d, v in self.placements.items():
            doc.placements[d].positions = dict(v.positions)
            doc.placements[d].basis = v.basis
        doc.clusters = dict(self.clusters)
        doc.cluster_labels = dict(self.labels)
        doc.cluster_renamed = set(self.renamed)


class SetInstruction(Command):
    """Change the task. The new layout arrives later from the worker and is stored in `after`."""

    def __init__(self, instruction: str):
        self.instruction = instruction
        self.old_instruction = ""
        self.before: MapState | None = None
        self.after: MapState | None = None
        self.label = "Change instruction"

    def do(self, doc):
        self.old_instruction = doc.instruction
        self.before = MapState(doc)
        doc.set_instruction(self.instruction)
        if self.after is not None:
            self.after.apply(doc)

    def undo(self, doc):
        self.after = MapState(doc)
        doc.instruction = self.old_instruction
        self.before.apply(doc)


class CommandStack:
    """Undo/redo history with a clean mark for "saved"."""

    def __init__(self, doc: MapDocument):
        self.doc = doc
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean = 0
        self.listeners: list[Callable[[Command], None]] = []

    def push(self, cmd: Command) -> Command:
        cmd.do(self.doc)
        self._done.append(cmd)
        if self._clean > len(self._done) - 1:
            self._clean = -1  # the saved state can no longer be reached by redo
        self._undone.clear()
        self._notify(cmd)
        return cmd

    def undo(self) -> None:
        if self._done:
            cmd = self._done.pop()
            cmd.undo(self.doc)
            self._undone.append(cmd)
            self._notify(cmd)

    def redo(self) -> None:
        if self._undone:
            cmd = self._undone.pop()
            cmd.do(self.doc)
            self._done.append(cmd)
            self._notify(cmd)

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""

    def set_clean(self) -> None:
        self._clean = len(self._done)

    @property
    def modified(self) -> bool:
        return self._clean != len(self._done)

    def _notify(self, cmd: Command) -> None:
        for listener in self.listeners:
            listener(cmd)

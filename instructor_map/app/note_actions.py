"""What the user does to notes from the map and the panel: edit, add, delete, pin, colour, group, link, and
retype or label links."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QColorDialog, QMenu, QWidget

from instructor_map.app import dialogs
from instructor_map.app.cluster_actions import ClusterActions
from instructor_map.core import commands as cmds
from instructor_map.core.cluster_commands import MoveToCluster
from instructor_map.core.document import LINK_KINDS, Group, Link, MapDocument, Note, short_label
from instructor_map.core.hull import cluster_at
from instructor_map.core.session import Session

MENU_CHARS = 28  # of a note's label in a menu
MENU_LINKS = 20  # links listed in a note's menu


class NoteActions:
    """Each action asks what it needs (a dialog parented to `parent`) and pushes one command to the session.
    `selection()` gives the selected notes, `dims()` the map shown (2 or 3)."""

    def __init__(self, session: Session, parent: QWidget, selection: Callable[[], list[str]],
                 dims: Callable[[], int], clusters: ClusterActions):
        self.session, self.parent, self.selection, self.dims = session, parent, selection, dims
        self.clusters = clusters
        self.link_kind = "supports"

    @property
    def doc(self) -> MapDocument:
        return self.session.doc

    def push(self, command: cmds.Command) -> None:
        self.session.push(command)

    def move(self, dims: int, places: dict) -> None:
        """Notes dragged to new places; one note dropped on another cluster's region joins that cluster."""
        move = cmds.MoveNotes(dims, places)
        self.push(move)
        if dims != 2 or len(places) != 1 or not self.doc.clusters:
            return
        (note_id, place), = places.items()
        placement = self.doc.placements[2]
        shown = {k: placement.position(k) for k in self.doc.clusters}
        target = cluster_at({k: p for k, p in shown.items() if p is not None}, self.doc.clusters, place, {note_id})
        if target is not None and target != self.doc.clusters.get(note_id):
            self.session.amend(move, MoveToCluster([note_id], target, self.doc.cluster_name(target)))

    def edit(self, note_id: str) -> None:
        """Edit a note's title and text in the note editor: one undo takes back both."""
        note = self.doc.notes[note_id]
        answer = dialogs.edit_note(self.parent, "Edit note", note.title, note.text)
        if answer is None or not answer[1] or answer == (note.title.strip(), note.text.strip()):
            return
        title, text = answer
        self.push(cmds.EditNote(note_id, title, note.text if text == note.text.strip() else text))

    def add_note(self) -> None:
        answer = dialogs.edit_note(self.parent, "Add note")
        if answer is not None and answer[1]:
            title, text = answer
            self.push(cmds.AddNotes([Note(self.doc.new_id(), text, title)]))

    def delete(self, ids=None) -> None:
        ids = list(ids if ids is not None else self.selection())
        if ids:
            self.push(cmds.DeleteNotes(ids))

    def set_pinned(self, ids, pinned: bool) -> None:
        self.push(cmds.SetPinned(self.dims(), ids, pinned))

    def set_color(self, ids, color: str | None = None) -> None:
        if color is None:
            chosen = QColorDialog.getColor(parent=self.parent, title="Note colour")
            if not chosen.isValid():
                return
            color = chosen.name()
        self.push(cmds.SetNoteField(ids, "color", color))

    def set_group(self, ids, name: str | None = None) -> None:
        if name is None:
            name = dialogs.get_text(self.parent, "Group", "Group name (empty to remove from group):")
            if name is None:
                return
        name = name.strip()
        if not name:
            self.push(cmds.SetNoteField(ids, "group", ""))
        elif (group := self.doc.group_by_name(name)) is not None:
            self.push(cmds.SetNoteField(ids, "group", group.id))
        else:
            self.push(cmds.AddGroup(Group(self.doc.new_id("g"), name), ids))

    def link(self, source: str, target: str, kind: str | None = None) -> None:
        if source != target:
            self.push(cmds.AddLink(Link(self.doc.new_id("l"), source, target, kind or self.link_kind)))

    def retype_link(self, link_id: str, kind: str) -> None:
        if self.doc.links[link_id].kind != kind:
            self.push(cmds.SetLink(link_id, kind=kind))

    def label_link(self, link_id: str) -> None:
        old = self.doc.links[link_id].label
        label = dialogs.get_text(self.parent, "Link label", "Label (why the link holds):", old)
        if label is not None and label.strip() != old:
            self.push(cmds.SetLink(link_id, label=label.strip()))

    def _short(self, note_id: str) -> str:
        # a single & would mark a menu shortcut
        return short_label(self.doc.notes[note_id], MENU_CHARS).replace("&", "&&")

    def context_menu(self, ids, global_pos) -> None:
        if ids:
            self.menu_for(ids).popup(global_pos)

    def menu_for(self, ids) -> QMenu:
        """The right-click menu for notes: pin, edit, colour, group, cluster, link them, change or remove links."""
        menu = QMenu(self.parent)
        pinned = all(i in self.doc.placements[2].pins for i in ids)
        menu.addAction("Unpin" if pinned else "Pin", lambda: self.set_pinned(ids, not pinned))
        menu.addAction("Edit…", lambda: self.edit(ids[0]))
        menu.addAction("Colour…", lambda: self.set_color(ids))
        menu.addAction("Clear colour", lambda: self.set_color(ids, ""))
        menu.addAction("Group…", lambda: self.set_group(ids))
        if self.doc.clusters:
            self.clusters.fill_menu(menu.addMenu("Cluster"), ids)
        if len(ids) == 2:
            links = menu.addMenu("Link")
            for kind in LINK_KINDS:
                links.addAction(f"{self._short(ids[0])} {kind} {self._short(ids[1])}",
                                lambda k=kind: self.link(ids[0], ids[1], k))
        existing = [ln for ln in self.doc.links.values() if ln.source in ids or ln.target in ids]
        if existing:
            links = menu.addMenu("Links")
            for ln in existing[:MENU_LINKS]:
                self._link_menu(links.addMenu(f"{self._short(ln.source)} {ln.kind} {self._short(ln.target)}"), ln)
        menu.addSeparator()
        menu.addAction("Delete", lambda: self.delete(ids))
        return menu

    def _link_menu(self, menu: QMenu, link: Link) -> None:
        for kind in LINK_KINDS:
            action = menu.addAction(kind, lambda k=kind: self.retype_link(link.id, k))
            action.setCheckable(True)
            action.setChecked(kind == link.kind)
        menu.addAction("Label…", lambda: self.label_link(link.id))
        menu.addSeparator()
        menu.addAction("Remove", lambda: self.push(cmds.DeleteLinks([link.id])))

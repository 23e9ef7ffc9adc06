"""What the user does to notes from the map and the panel: edit, add, delete, pin, colour, group, link, and
retype or label links."""
from __future__ import annotations

from PySide6.QtWidgets import QColorDialog, QMenu

from instructor_map.app.canvas2d import label_text
from instructor_map.core import commands as cmds
from instructor_map.core.document import LINK_KINDS, Group, Link, Note

MENU_CHARS = 28  # of a note's label in a menu
MENU_LINKS = 20  # links listed in a note's menu


class NoteActions:
    def __init__(self, window):
        self.w = window
        self.link_kind = "supports"
        canvas, panel = window.canvas, window.notes_panel
        canvas.notesMoved.connect(lambda places: window.push(cmds.MoveNotes(2, places)))
        canvas.noteActivated.connect(self.edit_text)
        window.view3d.noteActivated.connect(self.edit_text)
        canvas.contextMenuRequested.connect(self.context_menu)
        canvas.linkRequested.connect(self.link)
        canvas.clusters.renameRequested.connect(self.rename_cluster)
        panel.addRequested.connect(self.add_note)
        panel.editRequested.connect(self.edit_text)
        panel.deleteRequested.connect(self.delete)

    @property
    def doc(self):
        return self.w.doc

    def edit_text(self, note_id: str) -> None:
        from instructor_map.app import dialogs

        text = dialogs.get_text(self.w, "Edit note", "Text:", self.doc.notes[note_id].text, multiline=True)
        if text is not None and text.strip() and text != self.doc.notes[note_id].text:
            self.w.push(cmds.SetNoteField([note_id], "text", text.strip()))

    def add_note(self) -> None:
        from instructor_map.app import dialogs

        text = dialogs.get_text(self.w, "Add note", "Text:", multiline=True)
        if text and text.strip():
            self.w.push(cmds.AddNotes([Note(self.doc.new_id(), text.strip())]))

    def delete(self, ids=None) -> None:
        ids = list(ids if ids is not None else self.w.selection())
        if ids:
            self.w.push(cmds.DeleteNotes(ids))

    def set_pinned(self, ids, pinned: bool) -> None:
        dims = 2 if self.w.tabs.currentIndex() == 0 else 3
        self.w.push(cmds.SetPinned(dims, ids, pinned))

    def set_color(self, ids, color: str | None = None) -> None:
        if color is None:
            chosen = QColorDialog.getColor(parent=self.w, title="Note colour")
            if not chosen.isValid():
                return
            color = chosen.name()
        self.w.push(cmds.SetNoteField(ids, "color", color))

    def set_group(self, ids, name: str | None = None) -> None:
        from instructor_map.app import dialogs

        if name is None:
            name = dialogs.get_text(self.w, "Group", "Group name (empty to remove from group):")
            if name is None:
                return
        name = name.strip()
        if not name:
            self.w.push(cmds.SetNoteField(ids, "group", ""))
        elif (group := self.doc.group_by_name(name)) is not None:
            self.w.push(cmds.SetNoteField(ids, "group", group.id))
        else:
            self.w.push(cmds.AddGroup(Group(self.doc.new_id("g"), name), ids))

    def rename_cluster(self, cluster: int, name: str | None = None) -> None:
        from instructor_map.app import dialogs

        old = self.doc.cluster_labels.get(cluster, "")
        if name is None:
            name = dialogs.get_text(self.w, "Rename cluster", "Name:", old)
        if name and name.strip() and name.strip() != old:
            self.w.push(cmds.RenameCluster(cluster, name.strip()))

    def link(self, source: str, target: str, kind: str | None = None) -> None:
        if source != target:
            self.w.push(cmds.AddLink(Link(self.doc.new_id("l"), source, target, kind or self.link_kind)))

    def retype_link(self, link_id: str, kind: str) -> None:
        if self.doc.links[link_id].kind != kind:
            self.w.push(cmds.SetLink(link_id, kind=kind))

    def label_link(self, link_id: str) -> None:
        from instructor_map.app import dialogs

        old = self.doc.links[link_id].label
        label = dialogs.get_text(self.w, "Link label", "Label (why the link holds):", old)
        if label is not None and label.strip() != old:
            self.w.push(cmds.SetLink(link_id, label=label.strip()))

    def _short(self, note_id: str) -> str:
        text = label_text(self.doc.notes[note_id])
        text = text if len(text) <= MENU_CHARS else text[:MENU_CHARS - 1].rstrip() + "…"
        return text.replace("&", "&&")  # a single & would mark a menu shortcut

    def context_menu(self, ids, global_pos) -> None:
        if ids:
            self.menu_for(ids).popup(global_pos)

    def menu_for(self, ids) -> QMenu:
        """The right-click menu for notes: pin, edit, colour, group, link them, change or remove their links."""
        menu = QMenu(self.w)
        pinned = all(i in self.doc.placements[2].pins for i in ids)
        menu.addAction("Unpin" if pinned else "Pin", lambda: self.set_pinned(ids, not pinned))
        menu.addAction("Edit text…", lambda: self.edit_text(ids[0]))
        menu.addAction("Colour…", lambda: self.set_color(ids))
        menu.addAction("Clear colour", lambda: self.set_color(ids, ""))
        menu.addAction("Group…", lambda: self.set_group(ids))
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
        menu.addAction("Remove", lambda: self.w.push(cmds.DeleteLinks([link.id])))

"""What the user does to clusters: move notes to one, merge, split, lock, rename, make a group of one, and
choose how many there are. Each pushes one undoable command to the session; re-clustering keeps the result."""
from __future__ import annotations

from PySide6.QtWidgets import QMenu, QWidget

from instructor_map.app import dialogs
from instructor_map.core import cluster_commands as cc
from instructor_map.core.commands import AddGroup, RenameCluster
from instructor_map.core.document import Group, MapDocument
from instructor_map.core.session import Session

MENU_CLUSTERS = 30  # clusters listed in a menu
MESSAGE_MS = 6000


class ClusterActions:
    def __init__(self, session: Session, parent: QWidget):
        self.session, self.parent = session, parent

    @property
    def doc(self) -> MapDocument:
        return self.session.doc

    def _others(self, but: int | None = None) -> list[int]:
        return sorted({c for c in self.doc.clusters.values() if c != but})[:MENU_CLUSTERS]

    def _name(self, cluster: int) -> str:
        return self.doc.cluster_name(cluster).replace("&", "&&")

    # ---- the commands --------------------------------------------------------------------------------
    def move_to(self, ids: list[str], cluster: int) -> None:
        self.session.push(cc.MoveToCluster(ids, cluster, self.doc.cluster_name(cluster)))

    def merge(self, keep: int, other: int) -> None:
        if keep != other:
            self.session.push(cc.MergeClusters(keep, other))

    def split(self, cluster: int) -> bool:
        halves = cc.split_in_two(self.doc, cluster)
        if halves is None:
            return False
        moved, name = halves
        self.session.push(cc.SplitCluster(cluster, moved, name))
        return True

    def set_locked(self, cluster: int, locked: bool) -> None:
        if (cluster in self.doc.cluster_locked) != locked:
            self.session.push(cc.SetClusterLocked(cluster, locked))

    def rename(self, cluster: int, name: str | None = None) -> None:
        old = self.doc.cluster_labels.get(cluster, "")
        if name is None:
            name = dialogs.get_text(self.parent, "Rename cluster", "Name:", old)
        if name and name.strip() and name.strip() != old:
            self.session.push(RenameCluster(cluster, name.strip()))

    def make_group(self, cluster: int) -> None:
        """A named group of the cluster's notes, which stays whatever the clusters do later."""
        members = [k for k in self.doc.notes if self.doc.clusters.get(k) == cluster]
        name = self.doc.cluster_name(cluster)
        if members:
            self.session.push(AddGroup(Group(self.doc.new_id("g"), name), members))

    def set_count(self, count: int | str | None = None) -> None:
        """Map > Clusters: "auto", a number (asked for when None), or "none"."""
        if count is None:
            text = dialogs.get_text(self.parent, "Number of clusters", "How many clusters (1-50):",
                                    str(len(set(self.doc.clusters.values())) or 5))
            if text is None:
                return
            try:
                count = int(text.strip())
            except ValueError:
                dialogs.error(self.parent, "Number of clusters", f"{text.strip()!r} is not a whole number")
                return
            if not 1 <= count <= 50:
                dialogs.error(self.parent, "Number of clusters", "choose between 1 and 50 clusters")
                return
        if count != self.doc.cluster_count:
            self.session.push(cc.SetClusterCount(count))

    # ---- the menu ------------------------------------------------------------------------------------
    def fill_menu(self, menu: QMenu, ids: list[str]) -> None:
        """A note's Cluster submenu: move the notes to another cluster, and act on the first note's cluster."""
        own = self.doc.clusters.get(ids[0])
        move = menu.addMenu("Move to")
        for c in self._others(own):
            move.addAction(self._name(c), lambda c=c: self.move_to(ids, c))
        move.setEnabled(not move.isEmpty())
        if own is None:
            return
        name = self._name(own)
        menu.addSeparator()
        menu.addAction(f"Rename “{name}”…", lambda: self.rename(own))
        locked = own in self.doc.cluster_locked
        menu.addAction(f"Unlock “{name}”" if locked else f"Lock “{name}”", lambda: self.set_locked(own, not locked))
        merge = menu.addMenu(f"Merge “{name}” with")
        for c in self._others(own):
            merge.addAction(self._name(c), lambda c=c: self.merge(own, c))
        merge.setEnabled(not merge.isEmpty())
        menu.addAction(f"Split “{name}” in two", lambda: self.split(own))
        menu.addAction(f"Make group from “{name}”", lambda: self.make_group(own))

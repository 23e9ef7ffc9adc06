"""Hand corrections of the clusters: move notes to a cluster, merge two, split one, lock one, choose how many.

Each is a command with undo. What the user decides here wins over re-clustering: notes moved by hand stay in
their cluster (`cluster_assigned`), a locked cluster keeps its notes (`cluster_locked`), and a typed name stays.
"""
from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable

import numpy as np

from instructor_map.core.commands import Command
from instructor_map.core.document import MapDocument
from instructor_map.core.events import Aspect


class _ClusterState:
    """Everything a cluster correction can change, to put back on undo."""

    def __init__(self, doc: MapDocument):
        self.clusters = dict(doc.clusters)
        self.labels = dict(doc.cluster_labels)
        self.renamed = set(doc.cluster_renamed)
        self.locked = set(doc.cluster_locked)
        self.assigned = dict(doc.cluster_assigned)
        self.count = doc.cluster_count
        self.parts = dict(doc.subclusters)

    def apply(self, doc: MapDocument) -> None:
        doc.clusters = {k: c for k, c in self.clusters.items() if k in doc.notes}
        doc.cluster_labels = dict(self.labels)
        doc.cluster_renamed = set(self.renamed)
        doc.cluster_locked = set(self.locked)
        doc.cluster_assigned = {k: c for k, c in self.assigned.items() if k in doc.notes}
        doc.cluster_count = self.count
        doc.subclusters = {k: p for k, p in self.parts.items() if k in doc.notes}


class _ClusterEdit(Command):
    changes = Aspect.CLUSTERS

    def do(self, doc):
        self.before = _ClusterState(doc)
        self.change(doc)
        changed = {c for k, c in self.before.clusters.items() if doc.clusters.get(k) != c}
        changed |= {doc.clusters[k] for k, c in self.before.clusters.items() if doc.clusters.get(k, c) != c}
        # a cluster that gained or lost notes is divided again by the next map
        doc.subclusters = {k: p for k, p in doc.subclusters.items() if doc.clusters.get(k) not in changed}

    def undo(self, doc):
        self.before.apply(doc)

    @abstractmethod
    def change(self, doc: MapDocument) -> None: ...


class MoveToCluster(_ClusterEdit):
    """Put notes in a cluster by hand; they stay there when the map is clustered again."""

    def __init__(self, ids: Iterable[str], cluster: int, name: str = ""):
        self.ids, self.cluster = list(ids), cluster
        self.label = f"Move to {name or 'cluster'}"

    def change(self, doc):
        for k in self.ids:
            doc.clusters[k] = doc.cluster_assigned[k] = self.cluster


class MergeClusters(_ClusterEdit):
    """Merge cluster `other` into `keep`: its notes join, `keep`'s name stays."""

    def __init__(self, keep: int, other: int):
        self.keep, self.other = keep, other
        self.label = "Merge clusters"

    def change(self, doc):
        doc.clusters = {k: self.keep if c == self.other else c for k, c in doc.clusters.items()}
        doc.cluster_assigned = {k: self.keep if c == self.other else c for k, c in doc.cluster_assigned.items()}
        doc.cluster_labels.pop(self.other, None)
        doc.cluster_renamed.discard(self.other)
        if self.other in doc.cluster_locked:
            doc.cluster_locked.discard(self.other)
            doc.cluster_locked.add(self.keep)


class SplitCluster(_ClusterEdit):
    """Split a cluster in two: `moved` notes form a new cluster named `name`; the rest keep the old one."""

    def __init__(self, cluster: int, moved: Iterable[str], name: str):
        self.cluster, self.moved, self.name = cluster, list(moved), name
        self.label = "Split cluster"

    def change(self, doc):
        new = max([*doc.clusters.values(), *doc.cluster_labels, -1]) + 1
        for k in self.moved:
            doc.clusters[k] = new
            if k in doc.cluster_assigned:
                doc.cluster_assigned[k] = new
        doc.cluster_labels[new] = self.name


class SetClusterLocked(_ClusterEdit):
    """Lock a cluster (its notes stay together, its name stays) or unlock it."""

    def __init__(self, cluster: int, locked: bool):
        self.cluster, self.locked = cluster, locked
        self.label = "Lock cluster" if locked else "Unlock cluster"

    def change(self, doc):
        if self.locked:
            doc.cluster_locked.add(self.cluster)
        else:
            doc.cluster_locked.discard(self.cluster)


class SetClusterCount(_ClusterEdit):
    """How many clusters: "auto", a number, or "none" (which clears them). The map is clustered again."""

    def __init__(self, count: int | str):
        self.count = count
        self.remaps = count != "none"
        self.label = {"auto": "Clusters: automatic", "none": "Clusters: off"}.get(str(count), f"{count} clusters")

    def change(self, doc):
        doc.cluster_count = self.count
        if self.count == "none":
            doc.clusters, doc.cluster_labels = {}, {}
            doc.cluster_renamed, doc.cluster_locked, doc.cluster_assigned = set(), set(), {}


def split_in_two(doc: MapDocument, cluster: int) -> tuple[list[str], str] | None:
    """The notes of `cluster` that would form its second half, by 2-means on their vectors, and a name for them;
    None when the cluster has fewer than two notes or its vectors are not computed."""
    from instructor_map.core.clusters import cluster as run_clustering

    ids = [k for k in doc.notes if doc.clusters.get(k) == cluster]
    texts = [doc.notes[k].text for k in ids]
    if len(ids) < 2 or not doc.embeddings.has_all(doc.model, doc.instruction, texts):
        return None
    vectors = np.asarray(doc.embeddings.matrix(doc.model, doc.instruction, texts))
    halves = run_clustering(vectors, texts, 2)
    if halves.k < 2:
        return None
    moved = [k for k, label in zip(ids, halves.labels.tolist()) if label == 1]
    return moved, halves.names.get(1, "")

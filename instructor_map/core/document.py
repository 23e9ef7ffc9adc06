"""The map document: notes, links, groups, clusters and per-view positions.

Edits go through instructor_map.core.commands so that each one can be undone; the methods here are the
small, exact mutations those commands are made of.
"""
from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from instructor_map.core.cache import EmbeddingCache

LINK_KINDS = ("supports", "opposes", "related")
VIEW_DIMS = (2, 3)


@dataclass
class Note:
    id: str
    text: str
    title: str = ""
    group: str = ""  # a Group id, or "" for none
    color: str = ""  # "#rrggbb", or "" to colour by cluster/group
    metadata: dict[str, str] = field(default_factory=dict)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # control characters: never drawn


def short_label(note: Note, chars: int = 40) -> str:
    """The note's title, else its text's start on one line, cut with an ellipsis to at most `chars`."""
    return _short_label(note.title, note.text, chars)


@functools.lru_cache(maxsize=1 << 17)  # maps read every label again on each redraw
def _short_label(title: str, text: str, chars: int) -> str:
    label = " ".join(_UNPRINTABLE.sub(" ", title or text).split())
    if not label and title:
        label = " ".join(_UNPRINTABLE.sub(" ", text).split())
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


@dataclass
class Link:
    id: str
    source: str
    target: str
    kind: str = "related"  # one of LINK_KINDS
    label: str = ""
    extra: dict = field(default_factory=dict)  # what a file said of the link beyond these, e.g. a canvas edge


@dataclass
class Group:
    id: str
    name: str
    color: str = ""
    extra: dict = field(default_factory=dict)  # what a file said of the group beyond these, e.g. its canvas box


@dataclass
class Placement:
    """Where notes sit in one view: computed places, hand-placed pins, and the PCA basis used."""

    dims: int
    positions: dict[str, tuple[float, ...]] = field(default_factory=dict)
    pins: dict[str, tuple[float, ...]] = field(default_factory=dict)
    basis: dict | None = None  # {"mean", "components", "explained_variance_ratio"} as lists

    def position(self, note_id: str) -> tuple[float, ...] | None:
        return self.pins.get(note_id, self.positions.get(note_id))

    def array(self, ids) -> np.ndarray:
        """Displayed positions of `ids` as an (N, dims) float32 array; NaN where a note has no place yet."""
        pins, positions, none = self.pins, self.positions, (np.nan,) * self.dims
        try:
            return np.array([pins.get(i) or positions.get(i) or none for i in ids],
                            dtype=np.float32).reshape(len(ids), self.dims)
        except ValueError:  # a place of the wrong length: the slow way, which says where
            out = np.full((len(ids), self.dims), np.nan, dtype=np.float32)
            for row, note_id in enumerate(ids):
                pos = self.position(note_id)
                if pos is not None:
                    out[row] = pos
            return out


@dataclass
class MapDocument:
    notes: dict[str, Note] = field(default_factory=dict)  # insertion order is the note order
    links: dict[str, Link] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    instruction: str = ""
    instruction_history: list[str] = field(default_factory=list)
    model: str = ""  # what --model resolved to, e.g. "hkunlp/instructor-large" or "bundled"
    model_kind: str = ""  # the model's family: "instructor", "qwen3", "e5-instruct" or "sentence"
    placements: dict[int, Placement] = field(default_factory=lambda: {d: Placement(d) for d in VIEW_DIMS})
    # the 2D places are a file's own arrangement (a JSON Canvas), held until a task is applied (see AddNotes)
    imported_arrangement: bool = False
    clusters: dict[str, int] = field(default_factory=dict)  # note id -> cluster number
    cluster_labels: dict[int, str] = field(default_factory=dict)
    cluster_renamed: set[int] = field(default_factory=set)  # labels the user typed, kept on re-clustering
    cluster_locked: set[int] = field(default_factory=set)  # clusters whose notes stay together on re-clustering
    cluster_assigned: dict[str, int] = field(default_factory=dict)  # note id -> cluster the user put it in
    cluster_count: int | str = "auto"  # how many clusters: "auto", a number, or "none"
    subclusters: dict[str, int] = field(default_factory=dict)  # note id -> its part within its cluster
    subcluster_names: dict[str, str] = field(default_factory=dict)  # "cluster.part" -> name, for zooming in
    embeddings: EmbeddingCache = field(default_factory=EmbeddingCache)

    # ---- ids -------------------------------------------------------------------------------------------
    def new_id(self, prefix: str = "n") -> str:
        taken = self.notes.keys() | self.links.keys() | self.groups.keys()
        for k in itertools.count(len(taken) + 1):
            candidate = f"{prefix}{k}"
            if candidate not in taken:
                return candidate
        raise AssertionError("unreachable")

    # ---- queries ---------------------------------------------------------------------------------------
    @property
    def note_ids(self) -> list[str]:
        return list(self.notes)

    def texts(self) -> list[str]:
        return [n.text for n in self.notes.values()]

    def links_of(self, note_id: str) -> list[Link]:
        return [ln for ln in self.links.values() if note_id in (ln.source, ln.target)]

    def group_by_name(self, name: str) -> Group | None:
        return next((g for g in self.groups.values() if g.name == name), None)

    # ---- exact mutations (commands call these) -------------------------------------------------------
    def insert_note(self, note: Note, index: int | None = None) -> None:
        if note.id in self.notes:
            raise ValueError(f"duplicate note id {note.id!r}")
        if index is None or index >= len(self.notes):
            self.notes[note.id] = note  # appending: no rebuild, so big imports stay linear
            return
        items = list(self.notes.items())
        index = len(items) if index is None else index
        items.insert(index, (note.id, note))
        self.notes = dict(items)

    def remove_note(self, note_id: str) -> dict:
        """Remove a note and everything tied to it; returns what `restore_note` needs to put it back."""
        # searched from the end: undoing an import removes the last notes first, each found at once
        index = len(self.notes) - 1 - next(i for i, k in enumerate(reversed(self.notes)) if k == note_id)
        removed = {
            "note": self.notes.pop(note_id),
            "index": index,
            "links": [self.links.pop(ln.id) for ln in self.links_of(note_id)] if self.links else [],
            "places": {d: (p.positions.pop(note_id, None), p.pins.pop(note_id, None))
                       for d, p in self.placements.items()},
            "cluster": self.clusters.pop(note_id, None),
            "assigned": self.cluster_assigned.pop(note_id, None),
        }
        return removed

    def restore_note(self, removed: dict) -> None:
        note = removed["note"]
        self.insert_note(note, removed["index"])
        for ln in removed["links"]:
            self.links[ln.id] = ln
        for d, (pos, pin) in removed["places"].items():
            if pos is not None:
                self.placements[d].positions[note.id] = pos
            if pin is not None:
                self.placements[d].pins[note.id] = pin
        if removed["cluster"] is not None:
            self.clusters[note.id] = removed["cluster"]
        if removed.get("assigned") is not None:
            self.cluster_assigned[note.id] = removed["assigned"]

    def add_link(self, link: Link) -> None:
        for end in (link.source, link.target):
            if end not in self.notes:
                raise ValueError(f"link {link.id!r} points at missing note {end!r}")
        if link.kind not in LINK_KINDS:
            raise ValueError(f"link kind must be one of {', '.join(LINK_KINDS)}, not {link.kind!r}")
        self.links[link.id] = link

    def set_instruction(self, instruction: str) -> None:
        self.instruction = instruction
        if instruction and instruction not in self.instruction_history:
            self.instruction_history.append(instruction)

    def cluster_name(self, cluster: int) -> str:
        """The cluster's name, or "Cluster N" (counting from 1) while it has none."""
        return self.cluster_labels.get(cluster, f"Cluster {cluster + 1}")

    def cluster_of(self, note_id: str) -> int:
        return self.clusters.get(note_id, -1)

"""Commands that change the map as a whole: a computed map arriving, another arrangement, a new task.

A computed map is an amendment of the edit that asked for it (see CommandStack.amend): undoing the edit takes
the map back too, and redoing it puts the same map back without computing it again.
"""
from __future__ import annotations

from collections.abc import Sequence

from instructor_map.core.commands import Command
from instructor_map.core.document import MapDocument, Placement
from instructor_map.core.events import Aspect
from instructor_map.core.pipeline import MapResult


class MapState:
    """What a new map changes: computed places and basis per view, clusters and their names, the model."""

    def __init__(self, doc: MapDocument):
        self.placements = {d: Placement(d, dict(p.positions), {}, p.basis) for d, p in doc.placements.items()}
        self.clusters = dict(doc.clusters)
        self.labels = dict(doc.cluster_labels)
        self.renamed = set(doc.cluster_renamed)
        self.parts, self.part_names = dict(doc.subclusters), dict(doc.subcluster_names)
        self.model = (doc.model, doc.model_kind)

    def apply(self, doc: MapDocument) -> None:
        for d, p in self.placements.items():
            doc.placements[d].positions = {k: v for k, v in p.positions.items() if k in doc.notes}
            doc.placements[d].basis = p.basis
        doc.clusters = {k: c for k, c in self.clusters.items() if k in doc.notes}
        doc.cluster_labels = dict(self.labels)
        doc.cluster_renamed = set(self.renamed)
        doc.subclusters = {k: p for k, p in self.parts.items() if k in doc.notes}
        doc.subcluster_names = dict(self.part_names)
        doc.model, doc.model_kind = self.model


class ApplyMap(Command):
    """A computed map: the places of the notes embedded so far, a whole new layout, then its clusters.

    Later results of the same computation extend this command (`extend`), so the whole of one computation is
    one amendment, undone at once. While the document is arranged by an import (a JSON Canvas, no task applied
    yet), the notes that had a 2D place before the computation keep it: the map still embeds, clusters, lays
    out the 3D view and places the notes that had no place (aligned to the arrangement), but the arrangement
    stays until a task is applied."""

    label = "Map"

    def __init__(self, result: MapResult, model: tuple[str, str] | None = None):
        self.result, self.model = result, model
        self.before: MapState | None = None
        self.after: MapState | None = None

    @property
    def changes(self) -> Aspect:  # type: ignore[override]
        clusters = Aspect.CLUSTERS if self.result.clusters is not None else Aspect.NONE
        return Aspect.PLACES | clusters | (Aspect.MODEL if self.model else Aspect.NONE)

    @property
    def complete(self) -> bool:
        """Every note of the map has its computed place."""
        return self.result.complete

    def do(self, doc):
        if self.after is not None:
            self.after.apply(doc)
            return
        self.before = MapState(doc)
        self._apply(doc)

    def extend(self, doc: MapDocument, result: MapResult, model: tuple[str, str] | None = None) -> None:
        """Apply a later result of the same computation (the whole map after partial ones, then its clusters)."""
        self.result, self.model = result, model or self.model
        self._apply(doc)

    def _apply(self, doc: MapDocument) -> None:
        self.result.apply(doc)
        if doc.imported_arrangement and self.before is not None:
            held = self.before.placements[2].positions
            doc.placements[2].positions.update((k, v) for k, v in held.items() if k in doc.notes)
        if self.model:
            doc.model, doc.model_kind = self.model
        self.after = MapState(doc)

    def undo(self, doc):
        assert self.before is not None
        self.before.apply(doc)


class SetArrangement(Command):
    """Swap the 2D map's computed places and basis, e.g. for the argument layout or named axes; pins still win.
    Like a task, another arrangement chosen replaces the one an import brought."""

    changes = Aspect.PLACES

    def __init__(self, dims: int, positions: dict[str, Sequence[float]], basis: dict | None, label: str):
        self.dims, self.basis, self.label = dims, basis, label
        self.positions = {k: tuple(float(x) for x in v) for k, v in positions.items()}
        self.before: tuple[dict, dict | None, bool] = ({}, None, False)

    def do(self, doc):
        placement = doc.placements[self.dims]
        self.before = (placement.positions, placement.basis, doc.imported_arrangement)
        placement.positions = {k: v for k, v in self.positions.items() if k in doc.notes}
        placement.basis = self.basis
        doc.imported_arrangement = doc.imported_arrangement and self.dims != 2

    def undo(self, doc):
        placement = doc.placements[self.dims]
        placement.positions, placement.basis, doc.imported_arrangement = self.before


class SetInstruction(Command):
    """Apply a task. Its new map arrives later, as an amendment (ApplyMap); an arrangement an import brought gives
    way to it (undoing the task brings the arrangement back)."""

    changes = Aspect.TASK
    remaps = True
    label = "Change instruction"

    def __init__(self, instruction: str):
        self.instruction = instruction
        self.old_instruction = ""
        self.was_arranged = False

    def do(self, doc):
        self.old_instruction, self.was_arranged = doc.instruction, doc.imported_arrangement
        doc.set_instruction(self.instruction)  # the history keeps every task tried, for comparisons
        doc.imported_arrangement = False

    def undo(self, doc):
        doc.instruction, doc.imported_arrangement = self.old_instruction, self.was_arranged

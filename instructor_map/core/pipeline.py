"""From a document snapshot to a new map: embed what the cache lacks, lay out in 2D and 3D, cluster.

`run(request, encoder, cache, state)` is the one pipeline, in the shape of Orange3's `run(data, state)`: it
reports progress and partial maps through `state` and stops when `state` asks it to. The app's worker thread
and the command line both call it; a MapRequest is a copy, so the document can change meanwhile.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from instructor_map.core.arrangement import Arrangement, arrange
from instructor_map.core.cache import EmbeddingCache, QueryMemo, embed_cached
from instructor_map.core.clusters import recluster
from instructor_map.core.document import VIEW_DIMS, MapDocument
from instructor_map.core.levels import subclusters
from instructor_map.core.pca import Layout, pca_layouts

PARTIAL_EVERY_S = 0.5  # at most two partial maps a second


class TaskState(Protocol):
    """How a running pipeline reports, and learns that it should stop."""

    def set_progress_value(self, done: int, total: int) -> None: ...

    def set_partial_result(self, result: MapResult) -> None: ...

    def is_interruption_requested(self) -> bool: ...


class QuietState:
    """Reports nowhere and never stops; `progress` optionally receives (done, total)."""

    def __init__(self, progress: Callable[[int, int], None] | None = None):
        self.progress = progress

    def set_progress_value(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def set_partial_result(self, result: MapResult) -> None:
        pass

    def is_interruption_requested(self) -> bool:
        return False


@dataclass
class MapRequest:
    ids: list[str]
    texts: list[str]
    instruction: str
    previous: dict[int, dict[str, tuple]]  # computed places per view, to align the new map to
    pins: dict[int, dict[str, tuple]]
    clusters: dict[str, int] = field(default_factory=dict)
    cluster_labels: dict[int, str] = field(default_factory=dict)
    renamed: set[int] = field(default_factory=set)
    k: int | str = "auto"  # "auto", "none" or a number
    assigned: dict[str, int] = field(default_factory=dict)  # notes the user put in a cluster: they stay there
    locked: set[int] = field(default_factory=set)  # clusters the user locked: their notes stay together
    arrangement: Arrangement = field(default_factory=Arrangement)  # how the 2D map is arranged
    graph: MapDocument | None = None  # notes and links, for a 2D map that is not plain PCA

    @classmethod
    def from_document(cls, doc: MapDocument, clusters: int | str | None = None) -> MapRequest:
        """`clusters`: how many ("auto", a number, "none"); None for the document's own choice."""
        arrangement = Arrangement.of(doc.placements[2].basis)
        graph = None if arrangement.plain else MapDocument(
            notes=dict(doc.notes), links={k: copy.copy(v) for k, v in doc.links.items()})
        return cls(
            ids=doc.note_ids, texts=doc.texts(), instruction=doc.instruction,
            previous={d: dict(p.positions) for d, p in doc.placements.items()},
            pins={d: dict(p.pins) for d, p in doc.placements.items()},
            clusters=dict(doc.clusters), cluster_labels=dict(doc.cluster_labels),
            renamed=set(doc.cluster_renamed), k=doc.cluster_count if clusters is None else clusters,
            assigned=dict(doc.cluster_assigned), locked=set(doc.cluster_locked), arrangement=arrangement, graph=graph,
        )


@dataclass
class MapResult:
    ids: list[str]
    instruction: str
    vectors: np.ndarray
    layouts: dict[int, Layout]
    clusters: dict[str, int] | None  # None: leave the document's clusters as they are
    cluster_labels: dict[int, str] = field(default_factory=dict)
    renamed: set[int] = field(default_factory=set)
    complete: bool = True  # False: a partial map of the notes embedded so far
    subclusters: dict[str, int] = field(default_factory=dict)  # the clusters' parts, for the map zoomed in
    subcluster_names: dict[str, str] = field(default_factory=dict)

    def apply(self, doc: MapDocument) -> None:
        """Put the new computed places (and clusters) into the document; pins are untouched. A partial map
        only adds the places it has."""
        for dims, layout in self.layouts.items():
            placement = doc.placements[dims]
            if self.complete:
                placement.positions = layout.places(doc.notes)
                placement.basis = layout.basis
            else:
                placement.positions = {**placement.positions, **layout.places(doc.notes)}
        if self.clusters is not None:
            doc.clusters = {i: c for i, c in self.clusters.items() if i in doc.notes}
            doc.cluster_labels = dict(self.cluster_labels)
            doc.cluster_renamed = set(self.renamed)
            doc.subclusters = {i: p for i, p in self.subclusters.items() if i in doc.notes}
            doc.subcluster_names = dict(self.subcluster_names)


def run(request: MapRequest, encoder, cache: EmbeddingCache, state: TaskState,
        pole_vectors: Callable[[list[str]], np.ndarray] | None = None) -> MapResult | None:
    """Embed (cache first), lay out, report the new map, then cluster it. None when interrupted; the cache
    keeps what was finished.

    Partial maps go to `state` while notes embed, and the whole map once more before its clusters are found.
    Clusters run where the encoder runs (`encoder.call`: in the model's process, when it has one). An arranged
    2D map needs `pole_vectors(texts)` for named axes (query texts embedded under the request's instruction).
    """
    vectors = embed_cached(cache, encoder, request.instruction, request.texts,
                           progress=state.set_progress_value, partial=_partial_maps(request, state),
                           cancelled=state.is_interruption_requested)
    if vectors is None:
        return None
    result = MapResult(request.ids, request.instruction, vectors, find_layouts(request, vectors), None)
    if not request.arrangement.plain:
        result.layouts[2] = _arranged(request, vectors, pole_vectors)
    state.set_partial_result(replace(result))  # the new map shows before its clusters are found
    call = getattr(encoder, "call", None)
    clusters_request = replace(request, previous={}, pins={}, graph=None)  # what clustering needs, no more
    if call:
        found = call(find_clusters, clusters_request, vectors)  # the model's process passes its encoder
    else:
        found = find_clusters(clusters_request, vectors, encoder=encoder)
    if found is not None:
        result.clusters, result.cluster_labels, result.renamed = found
        parts_of = (vectors, request.ids, request.texts, result.clusters, result.cluster_labels)
        result.subclusters, result.subcluster_names = call(subclusters, *parts_of) if call else subclusters(*parts_of)
    return result


def _arranged(request: MapRequest, vectors: np.ndarray, pole_vectors) -> Layout:
    """The 2D layout for a map arranged as an argument or along named axes."""
    poles = request.arrangement.poles()
    by_pole = dict(zip(poles, pole_vectors(poles))) if poles and pole_vectors else {}
    return arrange(request.arrangement, vectors, request.ids, by_pole, request.graph or MapDocument())


def _partial_maps(request: MapRequest, state: TaskState):
    """Every PARTIAL_EVERY_S, lay out the notes embedded so far and report that map."""
    done = np.zeros(len(request.ids), dtype=bool)
    vectors: list[np.ndarray] = [np.empty(0)] * len(request.ids)  # filled in as batches finish
    last = [time.monotonic()]

    def on_partial(indices, vecs) -> None:
        for i, v in zip(indices, vecs):
            done[i], vectors[i] = True, v
        if time.monotonic() - last[0] < PARTIAL_EVERY_S or done.sum() < 3 or done.all():
            return
        last[0] = time.monotonic()
        rows = np.flatnonzero(done)
        sub = MapRequest([request.ids[i] for i in rows], [request.texts[i] for i in rows], request.instruction,
                         request.previous, request.pins, k="none")
        result = layout_map(sub, np.stack([vectors[i] for i in rows]))
        result.complete = False
        if not request.arrangement.plain:  # an arranged 2D map waits for all its notes
            del result.layouts[2]
        state.set_partial_result(result)

    return on_partial


def layout_map(request: MapRequest, vectors: np.ndarray, with_clusters: bool = True) -> MapResult:
    """Layouts (and clusters) for vectors already computed (fast: no model involved)."""
    result = MapResult(request.ids, request.instruction, vectors, find_layouts(request, vectors), None)
    if with_clusters:
        found = find_clusters(request, result.vectors)
        if found is not None:
            result.clusters, result.cluster_labels, result.renamed = found
    return result


def find_clusters(request: MapRequest, vectors: np.ndarray, encoder=None) -> tuple[dict, dict, set] | None:
    """(note -> cluster, cluster -> name, clusters with typed names), or None when the request wants none. With
    the `encoder`, candidate names are embedded under the request's task, and a name near its cluster's centre
    in meaning is preferred."""
    if request.k == "none" or not request.ids:
        return None
    phrase_vectors = None
    if encoder is not None:
        def phrase_vectors(phrases: list[str]) -> np.ndarray:
            return _PHRASES.vectors(encoder, request.instruction, phrases)
    return recluster(vectors, request.ids, request.texts, request.clusters, request.cluster_labels,
                     request.renamed, k=request.k, assigned=request.assigned, locked=request.locked,
                     phrase_vectors=phrase_vectors)


find_clusters.uses_encoder = True  # type: ignore[attr-defined]  # the model's process passes its encoder
_PHRASES = QueryMemo()  # candidate cluster names embedded in this process: the same come back map after map


def find_layouts(request: MapRequest, vectors: np.ndarray) -> dict[int, Layout]:
    """The 2D and 3D layouts, aligned to the request's previous places and pins."""
    return pca_layouts(vectors, request.ids, VIEW_DIMS, request.previous, request.pins)


def warm_imports() -> None:
    """Import the libraries a map computes with (scipy, scikit-learn; they load on first use) now, while waiting
    for something else anyway, such as the model loading in its own process."""
    import scipy.linalg  # noqa: F401
    import scipy.optimize  # noqa: F401
    import sklearn.cluster  # noqa: F401
    import sklearn.metrics  # noqa: F401

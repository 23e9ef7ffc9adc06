"""From a document snapshot to a new map: embed what the cache lacks, lay out in 2D and 3D, cluster.

The worker thread runs `build_map` on a `MapRequest` (a copy, so the document can change meanwhile); the GUI
thread only calls `MapResult.apply`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from instructor_map.core.cache import EmbeddingCache, embed_cached
from instructor_map.core.clusters import recluster
from instructor_map.core.document import VIEW_DIMS, MapDocument
from instructor_map.core.pca import Layout, pca_layouts


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

    @classmethod
    def from_document(cls, doc: MapDocument, clusters: int | str = "auto") -> MapRequest:
        return cls(
            ids=doc.note_ids, texts=doc.texts(), instruction=doc.instruction,
            previous={d: dict(v.positions) for d, v in doc.placements.items()},
            pins={d: dict(v.pins) for d, v in doc.placements.items()},
            clusters=dict(doc.clusters), cluster_labels=dict(doc.cluster_labels),
            renamed=set(doc.cluster_renamed), k=clusters,
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

    def apply(self, doc: MapDocument) -> None:
        """Put the new computed places (and clusters) into the document; pins are untouched."""
        for dims, layout in self.layouts.items():
            view = doc.placements[dims]
            view.positions = layout.places(doc.notes)
            view.basis = layout.basis
        if self.clusters is not None:
            doc.clusters = {i: c for i, c in self.clusters.items() if i in doc.notes}
            doc.cluster_labels = dict(self.cluster_labels)
            doc.cluster_renamed = set(self.renamed)


def layout_map(request: MapRequest, vectors: np.ndarray, with_clusters: bool = True) -> MapResult:
    """Layouts (and clusters) for vectors already computed (fast: no model involved)."""
    result = MapResult(request.ids, request.instruction, vectors, find_layouts(request, vectors), None)
    return add_clusters(result, request) if with_clusters else result


def add_clusters(result: MapResult, request: MapRequest) -> MapResult:
    """Cluster the result's vectors, keeping the user's cluster names where clusters continue."""
    found = find_clusters(request, result.vectors)
    if found is not None:
        result.clusters, result.cluster_labels, result.renamed = found
    return result


def find_clusters(request: MapRequest, vectors: np.ndarray) -> tuple[dict, dict, set] | None:
    """(note -> cluster, cluster -> name, clusters with typed names), or None when the request wants none."""
    if request.k == "none" or not request.ids:
        return None
    return recluster(vectors, request.ids, request.texts, request.clusters, request.cluster_labels,
                     request.renamed, k=request.k)


def find_layouts(request: MapRequest, vectors: np.ndarray) -> dict[int, Layout]:
    """The 2D and 3D layouts, aligned to the request's previous places and pins."""
    return pca_layouts(vectors, request.ids, VIEW_DIMS, request.previous, request.pins)


def build_map(
    request: MapRequest,
    encoder,
    cache: EmbeddingCache,
    progress: Callable[[int, int], None] | None = None,
    partial: Callable[[list[int], np.ndarray], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> MapResult | None:
    """Embed (cache first), then lay out. None when cancelled; the cache keeps what was finished."""
    vectors = embed_cached(cache, encoder, request.instruction, request.texts, progress=progress,
                           partial=partial, cancelled=cancelled)
    if vectors is None:
        return None
    return layout_map(request, vectors)

"""Questions the worker answers about a map: relevance to the task, notes like a text, suggested links and
near-duplicates, the map under another arrangement, and where notes sat under an earlier task.

Each takes a MapSnapshot (taken on the GUI thread) and the encoder, embeds only what the cache lacks, and
returns plain data for the window to show.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from instructor_map.core.analysis import cosine, task_objective, top
from instructor_map.core.arrangement import Arrangement, arrange
from instructor_map.core.cache import EmbeddingCache, QueryMemo, embed_cached
from instructor_map.core.document import MapDocument
from instructor_map.core.graph import near_duplicates, suggest_links
from instructor_map.core.pca import Layout, pca_layout


@dataclass
class MapSnapshot:
    ids: list[str]
    texts: list[str]
    instruction: str
    cache: EmbeddingCache  # the document's own; only the worker writes to it
    positions: dict[str, tuple]  # computed 2D places
    pins: dict[str, tuple]
    arrangement: Arrangement
    graph: MapDocument  # the notes and links, for the argument layout and to leave linked pairs out

    @classmethod
    def of(cls, doc: MapDocument) -> MapSnapshot:
        view = doc.placements[2]
        graph = MapDocument(notes=dict(doc.notes), links={k: copy.copy(v) for k, v in doc.links.items()})
        return cls(doc.note_ids, doc.texts(), doc.instruction, doc.embeddings, dict(view.positions),
                   dict(view.pins), Arrangement.of(view.basis), graph)

    @property
    def shown(self) -> dict[str, tuple]:
        """2D places as shown: pins win."""
        return {**self.positions, **self.pins}


def note_vectors(snap: MapSnapshot, encoder, instruction: str | None = None,
                 cancelled: Callable[[], bool] | None = None) -> np.ndarray | None:
    return embed_cached(snap.cache, encoder, instruction or snap.instruction, snap.texts, cancelled=cancelled)


def relevance(snap: MapSnapshot, encoder, memo: QueryMemo) -> tuple[str, dict[str, float]]:
    """The task's objective, and each note's cosine with it (both embedded under the task's instruction)."""
    objective = task_objective(snap.instruction)
    X = note_vectors(snap, encoder)
    query = memo.vectors(encoder, snap.instruction, [objective])[0]
    return objective, dict(zip(snap.ids, cosine(X, query).tolist()))


def similar(snap: MapSnapshot, encoder, memo: QueryMemo, text: str, n: int = 10) -> list[tuple[str, float]]:
    """The n notes most like `text`, best first."""
    X = note_vectors(snap, encoder)
    return top(snap.ids, cosine(X, memo.vectors(encoder, snap.instruction, [text])[0]), n)


def suggestions(snap: MapSnapshot, encoder, threshold: float, top_n: int = 20,
                limit: int = 100) -> tuple[list, list, int]:
    """Suggested links and the first `limit` near-duplicate pairs, each as (id, id, similarity), best first,
    and how many near-duplicate pairs there are in all."""
    X = note_vectors(snap, encoder)
    linked = {frozenset((ln.source, ln.target)) for ln in snap.graph.links.values()}
    duplicates = near_duplicates(X, snap.ids, threshold)
    return suggest_links(X, snap.ids, linked, top_n=top_n), duplicates[:limit], len(duplicates)


def arranged(snap: MapSnapshot, encoder, memo: QueryMemo, arrangement: Arrangement) -> Layout:
    """The 2D layout of the current notes under `arrangement`; a plain map is aligned to the pins only."""
    X = note_vectors(snap, encoder) if arrangement.mode != "argument" else np.zeros((len(snap.ids), 1))
    poles = arrangement.poles()
    pole_vectors = dict(zip(poles, memo.vectors(encoder, snap.instruction, poles))) if poles else {}
    return arrange(arrangement, X, snap.ids, pole_vectors, snap.graph, pins=snap.pins)


def earlier_places(snap: MapSnapshot, encoder, memo: QueryMemo, instruction: str,
                   cancelled: Callable[[], bool] | None = None) -> dict[str, tuple] | None:
    """Where the notes would sit on this map under an earlier instruction: laid out the way the map is now
    (PCA turned to match the current map, or the same named axes), pins where they are. None if cancelled."""
    X = note_vectors(snap, encoder, instruction, cancelled)
    if X is None:
        return None
    if snap.arrangement.named:
        poles = snap.arrangement.poles()
        layout = arrange(snap.arrangement, X, snap.ids, dict(zip(poles, memo.vectors(encoder, instruction, poles))),
                       snap.graph)
    else:
        layout = pca_layout(X, snap.ids, 2, previous=snap.shown)
    places = layout.places()
    return {**places, **{k: v for k, v in snap.pins.items() if k in places}}

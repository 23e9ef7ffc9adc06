"""Links and similarities: the argument layout, suggested links and near-duplicate notes."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from instructor_map.core.document import MapDocument
from instructor_map.core.layered import layered_places

ARGUMENT_KINDS = ("supports", "opposes")  # links that put their source below their target
BLOCK_CELLS = 4_000_000  # similarities are computed in blocks of at most this many (16 MB)


def argument_places(doc: MapDocument, aspect: float = 1.6, width: float = 200.0) -> dict[str, tuple[float, float]]:
    """Claims above the notes that support or oppose them, one layer per depth; y grows upward.

    A note sits one layer below the lowest claim it argues for; notes that argue for each other in a circle
    share a layer. Notes in no supports or opposes link fill the bottom rows, in note order. The layers are
    ordered for few crossing arrows and fitted to a canvas of `aspect` (width / height), `width` wide
    (see layered.layered_places).
    """
    import networkx as nx  # loads on first use: the window opens sooner

    order = {note_id: i for i, note_id in enumerate(doc.notes)}
    pairs = sorted({(ln.target, ln.source) for ln in doc.links.values()  # claim -> a note arguing about it
                    if ln.kind in ARGUMENT_KINDS and ln.source in order and ln.target in order},
                   key=lambda p: (order[p[0]], order[p[1]]))
    reasons = nx.DiGraph(pairs)
    dag = nx.condensation(reasons)  # each circle of arguments becomes one node
    depth: dict[str, int] = {str(m): d for d, generation in enumerate(nx.topological_generations(dag))
             for node in generation for m in dag.nodes[node]["members"]}
    rows: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for note_id in doc.notes:
        if note_id in depth:
            rows[depth[note_id]].append(note_id)
    loose = [note_id for note_id in doc.notes if note_id not in depth]
    places = layered_places(rows, pairs, loose, aspect=aspect, width=width)
    return {str(note_id): xy for note_id, xy in places.items()}


def suggest_links(
    X, ids: Sequence[str], existing: Iterable = (), top_n: int = 20, min_similarity: float = 0.5
) -> list[tuple[str, str, float]]:
    """The most similar pairs of notes (cosine) that no link joins yet, in either direction, best first.

    `existing` holds linked pairs, as frozensets or (source, target) tuples.
    """
    index = {note_id: i for i, note_id in enumerate(ids)}
    pairs = [tuple(pair) for pair in existing]
    known = [sorted((index[a], index[b])) for a, b in (p for p in pairs if len(p) == 2) if a in index and b in index]
    linked = np.array(known, dtype=np.intp).reshape(-1, 2)
    found = []
    for start, sims in _similarity_blocks(X):
        mine = linked[(linked[:, 0] >= start) & (linked[:, 0] < start + len(sims))]
        sims[mine[:, 0] - start, mine[:, 1] - start] = -np.inf
        flat = sims.ravel()
        take = min(top_n, flat.size)
        if take <= 0:
            continue
        best = np.argpartition(flat, flat.size - take)[flat.size - take :]
        rows, cols = np.unravel_index(best[flat[best] >= min_similarity], sims.shape)
        found.append((rows + start, cols + start, sims[rows, cols]))
    return _ranked(ids, found)[: max(top_n, 0)]


def near_duplicates(X, ids: Sequence[str], threshold: float = 0.95) -> list[tuple[str, str, float]]:
    """Pairs of notes whose cosine similarity is at least `threshold`, most similar first."""
    found = []
    for start, sims in _similarity_blocks(X):
        rows, cols = np.nonzero(sims >= threshold)
        found.append((rows + start, cols + start, sims[rows, cols]))
    return _ranked(ids, found)


def _similarity_blocks(X) -> Iterator[tuple[int, np.ndarray]]:
    """Blocks of the cosine similarity matrix right of the diagonal: (first row, sims[row, column - first row]).

    Entries on or left of the diagonal are -inf, so each pair shows up once, as (earlier note, later note).
    """
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    X = X / np.where(norms > 0, norms, 1)
    size = max(1, BLOCK_CELLS // max(len(X), 1))
    for start in range(0, len(X), size):
        sims = X[start : start + size] @ X[start:].T
        sims[np.tril_indices(len(sims), 0, sims.shape[1])] = -np.inf
        yield start, sims


def _ranked(ids, found) -> list[tuple[str, str, float]]:
    if not found:
        return []
    rows, cols, sims = (np.concatenate(part) for part in zip(*found))
    order = np.lexsort((cols, rows, -sims))
    return [(ids[rows[k]], ids[cols[k]], min(float(sims[k]), 1.0)) for k in order]

"""Links and similarities: the argument layout, suggested links and near-duplicate notes."""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence

import networkx as nx
import numpy as np

from instructor_map.core.document import MapDocument

ARGUMENT_KINDS = ("supports", "opposes")  # links that put their source below their target
BLOCK_CELLS = 4_000_000  # similarities are computed in blocks of at most this many (16 MB)
LOOSE_PER_ROW = 8  # unlinked notes per bottom row, at least; more rows when there are many
TALL = 0.5  # rows spread over at least this share of the width, so arrows between rows stay readable


def argument_places(doc: MapDocument, width: float = 200.0) -> dict[str, tuple[float, float]]:
    """Claims above the notes that support or oppose them, one row per depth; y grows upward.

    A note sits one row below the lowest claim it argues for, and as near under its claims as the row allows.
    Notes that argue for each other in a circle share a row. Notes in no supports or opposes link fill the
    bottom rows, in note order. Everything fits a width x width square around the origin; the rows span at
    least TALL of its height.
    """
    order = {note_id: i for i, note_id in enumerate(doc.notes)}
    reasons = nx.DiGraph()  # claim -> the notes that argue for or against it
    reasons.add_edges_from((ln.target, ln.source) for ln in doc.links.values() if ln.kind in ARGUMENT_KINDS)
    dag = nx.condensation(reasons)  # each circle of arguments becomes one node
    members = {node: sorted(data["members"], key=lambda m: order.get(m, len(order)))
               for node, data in dag.nodes(data=True)}
    generations = list(nx.topological_generations(dag))
    loose = [note_id for note_id in doc.notes if note_id not in reasons]
    loose_cols = min(len(loose), max(LOOSE_PER_ROW, math.ceil(math.sqrt(len(loose)))))
    cols = max([sum(len(members[node]) for node in g) for g in generations] + [loose_cols, 1])
    n_rows = len(generations) + math.ceil(len(loose) / cols)
    step = width / max(cols - 1, n_rows - 1, 1)
    x: dict[str, float] = {}

    def under_claims(node) -> tuple[float, int]:
        above = sorted(x[m] for claim in dag.predecessors(node) for m in members[claim])
        return (sum(above) / len(above) if above else 0.0, order[members[node][0]])

    rows: list[list[str]] = []
    for generation in generations:
        keyed = sorted((under_claims(node), node) for node in generation)
        row = [m for _, node in keyed for m in members[node]]
        desired = [key[0] for key, node in keyed for _ in members[node]] if rows else _centred(len(row), step)
        x.update(zip(row, _spread(desired, step, width / 2)))
        rows.append(row)
    for i in range(0, len(loose), cols):
        row = loose[i : i + cols]
        x.update(zip(row, _centred(len(row), step)))
        rows.append(row)
    row_step = max(step, TALL * width / max(len(rows) - 1, 1))
    top = (len(rows) - 1) * row_step / 2
    return {note_id: (x[note_id], top - r * row_step) for r, row in enumerate(rows) for note_id in row}


def _centred(n: int, step: float) -> list[float]:
    return [(i - (n - 1) / 2) * step for i in range(n)]


def _spread(desired: list[float], step: float, half: float) -> list[float]:
    """Places along a row, in order, `step` apart or more and as near `desired` as that allows, within ±half."""
    x = list(itertools.accumulate(desired, lambda prev, d: max(d, prev + step)))
    shift = sum(d - p for d, p in zip(desired, x)) / len(x)  # share the push between both ends
    x = [p + shift for p in x]
    span = x[-1] - x[0]
    if span > 2 * half:  # too many pushed aside: squeeze the row to fit
        return [-half + (p - x[0]) * 2 * half / span for p in x]
    shift = max(-half - x[0], 0.0) - max(x[-1] - half, 0.0)
    return [p + shift for p in x]


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

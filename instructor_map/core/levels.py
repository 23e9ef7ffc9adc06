"""Finer clusters inside each cluster, each named, for the map zoomed in; the coarse clusters name it zoomed out."""
from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from instructor_map.core.cluster_names import keyword_labels

PART_MIN = 8  # a cluster of fewer notes is not divided
PARTS_FROM_3 = 24  # from this many notes, a cluster is divided in three


def subclusters(X, ids: Sequence[str], texts: Sequence[str], clusters: dict[str, int],
                cluster_names: dict[int, str] | None = None) -> tuple[dict[str, int], dict[str, str]]:
    """note id -> its part (0, 1, …) within its cluster, and "cluster.part" -> the part's name, named apart from
    the other parts of its cluster and from the cluster itself. Deterministic; clusters under PART_MIN notes have
    no parts."""
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning

    X = np.asarray(X, dtype=np.float32)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for row, note_id in enumerate(ids):
        if clusters.get(note_id, -1) >= 0:
            rows_of[clusters[note_id]].append(row)
    parts: dict[str, int] = {}
    names: dict[str, str] = {}
    for cluster, rows in sorted(rows_of.items()):
        if len(rows) < PART_MIN:
            continue
        with warnings.catch_warnings():  # identical notes: fewer distinct parts, which is fine
            warnings.simplefilter("ignore", ConvergenceWarning)
            k = 3 if len(rows) >= PARTS_FROM_3 else 2
            found = KMeans(k, n_init=1, random_state=0).fit_predict(X[rows])
        _, first, inverse = np.unique(found, return_index=True, return_inverse=True)
        rank = np.empty(len(first), dtype=int)
        rank[np.argsort(first)] = np.arange(len(first))  # parts numbered by where they first show up
        labels = rank[inverse.ravel()]
        if len(first) < 2:
            continue
        for row, part in zip(rows, labels.tolist()):
            parts[ids[row]] = part
        parent = {-1: (cluster_names or {}).get(cluster, "")}  # taken, so no part repeats its cluster's name
        for part, name in keyword_labels([texts[r] for r in rows], labels, given=parent).items():
            names[f"{cluster}.{part}"] = name
    return parts, names

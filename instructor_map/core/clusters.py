"""Clusters of notes: k-means with an automatic k, keyword names, and stable numbers and names on re-clustering."""
from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import pairwise_distances, silhouette_score

from instructor_map.core.errors import InputError

SAMPLE = 1000  # k is chosen, and the silhouette measured, on at most this many notes
FIT_SAMPLE = 5000  # k-means learns its centres from at most this many notes; all are then assigned
N_INIT = 1  # k-means restarts: with k-means++ seeding one is enough (sklearn's own default)
MIN_JACCARD = 0.3  # a new cluster continues an old one when they share at least this much


@dataclass
class Clustering:
    labels: np.ndarray  # (N,) int, 0..k-1, numbered in order of first appearance
    k: int
    names: dict[int, str]  # keyword names, e.g. "beach · sand · sea"
    silhouette: float | None  # None when it is undefined (one cluster, or one note per cluster)


def cluster(X, texts: Sequence[str], k: int | str = "auto", k_range=(2, 12), random_state: int = 0) -> Clustering:
    """Group notes by their vectors; k="auto" takes the k in k_range with the best silhouette."""
    X = np.asarray(X, dtype=np.float32)
    if len(X) != len(texts):
        raise ValueError(f"expected one vector per note ({len(texts)}), got {len(X)}")
    if k == "auto":
        k = _best_k(X, k_range, random_state)
    elif isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1:
        k = min(int(k), len(X))
    else:
        raise InputError(f'the number of clusters must be "auto" or a whole number of at least 1, not {k!r}')
    if len(X) == 0:
        return Clustering(np.zeros(0, dtype=int), 0, {}, None)
    labels = _first_appearance(_kmeans(X, k, random_state))
    names = keyword_labels(texts, labels)
    return Clustering(labels, int(labels.max()) + 1, names, _silhouette(X, labels, random_state))


def keyword_labels(texts: Sequence[str], labels, top_n: int = 3) -> dict[int, str]:
    """Name each cluster by its most distinctive words (class-based TF-IDF); ties go alphabetically."""
    members = defaultdict(list)
    for text, label in zip(texts, np.asarray(labels).tolist()):
        members[label].append(text)
    classes = sorted(members)
    names = {c: f"Cluster {c}" for c in classes}
    docs = [" ".join(members[c]) for c in classes]
    try:
        vectorizer = CountVectorizer(stop_words="english")
        counts = vectorizer.fit_transform(docs).toarray().astype(np.float64)
    except ValueError:  # no words at all, only stop words or symbols
        return names
    terms = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    idf = np.log(1 + counts.sum() / len(classes) / counts.sum(axis=0))
    for c, weights in zip(classes, tf * idf):
        best = sorted(np.flatnonzero(weights), key=lambda j: (-weights[j], terms[j]))[:top_n]
        if best:
            names[c] = " · ".join(terms[j] for j in best)
    return names


def match_clusters(old: dict[str, int], new: dict[str, int]) -> dict[int, int]:
    """Which old cluster each new one continues: one to one, by most shared notes (Jaccard >= MIN_JACCARD).

    Only notes in both clusterings count, so adding or deleting notes does not break the match.
    """
    old_sets, new_sets = defaultdict(set), defaultdict(set)
    for note_id in old.keys() & new.keys():
        if old[note_id] >= 0 and new[note_id] >= 0:
            old_sets[old[note_id]].add(note_id)
            new_sets[new[note_id]].add(note_id)
    olds, news = sorted(old_sets), sorted(new_sets)
    if not olds:
        return {}
    jaccard = np.array([[len(new_sets[b] & old_sets[a]) / len(new_sets[b] | old_sets[a]) for a in olds] for b in news])
    rows, cols = linear_sum_assignment(jaccard, maximize=True)
    return {news[r]: olds[c] for r, c in zip(rows, cols) if jaccard[r, c] >= MIN_JACCARD}


def recluster(
    X,
    ids: Sequence[str],
    texts: Sequence[str],
    old: dict[str, int],
    old_names: dict[int, str],
    renamed: set[int],
    k: int | str = "auto",
    random_state: int = 0,
) -> tuple[dict[str, int], dict[int, str], set[int]]:
    """Cluster again and keep what the user knows: a cluster that continues an old one keeps its number, and
    its name if the user typed it. Returns (note id -> cluster, cluster -> name, clusters with typed names)."""
    labels = cluster(X, texts, k, random_state=random_state).labels.tolist()
    fresh = dict(zip(ids, labels))
    match = match_clusters(old, fresh)
    number = _numbering(match, labels)
    clusters = {note_id: number[c] for note_id, c in fresh.items()}
    kept = {n for n in match.values() if n in renamed and n in old_names}
    names = keyword_labels(texts, [number[c] for c in labels])
    names.update({n: old_names[n] for n in kept})
    return clusters, names, kept


# ---- pieces -------------------------------------------------------------------------------------------------
def _kmeans(X: np.ndarray, k: int, random_state: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(len(X), dtype=int)
    with warnings.catch_warnings():  # fewer distinct notes than k: some clusters stay empty, which is fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        kmeans = KMeans(k, n_init=N_INIT, random_state=random_state).fit(_sample(X, FIT_SAMPLE, random_state))
    return kmeans.predict(X)


def _sample(X: np.ndarray, size: int, random_state: int) -> np.ndarray:
    if len(X) <= size:
        return X
    return X[np.sort(np.random.default_rng(random_state).choice(len(X), size, replace=False))]


def _best_k(X: np.ndarray, k_range, random_state: int) -> int:
    X = _sample(X, SAMPLE, random_state)
    if len(X) < 3:
        return 1
    distances = pairwise_distances(X)  # once, for every k's silhouette
    best, best_score = 1, -np.inf
    # Silhouette keeps creeping up with k on sparse, high-dimensional data; the rule of thumb k ~ sqrt(n/2)
    # (plus headroom) keeps a 40-note map from splitting into a dozen clusters of three.
    upper = min(k_range[1], len(X) - 1, max(k_range[0], round(np.sqrt(len(X) / 2)) + 2))
    for k in range(max(2, k_range[0]), upper + 1):
        labels = _kmeans(X, k, random_state)
        if 2 <= len(np.unique(labels)) <= len(X) - 1:
            score = silhouette_score(distances, labels, metric="precomputed")
            if score > best_score:
                best, best_score = k, score
    return best


def _silhouette(X: np.ndarray, labels: np.ndarray, random_state: int) -> float | None:
    if not 2 <= len(np.unique(labels)) <= len(X) - 1:
        return None
    sample = SAMPLE if len(X) > SAMPLE else None
    return float(silhouette_score(X, labels, sample_size=sample, random_state=random_state))


def _numbering(match: dict[int, int], labels) -> dict[int, int]:
    free = (n for n in itertools.count() if n not in match.values())
    return {c: match[c] if c in match else next(free) for c in sorted(set(labels))}


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber 0..k-1 by where each cluster first shows up, closing gaps left by empty clusters."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse.ravel()]

"""Clusters of notes: k-means with an automatic k, names in words, and stable clusters on re-clustering.

A fresh map is clustered on the notes' first CLUSTER_DIMS principal components, where the topics stand out; k is
the fewest clusters whose silhouette there is within K_TOLERANCE of the best. k-means then settles on the full
vectors, which, unlike the principal axes, do not turn when a note changes. Re-clustering starts from the previous
clusters: it keeps their number unless another k scores clearly better (K_MARGIN), k-means starts from their
centres, and a note changes cluster only for a clearly nearer centre (STICKINESS), so a small edit moves few notes.
Notes the user put in a cluster stay there, and a locked cluster keeps its notes. Names: see cluster_names.
"""
from __future__ import annotations

import itertools
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from instructor_map.core.cluster_names import keyword_labels
from instructor_map.core.errors import InputError

__all__ = ["Clustering", "cluster", "keyword_labels", "match_clusters", "recluster"]

SAMPLE = 1000  # k is chosen, and the silhouette measured, on at most this many notes
FIT_SAMPLE = 5000  # k-means learns its centres from at most this many notes; all are then assigned
N_INIT = 3  # k-means restarts per k: the best of a few makes each k's score, and so the choice of k, steadier
MIN_JACCARD = 0.3  # a new cluster continues an old one when they share at least this much
K_TOLERANCE = 0.05  # from scratch: the fewest clusters whose silhouette is within 5% of the best
K_MARGIN = 0.10  # re-clustering keeps its k unless another k's silhouette is 10% higher (and at least ...)
K_MARGIN_MIN = 0.02  # ... this much higher
STICKINESS = 0.05  # a note leaves its cluster only for a centre this much closer (share of the squared distance)
MAX_ITER = 100
CLUSTER_DIMS = 5  # k-means runs on the notes' first principal components: the topics, not each note's wording


@dataclass
class Clustering:
    labels: np.ndarray  # (N,) int, 0..k-1, numbered in order of first appearance
    k: int
    names: dict[int, str]  # short phrases from the notes, e.g. "planning permission"
    silhouette: float | None  # on the principal components; None when undefined (one cluster, or one note each)


def cluster(X, texts: Sequence[str], k: int | str = "auto", k_range=(2, 12), random_state: int = 0) -> Clustering:
    """Group notes by their vectors; k="auto" takes the fewest clusters in k_range whose silhouette is close to
    the best. The same notes always give the same clusters and names."""
    X = _vectors(X, texts)
    k = _requested_k(k, len(X))
    if len(X) == 0:
        return Clustering(np.zeros(0, dtype=int), 0, {}, None)
    Z = _reduced(X, random_state)
    if k == "auto":
        k = _robust_k(_scores(Z, k_range, random_state))
    labels = _first_appearance(_refine(X, Z, _kmeans(Z, int(k), random_state), int(k), random_state))
    names = keyword_labels(texts, labels)
    return Clustering(labels, int(labels.max()) + 1, names, _silhouette(Z, labels, random_state))


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
    from scipy.optimize import linear_sum_assignment  # scipy and sklearn load on first use: the window opens sooner

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
    *,
    assigned: dict[str, int] | None = None,
    locked: set[int] | None = None,
    phrase_vectors: Callable[[list[str]], np.ndarray] | None = None,
) -> tuple[dict[str, int], dict[int, str], set[int]]:
    """Cluster again and keep what the user knows. Returns (note id -> cluster, cluster -> name, clusters with
    typed names).

    With previous clusters, k-means starts from their centres and the number of clusters stays unless another
    number fits clearly better. A cluster that continues an old one keeps its number, and its name if the user typed
    it. `assigned` notes (note id -> cluster, put there by hand) end in that cluster. A `locked` cluster keeps its
    notes, its number and its name; notes of other clusters never move into it, new notes may join it.
    `phrase_vectors(phrases)`, when given, embeds candidate names (same model and task as X), so that a name
    near its cluster's centre in meaning wins over an equally distinctive one that is not.
    """
    X = _vectors(X, ids)
    k = _requested_k(k, len(X))
    if len(X) == 0:
        return {}, {}, set()
    Z = _reduced(X, random_state)
    index = {note_id: i for i, note_id in enumerate(ids)}
    assigned = {n: int(c) for n, c in (assigned or {}).items() if n in index and c >= 0}
    locked = set(locked or ())
    previous = np.array([old.get(note_id, -1) for note_id in ids])
    previous[previous < 0] = -1
    pinned = np.where(np.isin(previous, list(locked)), previous, -1)  # locked clusters keep their notes ...
    for note_id, c in assigned.items():  # ... and a note put in a cluster by hand stays there
        pinned[index[note_id]] = c
    frozen = {c for c in locked if (pinned == c).any()}
    may_join_frozen = (previous < 0) & (pinned < 0)

    rules = (pinned, frozen, may_join_frozen)
    free = pinned < 0
    held = set(pinned[~free].tolist())
    if (previous >= 0).any():
        seed = np.where(free, previous, pinned)
        held_only = held - set(seed[free].tolist())  # clusters of pinned notes alone (locked ones, say)
        loose = ~np.isin(seed, list(held_only))  # the notes that the automatic k is about
        before = len(set(seed[loose & (seed >= 0)].tolist()))
        labels = _refine(X, Z, seed, before + len(held_only) if k == "auto" else int(k), random_state, *rules)
        if k == "auto":
            scores = _scores(Z[loose], (2, 12), random_state)
            target = _keep_k(before, scores, _silhouette(Z[loose], labels[loose], random_state))
            if target != before:
                labels = _refine(X, Z, seed, target + len(held_only), random_state, *rules)
    else:  # nothing clustered before: the notes nobody placed from scratch, numbered after the placed ones
        some = int(k) - len(held) if k != "auto" else _robust_k(_scores(Z[free], (2, 12), random_state))
        seed = pinned.copy()
        seed[free] = _kmeans(Z[free], max(some, 1), random_state) + max(held, default=-1) + 1
        labels = _refine(X, Z, seed, max(some, 1) + len(held), random_state, *rules)

    number, continued = _numbering(old, ids, labels, pinned, locked)
    clusters = {note_id: number[c] for note_id, c in zip(ids, labels.tolist())}
    given = {n: old_names[n] for n in continued if n in old_names and (n in renamed or n in frozen)}
    numbered = np.array([number[c] for c in labels.tolist()])
    closeness = None if phrase_vectors is None else _closeness(X, numbered, phrase_vectors)
    names = keyword_labels(texts, numbered, given=given, closeness=closeness)
    return clusters, names, {n for n in given if n in renamed}


def _closeness(X: np.ndarray, labels: np.ndarray, phrase_vectors: Callable[[list[str]], np.ndarray]):
    """closeness(cluster, phrases): the cosine of each phrase's vector with the cluster's mean direction."""
    def closeness(cluster: int, phrases: list[str]) -> np.ndarray:
        centre = X[labels == cluster].mean(axis=0)
        P = np.asarray(phrase_vectors(phrases), dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != centre.shape[0]:  # the map's vectors came from another model
            return np.zeros(len(phrases))
        norms = np.linalg.norm(P, axis=1) * max(float(np.linalg.norm(centre)), 1e-12)
        return (P @ centre) / np.maximum(norms, 1e-12)
    return closeness


# ---- choosing k ---------------------------------------------------------------------------------------------
def _scores(X: np.ndarray, k_range, random_state: int) -> dict[int, float]:
    """Silhouette of the best k-means for each k in range, on a sample of the notes."""
    X = _sample(X, SAMPLE, random_state)
    if len(X) < 3:
        return {}
    from sklearn.metrics import pairwise_distances, silhouette_score

    distances = pairwise_distances(X)  # once, for every k's silhouette
    # Silhouette keeps creeping up with k on sparse, high-dimensional data; the rule of thumb k ~ sqrt(n/2)
    # (plus headroom) keeps a 40-note map from splitting into a dozen clusters of three.
    upper = min(k_range[1], len(X) - 1, max(k_range[0], round(np.sqrt(len(X) / 2)) + 2))
    scores = {}
    for k in range(max(2, k_range[0]), upper + 1):
        labels = _kmeans(X, k, random_state)
        if 2 <= len(np.unique(labels)) <= len(X) - 1:
            scores[k] = float(silhouette_score(distances, labels, metric="precomputed"))
    return scores


def _robust_k(scores: dict[int, float]) -> int:
    """The fewest clusters whose score is within K_TOLERANCE of the best (1 when no k has a score)."""
    if not scores:
        return 1
    best = max(scores.values())
    return min(k for k, s in scores.items() if s >= best - K_TOLERANCE * abs(best))


def _keep_k(current: int, scores: dict[int, float], score: float | None) -> int:
    """Hysteresis: keep the current number of clusters unless another number's score beats it by K_MARGIN."""
    own = max(-np.inf if score is None else score, scores.get(current, -np.inf))
    if not scores:
        return current
    if not np.isfinite(own):  # one cluster (or one note each): no score to defend
        return _robust_k(scores)
    return current if max(scores.values()) <= own + max(K_MARGIN * abs(own), K_MARGIN_MIN) else _robust_k(scores)


# ---- k-means from given clusters ----------------------------------------------------------------------------
def _refine(X, Z, seed, k, random_state, pinned=None, frozen=frozenset(), may_join_frozen=None) -> np.ndarray:
    """k-means on the full vectors X that starts from the clusters in `seed` (labels, -1 for none), merged or
    split (in the reduced space Z) to k clusters. The full vectors need no basis, which would turn a little with
    every edit; nearest centres there are nearest in the span of the centres, which differ along the top axes.

    Pinned notes stay in their cluster; frozen clusters keep their centre and take no note of another cluster.
    Returns the labels, which are seed labels where a cluster continues one."""
    pinned = np.full(len(X), -1) if pinned is None else pinned
    may_join_frozen = np.ones(len(X), bool) if may_join_frozen is None else may_join_frozen
    labels = seed.copy()
    squares = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    held = set(pinned[pinned >= 0].tolist())
    alone = held - set(labels[pinned < 0].tolist())  # clusters of pinned notes alone: never merged nor split
    size = {c: int((labels == c).sum()) for c in set(labels[labels >= 0].tolist())}
    centres = {c: X[labels == c].mean(axis=0, dtype=np.float64) for c in size}
    k = max(k, len(held), 1)
    while len(centres) > k:  # merge the two closest clusters (Ward), if need be one with pinned notes
        pairs = [(bool({a, b} & held), size[a] * size[b] / (size[a] + size[b])
                  * float(((centres[a] - centres[b]) ** 2).sum()), a, b)
                 for a, b in itertools.combinations(sorted(centres), 2) if not {a, b} & alone and not {a, b} <= held]
        if not pairs:
            break
        *_, a, b = min(pairs)
        keep, drop = (b, a) if b in held or (a not in held and size[b] > size[a]) else (a, b)
        labels[labels == drop] = keep
        size[keep] += size.pop(drop)
        centres[keep] = X[labels == keep].mean(axis=0, dtype=np.float64)
        del centres[drop]
    fresh = itertools.count(max(centres, default=-1) + 1)
    while len(centres) < k:  # split the widest cluster in two
        spread = {c: float(squares[labels == c].sum() - size[c] * centres[c] @ centres[c]) for c in centres
                  if c not in alone and size[c] > 1}
        if not spread:
            break
        c = max(spread, key=lambda c: (spread[c], -c))
        rows = np.flatnonzero(labels == c)
        halves = _kmeans(Z[rows], 2, random_state)
        if halves.min() == halves.max():
            break
        new = next(fresh)
        labels[rows[halves == 1]] = new
        for part in (c, new):
            size[part] = int((labels == part).sum())
            centres[part] = X[labels == part].mean(axis=0, dtype=np.float64)
    numbers = np.array(sorted(centres))
    C = np.stack([centres[c] for c in numbers])
    is_frozen = np.isin(numbers, list(frozen))
    fit = np.union1d(_sample_index(len(X), FIT_SAMPLE, random_state), np.flatnonzero(pinned >= 0))
    labels[fit] = _lloyd(X[fit].astype(np.float64), C, numbers, labels[fit], pinned[fit], is_frozen,
                         may_join_frozen[fit])
    return _assign(X, C, numbers, labels, pinned, is_frozen, may_join_frozen)


def _lloyd(X, C, numbers, labels, pinned, is_frozen, may_join_frozen) -> np.ndarray:
    """Lloyd's iterations from these labels and centres (updated in place); frozen centres stay."""
    for _ in range(MAX_ITER):
        new = _assign(X, C, numbers, labels, pinned, is_frozen, may_join_frozen)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in np.flatnonzero(~is_frozen):
            if (labels == numbers[j]).any():
                C[j] = X[labels == numbers[j]].mean(axis=0)
    return labels


def _assign(X, C, numbers, current, pinned, is_frozen, may_join_frozen) -> np.ndarray:
    """The nearest centre; a note stays in its cluster unless another centre is clearly nearer (STICKINESS)."""
    d = np.einsum("ij,ij->i", X, X, dtype=np.float64)[:, None] - 2 * (X @ C.T.astype(X.dtype)) + (C ** 2).sum(axis=1)
    rows = np.flatnonzero(np.isin(current, numbers))
    d[rows, np.searchsorted(numbers, current[rows])] *= 1 - STICKINESS
    d[np.ix_(~may_join_frozen, is_frozen)] = np.inf
    return np.where(pinned >= 0, pinned, numbers[np.argmin(d, axis=1)])


def _numbering(old, ids, labels, pinned, locked) -> tuple[dict[int, int], set[int]]:
    """Cluster numbers, and those that continue an old cluster: pinned clusters keep theirs, the others take the
    number of the old cluster they match (Jaccard), new ones the lowest free numbers in order of appearance."""
    fixed = set(pinned[pinned >= 0].tolist())
    loose = {note_id: c for note_id, c in zip(ids, labels.tolist()) if c not in fixed}
    match = match_clusters({i: c for i, c in old.items() if c not in fixed}, loose)
    number = {c: c for c in fixed} | match
    taken = set(number.values()) | set(locked)
    free = (n for n in itertools.count() if n not in taken)
    new = [c for c in dict.fromkeys(labels.tolist()) if c not in number]  # in the order the notes come
    return number | {c: next(free) for c in new}, set(number.values())


# ---- pieces -------------------------------------------------------------------------------------------------
def _vectors(X, texts: Sequence) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    if len(X) != len(texts):
        raise ValueError(f"expected one vector per note ({len(texts)}), got {len(X)}")
    return X


def _reduced(X: np.ndarray, random_state: int) -> np.ndarray:
    """The notes' first CLUSTER_DIMS principal components (fitted on a sample). The many remaining directions
    mostly tell apart how single notes are worded: left in, they drown the topics (silhouettes near 0)."""
    fit = _sample(X, FIT_SAMPLE, random_state).astype(np.float64)
    mean = fit.mean(axis=0) if len(fit) else np.zeros(X.shape[1])
    fit -= mean
    if min(fit.shape) <= CLUSTER_DIMS:
        return (X - mean).astype(np.float64)
    if len(fit) < fit.shape[1]:
        axes = np.linalg.svd(fit, full_matrices=False)[2][:CLUSTER_DIMS]
    else:  # many notes: the eigenvectors of the (features x features) scatter matrix
        d = fit.shape[1]
        from scipy.linalg import eigh

        axes = eigh(fit.T @ fit, subset_by_index=[d - CLUSTER_DIMS, d - 1])[1][:, ::-1].T
    return (X @ axes.T.astype(X.dtype)).astype(np.float64) - mean @ axes.T  # no float64 copy of all of X


def _requested_k(k, n: int) -> int | str:
    if k == "auto":
        return k
    if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and k >= 1:
        return max(min(int(k), n), 1)
    raise InputError(f'the number of clusters must be "auto" or a whole number of at least 1, not {k!r}')


def _kmeans(X: np.ndarray, k: int, random_state: int) -> np.ndarray:
    if k <= 1 or len(X) < 2:
        return np.zeros(len(X), dtype=int)
    with warnings.catch_warnings():  # fewer distinct notes than k: some clusters stay empty, which is fine
        from sklearn.cluster import KMeans
        from sklearn.exceptions import ConvergenceWarning

        warnings.simplefilter("ignore", ConvergenceWarning)
        kmeans = KMeans(k, n_init=N_INIT, random_state=random_state).fit(_sample(X, FIT_SAMPLE, random_state))
    return kmeans.predict(X)


def _sample_index(n: int, size: int, random_state: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(random_state).choice(n, size, replace=False))


def _sample(X: np.ndarray, size: int, random_state: int) -> np.ndarray:
    return X if len(X) <= size else X[_sample_index(len(X), size, random_state)]


def _silhouette(X: np.ndarray, labels: np.ndarray, random_state: int) -> float | None:
    if not 2 <= len(np.unique(labels)) <= len(X) - 1:
        return None
    sample = SAMPLE if len(X) > SAMPLE else None
    from sklearn.metrics import silhouette_score

    return float(silhouette_score(X, labels, sample_size=sample, random_state=random_state))


def _first_appearance(labels: np.ndarray) -> np.ndarray:
    """Renumber 0..k-1 by where each cluster first shows up, closing gaps left by empty clusters."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[inverse.ravel()]

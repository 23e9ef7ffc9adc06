"""Note places from embeddings: PCA to 2D or 3D, a stable orientation, alignment to the previous map, named axes.

Orientation. Without a previous map each axis points so that its longer tail is on the positive side (the sum
of the cubed coordinates is positive). That depends only on how the notes lie relative to each other: not on
their order, nor on the embedding's own axes. Only a nearly symmetric spread falls back to the sign of the
component's largest loading. With a previous map (or pins), the new map is turned, mirrored if that fits
better, and shifted to match the notes both maps share, so a small change moves little; it is scaled so those
notes keep their spread, so the map neither shrinks nor grows over many changes of instruction.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from instructor_map.core.errors import InputError

SPAN = 100.0  # without a previous map, the farthest note sits this far from the centre along some axis
PIN_WEIGHT = 10.0  # a pinned note pulls the alignment this much harder than an unpinned one
EXACT_LIMIT = 2048  # PCA is exact while notes or features are at most this many; randomized (seeded) beyond
Places = Mapping[int, Mapping[str, Sequence[float]] | None]  # dims -> note id -> place


@dataclass
class Layout:
    ids: list[str]
    coords: np.ndarray  # (N, dims) float32, computed places (pins are applied by the Placement)
    basis: dict  # JSON-able: (X - mean) @ components.T * scale + offset gives coords back
    explained_variance_ratio: np.ndarray  # (dims,), variance share of each principal axis

    def places(self, keep=None) -> dict[str, tuple[float, ...]]:
        """note id -> place as plain floats, for the notes in `keep` (all when None) with finite places."""
        coords = np.asarray(self.coords, dtype=np.float64)
        bad = set(np.flatnonzero(~np.isfinite(coords).all(axis=1)).tolist())
        if not bad and (keep is None or all(i in keep for i in self.ids)):
            return dict(zip(self.ids, map(tuple, coords.tolist())))
        return {i: tuple(p) for row, (i, p) in enumerate(zip(self.ids, coords.tolist()))
                if row not in bad and (keep is None or i in keep)}


def pca_layout(
    X,
    ids: Sequence[str],
    dims: int = 2,
    previous: Mapping[str, Sequence[float]] | None = None,
    pins: Mapping[str, Sequence[float]] | None = None,
    scale: float | None = None,
) -> Layout:
    """Place notes by PCA of their vectors.

    `previous` holds where notes were (computed or shown) and `pins` where the user pinned them; when at least
    dims + 1 of this layout's notes have such a place, the map is aligned to them, pins weighing PIN_WEIGHT.
    `scale` fixes the factor from PCA units to map units; by default it is fitted to the previous places, or
    set so the map spans [-SPAN, SPAN].
    """
    return pca_layouts(X, ids, (dims,), {dims: previous}, {dims: pins}, scale)[dims]


def pca_layouts(X, ids: Sequence[str], dims: Sequence[int] = (2, 3), previous: Places | None = None,
                pins: Places | None = None, scale: float | None = None) -> dict[int, Layout]:
    """pca_layout for several dimensions at once, sharing one decomposition (the 2D map is the 3D map's top two
    axes). `previous` and `pins` are keyed by dimension."""
    X, mean = _centred(X, ids, max(dims))
    axes, ratios, coords = _principal_axes(X, max(dims))
    return {d: _aligned(coords[:, :d], ids, d, mean, axes[:d], ratios[:d], (previous or {}).get(d),
                        (pins or {}).get(d), scale) for d in dims}


def _aligned(coords, ids, dims, mean, components, ratio, previous, pins, scale) -> Layout:
    """The PCA coordinates turned, scaled and moved onto the earlier places and pins (when enough are shared)."""
    fit = _procrustes(coords, _anchors(ids, dims, previous, pins), scale)
    if fit is None:
        rotation, offset = np.eye(dims), np.zeros(dims)
        scale = _span_scale(coords) if scale is None else scale
    else:
        rotation, scale, offset = fit
    components = rotation.T @ components
    return _layout(ids, coords @ rotation * scale + offset, mean, components, scale, offset, ratio)


def axis_layout(
    X,
    ids: Sequence[str],
    x_axis=None,
    y_axis=None,
    z_axis=None,
    dims: int = 2,
    scale: float | None = None,
) -> Layout:
    """Place notes along named axes, e.g. x from "budget" to "luxury".

    Each axis is a (low pole, high pole) pair of vectors, each one vector or several to average. An axis left
    as None shows the main variation that the named axes leave unexplained (PCA of the remainder).
    """
    X, mean = _centred(X, ids, dims)
    named = {j: _direction(axis, X.shape[1]) for j, axis in enumerate((x_axis, y_axis, z_axis)[:dims])
             if axis is not None}
    components = np.zeros((dims, X.shape[1]), dtype=np.float32)
    free = [j for j in range(dims) if j not in named]
    if named:
        components[list(named)] = np.stack(list(named.values()))
        q, _ = np.linalg.qr(components[list(named)].T.astype(np.float64))
        q = q.astype(np.float32)
        rest = X - (X @ q) @ q.T
    else:
        rest = X
    if free:
        components[free] = _principal_axes(rest, len(free))[0]
    coords = X @ components.T
    total = float((X.astype(np.float64) ** 2).sum())
    ratio = (coords.astype(np.float64) ** 2).sum(axis=0) / total if total > 0 else np.zeros(dims)
    scale = _span_scale(coords) if scale is None else scale
    return _layout(ids, coords * scale, mean, components, scale, np.zeros(dims), ratio)


# ---- pieces -------------------------------------------------------------------------------------------------
def _centred(X, ids, dims) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2 or len(X) != len(ids):
        raise ValueError(f"expected one row per note ({len(ids)}), got an array of shape {X.shape}")
    if dims < 1:
        raise ValueError(f"a map needs at least one dimension, not {dims}")
    if not np.isfinite(X).all():
        raise ValueError("vectors contain NaN or infinity")
    mean = (np.ones(len(X), np.float32) @ X) / len(X) if len(X) else np.zeros(X.shape[1], np.float32)  # BLAS
    return X - mean, mean


def _principal_axes(X: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit principal axes of centred X as (dims, D) rows, oriented (rows beyond the data's rank are zero), their
    shares of the variance, and X's coordinates on them (N, dims)."""
    n, d = X.shape
    components = np.zeros((dims, d), dtype=np.float32)
    ratio = np.zeros(dims)
    k = min(dims, n - 1, d)
    if k < 1 or not X.any():
        return components, ratio, np.zeros((n, dims), dtype=np.float32)
    axes, variance = _top_axes(X, k)
    keep = variance > 1e-9  # axes of no real spread stay at zero
    components[:k][keep] = axes[keep]
    ratio[:k][keep] = variance[keep]
    coords = (X @ components[:k].T).astype(np.float64)
    skew = (coords**3).sum(axis=0)
    loading = components[np.arange(k), np.abs(components[:k]).argmax(axis=1)]
    symmetric = np.abs(skew) <= 1e-6 * (np.abs(coords) ** 3).sum(axis=0)
    sign = np.where(symmetric, np.sign(loading), np.sign(skew))
    sign = np.where(sign == 0, 1, sign)
    components[:k] *= sign[:, None].astype(np.float32)
    placed = np.zeros((n, dims), dtype=np.float32)
    placed[:, :k] = coords * sign
    return components, ratio, placed


def _top_axes(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k principal axes (k, D) and their shares of the variance.

    An eigendecomposition of the smaller Gram matrix with numpy, which lets go of the GIL while it works, so a
    layout computed in the worker never stalls the window (scipy's SVD, under sklearn's PCA, holds it).
    Beyond EXACT_LIMIT on both sides, sklearn's seeded randomized PCA.
    """
    n, d = X.shape
    if min(n, d) > EXACT_LIMIT:
        from sklearn.decomposition import PCA  # imported when first needed: the window opens sooner

        pca = PCA(k, svd_solver="randomized", random_state=0).fit(X)
        return pca.components_.astype(np.float32), pca.explained_variance_ratio_
    gram = (X.T @ X) if n > d else (X @ X.T)
    total = float(np.trace(gram, dtype=np.float64))  # the total variance, either way round
    values, vectors = _top_eigen(gram.astype(np.float64), k)
    values = np.maximum(values, 0.0)
    if n <= d:  # eigenvectors of X X^T are the notes' coordinates; turn them into feature axes
        vectors = X.T.astype(np.float64) @ vectors
        vectors /= np.maximum(np.linalg.norm(vectors, axis=0), 1e-300)
    return vectors.T.astype(np.float32), values / total if total > 0 else values


def _top_eigen(gram: np.ndarray, k: int, exact_up_to: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Top-k eigenpairs of a symmetric matrix, largest first: exact for small ones, else seeded subspace
    iteration, which converges on the few axes a map needs at a fraction of a full decomposition's cost. It
    stops once the top-k Ritz values hold still (vectors then agree with the exact ones to about 1e-6)."""
    if len(gram) <= exact_up_to:
        values, vectors = np.linalg.eigh(gram)
        return values[::-1][:k], vectors[:, ::-1][:, :k]
    basis, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((len(gram), k + 12)))
    previous = None
    for _ in range(30):
        product = gram @ basis
        values = np.linalg.eigvalsh(basis.T @ product)[::-1][:k]
        if previous is not None and np.abs(values - previous).max() <= 1e-12 * max(abs(values[0]), 1e-300):
            break
        previous = values
        basis, _ = np.linalg.qr(product)
    values, small = np.linalg.eigh(basis.T @ gram @ basis)
    return values[::-1][:k], (basis @ small)[:, ::-1][:, :k]


def _direction(axis, d: int) -> np.ndarray:
    low, high = (np.atleast_2d(np.asarray(pole, dtype=np.float64)).mean(axis=0) for pole in axis)
    if low.shape != (d,) or high.shape != (d,):
        raise ValueError(f"axis poles must be vectors of {d} features")
    step = high - low
    norm = np.linalg.norm(step)
    if norm < 1e-6:
        raise InputError("the two ends of an axis mean the same thing to the model; choose more different words")
    return (step / norm).astype(np.float32)


def _anchors(ids, dims, previous, pins) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of this layout's notes that have a usable earlier place, those places, and their weights."""
    previous, pins = previous or {}, pins or {}
    none = (np.nan,) * dims
    try:  # one array of every note's pin, else earlier place; the loop below only when some place is malformed
        places = np.array([pins[i] if i in pins else previous.get(i, none) for i in ids], dtype=np.float64)
        weights = np.where(np.fromiter((i in pins for i in ids), bool, len(ids)), PIN_WEIGHT, 1.0)
        ok = places.shape == (len(ids), dims)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        places = np.full((len(ids), dims), np.nan)
        weights = np.ones(len(ids))
        for row, note_id in enumerate(ids):
            pos = pins[note_id] if note_id in pins else previous.get(note_id, ())
            if len(pos) == dims:
                places[row], weights[row] = pos, PIN_WEIGHT if note_id in pins else 1.0
    rows = np.flatnonzero(np.isfinite(places).all(axis=1))
    return rows, places[rows], weights[rows]


def _procrustes(coords, anchors, scale):
    """Rotation (or mirror), scale and shift taking coords onto the anchors, fitted on the notes they share."""
    rows, b, w = anchors
    if len(rows) < coords.shape[1] + 1:
        return None
    a = coords[rows].astype(np.float64)
    w = w / w.sum()
    a_mean, b_mean = w @ a, w @ b
    root = np.sqrt(w)[:, None]
    a_c, b_c = (a - a_mean) * root, (b - b_mean) * root
    a_norm2, b_norm2 = float((a_c**2).sum()), float((b_c**2).sum())
    if a_norm2 < 1e-18 or b_norm2 < 1e-18:
        return None  # the shared notes sit on one spot in one of the maps: nothing to fit
    from scipy.linalg import orthogonal_procrustes

    rotation, _ = orthogonal_procrustes(a_c, b_c)
    # match the spread rather than least squares, which shrinks a map that resembles the old one less
    scale = np.sqrt(b_norm2 / a_norm2) if scale is None else scale
    return rotation, scale, b_mean - scale * a_mean @ rotation


def _span_scale(coords: np.ndarray) -> float:
    extent = float(np.abs(coords).max()) if coords.size else 0.0
    return SPAN / extent if extent > 0 else 1.0


def _layout(ids, coords, mean, components, scale, offset, ratio) -> Layout:
    basis = {
        "mean": mean.astype(float).tolist(),
        "components": components.astype(float).tolist(),
        "scale": float(scale),
        "offset": np.asarray(offset, dtype=float).tolist(),
        "explained_variance_ratio": np.asarray(ratio, dtype=float).tolist(),
    }
    return Layout(list(ids), np.asarray(coords, dtype=np.float32), basis, np.asarray(ratio, dtype=np.float64))

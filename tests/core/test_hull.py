"""A cluster's region: the hull of its core leaves its outliers out, and degenerate clusters still get one."""
from __future__ import annotations

import numpy as np

from instructor_map.core.hull import core_hull


def test_the_hull_leaves_the_outliers_out():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 1, (40, 2)), [[30.0, 30.0]]])
    corners = core_hull(points)
    assert 3 <= len(corners) < len(points) and np.abs(corners).max() < 10
    assert all(any(np.array_equal(c, p) for p in points) for c in corners)  # corners are notes' places


def test_small_or_flat_clusters_keep_their_points():
    assert core_hull(np.array([[1.0, 2.0]])).tolist() == [[1.0, 2.0]]
    assert len(core_hull(np.array([[0.0, 0.0], [1.0, 1.0]]))) == 2
    line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert core_hull(line).tolist() == line.tolist()


def test_the_cluster_under_a_dropped_note():
    from instructor_map.core.hull import cluster_at

    ring = [(np.cos(a), np.sin(a)) for a in np.linspace(0, 2 * np.pi, 8, endpoint=False)]
    places = {f"a{i}": (x * 10, y * 10) for i, (x, y) in enumerate(ring)}
    places.update({f"b{i}": (x * 10 + 50, y * 10) for i, (x, y) in enumerate(ring)})
    clusters = {k: 0 if k.startswith("a") else 1 for k in places}
    assert cluster_at(places, clusters, (50.0, 1.0)) == 1
    assert cluster_at(places, clusters, (0.0, -1.0)) == 0
    assert cluster_at(places, clusters, (25.0, 0.0)) is None  # between the two
    assert cluster_at(places, clusters, (50.0, 0.0), exclude={f"b{i}" for i in range(8)}) is None

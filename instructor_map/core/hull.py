"""A cluster's region on a map: the convex hull of its core, the notes nearest its centre."""
from __future__ import annotations

import numpy as np

CORE_FROM = 6  # from this many points on, the farthest quarter is left out
CORE_PERCENTILE = 75


def core_hull(points: np.ndarray) -> np.ndarray:
    """The corners of the convex hull around a cluster's core, (K, 2): its outliers would stretch the region
    over its neighbours. Under three points, or all on a line, the core's points themselves."""
    distance = np.linalg.norm(points - points.mean(axis=0), axis=1)
    core = points[distance <= np.percentile(distance, CORE_PERCENTILE)] if len(points) >= CORE_FROM else points
    if len(core) < 3:
        return core
    from scipy.spatial import ConvexHull, QhullError  # scipy.spatial loads on first use: the window opens sooner

    try:
        return core[ConvexHull(core).vertices]
    except (QhullError, ValueError):  # all on a line
        return core


def cluster_at(places: dict[str, tuple], clusters: dict[str, int], point, exclude=()) -> int | None:
    """The cluster whose region holds `point` on the 2D map (regions drawn from `places`, leaving out the notes
    in `exclude`, e.g. the one being dropped); the smallest when regions overlap, None outside them all."""
    members: dict[int, list] = {}
    for note_id, cluster in clusters.items():
        if note_id not in exclude and note_id in places and cluster >= 0:
            members.setdefault(cluster, []).append(places[note_id][:2])
    from scipy.spatial import ConvexHull, Delaunay, QhullError  # on first use, as above

    found, smallest = None, np.inf
    for cluster, xy in members.items():
        corners = core_hull(np.asarray(xy, dtype=np.float64))
        if len(corners) < 3:
            continue
        try:
            if Delaunay(corners).find_simplex(np.asarray(point[:2], dtype=np.float64)) < 0:
                continue
        except (QhullError, ValueError):
            continue
        area = ConvexHull(corners).volume  # in 2D, the area
        if area < smallest:
            found, smallest = cluster, area
    return found

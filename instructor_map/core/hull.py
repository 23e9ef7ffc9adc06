"""A cluster's region on a map: the convex hull of its core, the notes nearest its centre."""
from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

CORE_FROM = 6  # from this many points on, the farthest quarter is left out
CORE_PERCENTILE = 75


def core_hull(points: np.ndarray) -> np.ndarray:
    """The corners of the convex hull around a cluster's core, (K, 2): its outliers would stretch the region
    over its neighbours. Under three points, or all on a line, the core's points themselves."""
    distance = np.linalg.norm(points - points.mean(axis=0), axis=1)
    core = points[distance <= np.percentile(distance, CORE_PERCENTILE)] if len(points) >= CORE_FROM else points
    if len(core) < 3:
        return core
    try:
        return core[ConvexHull(core).vertices]
    except (QhullError, ValueError):  # all on a line
        return core

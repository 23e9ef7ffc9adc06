"""Groups on the 2D map: the frame around each group's notes, and which frame a point (a drop) falls in."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only read: the groups and their notes
    from instructor_map.core.document import MapDocument

Frame = tuple[float, float, float, float]  # x0, y0, x1, y1 in map units


def group_frames(doc: MapDocument, places: Mapping[str, Sequence[float]]) -> dict[str, Frame]:
    """The bounding box of each group's placed notes (only their first two coordinates count). A group with no
    placed note has no frame; one with a single note has a frame of no size around it."""
    frames: dict[str, list[float]] = {}
    for note_id, note in doc.notes.items():
        place = places.get(note_id)
        if not note.group or note.group not in doc.groups or place is None:
            continue
        x, y = float(place[0]), float(place[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        box = frames.get(note.group)
        if box is None:
            frames[note.group] = [x, y, x, y]
        else:
            box[0], box[1], box[2], box[3] = min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)
    return {group_id: (box[0], box[1], box[2], box[3]) for group_id, box in frames.items()}


def group_at(frames: Mapping[str, Frame], point: Sequence[float], pad: float = 0.0) -> str | None:
    """The group whose frame, grown by `pad` on every side, holds `point`; the smallest frame when several do
    (a group drawn inside another), None outside them all."""
    x, y = float(point[0]), float(point[1])
    found, smallest = None, (math.inf, math.inf)
    for group_id, (x0, y0, x1, y1) in frames.items():
        if not (x0 - pad <= x <= x1 + pad and y0 - pad <= y <= y1 + pad):
            continue
        size = ((x1 - x0) * (y1 - y0), (x1 - x0) + (y1 - y0))  # area, then width and height for flat frames
        if size < smallest:
            found, smallest = group_id, size
    return found

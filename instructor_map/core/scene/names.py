"""Names on the map: clusters (or their parts, zoomed in), group frames, link labels and the legend."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from instructor_map.core.hull import core_hull
from instructor_map.core.palette import TEXT, darker
from instructor_map.core.scene.grid import FREE, POINT, Occupancy
from instructor_map.core.scene.model import Box, Frame, Legend, LegendEntry, Text
from instructor_map.core.scene.text import Measure, clean, elide

NAME_SIZE, PART_SIZE, GROUP_SIZE, LINK_SIZE, LEGEND_SIZE = 14.0, 12.5, 12.0, 11.0, 11.0
NAME_FILL, LINK_FILL, LEGEND_FILL = "#ffffffc8", "#fbfbf8d8", "#ffffffeb"
LINK_TEXT, QUIET = "#5a5a5a", "#6b6b6b"
FRAME_PAD = 14.0  # pixels between a group's notes and its frame
LEGEND_MAX = 8  # colour entries; more are summed up in one line
MARK_W, PAD = 22.0, 6.0


def place_names(named: Sequence[tuple[str, str, str, np.ndarray]], cls: str, size: float, grid: Occupancy,
                measure: Measure) -> list[Text]:
    """(owner, name, colour, member pixels) in order of importance: each name in a box at the middle of its
    members, moved up or down where it would cover a point or a name; left out where it fits nowhere."""
    placed = []
    line = measure.line_height(size)
    for owner, name, color, members in named:
        text = elide(clean(name), measure, grid.width / 3, size, True)
        if not text:
            continue
        w, h = measure.width(text, size, True) + 12, line + 4
        x, y = members.mean(axis=0)
        if not (0 <= x < grid.width and 0 <= y < grid.height):
            continue  # its notes lie mostly out of view
        spots = []
        for lift in (0, -1, 1, -2, 2, -3, 3):
            left = min(max(x - w / 2, 0), grid.width - w)
            top = min(max(y - h / 2 + lift * h, 0), grid.height - h)
            spots.append(Box(left, top, w, h))
        box = next((b for b in spots if grid.fits(b, FREE)), None) or next((b for b in spots if grid.fits(b, POINT)),
                                                                             None)
        if box is not None:
            grid.take(box)
            placed.append(Text(cls, box, (text,), size, color, NAME_FILL, 1, owner=owner))
    return placed


def group_frames(groups: Sequence[tuple[str, str, str, np.ndarray]], width: float,
                 height: float) -> list[tuple[Frame, str]]:
    """(frame, name) for each (group id, name, colour, member pixels) with two members or more: a box around
    the core of its members, FRAME_PAD beyond them, kept on the canvas."""
    frames = []
    for group, name, color, members in groups:
        if len(members) < 2:
            continue
        core = core_hull(members) if len(members) >= 3 else members
        (x0, y0), (x1, y1) = core.min(axis=0) - FRAME_PAD, core.max(axis=0) + FRAME_PAD
        x0, y0, x1, y1 = max(x0, 1.0), max(y0, 1.0), min(x1, width - 1.0), min(y1, height - 1.0)
        if x1 > x0 and y1 > y0:
            frames.append((Frame(group, Box(x0, y0, x1 - x0, y1 - y0), color), name))
    return frames


def place_group_names(frames: Sequence[tuple[Frame, str]], grid: Occupancy, measure: Measure) -> list[Text]:
    """Each frame's name on its top edge, else inside its top corner, else below it."""
    placed = []
    size, line = GROUP_SIZE, measure.line_height(GROUP_SIZE)
    for frame, name in frames:
        text = elide(clean(name), measure, max(frame.box.w, 120.0), size, True)
        if not text:
            continue
        w, h, b = measure.width(text, size, True) + 8, line + 2, frame.box
        along = [b.x + (b.w - w) * k / 4 for k in range(5)]  # on its top edge, left to right
        spots = [*(Box(x, b.y - h, w, h) for x in along), *(Box(x, b.y + 2, w, h) for x in along),
                 Box(b.x + 2, b.bottom - h - 2, w, h), Box(b.right - w - 2, b.bottom - h - 2, w, h)]
        box = next((s for s in spots if grid.fits(s, FREE)), None) or next((s for s in spots if grid.fits(s, POINT)),
                                                                            None)
        if box is not None:
            grid.take(box)
            placed.append(Text("group-name", box, (text,), size, darker(frame.color[:7]), NAME_FILL, 1,
                               owner=frame.group))
    return placed


def place_link_labels(labelled: Sequence[tuple[str, str, np.ndarray, np.ndarray]], grid: Occupancy,
                      measure: Measure) -> list[Text]:
    """(link id, label, source pixel, target pixel): each label on its link, at the middle or a third along."""
    placed = []
    size, line = LINK_SIZE, measure.line_height(LINK_SIZE)
    for link_id, label, a, b in labelled:
        text = elide(clean(label), measure, 160.0, size)
        if not text:
            continue
        w, h = measure.width(text, size) + 6, line + 2
        for t in (0.5, 0.35, 0.65):
            x, y = a + (b - a) * t
            box = Box(x - w / 2, y - h / 2, w, h)
            if grid.fits(box, FREE):
                grid.take(box)
                placed.append(Text("link-label", box, (text,), size, LINK_TEXT, LINK_FILL, italic=True,
                                   owner=link_id))
                break
    return placed


def place_legend(title: str, entries: Sequence[LegendEntry], grid: Occupancy, measure: Measure) -> Legend | None:
    """A small key in the corner that covers the fewest points; None when it fits in no corner."""
    if not entries:
        return None
    size, line = LEGEND_SIZE, measure.line_height(LEGEND_SIZE) + 3
    shown = list(entries[:LEGEND_MAX])
    labels = [elide(clean(e.label), measure, 180.0, size) or "…" for e in shown]
    if len(entries) > LEGEND_MAX:
        shown.append(LegendEntry("", "", "more"))
        labels.append(f"and {len(entries) - LEGEND_MAX} more")
    text_w = max([measure.width(title, size, True)] + [measure.width(t, size) + MARK_W + 6 for t in labels])
    w, h = text_w + 2 * PAD, (len(labels) + 1) * line + 2 * PAD
    margin = 8.0
    right, bottom = grid.width - w - margin, grid.height - h - margin
    corners = [Box(margin, bottom, w, h), Box(right, bottom, w, h), Box(margin, margin, w, h), Box(right, margin, w, h)]
    free = [c for c in corners if grid.fits(c, POINT)]
    if not free:
        return None
    box = min(free, key=grid.count_points)
    grid.take(box)
    texts = [Text("legend", Box(box.x + PAD, box.y + PAD, text_w, line), (title,), size, TEXT, bold=1)]
    marks = []
    for k, (entry, label) in enumerate(zip(shown, labels), start=1):
        top = box.y + PAD + k * line
        indent = 0.0 if entry.kind == "more" else MARK_W + 6
        marks.append(Box(box.x + PAD, top + line / 2 - 5, MARK_W if entry.kind != "swatch" else 10.0, 10.0))
        texts.append(Text("legend", Box(box.x + PAD + indent, top, text_w - indent, line), (label,), size,
                          QUIET if entry.kind == "more" else TEXT))
    return Legend(box, shown, marks, texts)

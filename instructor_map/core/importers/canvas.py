"""JSON Canvas 1.0: text nodes are notes placed at their centre (y flipped), group nodes are groups."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from instructor_map.core.document import LINK_KINDS, Group, Link
from instructor_map.core.errors import InputError
from instructor_map.core.importers.parsed import Parsed, RawNote, as_text, count, kind_of
from instructor_map.core.project_file import MAX_COORD

CANVAS_COLORS = {"1": "#fb464c", "2": "#e9973f", "3": "#e0de71", "4": "#44cf6e", "5": "#53dfdd", "6": "#a882ff"}

_Box = tuple[float, tuple[float, ...], str]  # area, (x, y, width, height), group name


def is_canvas(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("nodes"), list)


def parse_canvas(data: dict, source: str) -> Parsed:
    edges = data.get("edges") or []
    if not isinstance(edges, list):
        raise InputError('is not a valid JSON Canvas: "edges" is not a list', source)
    parsed, boxes, skipped = Parsed(), [], Counter[str]()
    for n, node in enumerate(data["nodes"], 1):
        if not isinstance(node, dict):
            raise InputError(f"canvas node {n} is {kind_of(node)}, not an object", source)
        kind, rect = node.get("type"), _rect(node)
        if kind == "text":
            raw = RawNote(as_text(node.get("text")), id=as_text(node.get("id")), color=as_text(node.get("color")))
            heading, _, body = raw.text.strip().partition("\n\n")
            if heading.startswith("# ") and "\n" not in heading and body.strip():  # a card's "# Title" line
                raw.title, raw.text = heading[2:].strip(), body
            if rect:
                x, y, w, h = rect
                place = (x + w / 2, -(y + h / 2))
                raw.place = place if all(abs(v) <= MAX_COORD for v in place) else None
            parsed.notes.append(raw)
        elif kind == "group":
            name = as_text(node.get("label")).strip() or f"Group {len(parsed.groups) + 1}"
            parsed.groups.append(Group(as_text(node.get("id")), name, as_text(node.get("color"))))
            if rect:
                boxes.append((rect[2] * rect[3], rect, name))
        else:
            skipped[as_text(kind) or "untyped"] += 1
    _put_in_groups([raw for raw in parsed.notes if raw.place], boxes)
    if skipped:
        kinds = ", ".join(count(k, f"{name} node") for name, k in sorted(skipped.items()))
        parsed.warnings.append(f"skipped {kinds} (only text nodes become notes)")
    for n, edge in enumerate(edges, 1):
        if not isinstance(edge, dict):
            raise InputError(f"canvas edge {n} is {kind_of(edge)}, not an object", source)
        label = as_text(edge.get("label"))
        kind = as_text(edge.get("kind")).lower()
        kind = kind if kind in LINK_KINDS else label.strip().lower()
        parsed.links.append(Link(as_text(edge.get("id")), as_text(edge.get("fromNode")),
                                 as_text(edge.get("toNode")), kind, label))
    return parsed


def _put_in_groups(placed: list[RawNote], boxes: list[_Box]) -> None:
    """The smallest group rectangle around a note's centre is its group (on a tie, the first name).

    Vectorised in slices of notes: a canvas with thousands of notes and groups takes well under a second."""
    if not placed or not boxes:
        return
    boxes = sorted(boxes, key=lambda box: (box[0], box[2]))
    rects = np.array([rect for _, rect, _ in boxes])
    x0, y0 = rects[:, 0], rects[:, 1]
    x1, y1 = x0 + rects[:, 2], y0 + rects[:, 3]
    for start in range(0, len(placed), 256):
        notes = placed[start:start + 256]
        centres = np.array([raw.place for raw in notes if raw.place is not None])
        cx, cy = centres[:, :1], -centres[:, 1:]
        inside = (x0 <= cx) & (cx <= x1) & (y0 <= cy) & (cy <= y1)
        for raw, row, first in zip(notes, inside, inside.argmax(axis=1)):
            raw.group = boxes[first][2] if row[first] else ""


def _rect(node: dict) -> tuple[float, ...] | None:
    values = [node.get(k, 0) for k in ("x", "y", "width", "height")]
    if "x" not in node or "y" not in node or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                  for v in values):
        return None
    try:
        rect = tuple(float(v) for v in values)
    except OverflowError:  # an integer too large for a float
        return None
    return rect if all(math.isfinite(v) for v in rect) else None

"""A map as a JSON Canvas (jsoncanvas.org 1.0): notes are text nodes, groups are group nodes around their notes,
links are edges; what came from a canvas is written back as the file had it, except what the user changed.

A note from a canvas keeps its node's type (file, link), size, colour (a preset "1"-"6" stays a preset) and
unknown fields, and its place while it has not moved; a group keeps its box while that still holds its notes; an
edge keeps its sides, ends, colour and fields. The nodes and edges that were not on the map, and the file's own
fields, are written back too. Everything else is laid out from the map: in a map from a canvas the map's units
are canvas pixels; any other map is scaled to span CANVAS_SPAN px. No label is invented: an edge has one when
its link has one.
"""
from __future__ import annotations

import json
import math
import re

from instructor_map.core.canvas_format import (
    EXTRA_KEY,
    FILE_KEY,
    NODE_KEY,
    Rect,
    card_text,
    centre,
    edge_kind,
    hex_color,
    load,
    note_content,
    rect,
    text_of,
)
from instructor_map.core.document import Group, Link, MapDocument, Note

NODE_WIDTH, NODE_HEIGHT = 250, 120
CANVAS_SPAN = 2000  # px the map's wider side spans on the canvas (a map not from a canvas)
GROUP_PAD = 20  # px between a group's box and its notes, for a box drawn anew
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_EDGE_COLORS = {"opposes": "1", "supports": "4"}  # canvas preset colours: red, green
_Key = tuple[int, int, int]  # where a node or edge goes in its list: (rank, place in its file, place in the map)


def canvas_bytes(doc: MapDocument, dims: int) -> bytes:
    """The canvas as UTF-8; a file that held lone surrogates (as \\ud800 escapes) is written with ASCII escapes."""
    data = canvas_data(doc, dims)
    try:
        return json.dumps(data, ensure_ascii=False, indent="\t").encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, indent="\t").encode("ascii")


def canvas_data(doc: MapDocument, dims: int) -> dict:
    ids = _Ids()
    nodes: list[tuple[_Key, dict]] = []
    file_ids: dict[str, str] = {}  # a canvas's own node id -> the node's id in this file
    boxes: dict[str, Rect] = {}  # note id -> its box
    centres = _centres(doc, dims)
    for seq, note in enumerate(doc.notes.values()):
        at, original = _stored(load(note.metadata.get(NODE_KEY)), "node")
        node = _note_node(doc, dims, note, original, centres[note.id])
        node["id"] = ids.claim(note.id, note.id)
        nodes.append(((1, at, seq) if original else (2, 0, seq), node))
        boxes[note.id] = rect(node) or (0.0, 0.0, 0.0, 0.0)
        if original:
            file_ids.setdefault(text_of(original.get("id")), note.id)
    members: dict[str, list[Rect]] = {}
    for note_id, note in doc.notes.items():
        members.setdefault(note.group, []).append(boxes[note_id])
    for seq, group in enumerate(doc.groups.values()):
        at, stored = _stored(group.extra.get(EXTRA_KEY), "node")
        group_node = _group_node(group, stored, members.get(group.id, []))
        if group_node is not None:
            group_node["id"] = ids.claim(group.id, group.id)
            nodes.append(((1, at, seq) if stored else (0, 0, seq), group_node))
            if stored:
                file_ids.setdefault(text_of(stored.get("id")), group_node["id"])
    top, off_edges = _off_map(doc, ids, nodes, file_ids)
    edges: list[tuple[_Key, dict]] = []
    for seq, link in enumerate(doc.links.values()):
        at, original = _stored(link.extra.get(EXTRA_KEY), "edge")
        edge = _edge(link, original)
        edge["id"] = ids.claim(link.id, f"link-{link.id}")
        edges.append(((1, at, seq) if original else (2, 0, seq), edge))
    for seq, (at, edge) in enumerate(off_edges):
        ends = file_ids.get(text_of(edge.get("fromNode"))), file_ids.get(text_of(edge.get("toNode")))
        if ends[0] is not None and ends[1] is not None:  # both ends are still in the file
            edge = {**edge, "fromNode": ends[0], "toNode": ends[1]}
            edge["id"] = ids.claim(text_of(edge.get("id")), "edge")
            edges.append(((1, at, len(doc.links) + seq), edge))
    return {**top, "nodes": [n for _, n in sorted(nodes, key=lambda kn: kn[0])],
            "edges": [e for _, e in sorted(edges, key=lambda ke: ke[0])]}


class _Ids:
    """Node and edge ids share one namespace in a canvas: each id is handed out once."""

    def __init__(self):
        self.taken: set[str] = set()

    def claim(self, wanted: str, fallback: str) -> str:
        new, k = wanted, 1
        while not new or new in self.taken:
            new = fallback if k == 1 and fallback else f"{fallback or 'id'}-{k}"
            k += 1
        self.taken.add(new)
        return new


def _stored(record, what: str) -> tuple[int, dict | None]:
    """(place in its file, node or edge) of a stored record; (0, None) when there is none."""
    if not isinstance(record, dict) or not isinstance(record.get(what), dict):
        return 0, None
    at = record.get("at")
    return (at if type(at) is int else 0), record[what]


def _place(doc: MapDocument, dims: int, note_id: str) -> tuple[float, ...] | None:
    pos = doc.placements[dims].position(note_id)
    if pos is None or not all(math.isfinite(v) for v in pos):
        return None
    return tuple(float(v) for v in pos)


def _centres(doc: MapDocument, dims: int) -> dict[str, tuple[float, float]]:
    """Where each note's centre goes: map x, y with y flipped (canvas y grows downward), in canvas pixels for a
    map from a canvas, else scaled to span CANVAS_SPAN px. Notes with no place yet line up in a row below."""
    places = {k: p for k in doc.notes if (p := _place(doc, dims, k)) is not None}
    xs, ys = [p[0] for p in places.values()], [p[1] for p in places.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) if places else 0.0
    in_pixels = dims == 2 and any(NODE_KEY in note.metadata for note in doc.notes.values())
    scale = 1.0 if in_pixels or span <= 0 else CANVAS_SPAN / span
    centres = {k: (p[0] * scale, -p[1] * scale) for k, p in places.items()}
    left = min((c[0] for c in centres.values()), default=0.0)
    below = max((c[1] for c in centres.values()), default=0.0) + 2 * NODE_HEIGHT
    unplaced = [k for k in doc.notes if k not in centres]
    for i, note_id in enumerate(unplaced):
        centres[note_id] = (left + i * (NODE_WIDTH + 40), below)
    return centres


def _note_node(doc: MapDocument, dims: int, note: Note, original: dict | None, at: tuple[float, float]) -> dict:
    node = dict(original) if original else {"type": "text"}
    same = original is not None and note_content(original) == (note.title, note.text)
    if not same:  # a new or edited note is a text node
        for key in ("file", "subpath", "url"):
            node.pop(key, None)
        node["type"] = "text"
    if node["type"] == "text" and (not same or "text" not in node):
        node["text"] = card_text(note.title, note.text)
    home = centre(original) if original else None
    place = _place(doc, 2, note.id) if dims == 2 else None
    if home is None or place is None or not all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(place, home)):
        width, height = _size(node, "width", NODE_WIDTH), _size(node, "height", NODE_HEIGHT)
        node.update(x=round(at[0] - width / 2), y=round(at[1] - height / 2), width=width, height=height)
    _set_color(node, note.color, original is not None)
    return node


def _size(node: dict, key: str, default: int) -> float:
    value = node.get(key)
    try:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    except OverflowError:  # an integer too large for a float
        ok = False
    return value if ok else default  # type: ignore[return-value]  # an int stays an int in the file


def _set_color(node: dict, color: str, from_file: bool) -> None:
    """The node's colour: as the file had it while the map's colour is what the import made of it, else the
    map's "#rrggbb", else none."""
    if from_file and hex_color(node.get("color")) == color:
        return
    if _HEX_COLOR.fullmatch(color):
        node["color"] = color.lower()
    else:
        node.pop("color", None)


def _group_node(group: Group, original: dict | None, members: list[Rect]) -> dict | None:
    """A group node: its own box while that holds every member's box, else a box drawn around them; None for a
    group with neither a box nor notes."""
    node = dict(original) if original else {"type": "group"}
    if original is None or group.extra[EXTRA_KEY].get("name") != group.name:
        node["label"] = group.name
    _set_color(node, group.color, original is not None)
    box = rect(node) if original else None
    if not members:
        return node if original else None
    if box is None or not all(_inside(m, box) for m in members):
        x0, y0 = min(m[0] for m in members) - GROUP_PAD, min(m[1] for m in members) - GROUP_PAD
        x1 = max(m[0] + m[2] for m in members) + GROUP_PAD
        y1 = max(m[1] + m[3] for m in members) + GROUP_PAD
        node.update(x=math.floor(x0), y=math.floor(y0), width=math.ceil(x1 - math.floor(x0)),
                    height=math.ceil(y1 - math.floor(y0)))
    return node


def _inside(box: Rect, outer: Rect) -> bool:
    return outer[0] <= box[0] and box[0] + box[2] <= outer[0] + outer[2] and \
        outer[1] <= box[1] and box[1] + box[3] <= outer[1] + outer[3]


def _edge(link: Link, original: dict | None) -> dict:
    edge = dict(original) if original else {}
    edge["fromNode"], edge["toNode"] = link.source, link.target
    if original is None:
        if link.label:
            edge["label"] = link.label
        if link.kind != "related":
            edge["kind"] = link.kind
        if link.kind in _EDGE_COLORS:
            edge["color"] = _EDGE_COLORS[link.kind]
        return edge
    if link.label != text_of(original.get("label")):
        if link.label:
            edge["label"] = link.label
        else:
            edge.pop("label", None)
    if link.kind != edge_kind(original):
        edge["kind"] = link.kind
    return edge


def _off_map(doc: MapDocument, ids: _Ids, nodes: list, file_ids: dict[str, str]) -> tuple[dict, list]:
    """The canvas files' own fields, and their edges not on the map; their nodes not on the map go to `nodes`."""
    top: dict = {}
    edges: list = []
    for note in doc.notes.values():
        carried = load(note.metadata.get(FILE_KEY))
        if carried is None:
            continue
        carried_top = carried.get("top")
        top.update(carried_top if isinstance(carried_top, dict) else {})
        for item in carried.get("nodes") or []:
            at, node = _stored({"at": item[0], "node": item[1]} if _pair(item) else None, "node")
            if node is not None:
                new = {**node, "id": ids.claim(text_of(node.get("id")), "node")}
                file_ids.setdefault(text_of(node.get("id")), new["id"])
                nodes.append(((1, at, len(doc.notes) + len(doc.groups) + len(nodes)), new))
        edges += [(item[0] if type(item[0]) is int else 0, item[1]) for item in carried.get("edges") or []
                  if _pair(item) and isinstance(item[1], dict)]
    return top, edges


def _pair(item) -> bool:
    return isinstance(item, list) and len(item) == 2

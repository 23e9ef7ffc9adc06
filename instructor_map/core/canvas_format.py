"""JSON Canvas 1.0 (jsoncanvas.org/spec/1.0) as the map reads it, shared by the canvas import and export.

A note, link or group that came from a canvas keeps what the file said of it: a note in Note.metadata[NODE_KEY]
(JSON text: {"at": its place in the node list, "node": the node, without its text when the text is exactly the
note's card text}), a link in Link.extra[EXTRA_KEY] ({"at", "edge"}), a group in Group.extra[EXTRA_KEY] ({"at",
"node", "name": the name the map gave it}). What cannot be on the map (the file's own unknown fields, nodes that
are no note, edges that do not join two notes) travels with the first note, in Note.metadata[FILE_KEY] ({"top",
"nodes": [[at, node]], "edges": [[at, edge]]}). The export compares each with what the import made of it and
writes back whatever the user did not change.
"""
from __future__ import annotations

import json
import math
import re

from instructor_map.core.document import LINK_KINDS
from instructor_map.core.project_file import MAX_COORD

CANVAS_COLORS = {"1": "#fb464c", "2": "#e9973f", "3": "#e0de71", "4": "#44cf6e", "5": "#53dfdd", "6": "#a882ff"}
NODE_KEY, FILE_KEY, EXTRA_KEY = "canvas", "canvas file", "canvas"
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")

Rect = tuple[float, float, float, float]  # x, y, width, height; canvas y grows downward


def text_of(value) -> str:
    """Any JSON value as text, as the importers read it; lone surrogates become "?" so the text is valid Unicode."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def hex_color(value) -> str:
    """The map's colour for a canvas colour: '#rrggbb' for a preset "1"-"6" or a hex colour, else ""."""
    value = text_of(value).strip()
    if value in CANVAS_COLORS:
        return CANVAS_COLORS[value]
    if not _HEX.fullmatch(value):
        return ""
    return ("#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value).lower()


def card_text(title: str, text: str) -> str:
    """A note as a text node's text: its title, when it has one, as a "# Title" first line."""
    return f"# {title}\n\n{text}" if title else text


def note_content(node: dict) -> tuple[str, str] | None:
    """(title, text) of the note a node becomes, as the map holds them (lines end in LF, no surrounding blanks);
    None for a node of a type that is no note. A file node's text is its path (and subpath), a link node's its URL."""
    kind = node.get("type")
    title = ""
    if kind == "text":
        text = text_of(node.get("text"))
        heading, _, body = text.strip().partition("\n\n")
        if heading.startswith("# ") and "\n" not in heading and body.strip():  # a card's "# Title" line
            title, text = heading[2:].strip(), body
    elif kind == "file":
        text = text_of(node.get("file")) + text_of(node.get("subpath"))
    elif kind == "link":
        text = text_of(node.get("url"))
    else:
        return None
    return title, text.replace("\r\n", "\n").strip()


def rect(node: dict) -> Rect | None:
    """The node's box when x and y are finite numbers (a missing width or height is 0), else None."""
    values = [node.get(k, 0) for k in ("x", "y", "width", "height")]
    if "x" not in node or "y" not in node or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                  for v in values):
        return None
    try:
        box = tuple(float(v) for v in values)
    except OverflowError:  # an integer too large for a float
        return None
    return (box[0], box[1], box[2], box[3]) if all(math.isfinite(v) for v in box) else None


def centre(node: dict) -> tuple[float, float] | None:
    """Where the node's note goes on the map: its box's centre, y flipped (up on the map is up on the canvas)."""
    box = rect(node)
    if box is None:
        return None
    x, y, w, h = box
    place = (x + w / 2, -(y + h / 2))
    return place if all(abs(v) <= MAX_COORD for v in place) else None


def edge_kind(edge: dict) -> str:
    """The link kind of an edge: its "kind" field when that is one, else its label when that names one, else
    "related"."""
    kind = text_of(edge.get("kind")).lower()
    kind = kind if kind in LINK_KINDS else text_of(edge.get("label")).strip().lower()
    return kind if kind in LINK_KINDS else "related"


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def load(text: str | None) -> dict | None:
    """A stored record read back; None when there is none or it is not an object."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None

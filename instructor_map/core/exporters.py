"""Export a map as CSV, JSON, JSON Canvas (jsoncanvas.org 1.0) or GraphML; each file is written atomically."""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import networkx as nx

from instructor_map.core.document import VIEW_DIMS, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import atomic_write

FORMATS = ("csv", "json", "canvas", "graphml")
_BY_SUFFIX = {f".{fmt}": fmt for fmt in FORMATS}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
NODE_WIDTH, NODE_HEIGHT = 250, 120
CANVAS_SPAN = 2000  # px the map's wider side spans on the canvas
_EDGE_COLORS = {"opposes": "1", "supports": "4"}  # canvas preset colours: red, green


def export(doc: MapDocument, path, fmt: str | None = None, dims: int = 2) -> None:
    """Write `doc` to `path`; `fmt` is one of FORMATS, or None to go by the file's suffix."""
    path = Path(path)
    chosen = (fmt or _BY_SUFFIX.get(path.suffix.lower(), "")).lower()
    if chosen not in FORMATS:
        asked = f"format {fmt!r}" if fmt else f"suffix {path.suffix!r}" if path.suffix else "a name without suffix"
        raise InputError(f"cannot export to {asked}; use one of {', '.join(FORMATS)}", path)
    if dims not in VIEW_DIMS:
        raise InputError(f"dims must be 2 or 3, not {dims}", path)
    writer = {"csv": _csv, "json": _json, "canvas": _canvas, "graphml": _graphml}[chosen]
    atomic_write(path, lambda fh: writer(doc, dims, fh))


def _group_name(doc: MapDocument, note: Note) -> str:
    group = doc.groups.get(note.group)
    return group.name if group else ""


def _cluster_name(doc: MapDocument, note_id: str) -> str:
    """The name of the note's cluster as the map shows it, or "" for a note in no cluster."""
    cluster = doc.clusters.get(note_id)
    return "" if cluster is None else doc.cluster_name(cluster)


def _place(doc: MapDocument, dims: int, note_id: str) -> list[float] | None:
    pos = doc.placements[dims].position(note_id)
    if pos is None or not all(math.isfinite(v) for v in pos):
        return None
    return [float(v) for v in pos]


def _axes(dims: int) -> list[str]:
    return ["x", "y", "z"][:dims]


# ---- CSV ----------------------------------------------------------------------------------------------
def _cell(text: str) -> str:
    text = text.replace("\x00", "")  # spreadsheets and csv readers stop or fail at a NUL character
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["id", "text", *_axes(dims), "cluster", "cluster_name", "group", "title"])
    for note in doc.notes.values():
        place = _place(doc, dims, note.id)
        coords = [round(v, 6) for v in place] if place else [""] * dims
        writer.writerow([_cell(note.id), _cell(note.text), *coords, doc.clusters.get(note.id, ""),
                         _cell(_cluster_name(doc, note.id)), _cell(_group_name(doc, note)), _cell(note.title)])
    fh.write(out.getvalue().encode("utf-8"))


# ---- JSON ---------------------------------------------------------------------------------------------
def _json(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    pins = doc.placements[dims].pins
    notes = []
    for note in doc.notes.values():
        place: Sequence[float | None] = _place(doc, dims, note.id) or [None] * dims
        notes.append({"id": note.id, "text": note.text, "title": note.title, "group": _group_name(doc, note),
                      "color": note.color, "cluster": doc.clusters.get(note.id), **dict(zip(_axes(dims), place)),
                      "pinned": note.id in pins, "metadata": note.metadata})
    links = [{"id": ln.id, "source": ln.source, "target": ln.target, "kind": ln.kind, "label": ln.label}
             for ln in doc.links.values()]
    members: dict[int, list[str]] = {}
    for note_id in doc.notes:
        if (cluster := doc.clusters.get(note_id)) is not None:
            members.setdefault(cluster, []).append(note_id)
    clusters = [{"id": c, "name": doc.cluster_name(c), "notes": members[c], "locked": c in doc.cluster_locked}
                for c in sorted(members)]
    data = {"instruction": doc.instruction, "model": doc.model, "notes": notes, "links": links,
            "clusters": clusters}
    fh.write(json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


# ---- JSON Canvas --------------------------------------------------------------------------------------
def _canvas_centres(doc: MapDocument, dims: int = 2) -> dict[str, tuple[float, float]]:
    """Where each note's centre goes on the canvas: map x, y scaled to span CANVAS_SPAN px, y flipped
    (canvas y grows downward). Notes with no place yet line up in a row under the map."""
    places = {k: p for k in doc.notes if (p := _place(doc, dims, k)) is not None}
    xs, ys = [p[0] for p in places.values()], [p[1] for p in places.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) if places else 0.0
    scale = CANVAS_SPAN / span if span > 0 else 1.0
    centres = {k: (p[0] * scale, -p[1] * scale) for k, p in places.items()}
    left = min((c[0] for c in centres.values()), default=0.0)
    below = max((c[1] for c in centres.values()), default=0.0) + 2 * NODE_HEIGHT
    unplaced = [k for k in doc.notes if k not in centres]
    for i, note_id in enumerate(unplaced):
        centres[note_id] = (left + i * (NODE_WIDTH + 40), below)
    return centres


def _canvas(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    nodes = []
    for note_id, (cx, cy) in _canvas_centres(doc, dims).items():
        note = doc.notes[note_id]
        node = {"id": note_id, "type": "text", "text": f"# {note.title}\n\n{note.text}" if note.title else note.text,
                "x": round(cx - NODE_WIDTH / 2), "y": round(cy - NODE_HEIGHT / 2),
                "width": NODE_WIDTH, "height": NODE_HEIGHT}
        if _HEX_COLOR.fullmatch(note.color):
            node["color"] = note.color.lower()
        nodes.append(node)
    edges = []
    for ln in doc.links.values():
        edge_id = ln.id if ln.id not in doc.notes else f"link-{ln.id}"  # canvas ids are shared by nodes and edges
        edge = {"id": edge_id, "fromNode": ln.source, "toNode": ln.target, "label": ln.label or ln.kind,
                "kind": ln.kind}
        if ln.kind in _EDGE_COLORS:
            edge["color"] = _EDGE_COLORS[ln.kind]
        edges.append(edge)
    fh.write(json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False, indent="\t").encode("utf-8"))


# ---- GraphML ------------------------------------------------------------------------------------------
def _xml(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def _graphml(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    graph = nx.MultiDiGraph()
    for note in doc.notes.values():
        attrs = {"label": _xml(note.title or note.text[:80]), "text": _xml(note.text), "title": _xml(note.title),
                 "cluster": doc.cluster_of(note.id),
                 "cluster_name": _xml(_cluster_name(doc, note.id)), "group": _xml(_group_name(doc, note))}
        place = _place(doc, dims, note.id)
        if place:
            attrs.update(zip(_axes(dims), place))
        graph.add_node(_xml(note.id), **attrs)
    for ln in doc.links.values():
        graph.add_edge(_xml(ln.source), _xml(ln.target), key=_xml(ln.id), kind=ln.kind, label=_xml(ln.label))
    nx.write_graphml(graph, fh)

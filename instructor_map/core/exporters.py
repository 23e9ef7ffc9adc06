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

from instructor_map.core.canvas_export import CANVAS_SPAN, NODE_HEIGHT, NODE_WIDTH, canvas_bytes
from instructor_map.core.csv_cells import escape, export_header
from instructor_map.core.document import VIEW_DIMS, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import atomic_write

FORMATS = ("csv", "json", "canvas", "graphml")
_BY_SUFFIX = {f".{fmt}": fmt for fmt in FORMATS}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
__all__ = ["CANVAS_SPAN", "FORMATS", "NODE_HEIGHT", "NODE_WIDTH", "export"]


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
    """A cell a spreadsheet shows as text, never runs as a formula (see csv_cells: the import undoes that)."""
    return escape(text.replace("\x00", ""))  # spreadsheets and csv readers stop or fail at a NUL character


def _csv(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(export_header(dims))
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
def _canvas(doc: MapDocument, dims: int, fh: BinaryIO) -> None:
    fh.write(canvas_bytes(doc, dims))


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

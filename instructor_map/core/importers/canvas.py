"""JSON Canvas 1.0: every node and edge is kept, so that a canvas export gives the file back.

Text nodes become notes placed at their centre (y flipped); file and link nodes become notes whose text is the
file's path or the URL (what the model embeds), keeping their type. Group nodes become groups; a group's members
are the nodes whose box lies inside its box (the smallest such group, as Obsidian does). What the map cannot
show is stored with the notes, links and groups (see instructor_map.core.canvas_format) and written back on
export. Since the ids of links and groups are settled only after `reconcile.build`, `finish_canvas` then hands
each its stored edge or node and adds the groups no note is in.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from instructor_map.core.canvas_format import (
    CANVAS_COLORS,
    EXTRA_KEY,
    FILE_KEY,
    NODE_KEY,
    Rect,
    card_text,
    centre,
    dump,
    edge_kind,
    hex_color,
    load,
    note_content,
    rect,
    text_of,
)
from instructor_map.core.document import Group, Link, MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.importers.parsed import Parsed, RawNote, count, kind_of

if TYPE_CHECKING:  # reconcile imports this module
    from instructor_map.core.importers.reconcile import ImportResult

__all__ = ["CANVAS_COLORS", "CanvasParsed", "finish_canvas", "is_canvas", "parse_canvas"]

_Box = tuple[float, Rect, str]  # area, (x, y, width, height), group name


@dataclass
class CanvasParsed(Parsed):
    """A canvas's notes as any file states them; its links and groups carry their edges and nodes in `extra`."""


def is_canvas(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("nodes"), list)


def parse_canvas(data: dict, source: str) -> Parsed:
    edges = data.get("edges") or []
    if not isinstance(edges, list):
        raise InputError('is not a valid JSON Canvas: "edges" is not a list', source)
    parsed, placed, boxes = CanvasParsed(), [], []
    off_map: list[list] = []  # [at, node] of nodes that are no note
    off_kinds, empty, names = Counter[str](), 0, set[str]()
    for at, node in enumerate(data["nodes"]):
        if not isinstance(node, dict):
            raise InputError(f"canvas node {at + 1} is {kind_of(node)}, not an object", source)
        if node.get("type") == "group":
            group = _group(node, at, names)
            parsed.groups.append(group)
            names.add(group.name)
            if (box := rect(node)) is not None:
                boxes.append((box[2] * box[3], box, group.name))
            continue
        content = note_content(node)
        if content is None or not content[1]:
            off_map.append([at, node])
            if content:
                empty += 1
            else:
                off_kinds[text_of(node.get("type")) or "untyped"] += 1
            continue
        title, text = content
        same_text = node.get("text") == card_text(title, text)  # the export writes it again: not stored twice
        stored = {k: v for k, v in node.items() if k != "text"} if same_text else node
        raw = RawNote(text, id=text_of(node.get("id")), title=title, color=text_of(node.get("color")),
                      metadata={NODE_KEY: dump({"at": at, "node": stored})}, place=centre(node))
        parsed.notes.append(raw)
        if (box := rect(node)) is not None:
            placed.append((raw, box))
    _put_in_groups(placed, boxes)
    if empty:
        parsed.warnings.append(f"skipped {count(empty, 'empty note')} (no text)")
    if off_kinds:
        kinds = ", ".join(count(n, f"{name} node") for name, n in sorted(off_kinds.items()))
        parsed.warnings.append(f"not shown on the map, but kept for a canvas export: {kinds}")
    off_edges = _read_edges(parsed, edges, source, {text_of(node.get("id")) for _, node in off_map})
    top = {k: v for k, v in data.items() if k not in ("nodes", "edges")}
    if parsed.notes and (top or off_map or off_edges):
        parsed.notes[0].metadata[FILE_KEY] = dump({"top": top, "nodes": off_map, "edges": off_edges})
    return parsed


def _group(node: dict, at: int, taken: set[str]) -> Group:
    """A group node as a group: its label, else "Group N"; a name used before gets " (2)", " (3)" ..."""
    base = text_of(node.get("label")).strip() or f"Group {len(taken) + 1}"
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base} ({k})"
    return Group(text_of(node.get("id")), name, text_of(node.get("color")),
                 {EXTRA_KEY: {"at": at, "node": node, "name": name}})


def _read_edges(parsed: Parsed, edges: list, source: str, off_map: set[str]) -> list[list]:
    """Edges between two notes become links; the others ([at, edge]) are returned to be written back."""
    notes = {raw.id for raw in parsed.notes if raw.id}
    groups = {text_of(g.extra[EXTRA_KEY]["node"].get("id")) for g in parsed.groups}
    kept, missing = [], 0
    for at, edge in enumerate(edges):
        if not isinstance(edge, dict):
            raise InputError(f"canvas edge {at + 1} is {kind_of(edge)}, not an object", source)
        ends = text_of(edge.get("fromNode")), text_of(edge.get("toNode"))
        if all(end in notes for end in ends):
            parsed.links.append(Link(text_of(edge.get("id")), *ends, edge_kind(edge), text_of(edge.get("label")),
                                     {EXTRA_KEY: {"at": at, "edge": edge}}))
        elif all(end in notes or end in groups or end in off_map for end in ends):
            kept.append([at, edge])
        else:
            missing += 1
    if kept:
        parsed.warnings.append("not shown on the map, but kept for a canvas export: "
                               f"{count(len(kept), 'edge')} to a group or to a node not on the map")
    if missing:
        parsed.warnings.append(f"skipped {count(missing, 'edge')} to nodes the file does not have")
    return kept


def _put_in_groups(placed: list[tuple[RawNote, Rect]], boxes: list[_Box]) -> None:
    """A note is in the smallest group whose box holds its whole box (on a tie, the first name).

    Vectorised in slices of notes: a canvas with thousands of notes and groups takes well under a second."""
    if not placed or not boxes:
        return
    boxes = sorted(boxes, key=lambda box: (box[0], box[2]))
    groups = np.array([box for _, box, _ in boxes])
    gx0, gy0 = groups[:, 0], groups[:, 1]
    gx1, gy1 = gx0 + groups[:, 2], gy0 + groups[:, 3]
    for start in range(0, len(placed), 256):
        part = placed[start:start + 256]
        notes = np.array([box for _, box in part])
        x0, y0 = notes[:, :1], notes[:, 1:2]
        x1, y1 = x0 + notes[:, 2:3], y0 + notes[:, 3:4]
        inside = (gx0 <= x0) & (x1 <= gx1) & (gy0 <= y0) & (y1 <= gy1)
        for (raw, _), row, first in zip(part, inside, inside.argmax(axis=1)):
            raw.group = boxes[first][2] if row[first] else ""


def finish_canvas(parsed: Parsed, result: ImportResult, doc: MapDocument | None = None) -> ImportResult:
    """The import of a canvas made whole after `reconcile.build`: each link gets its edge and each group its node
    (build makes them anew), and the groups no note is in are added, with ids free in `doc` and the result."""
    if not isinstance(parsed, CanvasParsed):
        return result
    note_ids: dict[str, str] = {}
    for note in result.notes:
        stored = load(note.metadata.get(NODE_KEY)) or {}
        node = stored.get("node")
        if isinstance(node, dict):
            note_ids.setdefault(text_of(node.get("id")), note.id)
    if len(result.links) == len(parsed.links):  # build keeps every link whose ends are notes, in order
        for i, (made, link) in enumerate(zip(result.links, parsed.links)):
            if (made.source, made.target) == (note_ids.get(link.source), note_ids.get(link.target)):
                result.links[i] = replace(made, extra=link.extra)
    taken: set[str] = {n.id for n in result.notes} | {ln.id for ln in result.links} | {g.id for g in result.groups}
    if doc is not None:
        taken |= set(doc.notes) | set(doc.links) | set(doc.groups)
    made_groups = {g.name: g for g in result.groups}
    groups: list[Group] = []
    for spec in parsed.groups:
        if spec.name in made_groups:
            groups.append(replace(made_groups.pop(spec.name), extra=spec.extra))
        elif doc is None or doc.group_by_name(spec.name) is None:
            groups.append(Group(_free(spec.id, taken), spec.name, hex_color(spec.color), spec.extra))
    result.groups = groups + list(made_groups.values())
    return result


def _free(wanted: str, taken: set[str]) -> str:
    """`wanted` when no note, link or group has it, else the first free "gN"; either is then taken."""
    k, new = 0, wanted
    while not new or new in taken:
        k += 1
        new = f"g{k}"
    taken.add(new)
    return new

"""project.json: its schema version, the step-by-step migrations from older ones, and reading it into a document.

A value of the wrong type is refused with BadProject. Damage that is safe to repair (a repeated id, a link or a
place of a note that is gone, a position that is not a number) is repaired and reported through `warn`.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from instructor_map.core.document import LINK_KINDS, VIEW_DIMS, Group, Link, MapDocument, Note, Placement

SCHEMA_VERSION = 1
MAX_COORD = 1e30  # maps are drawn and laid out in float32; a place beyond this breaks the layout of every note
Warn = Callable[[str], None]
_MISSING = object()
_NAMES = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "an object"}


class BadProject(Exception):
    """The project file is wrong in a way that cannot be repaired; the message says how, in one line."""


# ---- migrations ---------------------------------------------------------------------------------------
def _migrate_0_to_1(data: dict) -> dict:
    """Schema 0 kept one 2-D place per note ("x", "y", "pinned") and had no views or instruction history."""
    positions, pins = {}, {}
    notes = data.get("notes")
    for note in notes if isinstance(notes, list) else []:
        if not isinstance(note, dict):
            continue
        x, y, pinned = note.pop("x", None), note.pop("y", None), note.pop("pinned", False)
        if isinstance(note.get("id"), str) and x is not None and y is not None:
            positions[note["id"]] = [x, y]
            if pinned is True:
                pins[note["id"]] = [x, y]
    data["views"] = {"2": {"positions": positions, "pins": pins, "basis": None},
                     "3": {"positions": {}, "pins": {}, "basis": None}}
    instruction = data.get("instruction")
    if isinstance(instruction, str) and instruction:
        data.setdefault("instruction_history", [instruction])
    data["schema_version"] = 1
    return data


MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _migrate_0_to_1}  # version N -> N + 1


def upgrade(data) -> tuple[dict, int]:
    """Bring parsed project.json to SCHEMA_VERSION; returns it and the version it was saved with."""
    if not isinstance(data, dict):
        raise BadProject(f"project.json should hold an object, not {_kind(data)}")
    saved = data.get("schema_version")
    if not _is(saved, int):
        raise BadProject(f"project.json: 'schema_version' should be a whole number, not {_kind(saved)}")
    if saved > SCHEMA_VERSION:
        raise BadProject(f"was saved by a newer Instructor Map (schema {saved}); please update")
    for version in range(saved, SCHEMA_VERSION):
        if version not in MIGRATIONS:
            raise BadProject(f"project.json: unknown schema_version {saved}")
        data = MIGRATIONS[version](data)
    return data, saved


# ---- typed access -------------------------------------------------------------------------------------
def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text" if isinstance(value, str) else "a list" if isinstance(value, list) else "an object"


def _is(value, kind) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float) if kind is float else kind)


def _check(value, kind, where: str):
    if not _is(value, kind):
        raise BadProject(f"project.json: {where} should be {_NAMES[kind]}, not {_kind(value)}")
    return value


def _get(obj: dict, key: str, kind, where: str, default=_MISSING):
    """obj[key] checked to be of `kind`; a field with a default may also be missing or null."""
    value = obj.get(key)
    if value is None and default is not _MISSING:
        return default
    if key not in obj:
        raise BadProject(f"project.json: {where or 'the project'} has no {key!r}")
    return _check(value, kind, f"{where} {key!r}" if where else repr(key))


def _records(items: list, what: str) -> list[tuple[str, dict]]:
    return [(f"{what} {i}", _check(item, dict, f"{what} {i}")) for i, item in enumerate(items, 1)]


def _unique_ids(records: list[tuple[str, dict]], what: str, warn: Warn) -> list[str]:
    """The records' ids in order; an id met before becomes a fresh "id-2" style one."""
    wanted_ids = [_get(item, "id", str, where) for where, item in records]
    reserved, taken, out = set(wanted_ids), set(), []
    for (where, _), wanted in zip(records, wanted_ids):
        if not wanted:
            raise BadProject(f"project.json: {where} has an empty id")
        new, k = wanted, 1
        while new in taken or (new != wanted and new in reserved):
            k += 1
            new = f"{wanted}-{k}"
        if new != wanted:
            warn(f"{what} id {wanted!r} appeared twice; the later one is now {new!r}")
        taken.add(new)
        out.append(new)
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _number(value) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer too long for a float
        return math.inf


# ---- reading ------------------------------------------------------------------------------------------
def build_document(data: dict, warn: Warn) -> MapDocument:
    """The document described by upgraded project.json, without its embeddings."""
    doc = MapDocument(
        model=_get(data, "model", str, "", ""),
        model_kind=_get(data, "model_kind", str, "", ""),
        instruction=_get(data, "instruction", str, "", ""),
    )
    history = _get(data, "instruction_history", list, "", [])
    doc.instruction_history = [_check(s, str, "an entry of 'instruction_history'") for s in history]
    _read_groups(doc, _get(data, "groups", list, "", []), warn)
    _read_notes(doc, _get(data, "notes", list, ""), warn)
    _read_links(doc, _get(data, "links", list, "", []), warn)
    _read_clusters(doc, data, warn)
    views = _get(data, "views", dict, "", {})
    for dims in VIEW_DIMS:
        doc.placements[dims] = _read_view(_get(views, str(dims), dict, "'views'", {}), dims, doc, warn)
    return doc


def _read_groups(doc: MapDocument, items: list, warn: Warn) -> None:
    records = _records(items, "group")
    ids = _unique_ids(records, "group", warn)
    for (where, item), group_id in zip(records, ids):
        doc.groups[group_id] = Group(group_id, _get(item, "name", str, where), _get(item, "color", str, where, ""))


def _read_notes(doc: MapDocument, items: list, warn: Warn) -> None:
    records = _records(items, "note")
    ids = _unique_ids(records, "note", warn)
    lost_group = 0
    for (where, item), note_id in zip(records, ids):
        fields = _plain_note(item)
        if fields is not None and (not fields[2] or fields[2] in doc.groups):  # the common case, checked at once
            doc.notes[note_id] = Note(note_id, *fields)
            continue
        metadata = _get(item, "metadata", dict, where, {})
        for key, value in metadata.items():
            _check(value, str, f"{where} metadata {key!r}")
        group = _get(item, "group", str, where, "")
        if group and group not in doc.groups:
            lost_group, group = lost_group + 1, ""
        doc.notes[note_id] = Note(note_id, _get(item, "text", str, where), _get(item, "title", str, where, ""),
                                  group, _get(item, "color", str, where, ""), dict(metadata))
    if lost_group:
        warn(f"{_count(lost_group, 'note')} named a group that does not exist; now in no group")


def _plain_note(item: dict) -> tuple | None:
    """(text, title, group, colour, metadata) when every field has its plain type; None for a closer look."""
    text, title, group, color, metadata = (item.get(k) for k in ("text", "title", "group", "color", "metadata"))
    title, group, color = ("" if v is None else v for v in (title, group, color))
    metadata = {} if metadata is None else metadata
    if type(text) is str and type(title) is str and type(group) is str and type(color) is str and \
            type(metadata) is dict and all(type(v) is str for v in metadata.values()):
        return text, title, group, color, dict(metadata)
    return None


def _read_links(doc: MapDocument, items: list, warn: Warn) -> None:
    records = _records(items, "link")
    ids = _unique_ids(records, "link", warn)
    dangling = unknown = 0
    for (where, item), link_id in zip(records, ids):
        source, target = _get(item, "source", str, where), _get(item, "target", str, where)
        kind = _get(item, "kind", str, where, "related")
        label = _get(item, "label", str, where, "")
        if source not in doc.notes or target not in doc.notes:
            dangling += 1
            continue
        if kind not in LINK_KINDS:
            unknown, kind = unknown + 1, "related"
        doc.links[link_id] = Link(link_id, source, target, kind, label)
    if dangling:
        warn(f"dropped {_count(dangling, 'link')} to notes that do not exist")
    if unknown:
        warn(f"{_count(unknown, 'link')} of an unknown kind now 'related'")


def _read_clusters(doc: MapDocument, data: dict, warn: Warn) -> None:
    clusters = _get(data, "clusters", dict, "", {})
    for note_id, number in clusters.items():
        _check(number, int, f"the cluster of {note_id!r}")
    doc.clusters = {k: v for k, v in clusters.items() if k in doc.notes}
    if len(doc.clusters) < len(clusters):
        warn(f"dropped the clusters of {_count(len(clusters) - len(doc.clusters), 'note')} that do not exist")
    for key, label in _get(data, "cluster_labels", dict, "", {}).items():
        try:
            number = int(key)
        except ValueError:
            raise BadProject(f"project.json: cluster label key {key!r} should be a whole number") from None
        doc.cluster_labels[number] = _check(label, str, f"the label of cluster {key}")
    renamed = _get(data, "cluster_renamed", list, "", [])
    doc.cluster_renamed = {_check(n, int, "an entry of 'cluster_renamed'") for n in renamed}


def _read_view(raw: dict, dims: int, doc: MapDocument, warn: Warn) -> Placement:
    where = f"view {dims}D"
    view = Placement(dims, basis=_get(raw, "basis", dict, where, None))
    for field in ("positions", "pins"):
        places = _get(raw, field, dict, where, {})
        fast = _read_places_fast(places, dims, doc)
        if fast is not None:
            out, gone, broken = fast
            setattr(view, field, out)
            _warn_dropped(warn, where, field, gone, broken)
            continue
        out, gone, broken = {}, 0, 0
        for note_id, pos in places.items():
            if not isinstance(pos, list) or len(pos) != dims or not all(_is(v, float) for v in pos):
                raise BadProject(f"project.json: {where} {field} of {note_id!r} should be a list of {dims} numbers")
            values = tuple(_number(v) for v in pos)
            if note_id not in doc.notes:
                gone += 1
            elif not all(abs(v) <= MAX_COORD for v in values):  # NaN fails this too
                broken += 1
            else:
                out[note_id] = values
        setattr(view, field, out)
        _warn_dropped(warn, where, field, gone, broken)
    return view


def _read_places_fast(places: dict, dims: int, doc: MapDocument) -> tuple[dict, int, int] | None:
    """The places of a well-formed file (lists of `dims` plain numbers), checked as one array; None sends
    anything else to the per-note check, which names what is wrong."""
    values = list(places.values())
    plain = (float, int)
    if not all(type(p) is list and len(p) == dims for p in values) or not all(
            type(v) in plain for p in values for v in p):
        return None
    try:
        array = np.array(values, dtype=np.float64).reshape(-1, dims)
    except OverflowError:  # an integer too long for a float
        return None
    ids = list(places)
    known = np.fromiter((i in doc.notes for i in ids), dtype=bool, count=len(ids))
    ok = known & (np.abs(array) <= MAX_COORD).all(axis=1)  # NaN fails this too
    rows = np.flatnonzero(ok)
    out = dict(zip([ids[r] for r in rows.tolist()], map(tuple, array[rows].tolist())))
    return out, int((~known).sum()), int((known & ~ok).sum())


def _warn_dropped(warn: Warn, where: str, field: str, gone: int, broken: int) -> None:
    if gone:
        warn(f"{where}: dropped {field} of {_count(gone, 'note')} that do not exist")
    if broken:
        warn(f"{where}: dropped {field} of {_count(broken, 'note')} that were not finite numbers or beyond ±1e30")

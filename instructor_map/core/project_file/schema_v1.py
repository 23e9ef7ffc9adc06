"""project.json, schema 1 (the current one): the document written as JSON and read back from it.

Reading refuses a value of the wrong type with BadProject. Damage that is safe to repair (a repeated id, a link
or a place of a note that is gone, a position that is not a number) is repaired and reported through `warn`.
"""
from __future__ import annotations

import numpy as np

import instructor_map
from instructor_map.core.cache import text_key
from instructor_map.core.document import LINK_KINDS, VIEW_DIMS, Group, Link, MapDocument, Note, Placement
from instructor_map.core.project_file.fields import (
    MAX_COORD,
    BadProject,
    Warn,
    check,
    count,
    get,
    is_a,
    kind_of,
    number,
    records,
    unique_ids,
)

SCHEMA_VERSION = 1


# ---- writing ------------------------------------------------------------------------------------------
def payload(doc: MapDocument) -> tuple[dict, list[tuple[str, np.ndarray]]]:
    """project.json's content, and the arrays it names as (member name, float32 rows)."""
    note_of_hash: dict[str, str] = {}
    for note in doc.notes.values():
        note_of_hash.setdefault(text_key(note.text), note.id)
    index: list[dict] = []
    arrays: list[tuple[str, np.ndarray]] = []
    for model, instruction in doc.embeddings.keys():  # noqa: SIM118 (an EmbeddingCache, not a dict)
        block = doc.embeddings.block(model, instruction)
        if not block:
            continue
        name = f"embeddings/{len(arrays)}.npy"
        rows = [[note_of_hash.get(h, ""), h] for h in block]
        index.append({"model": model, "instruction": instruction, "file": name, "rows": rows})
        arrays.append((name, np.stack(list(block.values())).astype(np.float32, copy=False)))
    data = {
        "schema_version": SCHEMA_VERSION,
        "app": f"instructor-map {instructor_map.__version__}",
        "model": doc.model,
        "model_kind": doc.model_kind,
        "instruction": doc.instruction,
        "instruction_history": list(doc.instruction_history),
        "notes": [{"id": n.id, "text": n.text, "title": n.title, "group": n.group, "color": n.color,
                   "metadata": dict(n.metadata)} for n in doc.notes.values()],
        "links": [_with_extra({"id": ln.id, "source": ln.source, "target": ln.target, "kind": ln.kind,
                               "label": ln.label}, ln.extra) for ln in doc.links.values()],
        "groups": [_with_extra({"id": g.id, "name": g.name, "color": g.color}, g.extra) for g in doc.groups.values()],
        "clusters": dict(doc.clusters),
        "cluster_labels": {str(k): v for k, v in doc.cluster_labels.items()},
        "cluster_renamed": sorted(doc.cluster_renamed),
        "cluster_locked": sorted(doc.cluster_locked),
        "cluster_assigned": dict(doc.cluster_assigned),
        "cluster_count": doc.cluster_count,
        "subclusters": dict(doc.subclusters),
        "subcluster_names": dict(doc.subcluster_names),
        "views": {str(d): {"positions": _finite_places(v.positions), "pins": _finite_places(v.pins),
                           "basis": v.basis} for d, v in doc.placements.items()},
        "embeddings": index,
    }
    if doc.imported_arrangement:  # optional: read as false when missing, and ignored by readers from before it
        data["imported_arrangement"] = True
    return data, arrays


def _with_extra(item: dict, extra: dict) -> dict:
    """A link or group, with what its file said beyond the map's fields (optional: written only when there is
    some, read as empty when missing, and ignored by readers from before it)."""
    return {**item, "extra": extra} if extra else item


def _finite_places(places: dict) -> dict:
    """The places with finite coordinates, as lists of floats (checked as one array)."""
    if not places:
        return {}
    array = np.array(list(places.values()), dtype=np.float64)
    keep = np.isfinite(array).all(axis=1)
    ids = list(places)
    return dict(zip([ids[r] for r in np.flatnonzero(keep).tolist()], array[keep].tolist()))


# ---- reading ------------------------------------------------------------------------------------------
def build_document(data: dict, warn: Warn) -> MapDocument:
    """The document described by upgraded project.json, without its embeddings."""
    doc = MapDocument(
        model=get(data, "model", str, "", ""),
        model_kind=get(data, "model_kind", str, "", ""),
        instruction=get(data, "instruction", str, "", ""),
    )
    history = get(data, "instruction_history", list, "", [])
    doc.instruction_history = [check(s, str, "an entry of 'instruction_history'") for s in history]
    _read_groups(doc, get(data, "groups", list, "", []), warn)
    _read_notes(doc, get(data, "notes", list, ""), warn)
    _read_links(doc, get(data, "links", list, "", []), warn)
    _read_clusters(doc, data, warn)
    views = get(data, "views", dict, "", {})
    for dims in VIEW_DIMS:
        doc.placements[dims] = _read_view(get(views, str(dims), dict, "'views'", {}), dims, doc, warn)
    doc.imported_arrangement = _flag(data, "imported_arrangement")
    return doc


def _flag(data: dict, key: str) -> bool:
    """A true/false field; false when missing or null."""
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadProject(f"project.json: {key!r} should be true or false, not {kind_of(value)}")
    return bool(value)


def embedding_index(entries, members: set[str]) -> list[dict]:
    """The 'embeddings' entries checked, each naming an array member that is in the file."""
    if not isinstance(entries, list):
        raise BadProject("project.json: 'embeddings' should be a list")
    out = []
    for i, entry in enumerate(entries, 1):
        fields = ("model", "instruction", "file")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in fields):
            raise BadProject(f"project.json: embedding block {i} needs text 'model', 'instruction' and 'file'")
        rows = entry.get("rows")
        if not isinstance(rows, list) or not all(
                isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r) for r in rows):
            raise BadProject(f"project.json: embedding block {i} 'rows' should be pairs of [note id, text hash]")
        if entry["file"] not in members:
            raise BadProject(f"project.json: embedding block {i} names {entry['file']!r}, which is not in the file")
        out.append({k: entry[k] for k in fields} | {"rows": rows})
    return out


def put_block(doc: MapDocument, entry: dict, array: np.ndarray, warn: Warn) -> None:
    """The vectors of one 'embeddings' entry into the document; a block that does not fit is left out."""
    name, rows = entry["file"], entry["rows"]
    if array.dtype not in (np.float32, np.float64) or array.ndim != 2 or len(array) != len(rows):
        warn(f"{name}: expected {len(rows)} rows of float vectors, found {array.dtype} {array.shape}; "
             "those embeddings will be computed again")
        return
    if not np.isfinite(array).all():
        warn(f"{name}: holds NaN or infinite values; those embeddings will be computed again")
        return
    block = doc.embeddings.block(entry["model"], entry["instruction"])
    for (_, key), vector in zip(rows, array.astype(np.float32, copy=False)):
        block[key] = vector


def _read_groups(doc: MapDocument, items: list, warn: Warn) -> None:
    found = records(items, "group")
    ids = unique_ids(found, "group", warn)
    for (where, item), group_id in zip(found, ids):
        doc.groups[group_id] = Group(group_id, get(item, "name", str, where), get(item, "color", str, where, ""),
                                     get(item, "extra", dict, where, {}))


def _read_notes(doc: MapDocument, items: list, warn: Warn) -> None:
    found = records(items, "note")
    ids = unique_ids(found, "note", warn)
    lost_group = 0
    for (where, item), note_id in zip(found, ids):
        fields = _plain_note(item)
        if fields is not None and (not fields[2] or fields[2] in doc.groups):  # the common case, checked at once
            doc.notes[note_id] = Note(note_id, *fields)
            continue
        metadata = get(item, "metadata", dict, where, {})
        for key, value in metadata.items():
            check(value, str, f"{where} metadata {key!r}")
        group = get(item, "group", str, where, "")
        if group and group not in doc.groups:
            lost_group, group = lost_group + 1, ""
        doc.notes[note_id] = Note(note_id, get(item, "text", str, where), get(item, "title", str, where, ""),
                                  group, get(item, "color", str, where, ""), dict(metadata))
    if lost_group:
        warn(f"{count(lost_group, 'note')} named a group that does not exist; now in no group")


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
    found = records(items, "link")
    ids = unique_ids(found, "link", warn)
    dangling = unknown = 0
    for (where, item), link_id in zip(found, ids):
        source, target = get(item, "source", str, where), get(item, "target", str, where)
        kind = get(item, "kind", str, where, "related")
        label = get(item, "label", str, where, "")
        extra = get(item, "extra", dict, where, {})
        if source not in doc.notes or target not in doc.notes:
            dangling += 1
            continue
        if kind not in LINK_KINDS:
            unknown, kind = unknown + 1, "related"
        doc.links[link_id] = Link(link_id, source, target, kind, label, extra)
    if dangling:
        warn(f"dropped {count(dangling, 'link')} to notes that do not exist")
    if unknown:
        warn(f"{count(unknown, 'link')} of an unknown kind now 'related'")


def _read_clusters(doc: MapDocument, data: dict, warn: Warn) -> None:
    clusters = get(data, "clusters", dict, "", {})
    for note_id, n in clusters.items():
        check(n, int, f"the cluster of {note_id!r}")
    doc.clusters = {k: v for k, v in clusters.items() if k in doc.notes}
    if len(doc.clusters) < len(clusters):
        warn(f"dropped the clusters of {count(len(clusters) - len(doc.clusters), 'note')} that do not exist")
    for key, label in get(data, "cluster_labels", dict, "", {}).items():
        try:
            cluster = int(key)
        except ValueError:
            raise BadProject(f"project.json: cluster label key {key!r} should be a whole number") from None
        doc.cluster_labels[cluster] = check(label, str, f"the label of cluster {key}")
    renamed = get(data, "cluster_renamed", list, "", [])
    doc.cluster_renamed = {check(n, int, "an entry of 'cluster_renamed'") for n in renamed}
    # hand corrections (optional: files from before them have none)
    locked = get(data, "cluster_locked", list, "", [])
    doc.cluster_locked = {check(n, int, "an entry of 'cluster_locked'") for n in locked}
    assigned = get(data, "cluster_assigned", dict, "", {})
    doc.cluster_assigned = {k: check(n, int, f"the cluster {k!r} was put in") for k, n in assigned.items()
                            if k in doc.notes}
    doc.cluster_count = _cluster_count(data.get("cluster_count", "auto"))
    parts = get(data, "subclusters", dict, "", {})
    doc.subclusters = {k: check(p, int, f"the part of {k!r}") for k, p in parts.items() if k in doc.notes}
    doc.subcluster_names = {k: check(v, str, f"the name of part {k!r}")
                            for k, v in get(data, "subcluster_names", dict, "", {}).items()}


def _cluster_count(value) -> int | str:
    if value in ("auto", "none") or (is_a(value, int) and value >= 1):
        return value
    raise BadProject(f"project.json: 'cluster_count' should be \"auto\", \"none\" or a whole number, not {value!r}")


def _read_view(raw: dict, dims: int, doc: MapDocument, warn: Warn) -> Placement:
    where = f"view {dims}D"
    view = Placement(dims, basis=get(raw, "basis", dict, where, None))
    for field in ("positions", "pins"):
        places = get(raw, field, dict, where, {})
        fast = _read_places_fast(places, dims, doc)
        if fast is not None:
            out, gone, broken = fast
            setattr(view, field, out)
            _warn_dropped(warn, where, field, gone, broken)
            continue
        out, gone, broken = {}, 0, 0
        for note_id, pos in places.items():
            if not isinstance(pos, list) or len(pos) != dims or not all(is_a(v, float) for v in pos):
                raise BadProject(f"project.json: {where} {field} of {note_id!r} should be a list of {dims} numbers")
            values = tuple(number(v) for v in pos)
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
        warn(f"{where}: dropped {field} of {count(gone, 'note')} that do not exist")
    if broken:
        warn(f"{where}: dropped {field} of {count(broken, 'note')} that were not finite numbers or beyond ±1e30")

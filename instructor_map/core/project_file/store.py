"""Saving, loading and summarising a project: the zip container holding the current schema's project.json."""
from __future__ import annotations

import contextlib
import gc
import json
import zipfile

from instructor_map.core.document import MapDocument
from instructor_map.core.project_file import container, schema_v1
from instructor_map.core.project_file.fields import BadProject
from instructor_map.core.project_file.migrations import upgrade

MAX_RECORDS = 500_000  # notes (or links, groups) in one project: five times what a map is made for


@contextlib.contextmanager
def _no_gc():
    """Building or parsing a big project makes millions of objects and no cycles: without this, the garbage
    collector would scan the whole heap again and again on the way (a third of the time at 100,000 notes)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def save_project(doc: MapDocument, path) -> None:
    with _no_gc():
        data, arrays = schema_v1.payload(doc)
        text = json.dumps(data, separators=(",", ":"), default=_plain).encode("ascii")
    container.write_zip(path, text, arrays)


def _plain(value):
    if hasattr(value, "tolist"):  # numpy arrays and scalars inside a view's basis
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a project file")


def load_project(path, warnings: list[str] | None = None) -> MapDocument:
    """Read a project; repairs made on the way are appended to `warnings` as one-line messages."""
    found: list[str] = []
    with container.open_zip(path) as zf, _no_gc():
        data, _ = _read_json(zf)
        doc = schema_v1.build_document(data, found.append)
        for entry in data["embeddings"]:
            array = container.read_array(zf, entry["file"], rows=len(entry["rows"]))
            schema_v1.put_block(doc, entry, array, found.append)
    if warnings is not None:
        warnings.extend(found)
    return doc


def read_summary(path) -> dict:
    """What `instructor-map info` shows, from project.json alone (the arrays are not read)."""
    with container.open_zip(path) as zf, _no_gc():
        data, saved_schema = _read_json(zf)
        app = data.get("app")
        doc = schema_v1.build_document(data, lambda message: None)
    return {
        "schema_version": saved_schema,
        "app": app if isinstance(app, str) else "",
        "model": doc.model,
        "model_kind": doc.model_kind,
        "instruction": doc.instruction,
        "instructions": len(doc.instruction_history),
        "notes": len(doc.notes),
        "links": len(doc.links),
        "groups": len(doc.groups),
        "clusters": len({c for c in doc.clusters.values() if c >= 0}),
        "views": {d: {"placed": len(v.positions.keys() | v.pins.keys()), "pinned": len(v.pins),
                      "basis": v.basis is not None} for d, v in doc.placements.items()},
        "embeddings": [{"model": e["model"], "instruction": e["instruction"], "rows": len(e["rows"])}
                       for e in data["embeddings"]],
    }


def _read_json(zf: zipfile.ZipFile) -> tuple[dict, int]:
    """project.json upgraded to the current schema, and the schema it was saved with; its lists of records counted
    before any record is read."""
    data, saved_schema = upgrade(container.read_project_json(zf))
    for key in ("notes", "links", "groups", "embeddings"):
        found = data.get(key)
        if isinstance(found, list) and len(found) > MAX_RECORDS:
            raise BadProject(f"project.json holds {len(found):,} {key}; a project has at most {MAX_RECORDS:,}")
    data["embeddings"] = schema_v1.embedding_index(data.get("embeddings", []), set(zf.namelist()))
    return data, saved_schema

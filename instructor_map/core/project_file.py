"""The .imap project file: one zip holding project.json and embeddings/N.npy; atomic save and autosave.

Reading checks every member name and declared size before anything is decompressed, never unpickles, and turns
anything wrong into one InputError line. Damage that is safe to repair is repaired and reported as a warning.
"""
from __future__ import annotations

import contextlib
import gc
import glob
import json
import math
import os
import re
import secrets
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np

import instructor_map
from instructor_map.core.cache import text_key
from instructor_map.core.document import MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.project_schema import MIGRATIONS, SCHEMA_VERSION, BadProject, build_document, upgrade

PROJECT_JSON = "project.json"
MAX_JSON_BYTES = 200 * 2**20
MAX_ARRAY_BYTES = 2 * 2**30
MAX_TOTAL_BYTES = 4 * 2**30
MAX_RATIO = 200  # uncompressed / compressed, checked for members over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 2**20
_ARRAY_MEMBER = re.compile(r"embeddings/[A-Za-z0-9_-]+\.npy")

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "atomic_write", "autosave_path", "discard_autosave", "load_project",
           "read_summary", "recovery_for", "save_project", "write_autosave"]


# ---- writing ------------------------------------------------------------------------------------------
def atomic_write(path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write(fh)` on a temporary file beside `path`, fsync it, then move it over `path` in one step."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:  # no such folder, no permission: the user's choice of place
        raise InputError(f"cannot write here ({exc.strerror})", path) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o777)  # overwriting keeps the old file's permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)
    _remove_stale_temps(path)


STALE_TEMP_S = 600  # a temp file this old belongs to a save that was killed, not to one in progress


def _remove_stale_temps(path: Path) -> None:
    """Delete what killed saves of `path` left behind."""
    now = time.time()
    for old in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > STALE_TEMP_S:
                old.unlink()


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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
        payload, arrays = _payload(doc)
        text = json.dumps(payload, separators=(",", ":"), default=_plain).encode("ascii")

    def write(fh: BinaryIO) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr(PROJECT_JSON, text)
            for name, array in arrays:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED  # float vectors hardly compress; storing is 3x faster
                with zf.open(info, "w", force_zip64=array.nbytes > 2**30) as out:
                    np.save(out, array, allow_pickle=False)

    atomic_write(path, write)


def _plain(value):
    if hasattr(value, "tolist"):  # numpy arrays and scalars inside a view's basis
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a project file")


def _finite_places(places: dict) -> dict:
    """The places with finite coordinates, as lists of floats (checked as one array)."""
    if not places:
        return {}
    array = np.array(list(places.values()), dtype=np.float64)
    keep = np.isfinite(array).all(axis=1)
    ids = list(places)
    return dict(zip([ids[r] for r in np.flatnonzero(keep).tolist()], array[keep].tolist()))


def _payload(doc: MapDocument) -> tuple[dict, list[tuple[str, np.ndarray]]]:
    note_of_hash: dict[str, str] = {}
    for note in doc.notes.values():
        note_of_hash.setdefault(text_key(note.text), note.id)
    index, arrays = [], []
    for model, instruction in doc.embeddings.keys():
        block = doc.embeddings.block(model, instruction)
        if not block:
            continue
        name = f"embeddings/{len(arrays)}.npy"
        rows = [[note_of_hash.get(h, ""), h] for h in block]
        index.append({"model": model, "instruction": instruction, "file": name, "rows": rows})
        arrays.append((name, np.stack(list(block.values())).astype(np.float32, copy=False)))
    payload = {
        "schema_version": SCHEMA_VERSION,
        "app": f"instructor-map {instructor_map.__version__}",
        "model": doc.model,
        "model_kind": doc.model_kind,
        "instruction": doc.instruction,
        "instruction_history": list(doc.instruction_history),
        "notes": [{"id": n.id, "text": n.text, "title": n.title, "group": n.group, "color": n.color,
                   "metadata": dict(n.metadata)} for n in doc.notes.values()],
        "links": [{"id": ln.id, "source": ln.source, "target": ln.target, "kind": ln.kind, "label": ln.label}
                  for ln in doc.links.values()],
        "groups": [{"id": g.id, "name": g.name, "color": g.color} for g in doc.groups.values()],
        "clusters": dict(doc.clusters),
        "cluster_labels": {str(k): v for k, v in doc.cluster_labels.items()},
        "cluster_renamed": sorted(doc.cluster_renamed),
        "views": {str(d): {"positions": _finite_places(v.positions), "pins": _finite_places(v.pins),
                           "basis": v.basis} for d, v in doc.placements.items()},
        "embeddings": index,
    }
    return payload, arrays


# ---- reading ------------------------------------------------------------------------------------------
def load_project(path, warnings: list[str] | None = None) -> MapDocument:
    """Read a project; repairs made on the way are appended to `warnings` as one-line messages."""
    found: list[str] = []
    with _project_zip(path) as zf, _no_gc():
        data, _ = _read_json(zf)
        doc = build_document(data, found.append)
        for entry in data["embeddings"]:
            _load_block(zf, entry, doc, found.append)
    if warnings is not None:
        warnings.extend(found)
    return doc


def read_summary(path) -> dict:
    """What `instructor-map info` shows, from project.json alone (the arrays are not read)."""
    with _project_zip(path) as zf:
        data, saved_schema = _read_json(zf)
        app = data.get("app")
        doc = build_document(data, lambda message: None)
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


@contextlib.contextmanager
def _project_zip(path):
    """Open the zip, check its members, and turn every failure while reading into an InputError."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot be read", path) from None
    except (zipfile.BadZipFile, EOFError, ValueError, struct.error):
        raise InputError(_not_zip_reason(path), path) from None
    except NotImplementedError as exc:  # zipfile's word for a feature it does not read
        raise InputError(f"the project file is damaged or uses an unsupported zip feature ({exc})", path) from None
    try:
        with zf:
            _check_members(zf)
            yield zf
    except BadProject as exc:
        raise InputError(str(exc), path) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as exc:
        raise InputError(f"the project file is damaged ({exc})", path) from None
    except NotImplementedError as exc:
        raise InputError(f"the project file is damaged or uses an unsupported zip feature ({exc})", path) from None
    except MemoryError:
        raise InputError("too large to load", path) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot be read", path) from None


def _not_zip_reason(path) -> str:
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        if fh.read(2) == b"PK":
            return "the project file is damaged or incomplete (broken zip file)"
    return "not an Instructor Map project (not a zip file)"


def _check_members(zf: zipfile.ZipFile) -> None:
    names, total = set(), 0
    for info in zf.infolist():
        name = info.filename
        if name == "embeddings/":
            continue
        if name != PROJECT_JSON and not _ARRAY_MEMBER.fullmatch(name):
            raise BadProject(f"unexpected member {name!r} in the project file")
        if name in names:
            raise BadProject(f"member {name!r} appears twice in the project file")
        names.add(name)
        if info.flag_bits & 0x1:
            raise BadProject(f"member {name!r} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BadProject(f"member {name!r} uses a compression method Instructor Map does not read")
        limit = MAX_JSON_BYTES if name == PROJECT_JSON else MAX_ARRAY_BYTES
        if info.file_size > limit:
            raise BadProject(f"member {name!r} is too large ({info.file_size} bytes)")
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            raise BadProject(f"member {name!r} is compressed suspiciously well (a zip bomb?)")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BadProject(f"the project file unpacks to too much data ({total} bytes)")
    if PROJECT_JSON not in names:
        raise BadProject("not an Instructor Map project (no project.json inside)")


def _read_json(zf: zipfile.ZipFile) -> tuple[dict, int]:
    """project.json upgraded to the current schema, and the schema it was saved with."""
    try:
        data = json.loads(_read_member(zf, PROJECT_JSON))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadProject(f"project.json is not valid JSON ({str(exc).splitlines()[0]})") from None
    data, saved_schema = upgrade(data)
    data["embeddings"] = _embedding_index(data.get("embeddings", []), set(zf.namelist()))
    return data, saved_schema


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, inflated a piece at a time: a member that understates its size stops at that size
    (and fails its CRC check) instead of inflating in full."""
    out = bytearray()
    with zf.open(name) as fh:
        while chunk := fh.read(2**20):
            out += chunk
    return bytes(out)


def _embedding_index(entries, members: set[str]) -> list[dict]:
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


def _load_block(zf: zipfile.ZipFile, entry: dict, doc: MapDocument, warn: Callable[[str], None]) -> None:
    name = entry["file"]
    try:
        with zf.open(name) as fh:
            if fh.read(6) != b"\x93NUMPY":
                raise BadProject(f"{name} is not a valid array file (.npy)")
            fh.seek(0)
            _check_array_header(fh, zf.getinfo(name).file_size, name)
            fh.seek(0)
            array = np.load(fh, allow_pickle=False)
    except ValueError:
        raise BadProject(f"{name} is not a valid array file (.npy)") from None
    rows = entry["rows"]
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


def _check_array_header(fh: BinaryIO, size: int, name: str) -> None:
    """Refuse an array whose header promises other than the data the member holds, before numpy allocates it."""
    readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
    reader = readers.get(np.lib.format.read_magic(fh))
    if reader is None:
        raise BadProject(f"{name} is not a valid array file (.npy)")
    shape, _, dtype = reader(fh)
    if dtype.hasobject:
        raise BadProject(f"{name} holds Python objects (pickled data), which are never loaded")
    if math.prod(shape) * dtype.itemsize != size - fh.tell():
        raise BadProject(f"{name} is damaged (its header does not match its data)")


# ---- autosave -----------------------------------------------------------------------------------------
def autosave_path(path) -> Path:
    """The hidden side file beside `path`: trip.imap -> .trip.imap.autosave."""
    path = Path(path)
    return path.with_name(f".{path.name}.autosave")


def write_autosave(doc: MapDocument, path) -> Path:
    target = autosave_path(path)
    save_project(doc, target)
    return target


def recovery_for(path) -> Path | None:
    """The autosave of `path` when it is worth offering: it exists and is newer than the saved file."""
    path, side = Path(path), autosave_path(path)
    if not side.is_file():
        return None
    if not path.exists() or side.stat().st_mtime > path.stat().st_mtime:
        return side
    return None


def discard_autosave(path) -> None:
    autosave_path(path).unlink(missing_ok=True)


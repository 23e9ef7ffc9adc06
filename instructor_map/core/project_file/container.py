"""The .imap zip: project.json and embeddings/N.npy members, checked by name and declared size before anything is
inflated; arrays are never unpickled, and every failure while reading becomes one InputError line.

Bounds, so that a damaged or hostile file fails in seconds instead of filling the memory: the file is a regular file
(or standard input) of at most MAX_PROJECT_BYTES; it has at most MAX_MEMBERS members, counted before zipfile lists
them; project.json is measured (bounded.json_values) before it is parsed; an array is read only when its header
shows the block of vectors its index entry describes."""
from __future__ import annotations

import contextlib
import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO

import numpy as np

from instructor_map.core.bounded import json_values, open_input
from instructor_map.core.errors import InputError
from instructor_map.core.project_file.atomic import atomic_write
from instructor_map.core.project_file.fields import BadProject

PROJECT_JSON = "project.json"
MAX_PROJECT_BYTES = 640 * 2**20  # 100,000 notes with two blocks of 768-d vectors (one block: 302 MiB)
MAX_MEMBERS = 10_000  # project.json and one array per (model, task)
MAX_JSON_BYTES = 200 * 2**20
MAX_JSON_VALUES = 8_000_000  # 100,000 notes as saved take 2.8 M; 8 M parse in about 5 s at worst (unique keys)
MAX_ARRAY_BYTES = 2 * 2**30
MAX_TOTAL_BYTES = 4 * 2**30
MAX_RATIO = 200  # uncompressed / compressed, checked for members over RATIO_MIN_BYTES
MAX_ARRAY_RATIO = 4  # float vectors hardly compress (about 1.1); arrays are stored uncompressed
RATIO_MIN_BYTES = 2**20
_ARRAY_MEMBER = re.compile(r"embeddings/[A-Za-z0-9_-]+\.npy")


# ---- writing ------------------------------------------------------------------------------------------
def write_zip(path, project_json: bytes, arrays: list[tuple[str, np.ndarray]]) -> None:
    """Save the members atomically: project.json deflated, the arrays stored as .npy."""

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr(PROJECT_JSON, project_json)
            for name, array in arrays:
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED  # float vectors hardly compress; storing is 3x faster
                with zf.open(info, "w", force_zip64=array.nbytes > 2**30) as out:
                    np.save(out, array, allow_pickle=False)

    atomic_write(path, write)


# ---- reading ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def open_zip(path) -> Iterator[zipfile.ZipFile]:
    """Open the zip, check its members, and turn every failure while reading into an InputError."""
    with open_input(path, MAX_PROJECT_BYTES, "projects", missing="file not found") as fh:
        try:
            _check_member_count(fh)
            zf = zipfile.ZipFile(fh)
        except BadProject as exc:
            raise InputError(str(exc), path) from None
        except OSError as exc:
            raise InputError(exc.strerror or "cannot be read", path) from None
        except (zipfile.BadZipFile, EOFError, ValueError, struct.error):
            raise InputError(_not_zip_reason(fh), path) from None
        except NotImplementedError as exc:  # zipfile's word for a feature it does not read
            raise InputError(f"the project file is damaged or uses an unsupported zip feature ({exc})", path) from None
        except MemoryError:
            raise InputError("too large to load (out of memory)", path) from None
        try:
            with zf:
                _check_members(zf)
                yield zf
        except BadProject as exc:
            raise InputError(str(exc), path) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as exc:
            raise InputError(f"the project file is damaged ({exc})", path) from None
        except NotImplementedError as exc:
            raise InputError(f"the project file is damaged or uses an unsupported zip feature ({exc})",
                             path) from None
        except MemoryError:
            raise InputError("too large to load (out of memory)", path) from None
        except OSError as exc:
            raise InputError(exc.strerror or "cannot be read", path) from None


def _not_zip_reason(fh) -> str:
    with contextlib.suppress(OSError, ValueError):
        fh.seek(0)
        if fh.read(2) == b"PK":
            return "the project file is damaged or incomplete (broken zip file)"
    return "not an Instructor Map project (not a zip file)"


def _check_member_count(fh) -> None:
    """Refuse a zip with more members than a project has before zipfile makes an object for each of them."""
    try:
        end = zipfile._EndRecData(fh)  # type: ignore[attr-defined]  # the end record zipfile itself reads
        members = end[zipfile._ECD_ENTRIES_TOTAL] if end else 0  # type: ignore[attr-defined]
    except AttributeError:  # a Python whose zipfile has other internals: zipfile's own checks remain
        return
    finally:
        fh.seek(0)
    if members > MAX_MEMBERS:
        raise BadProject(f"the project file has {members:,} members; a project has at most {MAX_MEMBERS:,}")


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
        ratio = MAX_RATIO if name == PROJECT_JSON else MAX_ARRAY_RATIO
        if info.file_size > RATIO_MIN_BYTES and info.file_size > ratio * info.compress_size:
            raise BadProject(f"member {name!r} is compressed suspiciously well (a zip bomb?)")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise BadProject(f"the project file unpacks to too much data ({total} bytes)")
    if PROJECT_JSON not in names:
        raise BadProject("not an Instructor Map project (no project.json inside)")


def read_project_json(zf: zipfile.ZipFile):
    """project.json parsed, as saved (not yet upgraded); measured first, so that a file of millions of tiny values
    is refused before the parser spends seconds and gigabytes on it."""
    data = _read_member(zf, PROJECT_JSON)
    values = json_values(data, MAX_JSON_VALUES)
    if values > MAX_JSON_VALUES:
        raise BadProject(f"project.json holds too many values ({values:,}; a project has at most "
                         f"{MAX_JSON_VALUES:,})")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadProject(f"project.json is not valid JSON ({str(exc).splitlines()[0]})") from None


def _read_member(zf: zipfile.ZipFile, name: str) -> bytearray:
    """A member's bytes, inflated a piece at a time: a member that understates its size stops at that size
    (and fails its CRC check) instead of inflating in full."""
    out = bytearray()
    with zf.open(name) as fh:
        while chunk := fh.read(2**20):
            out += chunk
    return out


def read_array(zf: zipfile.ZipFile, name: str, rows: int | None = None) -> np.ndarray:
    """An .npy member, its header checked against its size before numpy allocates it. With `rows`, an array
    whose header shows it is not `rows` float vectors is not read: what comes back has the header's shape and
    dtype but no data of its own, for the caller to refuse with a message."""
    try:
        with zf.open(name) as fh:
            if fh.read(6) != b"\x93NUMPY":
                raise BadProject(f"{name} is not a valid array file (.npy)")
            fh.seek(0)
            shape, dtype = _check_array_header(fh, zf.getinfo(name).file_size, name)
            if rows is not None and not _vectors(shape, dtype, rows):  # NaN: no stand-in can pass as vectors
                return np.broadcast_to(np.full((), np.nan if dtype.kind in "fc" else 0, dtype), shape)
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
    except ValueError:
        raise BadProject(f"{name} is not a valid array file (.npy)") from None


def _vectors(shape: tuple, dtype: np.dtype, rows: int) -> bool:
    return len(shape) == 2 and shape[0] == rows and dtype in (np.float32, np.float64)


def _check_array_header(fh: IO[bytes], size: int, name: str) -> tuple[tuple, np.dtype]:
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
    return shape, dtype

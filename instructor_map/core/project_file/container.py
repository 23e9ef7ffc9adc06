"""The .imap zip: project.json and embeddings/N.npy members, checked by name and declared size before anything is
inflated; arrays are never unpickled, and every failure while reading becomes one InputError line."""
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

from instructor_map.core.errors import InputError
from instructor_map.core.project_file.atomic import atomic_write
from instructor_map.core.project_file.fields import BadProject

PROJECT_JSON = "project.json"
MAX_JSON_BYTES = 200 * 2**20
MAX_ARRAY_BYTES = 2 * 2**30
MAX_TOTAL_BYTES = 4 * 2**30
MAX_RATIO = 200  # uncompressed / compressed, checked for members over RATIO_MIN_BYTES
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


def read_project_json(zf: zipfile.ZipFile):
    """project.json parsed, as saved (not yet upgraded)."""
    try:
        return json.loads(_read_member(zf, PROJECT_JSON))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadProject(f"project.json is not valid JSON ({str(exc).splitlines()[0]})") from None


def _read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, inflated a piece at a time: a member that understates its size stops at that size
    (and fails its CRC check) instead of inflating in full."""
    out = bytearray()
    with zf.open(name) as fh:
        while chunk := fh.read(2**20):
            out += chunk
    return bytes(out)


def read_array(zf: zipfile.ZipFile, name: str) -> np.ndarray:
    """An .npy member, its header checked against its size before numpy allocates it."""
    try:
        with zf.open(name) as fh:
            if fh.read(6) != b"\x93NUMPY":
                raise BadProject(f"{name} is not a valid array file (.npy)")
            fh.seek(0)
            _check_array_header(fh, zf.getinfo(name).file_size, name)
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
    except ValueError:
        raise BadProject(f"{name} is not a valid array file (.npy)") from None


def _check_array_header(fh: IO[bytes], size: int, name: str) -> None:
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

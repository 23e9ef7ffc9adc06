"""A file's bytes as text: a regular file (or standard input) within a size limit, byte order marks, UTF-8 with a
Windows-1252 fallback, binary refused."""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from instructor_map.core.bounded import read_input
from instructor_map.core.errors import InputError
from instructor_map.core.importers.parsed import count

MAX_FILE_BYTES = 100 * 2**20  # what loads, or fails with one line, in seconds and well under 2 GB
MAX_LINES = 10_000_000  # over this, a file's lines average under 10 bytes: read a line at a time, it takes long

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
_BINARY = "looks like a binary file, not text"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # control characters other than whitespace


def read_text(path: Path) -> tuple[str, list[str]]:
    """The text of the file at `path` and warnings about how it was decoded."""
    return decode(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or standard input's for "-": a regular file within MAX_FILE_BYTES, checked first."""
    return read_input(path, MAX_FILE_BYTES, "notes files")


def decode(data: bytes, path: Path) -> tuple[str, list[str]]:
    warnings = []
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(f"starts with a {name} byte order mark but is not valid {name}", path) from None
            break
    else:
        if b"\x00" in data:
            raise InputError(_BINARY, path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text, warning = _not_utf8(data)
            warnings.append(warning)
    sample = text[:1_000_000]
    if "\x00" in text or len(_CONTROL.findall(sample)) > len(sample) / 20:
        raise InputError(_BINARY, path)
    lines = (text.count("\n") or text.count("\r")) if len(text) > MAX_LINES else 0  # CR alone: classic Mac OS
    if lines > MAX_LINES:
        raise InputError(f"has {lines:,} lines, more than the {MAX_LINES:,} a notes file may have", path)
    return text, warnings


_CP1252 = {b: bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256)}  # 5 undefined: as Latin-1


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """A decoding error handler: bytes that are not UTF-8 are read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):  # registered for decoding only
        raise error
    return "".join(_CP1252[b] for b in error.object[error.start:error.end]), error.end


codecs.register_error("instructor-map-cp1252", _cp1252_bytes)


def _not_utf8(data: bytes) -> tuple[str, str]:
    """Mostly UTF-8 with a few stray bytes keeps its UTF-8 text and reads the strays as Windows-1252;
    anything else is read as Windows-1252 (Latin-1 where that leaves a byte undefined)."""
    lossy = data.decode("utf-8", "replace")
    stray = lossy.count("\ufffd") - data.count("\ufffd".encode())
    valid_wide = len(lossy) - len(lossy.encode("ascii", "ignore")) - lossy.count("\ufffd")
    if valid_wide > stray:  # Windows-1252 text hardly ever holds valid UTF-8 sequences; UTF-8 text does
        return (data.decode("utf-8", "instructor-map-cp1252"),
                f"the file is not all UTF-8; {count(stray, 'stray byte')} read as Windows-1252 (Latin-1)")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, "the file is not UTF-8; it was read as Windows-1252 (Latin-1)"

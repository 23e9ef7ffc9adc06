"""Reading the user's files within bounds: regular files only (or standard input for "-"), sizes checked before
anything is read, JSON measured before it is parsed. Every refusal is one InputError line naming the file.

A FIFO, a device or a socket is refused from os.stat before it is opened, and the file is opened with O_NONBLOCK
and checked again, so a FIFO put there in between cannot block either."""
from __future__ import annotations

import io
import os
import stat
import sys
from typing import BinaryIO

import numpy as np

from instructor_map.core.errors import InputError

STDIN = "-"
_CHUNK = 2**20


def megabytes(n: int) -> str:
    if n < 2**20:
        return f"{n:,} bytes"
    return f"{n // 2**20:,} MB" if n % 2**20 == 0 else f"{n / 2**20:,.1f} MB"


def not_regular(mode: int) -> str | None:
    """Why a file of this st_mode is not read or written as a file, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    return "is not a regular file"


def open_input(path, limit: int, what: str, missing: str = "no such file") -> BinaryIO:
    """The file at `path` opened for reading, once it is known to be a regular file of at most `limit` bytes
    (`what` names the kind of file in the message, e.g. "notes files"; `missing` is the message when there is
    no such file); "-" is standard input, read up to the limit into memory."""
    if str(path) == STDIN:
        return io.BytesIO(_read_stdin(limit, what))
    try:
        _refuse(os.stat(path).st_mode, path)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(missing, path) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None
    try:
        info = os.fstat(fd)
        _refuse(info.st_mode, path)  # replaced between the stat and the open
        if info.st_size > limit:
            raise InputError(f"is {megabytes(info.st_size)}, too large: the limit for {what} is {megabytes(limit)}",
                             path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path, limit: int, what: str) -> bytes:
    """All the bytes of the regular file at `path` (or of standard input for "-"), at most `limit` of them."""
    with open_input(path, limit, what) as fh:
        if isinstance(fh, io.BytesIO):
            return fh.getvalue()
        try:
            size = os.fstat(fh.fileno()).st_size
            data = fh.read(size)
            more = fh.read(1)  # the file grew since it was measured
            if more:
                data += more + _read_up_to(fh, limit - len(data) - 1)
        except MemoryError:
            raise InputError("is too large to read into memory", path) from None
        except OSError as exc:
            raise InputError(f"cannot be read ({exc.strerror or exc})", path) from None
    if len(data) > limit:
        raise InputError(f"is too large: the limit for {what} is {megabytes(limit)}", path)
    return data


def _refuse(mode: int, path) -> None:
    reason = not_regular(mode)
    if reason is not None:
        raise InputError(reason, path)


def _read_up_to(fh, limit: int) -> bytes:
    """At most limit + 1 bytes, read a piece at a time (one more than the limit tells that there was more)."""
    out = bytearray()
    while len(out) <= limit and (chunk := fh.read(min(_CHUNK, limit + 1 - len(out)))):
        out += chunk
    return bytes(out)


def _read_stdin(limit: int, what: str) -> bytes:
    try:
        data = _read_up_to(sys.stdin.buffer, limit)
    except MemoryError:
        raise InputError("is too large to read into memory", "standard input") from None
    except (OSError, AttributeError, ValueError) as exc:  # closed, or replaced by an object without a buffer
        raise InputError(f"cannot be read ({getattr(exc, 'strerror', None) or exc})", "standard input") from None
    if len(data) > limit:
        raise InputError(f"is too large: the limit for {what} is {megabytes(limit)}", "standard input")
    return data


def json_values(data: str | bytes | bytearray, limit: int) -> int:
    """An upper bound on how many values (numbers, strings, lists, objects, keys) parsing `data` as JSON makes,
    found without parsing it: what the parser's time and memory grow with. Counted fast over the whole text;
    only when that passes `limit` is it counted again outside strings (commas inside notes do not count)."""
    found = _marks(data)
    if found <= limit:
        return found
    return _marks_outside_strings(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)


def _marks(data: str | bytes | bytearray) -> int:
    if isinstance(data, str):
        return data.count(",") + data.count(":") + data.count("[") + data.count("{") + 1
    return data.count(b",") + data.count(b":") + data.count(b"[") + data.count(b"{") + 1


def _marks_outside_strings(data: bytes | bytearray) -> int:
    """The marks outside strings, counted with numpy a slice at a time (a string's quotes are told by the parity
    of the quotes before them), so that memory stays small for millions of strings."""
    if b"\\" in data:  # escaped characters: an escaped backslash pairs off first, then an escaped quote goes
        data = bytes(data).replace(b"\\\\", b"").replace(b'\\"', b"")
    view = np.frombuffer(data, np.uint8)
    total, inside = 0, 0
    for start in range(0, len(view), _CHUNK * 16):
        piece = view[start:start + _CHUNK * 16]
        quotes = piece == ord('"')
        outside = (np.cumsum(quotes, dtype=np.uint8) + inside) % 2 == 0  # uint8 wraps at 256: parity is kept
        marks = (piece == ord(",")) | (piece == ord(":")) | (piece == ord("[")) | (piece == ord("{"))
        total += int(np.count_nonzero(marks & outside))
        inside = (inside + int(np.count_nonzero(quotes))) % 2
    return total + 1

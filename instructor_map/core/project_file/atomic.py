"""Writing a file in one step: a temporary file beside it, fsync, then os.replace over the old one.

Only regular files are written: a symlink is written through (the temporary file goes beside its target, which is
replaced, so the link stays), a folder, FIFO, device or socket is refused, and "-" is standard output. A failed
write (a full disk) removes the temporary file, leaves the earlier file as it was, and says so in one line that
names the user's path, never the temporary one."""
from __future__ import annotations

import contextlib
import errno
import glob
import os
import secrets
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from instructor_map.core.bounded import STDIN, not_regular
from instructor_map.core.errors import InputError, OutputError

STALE_TEMP_S = 600  # a temp file this old belongs to a save that was killed, not to one in progress
_NAME_KEPT = 200  # characters of the file name kept in its temp file's name, which must stay under 255
_NO_ROOM = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
            errno.EFBIG: "the file is too large for this disk"}


def atomic_write(path, write: Callable[[BinaryIO], None]) -> None:
    """Call `write(fh)` on a temporary file beside `path` (beside its target when `path` is a symlink), fsync it,
    then move it over the file in one step. "-" writes to standard output."""
    if str(path) == STDIN:
        _write_stdout(write)
        return
    target = output_target(path)
    tmp = target.with_name(f".{target.name[:_NAME_KEPT]}.{secrets.token_hex(4)}.tmp")
    fd = _create(tmp, path)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        _keep_mode_and_owner(tmp, target)
        os.replace(tmp, target)
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(_failed(exc, target), path, exc.errno) from None
    except BaseException:
        _unlink(tmp)
        raise
    _fsync_folder(target.parent)
    _remove_stale_temps(target)


def check_writable(path) -> None:
    """Refuse, before any long work, an output that atomic_write would refuse: a folder, FIFO, device or socket,
    a folder that does not exist, or one where no file can be created (permissions, a read-only disk)."""
    if str(path) == STDIN:
        return
    target = output_target(path)
    probe = target.with_name(f".{target.name[:_NAME_KEPT]}.{secrets.token_hex(4)}.tmp")
    os.close(_create(probe, path))
    _unlink(probe)


def output_target(path) -> Path:
    """The file that writing `path` replaces: `path`, or where its symlinks lead; refused when it is not a
    regular file (os.stat follows the links, so /dev/stdout is seen as the pipe or terminal it is)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:  # a new file, or a link to one
        mode = None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError("is a symbolic link that leads nowhere (a loop)", path) from None
        raise InputError(f"cannot be written ({exc.strerror or exc})", path) from None
    reason = None if mode is None else not_regular(mode)
    if reason is not None:
        hint = "; choose a file name inside it" if stat.S_ISDIR(mode or 0) else \
            "; Instructor Map writes only regular files (-o - writes to standard output)"
        raise InputError(f"{reason}{hint}", path)
    return Path(os.path.realpath(path))


def _create(tmp: Path, path) -> int:
    try:
        return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except FileNotFoundError:
        raise OutputError("cannot write here: the folder does not exist", path, errno.ENOENT) from None
    except OSError as exc:  # no permission, a read-only disk: the user's choice of place
        raise OutputError(f"cannot write here ({exc.strerror or exc})", path, exc.errno) from None


def _failed(exc: OSError, target: Path) -> str:
    """What went wrong, that the earlier file is kept, and what to do."""
    kept = "the earlier file is unchanged" if target.exists() else "nothing was written"
    if exc.errno in _NO_ROOM:
        return f"could not be saved: {_NO_ROOM[exc.errno]} ({kept}); free some space, or save somewhere else"
    return f"could not be saved ({exc.strerror or exc}; {kept})"


def _keep_mode_and_owner(tmp: Path, target: Path) -> None:
    """Overwriting keeps the old file's permissions, and its owner where this process may set it (root)."""
    with contextlib.suppress(OSError):
        old = target.stat()
        os.chmod(tmp, old.st_mode & 0o777)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            os.chown(tmp, old.st_uid, old.st_gid)


def _write_stdout(write: Callable[[BinaryIO], None]) -> None:
    try:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or exc})", "standard output", exc.errno) from None


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _remove_stale_temps(path: Path) -> None:
    """Delete what killed saves of `path` left behind."""
    now = time.time()
    for old in path.parent.glob(f".{glob.escape(path.name[:_NAME_KEPT])}.*.tmp"):
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

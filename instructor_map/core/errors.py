"""The error type that means "the user's input is wrong", with a clear one-line message, and its kind for outputs."""
from __future__ import annotations

import re

# characters that break a message's line or hide what follows: C0/C1 controls, line and paragraph separators,
# and the bidirectional overrides that can make a file name read backwards
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """`text` on one line: a newline shows as \\n, other control characters as \\xNN or \\uNNNN."""
    return _UNPRINTABLE.sub(_escape, str(text))


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


class InputError(Exception):
    """Bad input from the user: a file, a folder, a value. The message is shown as it is, on one line."""

    def __init__(self, message: str, path: object = None):
        self.path = None if path is None else str(path)
        super().__init__(printable(f"{self.path}: {message}" if self.path else message))


class OutputError(InputError, OSError):
    """A file that could not be written (a full disk, no permission): the message names the user's path and
    what to do; also an OSError, with the errno of the failure, for code that catches those."""

    def __init__(self, message: str, path: object = None, errno: int | None = None):
        super().__init__(message, path)
        self.errno = errno

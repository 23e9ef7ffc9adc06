"""Notes as a file states them (its own ids, groups by name), and the value helpers every parser shares."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from instructor_map.core.document import Group, Link
from instructor_map.core.errors import InputError

MAX_NOTES = 200_000  # notes one import takes: twice what a map is made for, read within seconds
MAX_EMPTY_LEAD = 10_000  # records without text a file may hold beyond those with text before it is refused
MAX_FIELDS = 1_000  # fields (CSV columns, JSON keys) of one note: beyond this it is not a note


class TooManyNotes(InputError):
    """A file with more notes than one import takes, or with far more empty records than notes."""


class NoteList(list):
    """The notes a parser finds, bounded as they come: past MAX_NOTES, or when the empty ones outnumber those
    with text by MAX_EMPTY_LEAD, the parse stops at once (a file of ten million empty records fails in a second,
    not after a minute and gigabytes)."""

    empty = 0

    def append(self, raw: RawNote) -> None:
        if not raw.text or raw.text.isspace():
            self.empty += 1
            with_text = len(self) + 1 - self.empty
            if self.empty - with_text > MAX_EMPTY_LEAD:
                raise TooManyNotes(f"holds {self.empty:,} empty notes and only {with_text:,} with text; "
                                   "nothing was imported")
        if len(self) >= MAX_NOTES:
            raise TooManyNotes(f"holds more than {MAX_NOTES:,} notes, the most one import takes; split it")
        super().append(raw)


@dataclass
class RawNote:
    """A note as the file states it: ids are the file's own, the group is a name."""

    text: str
    id: str = ""
    title: str = ""
    group: str = ""
    color: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    place: tuple[float, float] | None = None


@dataclass
class Parsed:
    notes: list[RawNote] = field(default_factory=NoteList)
    links: list[Link] = field(default_factory=list)  # with the file's own note ids
    groups: list[Group] = field(default_factory=list)  # groups the file defines (canvas), with the file's ids
    warnings: list[str] = field(default_factory=list)


def record(fields: dict, text_key, where: str, source: str) -> RawNote:
    """One note from a CSV row or a JSON object: id, title, group, color and a metadata object are understood;
    other fields become metadata."""
    if len(fields) > MAX_FIELDS:
        raise InputError(f"{where + ' has' if where else 'has notes with'} {len(fields):,} fields; a note has at "
                         f"most {MAX_FIELDS:,}", source)
    value = fields[text_key]
    if isinstance(value, (dict, list)):
        raise InputError(f'{where}: "{text_key}" is {kind_of(value)}, not text', source)
    raw = RawNote(as_text(value))
    for key, value in fields.items():
        if key == text_key:
            continue
        name = as_text(key).strip()
        if name.lower() in ("id", "title", "group"):
            setattr(raw, name.lower(), as_text(value).strip())
        elif name.lower() in ("color", "colour"):
            raw.color = as_text(value)
        elif name.lower() == "metadata" and isinstance(value, dict):  # as the JSON export writes it
            raw.metadata.update({as_text(k): as_text(v) for k, v in value.items()})
        else:
            raw.metadata[name] = as_text(value)
    return raw


def _float_text(value: float) -> str:
    return float.__repr__(value) if math.isfinite(value) else json.dumps(value)


_SCALARS = {int: int.__repr__, float: _float_text, bool: lambda value: "true" if value else "false"}


def as_text(value) -> str:
    """Any JSON value as text; lone surrogates from JSON escapes become "?" so the text is valid Unicode."""
    if value is None:
        return ""
    if type(value) in _SCALARS:  # what json.dumps writes, without its cost per call (a third of a big import)
        return _SCALARS[type(value)](value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def find_key(item: dict, wanted: str):
    """The key of `item` that is `wanted` up to case and surrounding spaces, or None."""
    wanted = wanted.strip().lower()
    return next((k for k in item if isinstance(k, str) and k.strip().lower() == wanted), None)


def kind_of(value) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""File ids -> document ids: imported notes, links and groups get ids unique in the document, links follow."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from instructor_map.core.document import LINK_KINDS, Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.importers.canvas import CANVAS_COLORS
from instructor_map.core.importers.parsed import Parsed, count

_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


@dataclass
class ImportResult:
    notes: list[Note]
    links: list[Link] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)  # new groups to add to the document
    places: dict[int, dict[str, tuple[float, ...]]] = field(default_factory=dict)  # e.g. {2: {note_id: (x, y)}}
    warnings: list[str] = field(default_factory=list)


class _Ids:
    """Keeps a file's ids where they are free; hands out fresh ones that collide with nothing."""

    def __init__(self, doc: MapDocument | None, reserved: set[str]):
        self.in_doc = set(doc.notes) | set(doc.links) | set(doc.groups) if doc else set()
        self.taken, self.reserved = set(self.in_doc), reserved
        self.numbers: Counter[str] = Counter()
        self.duplicates = self.replaced = 0

    def claim(self, wanted: str, prefix: str) -> str:
        if wanted and wanted not in self.taken:
            self.taken.add(wanted)
            return wanted
        if wanted in self.in_doc:
            self.replaced += 1
        elif wanted:
            self.duplicates += 1
        while True:
            self.numbers[prefix] += 1
            candidate = f"{prefix}{self.numbers[prefix]}"
            if candidate not in self.taken and candidate not in self.reserved:
                self.taken.add(candidate)
                return candidate


def hex_color(value: str) -> str | None:
    """'#rrggbb' for a canvas preset or a hex colour, "" for none, None when it is not a colour."""
    value = value.strip()
    if not value or value in CANVAS_COLORS:
        return CANVAS_COLORS.get(value, "")
    if not _HEX.fullmatch(value):
        return None
    return ("#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value).lower()


def build(parsed: Parsed, doc: MapDocument | None, source: str) -> ImportResult:
    """The notes, links and groups to add to `doc` (or to a new document), with warnings for what changed."""
    file_ids = [x.id for x in parsed.notes] + [x.id for x in parsed.links] + [x.id for x in parsed.groups]
    reserved = {i for i in file_ids if i}
    ids, result = _Ids(doc, reserved), ImportResult(notes=[], warnings=list(parsed.warnings))
    defined = {g.name: g for g in reversed(parsed.groups)}  # the first group of a name wins
    group_ids: dict[str, str] = {}
    note_ids: dict[str, str] = {}
    bad_colors = empty = 0

    def color(value: str) -> str:
        nonlocal bad_colors
        normal = hex_color(value)
        bad_colors += normal is None
        return normal or ""

    def group_id(name: str) -> str:
        if name and name not in group_ids:
            existing = doc.group_by_name(name) if doc else None
            if existing is None:
                spec = defined.get(name, Group("", name))
                existing = Group(ids.claim(spec.id, "g"), name, color(spec.color))
                result.groups.append(existing)
            group_ids[name] = existing.id
        return group_ids.get(name, "")

    for raw in parsed.notes:
        text = raw.text.replace("\r\n", "\n").strip()  # JSON may carry "\r\n" escapes; a lone "\r" stays
        if not text:
            empty += 1
            continue
        note = Note(ids.claim(raw.id, "n"), text, raw.title, group_id(raw.group), color(raw.color), raw.metadata)
        if raw.id:
            note_ids.setdefault(raw.id, note.id)  # links to a duplicated id go to its first note
        result.notes.append(note)
        if raw.place is not None:
            result.places.setdefault(2, {})[note.id] = raw.place
    if not result.notes:
        raise InputError("no notes found", source)
    dropped = 0
    for link in parsed.links:
        source_id, target_id = note_ids.get(link.source), note_ids.get(link.target)
        if source_id is None or target_id is None:
            dropped += 1
            continue
        kind = link.kind if link.kind in LINK_KINDS else "related"
        result.links.append(Link(ids.claim(link.id, "l"), source_id, target_id, kind, link.label))
    for n, word, message in ((empty, "empty note", "skipped {} (no text)"),
                             (ids.duplicates, "id", "replaced {} repeated in the file"),
                             (ids.replaced, "id", "replaced {} already used in the map"),
                             (bad_colors, "colour", "ignored {} (not #rrggbb)"),
                             (dropped, "link", "skipped {} whose ends are not imported notes")):
        if n:
            result.warnings.append(message.format(count(n, word)))
    return result

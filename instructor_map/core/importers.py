"""Notes from a file or pasted text: plain text and Markdown, CSV/TSV, JSON, JSON Lines and JSON Canvas.

Every problem with the input is an InputError with one line that names the file; what was skipped or
guessed is reported in ImportResult.warnings.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from instructor_map.core.document import LINK_KINDS, Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_schema import MAX_COORD

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".canvas")
FORMATS = ("auto", "text", "markdown", "csv", "tsv", "json", "jsonl", "canvas", "lines")
MAX_FILE_BYTES = 200 * 1024 * 1024
CANVAS_COLORS = {"1": "#fb464c", "2": "#e9973f", "3": "#e0de71", "4": "#44cf6e", "5": "#53dfdd", "6": "#a882ff"}

_BY_SUFFIX = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".tsv": "tsv",
              ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".canvas": "canvas"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
_BINARY = "looks like a binary file, not text"
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # control characters other than whitespace
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)(?:\[[ xX]\][ \t]+)?(.*)")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


@dataclass
class ImportResult:
    notes: list[Note]
    links: list[Link] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)  # new groups to add to the document
    places: dict[int, dict[str, tuple[float, ...]]] = field(default_factory=dict)  # e.g. {2: {note_id: (x, y)}}
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    """A note as the file states it: ids are the file's own, the group is a name."""

    text: str
    id: str = ""
    title: str = ""
    group: str = ""
    color: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    place: tuple[float, float] | None = None


@dataclass
class _Parsed:
    notes: list[_Raw] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)  # with the file's own note ids
    groups: list[Group] = field(default_factory=list)  # groups the file defines (canvas), with the file's ids
    warnings: list[str] = field(default_factory=list)


def import_file(path, *, text_column: str | None = None, doc: MapDocument | None = None) -> ImportResult:
    """Read notes from a file; the format follows the suffix, an unknown suffix is sniffed."""
    path = Path(path)
    text, warnings = _decode(_read(path), path)
    fmt = _BY_SUFFIX.get(path.suffix.lower(), "auto")
    parsed = _parse(text, fmt, str(path), text_column, sniff_delimiter=False)
    parsed.warnings[:0] = warnings
    return _build(parsed, doc, str(path))


def import_text(text: str, *, fmt: str = "auto", doc: MapDocument | None = None,
                source: str = "pasted text") -> ImportResult:
    """Read notes from pasted text; "lines" makes one note of each non-empty line."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return _build(_parse(text, fmt, source, None, sniff_delimiter=True), doc, source)


# ---- bytes -> text ---------------------------------------------------------------------------------------
def _read(path: Path) -> bytes:
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a folder, not a file", path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("is not a regular file", path)
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(f"is larger than {MAX_FILE_BYTES // 2**20} MB, too large to import", path)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path) from None


def _decode(data: bytes, path: Path) -> tuple[str, list[str]]:
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
    return text, warnings


_CP1252 = {b: bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256)}  # 5 undefined: as Latin-1


def _cp1252_bytes(error: UnicodeDecodeError) -> tuple[str, int]:
    """A decoding error handler: bytes that are not UTF-8 are read as Windows-1252."""
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
                f"the file is not all UTF-8; {_count(stray, 'stray byte')} read as Windows-1252 (Latin-1)")
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text, "the file is not UTF-8; it was read as Windows-1252 (Latin-1)"


# ---- text -> notes as the file states them --------------------------------------------------------------
def _parse(text: str, fmt: str, source: str, text_column: str | None, sniff_delimiter: bool) -> _Parsed:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        if fmt == "auto":
            return _parse_auto(text, source)
        if fmt in ("text", "markdown"):
            return _parse_markdown(text)
        if fmt == "lines":
            return _Parsed([_Raw(line) for line in text.split("\n") if line.strip()])
        if fmt in ("csv", "tsv"):
            delimiter = "\t" if fmt == "tsv" else _delimiter(text, sniff_delimiter)
            return _parse_csv(text, source, text_column, delimiter)
        if fmt == "jsonl":
            return _parse_jsonl(text, source, text_column)
        data = _load_json(text, source)
        if fmt == "canvas" and not (isinstance(data, dict) and isinstance(data.get("nodes"), list)):
            raise InputError('is not a JSON Canvas: it has no "nodes" list', source)
        return _from_json(data, source, text_column)
    except RecursionError:
        raise InputError("is nested too deeply to read", source) from None


def _parse_auto(text: str, source: str) -> _Parsed:
    """JSON, JSON Lines or a canvas when it parses as one; CSV/TSV with a "text" header; else text blocks."""
    start = text.lstrip()[:1]
    if start in ("[", "{"):
        try:
            return _from_json(json.loads(text), source, None)
        except (ValueError, RecursionError, InputError):
            pass
        if start == "{":
            try:
                return _parse_jsonl(text, source, None)
            except InputError:
                pass
    header, _, rest = text.strip().partition("\n")
    for sep in ("\t", ",", ";"):  # a header row with a "text" column
        if rest and any(cell.strip().strip('"').lower() == "text" for cell in header.split(sep)):
            return _parse_csv(text, source, None, sep)
    return _parse_markdown(text)


def _parse_markdown(text: str) -> _Parsed:
    """Blank-line-separated blocks and list items are notes; a heading names the group of the notes below it."""
    parsed, block, group, fence = _Parsed(), [], "", ""

    def flush():
        if block:
            parsed.notes.append(_Raw("\n".join(block), group=group))
            block.clear()

    for line in text.split("\n"):
        if fence:  # inside a code block everything is text
            block.append(line)
            fence = "" if line.strip().startswith(fence) else fence
        elif m := _FENCE.match(line):
            fence = m.group(1)
            block.append(line)
        elif not line.strip() or _RULE.match(line):
            flush()
        elif m := _HEADING.match(line):
            flush()
            group = _heading_text(m.group(2) or "")
        elif m := _ITEM.match(line):
            flush()
            block.append(m.group(1))
        else:
            block.append(line)
    flush()
    return parsed


def _heading_text(text: str) -> str:
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):  # closing hashes: "## Beach ##"
        text = bare.strip()
    return text


def _delimiter(text: str, sniff: bool) -> str:
    header = text.lstrip("\n").split("\n", 1)[0]
    if sniff:
        try:
            return csv.Sniffer().sniff("\n".join(text.strip().split("\n")[:5])[:4096], ",\t;|").delimiter
        except csv.Error:
            pass
    if "," in header:
        return ","
    return max("\t;|", key=header.count) if any(c in header for c in "\t;|") else ","


def _parse_csv(text: str, source: str, text_column: str | None, delimiter: str) -> _Parsed:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # a long note is one big field
    parsed, extra = _Parsed(), 0
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next((row for row in rows if any(cell.strip() for cell in row)), None)
        if header is None:
            return parsed
        names = [cell.strip() or f"column {i}" for i, cell in enumerate(header, 1)]
        wanted = (text_column or "text").strip().lower()
        text_name = next((name for name in names if name.lower() == wanted), None)
        if text_name is None:
            columns = _one_line(", ".join(names))
            if text_column:
                raise InputError(f"has no column {text_column!r}; its columns are: {columns}", source)
            raise InputError(f'has no "text" column; its columns are: {columns} (choose one with --text-column)',
                             source)
        for row in rows:
            if any(cell.strip() for cell in row):
                extra += len(row) > len(names)
                cells = row + [""] * (len(names) - len(row))  # a short row's missing cells are empty
                parsed.notes.append(_record(dict(zip(names, cells)), text_name, "", source))
    except csv.Error as e:
        raise InputError(f"is not valid CSV near line {rows.line_num}: {e}", source) from None
    if extra:
        parsed.warnings.append(f"{_count(extra, 'row')} had more cells than the header; the extra cells were ignored")
    return parsed


def _load_json(text: str, source: str, where: str = ""):
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        place = where or f"line {e.lineno}, column {e.colno}"
        raise InputError(f"is not valid JSON at {place}: {e.msg}", source) from None
    except ValueError:  # an integer with thousands of digits
        raise InputError(f"is not valid JSON{' at ' + where if where else ''}: a number is too long", source) from None


def _parse_jsonl(text: str, source: str, text_column: str | None) -> _Parsed:
    items = [(f"line {n}", _load_json(line, source, f"line {n}"))
             for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    return _from_items(items, source, text_column)


def _from_json(data, source: str, text_column: str | None) -> _Parsed:
    links = []
    if isinstance(data, dict) and isinstance(data.get("nodes"), list):
        return _parse_canvas(data, source)
    if isinstance(data, dict) and "notes" in data:
        data, links = data["notes"], data.get("links") or []
    elif isinstance(data, dict) and _key(data, text_column or "text") is not None:
        data = [data]
    if not isinstance(data, list) or not isinstance(links, list):
        raise InputError(f'holds {_kind(data)}; expected a list of notes or an object with a "notes" list', source)
    parsed = _from_items([(f"item {n}", item) for n, item in enumerate(data, 1)], source, text_column)
    for n, link in enumerate(links, 1):
        if not isinstance(link, dict):
            raise InputError(f"link {n} is {_kind(link)}; expected an object with source and target", source)
        parsed.links.append(Link(_string(link.get("id")), _string(link.get("source")), _string(link.get("target")),
                                 _string(link.get("kind")).lower(), _string(link.get("label"))))
    return parsed


def _from_items(items: list[tuple[str, object]], source: str, text_column: str | None) -> _Parsed:
    parsed, missing, keys = _Parsed(), 0, set()
    for where, item in items:
        if isinstance(item, str):
            parsed.notes.append(_Raw(_string(item)))
        elif not isinstance(item, dict):
            raise InputError(f'{where} is {_kind(item)}; expected a string or an object with "text"', source)
        elif (text_key := _key(item, text_column or "text")) is None:
            missing += 1
            keys.update(_string(k) for k in item)
        else:
            parsed.notes.append(_record(item, text_key, where, source))
    if missing and not parsed.notes:
        raise InputError(f'has no "{text_column or "text"}" in its objects; their keys are: '
                         f'{_one_line(", ".join(sorted(keys))) or "none"}', source)
    if missing:
        parsed.warnings.append(f'skipped {_count(missing, "object")} without "{text_column or "text"}"')
    return parsed


def _parse_canvas(data: dict, source: str) -> _Parsed:
    """JSON Canvas 1.0: text nodes are notes placed at their centre (y flipped), group nodes are groups."""
    edges = data.get("edges") or []
    if not isinstance(edges, list):
        raise InputError('is not a valid JSON Canvas: "edges" is not a list', source)
    parsed, boxes, skipped = _Parsed(), [], Counter()
    for n, node in enumerate(data["nodes"], 1):
        if not isinstance(node, dict):
            raise InputError(f"canvas node {n} is {_kind(node)}, not an object", source)
        kind, rect = node.get("type"), _rect(node)
        if kind == "text":
            raw = _Raw(_string(node.get("text")), id=_string(node.get("id")), color=_string(node.get("color")))
            heading, _, body = raw.text.strip().partition("\n\n")
            if heading.startswith("# ") and "\n" not in heading and body.strip():  # a card's "# Title" line
                raw.title, raw.text = heading[2:].strip(), body
            if rect:
                x, y, w, h = rect
                place = (x + w / 2, -(y + h / 2))
                raw.place = place if all(abs(v) <= MAX_COORD for v in place) else None
            parsed.notes.append(raw)
        elif kind == "group":
            name = _string(node.get("label")).strip() or f"Group {len(parsed.groups) + 1}"
            parsed.groups.append(Group(_string(node.get("id")), name, _string(node.get("color"))))
            if rect:
                boxes.append((rect[2] * rect[3], rect, name))
        else:
            skipped[_string(kind) or "untyped"] += 1
    _put_in_groups([raw for raw in parsed.notes if raw.place], boxes)
    if skipped:
        kinds = ", ".join(_count(k, f"{name} node") for name, k in sorted(skipped.items()))
        parsed.warnings.append(f"skipped {kinds} (only text nodes become notes)")
    for n, edge in enumerate(edges, 1):
        if not isinstance(edge, dict):
            raise InputError(f"canvas edge {n} is {_kind(edge)}, not an object", source)
        label = _string(edge.get("label"))
        kind = _string(edge.get("kind")).lower()
        kind = kind if kind in LINK_KINDS else label.strip().lower()
        parsed.links.append(Link(_string(edge.get("id")), _string(edge.get("fromNode")),
                                 _string(edge.get("toNode")), kind, label))
    return parsed


def _put_in_groups(placed: list[_Raw], boxes: list) -> None:
    """The smallest group rectangle around a note's centre is its group (on a tie, the first name).

    Vectorised in slices of notes: a canvas with thousands of notes and groups takes well under a second."""
    if not placed or not boxes:
        return
    boxes = sorted(boxes, key=lambda box: (box[0], box[2]))
    rects = np.array([rect for _, rect, _ in boxes])
    x0, y0 = rects[:, 0], rects[:, 1]
    x1, y1 = x0 + rects[:, 2], y0 + rects[:, 3]
    for start in range(0, len(placed), 256):
        notes = placed[start:start + 256]
        cx = np.array([[raw.place[0]] for raw in notes])
        cy = np.array([[-raw.place[1]] for raw in notes])
        inside = (x0 <= cx) & (cx <= x1) & (y0 <= cy) & (cy <= y1)
        for raw, row, first in zip(notes, inside, inside.argmax(axis=1)):
            raw.group = boxes[first][2] if row[first] else ""


def _rect(node: dict) -> tuple[float, ...] | None:
    values = [node.get(k, 0) for k in ("x", "y", "width", "height")]
    if "x" not in node or "y" not in node or any(isinstance(v, bool) or not isinstance(v, (int, float))
                                                  for v in values):
        return None
    try:
        rect = tuple(float(v) for v in values)
    except OverflowError:  # an integer too large for a float
        return None
    return rect if all(math.isfinite(v) for v in rect) else None


# ---- small helpers ---------------------------------------------------------------------------------------
def _record(fields: dict, text_key, where: str, source: str) -> _Raw:
    """One note from a CSV row or a JSON object: id, title, group, color and a metadata object are understood;
    other fields become metadata."""
    value = fields[text_key]
    if isinstance(value, (dict, list)):
        raise InputError(f'{where}: "{text_key}" is {_kind(value)}, not text', source)
    raw = _Raw(_string(value))
    for key, value in fields.items():
        if key == text_key:
            continue
        name = _string(key).strip()
        if name.lower() in ("id", "title", "group"):
            setattr(raw, name.lower(), _string(value).strip())
        elif name.lower() in ("color", "colour"):
            raw.color = _string(value)
        elif name.lower() == "metadata" and isinstance(value, dict):  # as the JSON export writes it
            raw.metadata.update({_string(k): _string(v) for k, v in value.items()})
        else:
            raw.metadata[name] = _string(value)
    return raw


def _string(value) -> str:
    """Any JSON value as text; lone surrogates from JSON escapes become "?" so the text is valid Unicode."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def _key(item: dict, wanted: str):
    wanted = wanted.strip().lower()
    return next((k for k in item if isinstance(k, str) and k.strip().lower() == wanted), None)


def _kind(value) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _color(value: str) -> str | None:
    """'#rrggbb' for a canvas preset or a hex colour, "" for none, None when it is not a colour."""
    value = value.strip()
    if not value or value in CANVAS_COLORS:
        return CANVAS_COLORS.get(value, "")
    if not _HEX.fullmatch(value):
        return None
    return ("#" + "".join(c * 2 for c in value[1:]) if len(value) == 4 else value).lower()


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- file ids -> document ids ----------------------------------------------------------------------------
class _Ids:
    """Keeps a file's ids where they are free; hands out fresh ones that collide with nothing."""

    def __init__(self, doc: MapDocument | None, reserved: set[str]):
        self.in_doc = set(doc.notes) | set(doc.links) | set(doc.groups) if doc else set()
        self.taken, self.reserved = set(self.in_doc), reserved
        self.numbers: Counter = Counter()
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


def _build(parsed: _Parsed, doc: MapDocument | None, source: str) -> ImportResult:
    reserved = {x.id for x in (*parsed.notes, *parsed.links, *parsed.groups) if x.id}
    ids, result = _Ids(doc, reserved), ImportResult(notes=[], warnings=list(parsed.warnings))
    defined = {g.name: g for g in reversed(parsed.groups)}  # the first group of a name wins
    group_ids, note_ids, bad_colors, empty = {}, {}, 0, 0

    def color(value: str) -> str:
        nonlocal bad_colors
        hex_color = _color(value)
        bad_colors += hex_color is None
        return hex_color or ""

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
        text = raw.text.replace("\r\n", "\n").replace("\r", "\n").strip()  # JSON may carry "\r\n" escapes
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
        ends = note_ids.get(link.source), note_ids.get(link.target)
        if None in ends:
            dropped += 1
            continue
        kind = link.kind if link.kind in LINK_KINDS else "related"
        result.links.append(Link(ids.claim(link.id, "l"), *ends, kind, link.label))
    for n, word, message in ((empty, "empty note", "skipped {} (no text)"),
                             (ids.duplicates, "id", "replaced {} repeated in the file"),
                             (ids.replaced, "id", "replaced {} already used in the map"),
                             (bad_colors, "colour", "ignored {} (not #rrggbb)"),
                             (dropped, "link", "skipped {} whose ends are not imported notes")):
        if n:
            result.warnings.append(message.format(_count(n, word)))
    return result

"""JSON and JSON Lines: a list of notes, one object or string a line, or {"notes": [...], "links": [...]}.

JSON is measured before it is parsed (MAX_JSON_VALUES), JSON Lines are parsed a line at a time, and records are
checked as they come: a file of millions of objects without text fails at the first ten thousand."""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from instructor_map.core.bounded import json_values
from instructor_map.core.document import Link
from instructor_map.core.errors import InputError
from instructor_map.core.importers.canvas import is_canvas, parse_canvas
from instructor_map.core.importers.parsed import (
    MAX_EMPTY_LEAD,
    Parsed,
    RawNote,
    TooManyNotes,
    as_text,
    count,
    find_key,
    kind_of,
    one_line,
    record,
)

MAX_JSON_VALUES = 8_000_000  # values (objects, lists, strings, numbers, keys) parsed from one file: seconds at most


def check_json_size(text: str, source: str) -> None:
    """Refuse JSON that would make more than MAX_JSON_VALUES values, before it is parsed."""
    values = json_values(text, MAX_JSON_VALUES)
    if values > MAX_JSON_VALUES:
        raise InputError(f"holds too many JSON values ({values:,}; at most {MAX_JSON_VALUES:,} are read)", source)


def load_json(text: str, source: str, where: str = ""):
    check_json_size(text, source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        place = where or f"line {e.lineno}, column {e.colno}"
        raise InputError(f"is not valid JSON at {place}: {e.msg}", source) from None
    except ValueError:  # an integer with thousands of digits
        raise InputError(f"is not valid JSON{' at ' + where if where else ''}: a number is too long", source) from None


def parse_jsonl(text: str, source: str, text_column: str | None) -> Parsed:
    items = ((f"line {n}", load_json(line, source, f"line {n}")) for n, line in _lines(text) if line.strip())
    return _from_items(items, source, text_column)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(number, line) a line at a time, without a list of every line."""
    start, n = 0, 1
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield n, text[start:end]
        start, n = end + 1, n + 1


def from_json(data, source: str, text_column: str | None) -> Parsed:
    """Notes from parsed JSON; a JSON Canvas goes to the canvas reader."""
    links: list = []
    if is_canvas(data):
        return parse_canvas(data, source)
    if isinstance(data, dict) and "notes" in data:
        data, links = data["notes"], data.get("links") or []
    elif isinstance(data, dict) and find_key(data, text_column or "text") is not None:
        data = [data]
    if not isinstance(data, list) or not isinstance(links, list):
        raise InputError(f'holds {kind_of(data)}; expected a list of notes or an object with a "notes" list', source)
    parsed = _from_items(((f"item {n}", item) for n, item in enumerate(data, 1)), source, text_column)
    for n, link in enumerate(links, 1):
        if not isinstance(link, dict):
            raise InputError(f"link {n} is {kind_of(link)}; expected an object with source and target", source)
        parsed.links.append(Link(as_text(link.get("id")), as_text(link.get("source")), as_text(link.get("target")),
                                 as_text(link.get("kind")).lower(), as_text(link.get("label"))))
    return parsed


def _from_items(items: Iterable[tuple[str, object]], source: str, text_column: str | None) -> Parsed:
    parsed, missing, first_missing = Parsed(), 0, ""
    keys: set[str] = set()
    wanted = text_column or "text"
    try:
        for where, item in items:
            if isinstance(item, str):
                parsed.notes.append(RawNote(as_text(item)))
            elif not isinstance(item, dict):
                raise InputError(f'{where} is {kind_of(item)}; expected a string or an object with "text"', source)
            elif (text_key := find_key(item, wanted)) is None:
                missing += 1
                first_missing = first_missing or where
                if len(keys) < 100:
                    keys.update(as_text(k) for k in item)
                if missing - len(parsed.notes) > MAX_EMPTY_LEAD:  # a file of objects without text: stop now
                    raise InputError(f'has no "{wanted}" in {missing:,} objects from {first_missing} on; their '
                                     f'keys are: {one_line(", ".join(sorted(keys))) or "none"}', source)
            else:
                parsed.notes.append(record(item, text_key, where, source))
    except TooManyNotes as exc:
        raise TooManyNotes(str(exc), source) from None
    if missing and not parsed.notes:
        raise InputError(f'has no "{wanted}" in its objects; their keys are: '
                         f'{one_line(", ".join(sorted(keys))) or "none"}', source)
    if missing:
        parsed.warnings.append(f'skipped {count(missing, "object")} without "{wanted}"')
    return parsed

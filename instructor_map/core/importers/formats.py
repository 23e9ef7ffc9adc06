"""Which parser reads which format: by name, by file suffix, or sniffed from the text itself."""
from __future__ import annotations

import json

from instructor_map.core.errors import InputError
from instructor_map.core.importers.canvas import is_canvas
from instructor_map.core.importers.delimited import guess_delimiter, parse_csv
from instructor_map.core.importers.json_notes import check_json_size, from_json, load_json, parse_jsonl
from instructor_map.core.importers.markdown import parse_lines, parse_markdown
from instructor_map.core.importers.parsed import Parsed

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".canvas")
FORMATS = ("auto", "text", "markdown", "csv", "tsv", "json", "jsonl", "canvas", "lines")
BY_SUFFIX = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".tsv": "tsv",
             ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".canvas": "canvas"}


def parse(text: str, fmt: str, source: str, text_column: str | None, sniff_delimiter: bool) -> Parsed:
    """Notes as the text in format `fmt` states them; `sniff_delimiter` guesses a CSV's delimiter from its rows."""
    text = _line_ends(text.lstrip("\ufeff"))
    try:
        if fmt == "auto":
            return _parse_auto(text, source)
        if fmt in ("text", "markdown"):
            return parse_markdown(text)
        if fmt == "lines":
            return parse_lines(text)
        if fmt in ("csv", "tsv"):
            delimiter = "\t" if fmt == "tsv" else guess_delimiter(text, sniff_delimiter)
            return parse_csv(text, source, text_column, delimiter)
        if fmt == "jsonl":
            return parse_jsonl(text, source, text_column)
        data = load_json(text, source)
        if fmt == "canvas" and not is_canvas(data):
            raise InputError('is not a JSON Canvas: it has no "nodes" list', source)
        return from_json(data, source, text_column)
    except RecursionError:
        raise InputError("is nested too deeply to read", source) from None


def _line_ends(text: str) -> str:
    """Lines end in LF: CRLF becomes LF, and so does CR in a file whose lines all end in CR (classic Mac OS); a lone
    CR inside a note of any other file is kept as written, since the model reads the note as it is."""
    text = text.replace("\r\n", "\n")
    return text.replace("\r", "\n") if "\n" not in text else text


def _parse_auto(text: str, source: str) -> Parsed:
    """JSON, JSON Lines or a canvas when it parses as one; CSV/TSV with a "text" header; else text blocks.

    JSON is measured before it is parsed, as with a .json file; JSON too large to parse as a whole may still be
    JSON Lines (read a line at a time), and is refused as too large when it is not."""
    start = text.lstrip()[:1]
    if start in ("[", "{"):
        too_large = None
        try:
            check_json_size(text, source)
        except InputError as exc:
            too_large = exc
        if too_large is None:
            try:
                return from_json(json.loads(text), source, None)
            except (ValueError, RecursionError, InputError):
                pass
        if start == "{":
            try:
                return parse_jsonl(text, source, None)
            except InputError:
                pass
        if too_large is not None:
            raise too_large
    header, _, rest = text.strip().partition("\n")
    for sep in ("\t", ",", ";"):  # a header row with a "text" column
        if rest and any(cell.strip().strip('"').lower() == "text" for cell in header.split(sep)):
            return parse_csv(text, source, None, sep)
    return parse_markdown(text)

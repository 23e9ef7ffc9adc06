"""Notes from a file or pasted text: plain text and Markdown, CSV/TSV, JSON, JSON Lines and JSON Canvas.

Every problem with the input is an InputError with one line that names the file; what was skipped or
guessed is reported in ImportResult.warnings.
"""
from __future__ import annotations

from pathlib import Path

from instructor_map.core.document import MapDocument
from instructor_map.core.importers.canvas import CANVAS_COLORS, finish_canvas
from instructor_map.core.importers.decoding import MAX_FILE_BYTES, read_text
from instructor_map.core.importers.formats import BY_SUFFIX, FORMATS, SUPPORTED_SUFFIXES, parse
from instructor_map.core.importers.reconcile import ImportResult, build

__all__ = ["CANVAS_COLORS", "FORMATS", "MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "ImportResult", "import_file",
           "import_text"]


def import_file(path, *, text_column: str | None = None, doc: MapDocument | None = None) -> ImportResult:
    """Read notes from a file; the format follows the suffix, an unknown suffix is sniffed."""
    path = Path(path)
    text, warnings = read_text(path)
    fmt = BY_SUFFIX.get(path.suffix.lower(), "auto")
    parsed = parse(text, fmt, str(path), text_column, sniff_delimiter=False)
    parsed.warnings[:0] = warnings
    return finish_canvas(parsed, build(parsed, doc, str(path)), doc)


def import_text(text: str, *, fmt: str = "auto", doc: MapDocument | None = None,
                source: str = "pasted text") -> ImportResult:
    """Read notes from pasted text; "lines" makes one note of each non-empty line."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    parsed = parse(text, fmt, source, None, sniff_delimiter=True)
    return finish_canvas(parsed, build(parsed, doc, source), doc)

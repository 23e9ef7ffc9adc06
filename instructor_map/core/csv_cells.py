"""The CSV the map exports: its header, and the formula escape of its cells, which the CSV import undoes.

A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula, so the export puts an
apostrophe before such a cell. So that the escape can be undone exactly, a cell that already starts with
apostrophes followed by one of those characters gets one more: a cell is escaped exactly when it matches
ESCAPED after escaping, and unescaping takes off that one apostrophe.
"""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def export_header(dims: int) -> list[str]:
    return ["id", "text", *["x", "y", "z"][:dims], "cluster", "cluster_name", "group", "title"]


EXPORT_HEADERS = (export_header(2), export_header(3))


def escape(text: str) -> str:
    return "'" + text if _NEEDS_ESCAPE.match(text) else text


def unescape(cell: str) -> str:
    return cell[1:] if ESCAPED.match(cell) else cell

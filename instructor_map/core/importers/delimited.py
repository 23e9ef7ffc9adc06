"""CSV and TSV: a header row names the columns; the "text" column (or the one chosen) holds each note.

A CSV the map exported (recognised by its exact header, `csv_cells.EXPORT_HEADERS`: id,text,x,y[,z],cluster,
cluster_name,group,title) has its formula escape undone: the export put an apostrophe before each cell that
starts with = + - @ (and before apostrophes that lead to one), so exactly that one apostrophe is taken off again.
Any other CSV is read as written: a leading apostrophe there is part of the text.
"""
from __future__ import annotations

import csv
import io

from instructor_map.core.csv_cells import EXPORT_HEADERS, unescape
from instructor_map.core.errors import InputError
from instructor_map.core.importers.decoding import MAX_FILE_BYTES
from instructor_map.core.importers.parsed import Parsed, count, one_line, record


def guess_delimiter(text: str, sniff: bool) -> str:
    """The delimiter of CSV text: sniffed when asked, else "," when the header has one, else its commonest."""
    header = text.lstrip("\n").split("\n", 1)[0]
    if sniff:
        try:
            return csv.Sniffer().sniff("\n".join(text.strip().split("\n")[:5])[:4096], ",\t;|").delimiter
        except csv.Error:
            pass
    if "," in header:
        return ","
    return max("\t;|", key=header.count) if any(c in header for c in "\t;|") else ","


def parse_csv(text: str, source: str, text_column: str | None, delimiter: str) -> Parsed:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # a long note is one big field
    parsed, extra = Parsed(), 0
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next((row for row in rows if any(cell.strip() for cell in row)), None)
        if header is None:
            return parsed
        names = [cell.strip() or f"column {i}" for i, cell in enumerate(header, 1)]
        exported = names in EXPORT_HEADERS  # the map's own export: its formula escape is undone
        wanted = (text_column or "text").strip().lower()
        text_name = next((name for name in names if name.lower() == wanted), None)
        if text_name is None:
            columns = one_line(", ".join(names))
            if text_column:
                raise InputError(f"has no column {text_column!r}; its columns are: {columns}", source)
            raise InputError(f'has no "text" column; its columns are: {columns} (choose one with --text-column)',
                             source)
        for row in rows:
            if any(cell.strip() for cell in row):
                extra += len(row) > len(names)
                cells = row + [""] * (len(names) - len(row))  # a short row's missing cells are empty
                if exported:
                    cells = [unescape(cell) for cell in cells]
                parsed.notes.append(record(dict(zip(names, cells)), text_name, "", source))
    except csv.Error as e:
        raise InputError(f"is not valid CSV near line {rows.line_num}: {e}", source) from None
    if extra:
        parsed.warnings.append(f"{count(extra, 'row')} had more cells than the header; the extra cells were ignored")
    return parsed

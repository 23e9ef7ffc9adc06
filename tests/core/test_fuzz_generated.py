"""Fuzzing the importers with generated inputs of the classes that need more than mutation to reach: JSON Canvas
files of every node and edge kind, broken in every way the format allows; CSV with formula-like and escaped cells
and NUL characters; JSON Lines of thousands of empty records; JSON nested deeper than the parser goes. Each either
imports or is refused with one line, never another exception; a canvas imported, exported and imported again
exports the same file, a clean canvas exports as it was, and a CSV the map exported imports with the same notes.
IMAP_FUZZ_EXAMPLES sets the examples per target (200 by default).
"""
from __future__ import annotations

import json
from collections import Counter

from fuzzing import (
    CSV_SPECIAL_CELLS,
    EXAMPLE_LIMIT_S,
    FUZZ,
    canvases,
    csv_texts,
    deep_json,
    dump,
    jsonl_with_empty_records,
    one_line,
    report,
    scratch_fixture,  # noqa: F401  (the fixture "scratch")
    try_import,
)
from hypothesis import given
from hypothesis import strategies as st
from limits import time_limit

from instructor_map.core.canvas_export import canvas_bytes
from instructor_map.core.commands import AddNotes
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import export
from instructor_map.core.importers import import_file, import_text
from instructor_map.core.importers.parsed import MAX_EMPTY_LEAD


def as_canvas(result) -> bytes:
    """The canvas a map made of this import exports (nothing moved, no task applied)."""
    doc = MapDocument()
    AddNotes(result.notes, result.links, result.places, result.groups).do(doc)
    return canvas_bytes(doc, 2)


def same_json(data: bytes) -> str:
    """JSON compared as values, not as text; NaN (which a file may hold and gets back) equals itself."""
    return json.dumps(json.loads(data), sort_keys=True)


def paste(text: str, fmt: str, outcomes: Counter) -> None:
    with time_limit(EXAMPLE_LIMIT_S, f"pasting as {fmt}"):
        try:
            import_text(text, fmt=fmt)
        except InputError as exc:
            one_line(exc, "pasted text")
            outcomes[f"{fmt} paste refused"] += 1
            return
    outcomes[f"{fmt} paste imported"] += 1


# ---- JSON Canvas ----------------------------------------------------------------------------------------------
def test_generated_canvases_import_or_are_refused_and_export_stably(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(canvases())
    def run(data):
        path, again = scratch / "generated.canvas", scratch / "again.canvas"
        path.write_text(dump(data, ascii=True), encoding="utf-8")
        result = try_import(path, outcomes)
        if result is None:
            return
        with time_limit(EXAMPLE_LIMIT_S, "exporting and importing again"):
            first = as_canvas(result)
            again.write_bytes(first)
            second = as_canvas(import_file(again))
        assert same_json(second) == same_json(first)

    run()
    report("generated canvases", outcomes)


def test_clean_generated_canvases_export_as_they_were(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(canvases(clean=True))
    def run(data):
        path = scratch / "clean.canvas"
        path.write_text(json.dumps(data), encoding="utf-8")
        assert json.loads(as_canvas(import_file(path))) == data
        outcomes["came back"] += 1

    run()
    report("clean generated canvases", outcomes)


# ---- CSV ------------------------------------------------------------------------------------------------------
def test_generated_csv_imports_or_is_refused(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(csv_texts())
    def run(text):
        path = scratch / "generated.csv"
        path.write_bytes(text.encode("utf-8"))
        try_import(path, outcomes)  # a NUL makes the file binary
        paste(text, "csv", outcomes)  # pasted, a NUL reaches the CSV reader
        paste(text, "auto", outcomes)

    run()
    report("generated CSV", outcomes)


# texts as a map holds them: no control characters but tabs and line ends (a file of them reads as binary)
ROUND_TRIP_CELLS = st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10),
                             CSV_SPECIAL_CELLS, st.tuples(CSV_SPECIAL_CELLS, CSV_SPECIAL_CELLS).map("".join))


def as_imported(text: str) -> str:
    """What an import keeps of a text the CSV export wrote: no NUL, CRLF as LF, no surrounding blanks."""
    return text.replace("\x00", "").replace("\r\n", "\n").strip()


def test_a_csv_the_map_exported_imports_with_the_same_notes(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(st.lists(st.tuples(ROUND_TRIP_CELLS, ROUND_TRIP_CELLS), min_size=1, max_size=6))
    def run(cells):
        doc = MapDocument()
        for i, (text, title) in enumerate(cells):
            if as_imported(text):
                doc.insert_note(Note(f"n{i}", text, title))
        if not doc.notes:
            return
        path = scratch / "exported.csv"
        export(doc, path)
        result = import_file(path)
        assert [(n.id, n.text, n.title) for n in result.notes] == [
            (n.id, as_imported(n.text), as_imported(n.title)) for n in doc.notes.values()]
        outcomes["came back"] += 1

    run()
    report("exported CSV", outcomes)


# ---- JSON Lines of empty records, deeply nested JSON ----------------------------------------------------------
def test_json_lines_of_many_empty_records_import_or_are_refused(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(jsonl_with_empty_records())
    def run(case):
        text, with_text, empty = case
        path = scratch / "empty.jsonl"
        path.write_text(text, encoding="utf-8")
        result = try_import(path, outcomes)
        if result is None:
            assert with_text == 0 or empty > MAX_EMPTY_LEAD
        else:
            assert len(result.notes) == with_text

    run()
    report("JSON Lines of empty records", outcomes)


def test_deeply_nested_json_imports_or_is_refused(scratch):
    outcomes: Counter = Counter()

    @FUZZ
    @given(deep_json())
    def run(case):
        suffix, text = case
        path = scratch / f"deep{suffix}"
        path.write_text(text, encoding="utf-8")
        result = try_import(path, outcomes)
        paste(text, "auto", outcomes)  # found to be JSON without a suffix
        if result is not None and suffix == ".canvas":
            with time_limit(EXAMPLE_LIMIT_S, "exporting a deep canvas"):
                as_canvas(result)

    run()
    report("deeply nested JSON", outcomes)

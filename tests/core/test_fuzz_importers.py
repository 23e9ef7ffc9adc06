"""Fuzzing the importers: mutated files in every format, structurally mutated JSON and pasted text either import
or raise InputError with one line; nothing else escapes and no input hangs. What imports fits a document. A 1 MB
input (a project file too) stays within bounded memory and hostile shapes finish quickly.
IMAP_FUZZ_EXAMPLES sets the examples per target (200 by default).
"""
from __future__ import annotations

import csv
import io
import json
import random
import tracemalloc
from collections import Counter

import numpy as np
import pytest
from fuzzing import (
    BYTE_MUTATION,
    EXAMPLE_LIMIT_S,
    FUZZ,
    TREE_MUTATION,
    check_import,
    dump,
    mutate_bytes,
    mutate_tree,
    one_line,
    report,
    scratch_fixture,  # noqa: F401  (the fixture "scratch")
    try_import,
)
from hypothesis import given
from hypothesis import strategies as st
from limits import time_limit

from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.importers import FORMATS, import_file, import_text
from instructor_map.core.project_file import load_project, save_project

MB = 2**20

SEEDS = {
    ".txt": "Beach day with the kids\n\nSki trip with friends\r\nin the alps\r\n\r\n- a list item\n- another 🏖️\n",
    ".md": ("Loose thought.\n\n# Summer\n\n- Beach 🏖️\n* [x] Sea kayaking\n1. Museums\n\n## Winter ##\n\nSki slopes\n"
            "with snow\n\n```\n# not a heading\n\n```\n---\nשלום עולם\n"),
    ".csv": ('id,text,title,group,color,year\nn1,"Beach, sand and sun",Sun,Summer,#ff8800,2020\n'
             'n2,"Two\nlines",,,4,\nn1,Ski slopes,,Winter,#zzz,1999\n'),
    ".tsv": "text\tgroup\tcolour\nSki slopes\tWinter\t#123\nالبحر والرمل\tSummer\t\n",
    ".json": json.dumps({"notes": [{"id": "a", "text": "Beach", "group": "Summer", "metadata": {"k": "v"}},
                                   "plain note", {"id": "b", "text": "Ski", "color": "2", "stars": 5}],
                         "links": [{"source": "a", "target": "b", "kind": "opposes", "label": "sun or snow"}]}),
    ".jsonl": '{"text": "Beach", "id": "a"}\n\n"Ski slopes"\r\n{"text": "Reef", "depth": 12, "group": "Sea"}\n',
    ".canvas": json.dumps({
        "nodes": [{"id": "g", "type": "group", "label": "Beach", "x": 0, "y": 0, "width": 900, "height": 600},
                  {"id": "a", "type": "text", "text": "# Cove\n\nQuiet cove", "x": 100, "y": 100, "width": 200,
                   "height": 100, "color": "1"},
                  {"id": "b", "type": "text", "text": "Reef", "x": 600, "y": 350, "width": 100, "height": 60},
                  {"id": "f", "type": "file", "file": "guide.pdf", "x": 0, "y": 900, "width": 10, "height": 10}],
        "edges": [{"id": "e1", "fromNode": "a", "toNode": "b", "label": "Supports"},
                  {"id": "e2", "fromNode": "b", "toNode": "gone"}]}),
}
JSON_SUFFIXES = (".json", ".jsonl", ".canvas")


# ---- importers ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", list(SEEDS))
def test_mutated_files_import_or_are_refused(scratch, suffix):
    outcomes: Counter = Counter()
    seed = SEEDS[suffix].encode("utf-8")

    @FUZZ
    @given(st.lists(BYTE_MUTATION, min_size=1, max_size=8))
    def run(ops):
        path = scratch / f"mutated{suffix}"
        path.write_bytes(mutate_bytes(seed, ops))
        try_import(path, outcomes)

    run()
    report(f"byte-mutated {suffix}", outcomes)


@pytest.mark.parametrize("suffix", JSON_SUFFIXES)
def test_structurally_mutated_json_imports_or_is_refused(scratch, suffix):
    outcomes: Counter = Counter()
    lines = SEEDS[suffix].splitlines() if suffix == ".jsonl" else [SEEDS[suffix]]
    trees = [json.loads(line) for line in lines if line.strip()]

    @FUZZ
    @given(st.lists(TREE_MUTATION, min_size=1, max_size=5), st.integers(0, len(trees) - 1))
    def run(ops, line):
        mutated = list(trees)
        mutated[line] = mutate_tree(trees[line], ops)
        path = scratch / f"tree{suffix}"
        path.write_text("\n".join(dump(t) for t in mutated), encoding="utf-8")
        try_import(path, outcomes)

    run()
    report(f"structurally mutated {suffix}", outcomes)


def test_pasted_text_in_every_format_imports_or_is_refused():
    outcomes: Counter = Counter()
    seeds = list(SEEDS.values())

    @FUZZ
    @given(st.sampled_from(FORMATS), st.sampled_from(seeds), st.lists(BYTE_MUTATION, max_size=6))
    def run(fmt, seed, ops):
        text = mutate_bytes(seed.encode("utf-8"), ops).decode("utf-8", "replace")
        with time_limit(EXAMPLE_LIMIT_S, f"pasting as {fmt}"):
            try:
                result = import_text(text, fmt=fmt)
            except InputError as exc:
                one_line(exc, "pasted text")
                outcomes["refused"] += 1
                return
        check_import(result)
        outcomes["imported"] += 1

    run()
    report("pasted text", outcomes)


# ---- 1 MB inputs stay within bounded memory ---------------------------------------------------------------------
SENTENCES = ["A quiet beach with white sand and shallow water, good for the kids and for grandma.",
             "Ski slopes with fresh powder snow; a cosy chalet with a fireplace after a long day.",
             "Museums, cafés and old streets to explore on foot, maybe a food tour at night.",
             "رحلة إلى الجبال الثلجية مع العائلة في الشتاء.", "טיול לים המלח עם הילדים 🏖️.",
             "Budget: flights under 400 euros, a hotel under 90 a night with breakfast."]


def paragraph(i: int) -> str:
    return f"Note {i}: " + " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(3))


def file_of(suffix: str, notes: list[str]) -> str:
    if suffix in (".txt", ".md"):
        return "\n\n".join(f"# Part {i // 50}\n\n- {t}" if suffix == ".md" and i % 50 == 0 else t
                           for i, t in enumerate(notes))
    if suffix in (".csv", ".tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if suffix == ".csv" else "\t")
        writer.writerow(["id", "text", "group", "year"])
        writer.writerows([f"n{i}", t, f"G{i % 20}", 2000 + i % 25] for i, t in enumerate(notes))
        return out.getvalue()
    if suffix == ".json":
        return json.dumps([{"id": f"n{i}", "text": t, "tags": ["a", i]} for i, t in enumerate(notes)],
                          ensure_ascii=False)
    if suffix == ".jsonl":
        return "\n".join(json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) for i, t in enumerate(notes))
    nodes = [{"id": f"g{i}", "type": "group", "label": f"G{i}", "x": i * 40, "y": 0, "width": 400, "height": 400}
             for i in range(300)]
    nodes += [{"id": f"t{i}", "type": "text", "text": t, "x": i * 3, "y": i % 300, "width": 50, "height": 50}
              for i, t in enumerate(notes)]
    edges = [{"id": f"e{i}", "fromNode": f"t{i}", "toNode": f"t{i + 1}"} for i in range(len(notes) - 1)]
    return json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False)


def megabyte_of(suffix: str, rng: random.Random) -> bytes:
    """A valid file of this format of about 1 MB (a paragraph per note), with 40 ASCII letters changed."""
    n = 100
    for _ in range(3):  # the size is not quite proportional to the notes (canvas groups), so adjust twice
        raw = bytearray(file_of(suffix, [paragraph(i) for i in range(n)]).encode("utf-8"))
        n = n * MB // len(raw)
    letters = [i for i in (rng.randrange(len(raw)) for _ in range(400)) if chr(raw[i]).isascii()
               and chr(raw[i]).isalpha()]
    for i in letters[:40]:
        raw[i] = rng.choice(b"xyz QW019")
    return bytes(raw)


@pytest.mark.parametrize("suffix", [*SEEDS, ".imap"])
def test_a_megabyte_input_uses_bounded_memory(scratch, suffix):
    """Peak Python memory while reading about 1 MB stays under 64 times its size (no blow-up)."""
    rng = random.Random(suffix)
    path = scratch / f"big{suffix}"
    if suffix == ".imap":
        doc = MapDocument(model="m")
        doc.notes = {f"n{i}": Note(f"n{i}", paragraph(i), metadata={"k": "v"}) for i in range(3600)}
        doc.placements[2].positions = {k: (1.0, 2.0) for k in doc.notes}
        doc.embeddings.put("m", "", doc.texts(), np.random.default_rng(1).random((3600, 64)))
        save_project(doc, path)
    else:
        path.write_bytes(megabyte_of(suffix, rng))
    size = path.stat().st_size
    read = load_project if suffix == ".imap" else import_file
    tracemalloc.start()
    try:
        with time_limit(30, f"reading {path.name}"):
            try:
                loaded = read(path)
                outcome = f"{len(loaded.notes)} notes"
            except InputError as exc:
                one_line(exc, str(path))
                outcome = "refused"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"{size / MB:.2f} MB {suffix}: {outcome}, peak {peak / MB:.1f} MB ({peak / size:.0f}x the input)")
    assert peak < 64 * size


@pytest.mark.parametrize("content", ["[" * 1_000_000, '{"notes": ' * 300_000, "text\n" + "," * MB,
                                     '[{"text": "a"}, ' * 60_000 + "]", "\n".join(["- a"] * 120_000)],
                         ids=["deep-list", "deep-object", "wide-csv", "json-bad-end", "tiny-list-items"])
def test_hostile_shapes_finish_quickly(scratch, content):
    path = scratch / ("hostile.csv" if content.startswith("text") else "hostile.md" if content[0] == "-" else
                      "hostile.json")
    path.write_text(content, encoding="utf-8")
    outcomes: Counter = Counter()
    with time_limit(15, f"importing {len(content) // 1000} kB of {path.suffix}"):
        try_import(path, outcomes)
    print(f"{len(content) / MB:.2f} MB hostile {path.suffix}: {dict(outcomes)}")

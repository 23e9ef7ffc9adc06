"""Fuzzing: random and mutated files for every importer and for the project loader.

Each input either loads or raises InputError with one line; nothing else escapes, no input hangs, and a 1 MB
input stays within bounded memory. What loads is usable: it saves, loads again, exports and lays out.
IMAP_FUZZ_EXAMPLES sets the examples per target (200 by default).
"""
from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import random
import shutil
import tempfile
import tracemalloc
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import time_limit

from instructor_map.core.commands import AddNotes
from instructor_map.core.document import LINK_KINDS, Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import FORMATS as EXPORT_FORMATS
from instructor_map.core.exporters import export
from instructor_map.core.importers import FORMATS, import_file, import_text
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import MAX_COORD, load_project, read_summary, save_project

EXAMPLES = int(os.environ.get("IMAP_FUZZ_EXAMPLES", 200))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXAMPLE_LIMIT_S = 10  # one example that runs longer than this counts as a hang
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




@pytest.fixture(scope="module")
def scratch():
    """A folder for fuzzed files; in memory where the system has one, since saving fsyncs."""
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="imap-fuzz-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# ---- mutations ------------------------------------------------------------------------------------------
INTERESTING = [b'"', b",", b";", b"\t", b"\n", b"\r\n", b"\r", b"{", b"}", b"[", b"]", b":", b"\x00", b"\xff\xfe",
               b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"#", b"# ", b"- ", b"```", b"NaN", b"1e999", b"-0",
               b"9" * 5000, b"[" * 3000, b'"\\ud800"', b"PK\x03\x04", b"text", b'"text":', b'"nodes":']
# (operation, where, argument); plain integers keep generation cheap, mutate_bytes gives them meaning
BYTE_MUTATION = st.tuples(st.integers(0, 5), st.integers(0, 2**20), st.integers(0, 2**16))


def mutate_bytes(data: bytes, ops) -> bytes:
    """Set, insert, delete, repeat or cut bytes, or set a byte of a zip header (after the k-th "PK")."""
    out = bytearray(data)
    for op, at, arg in ops:
        at %= len(out) + 1
        if op == 0 and out:
            out[min(at, len(out) - 1)] = arg & 0xFF
        elif op == 1:
            out[at:at] = INTERESTING[arg % len(INTERESTING)] if arg % 2 else arg.to_bytes(3, "big")
        elif op == 2:
            del out[at:at + 1 + arg % 64]
        elif op == 3:
            out[at:at] = out[at:at + 1 + arg % 64]
        elif op == 4:
            del out[at:]
        elif op == 5 and (starts := [i for i in range(len(out) - 1) if out[i:i + 2] == b"PK"]):
            where = starts[at % len(starts)] + arg % 46
            if where < len(out):
                out[where] = (arg >> 8) & 0xFF
    return bytes(out)


RAW = {"@deep": "[" * 20_000 + "]" * 20_000, "@deep900": "[" * 900 + "]" * 900, "@bigint": "9" * 5000,
       "@nan": "NaN", "@inf": "-Infinity", "@huge": "1e999", "@dup": '{"id": "a", "id": "b", "text": "twice"}'}
KEYS = ["text", "id", "title", "group", "color", "metadata", "notes", "links", "source", "target", "kind", "label",
        "nodes", "edges", "type", "x", "y", "width", "height", "fromNode", "toNode", "schema_version", "views", "2",
        "3", "positions", "pins", "basis", "clusters", "cluster_labels", "cluster_renamed", "embeddings", "rows",
        "file", "model", "model_kind", "instruction", "instruction_history", "groups", "name", "n1", "n2", "g1"]
NASTY = [None, True, False, 0, 1, 2, 3, -1, 2**63, 10**30, -10**30, 0.5, 1e308, -1e308, 3.5e38, 1e31, 5e-324,
         math.nan, math.inf, -math.inf, "", " ", "n1", "n2", "g1", "#ff8800", "#zz", "\x00", "\u202e", "🏖️",
         "x" * 10_000, "embeddings/0.npy", "embeddings/9.npy", "../x.npy", [], [1, 2], [1, 2, 3], ["n1", "n2"],
         [[1, 2]], [["n1", "0" * 20]], {}, {"id": "n1"}, {"text": 1}, {"id": "n1", "text": "x"},
         {"id": "n9", "text": "new", "group": "g9"}, {"source": "n1", "target": "n1"}, {"2": {}}, {"n1": [1, 2]},
         {"n1": [1e39, 0]}, {"n1": [1, 2, 3]}, {"0": "x"}, {"mean": "x"}, [{"id": "", "text": ""}],
         *KEYS, *LINK_KINDS, "group", *RAW]
TREE_MUTATION = st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.sampled_from(KEYS),
                          st.one_of(st.sampled_from(NASTY), st.text(max_size=8), st.integers(), st.floats()))


def _paths(node, path=()):
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*path, key))


def mutate_tree(tree, ops):
    """Replace, delete, add or duplicate values anywhere in a parsed JSON document."""
    tree = copy.deepcopy(tree)
    for op, which, key, value in ops:
        op = ("replace", "delete", "add", "duplicate")[op]
        value = copy.deepcopy(value)
        paths = list(_paths(tree))
        path = paths[which % len(paths)]
        if not path:
            tree = value if op == "replace" else tree
            continue
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        last, target = path[-1], parent[path[-1]]
        if op == "replace":
            parent[last] = value
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(target, dict):
            target[key] = value
        elif op == "add" and isinstance(target, list):
            target.append(value)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(target))
    return tree


def dump(tree) -> str:
    text = json.dumps(tree, ensure_ascii=False)
    for name, raw in RAW.items():
        text = text.replace(json.dumps(name), raw)
    return text


# ---- what a good outcome looks like ------------------------------------------------------------------------
def one_line(exc: InputError, source: str) -> None:
    message = str(exc)
    assert message and "\n" not in message and "\r" not in message, message
    assert source in message, message


def check_import(result) -> None:
    """An import result that fits a document: unique ids, clean texts, links and places of its own notes."""
    ids = [n.id for n in result.notes] + [ln.id for ln in result.links] + [g.id for g in result.groups]
    assert result.notes and all(ids) and len(set(ids)) == len(ids)
    notes, groups = {n.id for n in result.notes}, {g.id for g in result.groups}
    for note in result.notes:
        assert note.text and note.text == note.text.strip()
        assert note.group in groups or note.group == ""
        strings = [note.id, note.text, note.title, note.color, *note.metadata, *note.metadata.values()]
        for text in strings:
            text.encode("utf-8")  # no lone surrogates: every exporter writes UTF-8
    for link in result.links:
        assert {link.source, link.target} <= notes and link.kind in LINK_KINDS
        link.label.encode("utf-8")
    for dims, places in result.places.items():
        assert set(places) <= notes
        assert all(len(p) == dims and all(abs(v) <= MAX_COORD for v in p) for p in places.values())
    if len(result.notes) <= 1000:  # large imports into a document are timed in test_reliability.py
        doc = MapDocument()
        doc.groups.update({g.id: g for g in result.groups})
        AddNotes(result.notes, result.links, result.places).do(doc)


def try_import(path: Path, outcomes: Counter) -> None:
    with time_limit(EXAMPLE_LIMIT_S, f"importing {path.name}"):
        try:
            result = import_file(path)
        except InputError as exc:
            one_line(exc, str(path))
            outcomes["refused"] += 1
            return
    check_import(result)
    outcomes["imported"] += 1


def report(what: str, outcomes: Counter) -> None:
    total = sum(outcomes.values())
    print(f"{what}: {total} examples, " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    assert total >= min(EXAMPLES, 50)


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


# ---- the project loader ---------------------------------------------------------------------------------------
def small_project() -> MapDocument:
    doc = MapDocument(model="bundled", model_kind="sentence")
    doc.set_instruction("Represent the travel note for planning: ")
    doc.groups["g1"] = Group("g1", "Summer", "#ff8800")
    for i, text in enumerate(["Beach 🏖️", "Ski slopes", "البحر", "Museums & cafés", "Night market"], 1):
        doc.insert_note(Note(f"n{i}", text, f"T{i}" if i % 2 else "", "g1" if i < 3 else "", "", {"row": str(i)}))
    doc.add_link(Link("l1", "n1", "n2", "opposes", "sun or snow"))
    doc.add_link(Link("l2", "n3", "n1", "supports"))
    doc.clusters = {"n1": 0, "n2": 1, "n3": 0}
    doc.cluster_labels = {0: "sea", 1: "snow"}
    doc.cluster_renamed = {1}
    doc.placements[2].positions = {f"n{i}": (float(i), -float(i) / 2) for i in range(1, 6)}
    doc.placements[2].pins = {"n2": (3.5, 4.5)}
    doc.placements[3].positions = {"n1": (1.0, 2.0, 3.0)}
    doc.placements[2].basis = {"mean": [0.0, 0.5], "components": [[1.0, 0.0], [0.0, 1.0]], "scale": 2.0,
                          "offset": [0.0, 0.0], "explained_variance_ratio": [0.6, 0.3]}
    doc.embeddings.put(doc.model, doc.instruction, doc.texts(), np.random.default_rng(3).standard_normal((5, 8)))
    return doc


def usable(doc: MapDocument, folder: Path) -> None:
    """A loaded project saves and loads again unchanged, exports to every format and lays out finite places."""
    path = folder / "again.imap"
    save_project(doc, path)
    again = load_project(path)
    assert list(again.notes) == list(doc.notes) and again.notes == doc.notes
    assert again.links == doc.links and again.groups == doc.groups and again.instruction == doc.instruction
    assert all(again.placements[d].pins == doc.placements[d].pins for d in (2, 3))
    for fmt in EXPORT_FORMATS:
        export(doc, folder / f"out.{fmt}")
    if doc.notes:
        vectors = np.random.default_rng(0).standard_normal((len(doc.notes), 8)).astype(np.float32)
        result = layout_map(MapRequest.from_document(doc, clusters=2), vectors)
        result.apply(doc)
        for dims in (2, 3):
            places = doc.placements[dims].array(doc.note_ids)
            assert np.isfinite(places).all() and (np.abs(places) <= MAX_COORD * 10).all()
        save_project(doc, path)


def try_load(path: Path, folder: Path, outcomes: Counter) -> None:
    with time_limit(EXAMPLE_LIMIT_S, f"loading {path.name}"):
        try:
            doc = load_project(path)
        except InputError as exc:
            one_line(exc, str(path))
            outcomes["refused"] += 1
            return
        read_summary(path)  # what loads has a summary too
        usable(doc, folder)
    outcomes["loaded"] += 1


def test_mutated_project_bytes_load_or_are_refused(scratch):
    outcomes: Counter = Counter()
    save_project(small_project(), scratch / "seed.imap")
    seed = (scratch / "seed.imap").read_bytes()

    @FUZZ
    @given(st.lists(BYTE_MUTATION, min_size=1, max_size=6))
    def run(ops):
        path = scratch / "mutated.imap"
        path.write_bytes(mutate_bytes(seed, ops))
        try_load(path, scratch, outcomes)

    run()
    report("byte-mutated .imap", outcomes)


def test_structurally_mutated_project_json_loads_or_is_refused(scratch):
    outcomes: Counter = Counter()
    save_project(small_project(), scratch / "seed.imap")
    with zipfile.ZipFile(scratch / "seed.imap") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    tree = json.loads(members["project.json"])

    @FUZZ
    @given(st.lists(TREE_MUTATION, min_size=1, max_size=5))
    def run(ops):
        path = scratch / "tree.imap"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, dump(mutate_tree(tree, ops)) if name == "project.json" else data)
        try_load(path, scratch, outcomes)

    run()
    report("structurally mutated project.json", outcomes)


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

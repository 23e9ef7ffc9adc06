"""Fuzzing the project loader: byte-mutated .imap files and structurally mutated project.json either load or raise
InputError with one line; nothing else escapes and no input hangs. What loads is usable: it has a summary, saves,
loads again, exports and lays out. IMAP_FUZZ_EXAMPLES sets the examples per target (200 by default).
"""
from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
from fuzzing import (
    BYTE_MUTATION,
    EXAMPLE_LIMIT_S,
    FUZZ,
    TREE_MUTATION,
    dump,
    mutate_bytes,
    mutate_tree,
    one_line,
    report,
    scratch_fixture,  # noqa: F401  (the fixture "scratch")
)
from hypothesis import given
from hypothesis import strategies as st
from limits import time_limit

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import FORMATS as EXPORT_FORMATS
from instructor_map.core.exporters import export
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import MAX_COORD, load_project, read_summary, save_project


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
    doc.imported_arrangement = True  # arranged as a canvas had it, no task applied yet
    return doc


def usable(doc: MapDocument, folder: Path) -> None:
    """A loaded project saves and loads again unchanged, exports to every format and lays out finite places."""
    path = folder / "again.imap"
    save_project(doc, path)
    again = load_project(path)
    assert list(again.notes) == list(doc.notes) and again.notes == doc.notes
    assert again.links == doc.links and again.groups == doc.groups and again.instruction == doc.instruction
    assert again.imported_arrangement == doc.imported_arrangement
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

"""Fuzzing shared by tests/core/test_fuzz_importers.py and test_fuzz_project.py: the hypothesis settings, a scratch
folder, byte and JSON-tree mutations, generated inputs (JSON Canvas, CSV, JSON Lines of empty records, deeply
nested JSON), the one-line check on a refusal and the report of what the examples did.

IMAP_FUZZ_EXAMPLES sets the examples per target (200 by default).
"""
from __future__ import annotations

import copy
import json
import math
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from limits import time_limit

from instructor_map.core.commands import AddNotes
from instructor_map.core.document import LINK_KINDS, MapDocument
from instructor_map.core.errors import InputError
from instructor_map.core.importers import import_file
from instructor_map.core.project_file import MAX_COORD

EXAMPLES = int(os.environ.get("IMAP_FUZZ_EXAMPLES", 200))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXAMPLE_LIMIT_S = 10  # one example that runs longer than this counts as a hang


@pytest.fixture(scope="module", name="scratch")
def scratch_fixture():
    """A folder for fuzzed files; in memory where the system has one, since saving fsyncs. Test modules import it
    to use the fixture "scratch"."""
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


def nested(depth: int, shape: str = "list", inner: str = "1") -> str:
    """JSON nested `depth` deep: lists, objects, or both in turn."""
    opens = {"list": ("[", "]"), "object": ('{"a": ', "}")}
    if shape == "mixed":
        pairs = [opens["list"] if k % 2 else opens["object"] for k in range(depth)]
    else:
        pairs = [opens[shape]] * depth
    return "".join(o for o, _ in pairs) + inner + "".join(c for _, c in reversed(pairs))


RAW = {"@deep": "[" * 20_000 + "]" * 20_000, "@deep900": "[" * 900 + "]" * 900, "@bigint": "9" * 5000,
       "@nan": "NaN", "@inf": "-Infinity", "@huge": "1e999", "@dup": '{"id": "a", "id": "b", "text": "twice"}',
       "@deep-mixed": nested(995, "mixed"), "@deep-objects": nested(1500, "object")}
KEYS = ["text", "id", "title", "group", "color", "metadata", "notes", "links", "source", "target", "kind", "label",
        "nodes", "edges", "type", "x", "y", "width", "height", "fromNode", "toNode", "schema_version", "views", "2",
        "3", "positions", "pins", "basis", "clusters", "cluster_labels", "cluster_renamed", "embeddings", "rows",
        "file", "model", "model_kind", "instruction", "instruction_history", "groups", "name", "n1", "n2", "g1",
        "imported_arrangement", "fromSide", "toSide", "fromEnd", "toEnd", "url", "subpath"]
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


def dump(tree, ascii: bool = False) -> str:
    """JSON text of `tree` with the RAW names replaced by their raw JSON; `ascii` escapes lone surrogates too."""
    text = json.dumps(tree, ensure_ascii=ascii)
    for name, raw in RAW.items():
        text = text.replace(json.dumps(name), raw)
    return text


# ---- generated inputs ---------------------------------------------------------------------------------------
# JSON Canvas: text, file, link and group nodes and nodes of unknown types, edges with sides, ends, colours and
# labels, then (unless clean) breakage: values of the wrong type, missing or repeated ids, dangling edges, huge
# sizes, NaN places, nodes that are no object. Written with fuzzing.dump, so "@deep" values become deep JSON.
CANVAS_COLORS_IN = ["1", "2", "3", "4", "5", "6", "#ABC", "#a1b2c3", "#E0DE71", "red", "7", "#12345", ""]
NOTE_TEXTS = st.one_of(st.text(max_size=20), st.sampled_from([
    "# Cove\n\nA quiet cove", "# Only a heading", "", " ", " padded ", "a\r\nb", "\ud800 lone", "=SUM(A1)", "🏖️",
    "supports", "x" * 300, "#", "# T\n\n# U\n\nbody"]))
COORD = st.one_of(st.integers(-3000, 3000), st.floats(-3000, 3000, allow_nan=False, allow_infinity=False))
SIZE = st.one_of(st.integers(1, 800), st.floats(0.5, 800))
BAD = st.sampled_from([None, True, "12", "", [], {}, [1, 2], {"x": 1}, math.nan, math.inf, -math.inf, 1e308,
                       -1e308, 10**400, 0, -5, "@deep900", "@deep", "@deep-mixed"])
HUGE = st.sampled_from([1e308, -1e308, 10**400, 1e30, -1e31, 3e38, 2**63])
NODE_FIELDS = ["id", "type", "text", "file", "subpath", "url", "label", "color", "x", "y", "width", "height",
               "background"]
EDGE_FIELDS = ["id", "fromNode", "toNode", "fromSide", "toSide", "fromEnd", "toEnd", "color", "label", "kind"]
SIDES, ENDS = ["top", "right", "bottom", "left"], ["none", "arrow"]
BREAKS = ["node value", "node value", "edge value", "no id", "same id", "dangling", "huge", "huge", "nan", "nan",
          "not an object", "edges", "top"]  # the last three mostly refuse the file: drawn less often


@st.composite
def canvas_node(draw, i: int) -> dict:
    kind = draw(st.sampled_from(["text", "text", "text", "file", "link", "group", "widget"]))
    node = {"id": f"n{i}", "type": kind, "x": draw(COORD), "y": draw(COORD), "width": draw(SIZE),
            "height": draw(SIZE)}
    if kind == "text":
        node["text"] = draw(NOTE_TEXTS)
    elif kind == "file":
        node["file"] = draw(st.sampled_from(["Guides/Coast.md", "photo.jpg", "", "ünï/cødé.pdf"]))
        if draw(st.booleans()):
            node["subpath"] = draw(st.sampled_from(["#Getting there", "#^block", ""]))
    elif kind == "link":
        node["url"] = draw(st.sampled_from(["https://example.org/coast", "", "not a url"]))
    elif kind == "group" and draw(st.booleans()):
        node["label"] = draw(st.sampled_from(["Beach", "Beach", "Snow", "", " "]))
    if draw(st.booleans()):
        node["color"] = draw(st.sampled_from(CANVAS_COLORS_IN))
    if draw(st.integers(0, 4)) == 0:
        node[draw(st.sampled_from(["z", "styleAttributes", "background"]))] = draw(st.sampled_from([3, {"a": 1}, "x"]))
    return node


@st.composite
def canvas_edge(draw, i: int, ids: list[str]) -> dict:
    ends = st.sampled_from(ids or ["gone"])
    edge = {"id": f"e{i}", "fromNode": draw(ends), "toNode": draw(ends)}
    for key, values in (("fromSide", SIDES), ("toSide", SIDES), ("fromEnd", ENDS), ("toEnd", ENDS),
                        ("color", CANVAS_COLORS_IN), ("label", ["supports", "Opposes", "because", ""])):
        if draw(st.booleans()):
            edge[key] = draw(st.sampled_from(values))
    return edge


@st.composite
def canvases(draw, clean: bool = False) -> dict:
    """A JSON Canvas as parsed JSON; `clean`: no breakage, so it must import and export as it was."""
    nodes = [draw(canvas_node(i)) for i in range(draw(st.integers(1, 8)))]
    if clean:
        nodes.append({"id": "sure", "type": "text", "text": "A note for sure", "x": 0, "y": 0, "width": 10,
                      "height": 10})
    ids = [n["id"] for n in nodes]
    edges = [draw(canvas_edge(i, ids)) for i in range(draw(st.integers(0, 6)))]
    data: dict = {"nodes": nodes, "edges": edges}
    if clean:
        return data
    for what, at, value, huge in draw(st.lists(st.tuples(st.sampled_from(BREAKS), st.integers(0, 99), BAD, HUGE),
                                               max_size=3)):
        _break(data, what, at, value, huge)
    return data


def _break(data: dict, what: str, at: int, value, huge) -> None:
    nodes = [n for n in data["nodes"] if isinstance(n, dict)] if isinstance(data.get("nodes"), list) else []
    edges = [e for e in data["edges"] if isinstance(e, dict)] if isinstance(data.get("edges"), list) else []
    node = nodes[at % len(nodes)] if nodes else None
    edge = edges[at % len(edges)] if edges else None
    if what == "node value" and node is not None:
        node[NODE_FIELDS[at % len(NODE_FIELDS)]] = value
    elif what == "edge value" and edge is not None:
        edge[EDGE_FIELDS[at % len(EDGE_FIELDS)]] = value
    elif what == "no id" and (node if at % 2 else edge) is not None:
        (node if at % 2 else edge).pop("id", None)
    elif what == "same id" and len(nodes) > 1:
        nodes[(at + 1) % len(nodes)]["id"] = node.get("id") if node else "x"
    elif what == "dangling" and edge is not None:
        edge["toNode" if at % 2 else "fromNode"] = "nowhere"
    elif what == "huge" and node is not None:
        node[("x", "y", "width", "height")[at % 4]] = huge
    elif what == "nan" and node is not None:
        node[("x", "y")[at % 2]] = (math.nan, math.inf, -math.inf)[at % 3]
    elif what == "not an object" and isinstance(data.get("nodes"), list) and data["nodes"]:
        data["nodes"][at % len(data["nodes"])] = value
    elif what == "edges":
        data["edges"] = value
    elif what == "top":
        data[("version", "nodes")[at % 7 == 0]] = value


# CSV: the map's own export header (whose formula escape the import undoes) or another, cells that start like a
# formula, carry the escape's apostrophes, NUL characters, quotes, delimiters and line breaks; written by a CSV
# writer or joined raw (so quoting may be broken)
CSV_SPECIAL_CELLS = st.sampled_from([
    "=SUM(A1:A2)", "+1", "-2", "@cmd", "'=x", "''+y", "'", "=", "\t=x", "\r=y", "a\x00b", "\x00", '"quoted"',
    '"', "a,b", "a;b", "a\tb", "a\nb", "a\r\nb", "a\rb", " x ", "'plain", "", "🏖️", "text"])
CSV_CELLS = st.one_of(st.text(max_size=10), CSV_SPECIAL_CELLS)


@st.composite
def csv_texts(draw) -> str:
    from instructor_map.core.csv_cells import export_header

    if draw(st.booleans()):
        header = export_header(draw(st.sampled_from([2, 3])))
    else:
        header = draw(st.lists(st.one_of(st.sampled_from(["id", "title", "group", "color", "year", "=x", "", "a\x00",
                                                          "text"]), st.text(max_size=4)), max_size=4))
        if draw(st.integers(0, 5)):  # mostly with a text column somewhere
            header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["text", "Text", " text "])))
    rows = draw(st.lists(st.lists(CSV_CELLS, max_size=len(header) + 2), max_size=8))
    delimiter = draw(st.sampled_from([",", ",", ";", "\t"]))
    if draw(st.booleans()):
        return delimiter.join(header) + "\n" + "\n".join(delimiter.join(row) for row in rows)
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# JSON Lines with many records that hold no text ({}, "", {"text": ""} ...) around a few that do
EMPTY_RECORDS = ["{}", '""', '{"text": ""}', '{"text": "   "}', '{"other": 1}', "", "   "]


@st.composite
def jsonl_with_empty_records(draw) -> tuple[str, int, int]:
    """(the file's text, records with text, records without text); blank lines are no records."""
    with_text = draw(st.integers(0, 4))
    empty = draw(st.sampled_from([0, 1, 50, 5_000, 10_000, 10_001, 10_004, 20_000]))
    kinds = draw(st.lists(st.sampled_from(EMPTY_RECORDS), min_size=1, max_size=3))
    lines = [kinds[k % len(kinds)] for k in range(empty)]
    for k in range(with_text):
        at = draw(st.sampled_from([0, len(lines) // 2, len(lines)]))
        lines.insert(at, json.dumps({"text": f"note {k}", "k": k}))
    records = sum(1 for k in range(empty) if kinds[k % len(kinds)].strip())
    return "\n".join(lines), with_text, records


# JSON nested deep, at the top or inside a note, a link, a canvas node, a line of JSON Lines
DEPTHS = st.one_of(st.sampled_from([1, 2, 100, 900, 990, 995, 1000, 1100, 5000, 100_000]), st.integers(1, 3000))


@st.composite
def deep_json(draw) -> tuple[str, str]:
    """(suffix, text) of a file with a deeply nested value somewhere in it."""
    deep = nested(draw(DEPTHS), draw(st.sampled_from(["list", "object", "mixed"])),
                  draw(st.sampled_from(["1", '"text"', '{"text": "inner"}', "[]"])))
    where = draw(st.sampled_from(["top", "note text", "note field", "metadata", "links", "notes", "canvas node",
                                  "canvas top", "canvas edges", "jsonl line"]))
    note, canvas_note = '{"id": "a", "text": "Beach"}', '{"id": "a", "type": "text", "text": "Beach"}'
    suffix, template = {
        "top": (".json", "DEEP"),
        "note text": (".json", '[{"text": DEEP}]'),
        "note field": (".json", '[{"text": "Beach", "extra": DEEP}]'),
        "metadata": (".json", '[{"text": "Beach", "metadata": {"k": DEEP}}]'),
        "links": (".json", '{"notes": [NOTE], "links": [DEEP]}'),
        "notes": (".json", '{"notes": DEEP}'),
        "canvas node": (".canvas", '{"nodes": [{"id": "a", "type": "text", "text": "Beach", "x": 0, "y": 0, '
                                   '"data": DEEP}]}'),
        "canvas top": (".canvas", '{"nodes": [CANVAS_NOTE], "meta": DEEP}'),
        "canvas edges": (".canvas", '{"nodes": [CANVAS_NOTE], "edges": [DEEP]}'),
        "jsonl line": (".jsonl", '{"text": "Beach"}\nDEEP\n{"text": "Snow"}'),
    }[where]
    return suffix, template.replace("CANVAS_NOTE", canvas_note).replace("NOTE", note).replace("DEEP", deep)


# ---- what a good outcome looks like ------------------------------------------------------------------------
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
    if len(result.notes) <= 1000:  # large imports into a document are timed in test_reliability_text.py
        doc = MapDocument()
        doc.groups.update({g.id: g for g in result.groups})
        AddNotes(result.notes, result.links, result.places).do(doc)


def try_import(path: Path, outcomes: Counter):
    """The import of `path`, checked; None when it was refused (with one line naming the file)."""
    with time_limit(EXAMPLE_LIMIT_S, f"importing {path.name}"):
        try:
            result = import_file(path)
        except InputError as exc:
            one_line(exc, str(path))
            outcomes["refused"] += 1
            return None
    check_import(result)
    outcomes["imported"] += 1
    return result


def one_line(exc: InputError, source: str) -> None:
    message = str(exc)
    assert message and "\n" not in message and "\r" not in message, message
    assert source in message, message


def report(what: str, outcomes: Counter) -> None:
    total = sum(outcomes.values())
    print(f"{what}: {total} examples, " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    assert total >= min(EXAMPLES, 50)

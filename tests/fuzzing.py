"""Fuzzing shared by tests/core/test_fuzz_importers.py and test_fuzz_project.py: the hypothesis settings, a scratch
folder, byte and JSON-tree mutations, the one-line check on a refusal and the report of what the examples did.

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

from instructor_map.core.document import LINK_KINDS
from instructor_map.core.errors import InputError

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


def report(what: str, outcomes: Counter) -> None:
    total = sum(outcomes.values())
    print(f"{what}: {total} examples, " + ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())))
    assert total >= min(EXAMPLES, 50)

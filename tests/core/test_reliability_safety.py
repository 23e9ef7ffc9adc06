"""Safety: crafted project files (pickled arrays, zip bombs, lying sizes and headers, odd arrays, unknown schema
versions, far-out places) are refused or repaired without running code; the product code never unpickles, evaluates
or trusts remote code; CSV and GraphML exports escape formulas and markup.

Every test prints how many trials it ran.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import os
import struct
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from project_fixtures import npy, refused

import instructor_map
from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.exporters import export
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


# ---- crafted project files ------------------------------------------------------------------------------
def small_doc() -> MapDocument:
    doc = MapDocument(model="bundled", model_kind="sentence", instruction="Represent the note: ")
    for i, text in enumerate(["Beach", "Ski slopes", "Museums"], 1):
        doc.notes[f"n{i}"] = Note(f"n{i}", text)
        doc.placements[2].positions[f"n{i}"] = (float(i), -float(i))
    doc.embeddings.put(doc.model, doc.instruction, doc.texts(), np.eye(3, 8, dtype=np.float32))
    return doc


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "trip.imap"
    save_project(small_doc(), path)
    return path


class RunsCode:
    """Unpickling this makes a folder: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


@pytest.mark.parametrize("dtype", ["object", "record with an object field"])
def test_a_pickled_array_that_would_run_code_is_refused_and_never_run(saved, tmp_path, dtype):
    marker = tmp_path / "code-ran"
    if dtype == "object":
        array = np.array([RunsCode(marker)] * 3, dtype=object)
    else:
        array = np.array([(1.0, RunsCode(marker))] * 3, dtype=[("x", "f4"), ("payload", "O")])
    payload = npy(array, allow_pickle=True)
    np.load(io.BytesIO(payload), allow_pickle=True)  # the payload is real: unpickling it runs code
    assert marker.is_dir()
    marker.rmdir()
    members = members_of(saved)
    members["embeddings/0.npy"] = payload
    write_members(saved, members)
    refused(saved, "embeddings/0.npy", "pickled")
    assert not marker.exists()
    print(f"pickled {dtype} array: 1 trial, refused, code not run")


def patch_sizes(raw: bytes, name: str, file_size: int | None = None, compress_size: int | None = None) -> bytes:
    """Rewrite the sizes a zip's headers (local and central) declare for one member."""
    raw, wanted = bytearray(raw), name.encode()
    for signature, sizes_at, name_length_at, name_at in ((b"PK\x03\x04", 18, 26, 30), (b"PK\x01\x02", 20, 28, 46)):
        at = raw.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", raw, at + name_length_at)[0]
            if raw[at + name_at:at + name_at + length] == wanted:
                if compress_size is not None:
                    struct.pack_into("<I", raw, at + sizes_at, compress_size)
                if file_size is not None:
                    struct.pack_into("<I", raw, at + sizes_at + 4, file_size)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def peak_while(read) -> int:
    tracemalloc.start()
    try:
        read()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_zip_bomb_that_understates_its_size_is_refused_without_inflating(saved):
    bomb = b'{"schema_version": 1, "notes": [' + b" " * (64 * 2**20) + b"]}"
    members = members_of(saved)
    members["project.json"] = bomb
    write_members(saved, members)
    compressed = saved.stat().st_size
    saved.write_bytes(patch_sizes(saved.read_bytes(), "project.json", file_size=4000))
    peak = peak_while(lambda: refused(saved, "damaged"))
    print(f"zip bomb understating its size: 1 trial, {compressed // 1024} kB that inflates to 64 MB, refused, "
          f"peak {peak / 2**20:.1f} MB")
    assert peak < 8 * 2**20


@pytest.mark.parametrize("case", ["project.json", "all members"])
def test_declared_sizes_over_the_limits_are_refused_before_reading(saved, monkeypatch, case):
    members = members_of(saved)
    if case == "project.json":
        raw = patch_sizes(saved.read_bytes(), "project.json", file_size=300 * 2**20, compress_size=2 * 2**20)
        words = ("project.json", "too large")
    else:
        for i in range(3):
            members[f"embeddings/{i}.npy"] = b"x"
        write_members(saved, members, zipfile.ZIP_STORED)
        raw = saved.read_bytes()
        for i in range(3):
            raw = patch_sizes(raw, f"embeddings/{i}.npy", file_size=1_500_000_000, compress_size=1_500_000_000)
        words = ("unpacks to too much data",)
    saved.write_bytes(raw)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("read before the sizes were checked"))
    refused(saved, *words)
    print(f"declared size over the limit ({case}): 1 trial, refused before reading")


@pytest.mark.parametrize("shape", [(3, 500_000_000), (10**6, 10**6), (3, -8)])
def test_an_array_header_promising_more_than_the_member_holds_is_refused_before_allocating(saved, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    members = members_of(saved)
    members["embeddings/0.npy"] = header.getvalue() + bytes(96)
    write_members(saved, members)
    peak = peak_while(lambda: refused(saved, "embeddings/0.npy"))
    print(f"array header claiming {shape}: 1 trial, refused, peak {peak / 2**20:.1f} MB")
    assert peak < 8 * 2**20


@pytest.mark.parametrize("bad", ["inf", "-inf", "3-D", "float16"])
def test_infinite_vectors_and_odd_arrays_drop_their_block_with_a_warning(saved, bad):
    members = members_of(saved)
    vectors = np.load(io.BytesIO(members["embeddings/0.npy"]))
    if bad in ("inf", "-inf"):
        vectors[1, 3] = float(bad)
    elif bad == "3-D":
        vectors = vectors.reshape(3, 2, 4)
    else:
        vectors = vectors.astype(np.float16)
    members["embeddings/0.npy"] = npy(vectors)
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert doc.texts() == small_doc().texts() and len(doc.embeddings) == 0
    assert len(warnings) == 1 and "computed again" in warnings[0]
    print(f"{bad} vectors: 1 trial, loaded without them, warned: {warnings[0]!r}")


@pytest.mark.parametrize("version", [-1, 0.5, 1.0, True, None, "1", 10**30])
def test_an_unknown_schema_version_is_refused_with_one_line(saved, version):
    members = members_of(saved)
    data = json.loads(members["project.json"])
    data["schema_version"] = version
    members["project.json"] = json.dumps(data).encode()
    write_members(saved, members)
    message = refused(saved, "schema")
    print(f"schema_version {version!r}: 1 trial, refused: {message.split(': ', 1)[1]!r}")


def test_places_too_far_out_for_the_map_are_dropped_and_the_map_still_lays_out(saved):
    members = members_of(saved)
    data = json.loads(members["project.json"])
    data["views"]["2"]["pins"] = {"n1": [1e39, 0.0], "n2": [-2e30, 5.0], "n3": [1e29, -1e29]}
    members["project.json"] = json.dumps(data).encode()
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert doc.placements[2].pins == {"n3": (1e29, -1e29)}
    assert any("dropped pins of 2 notes" in w for w in warnings)
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    layout_map(MapRequest.from_document(doc, clusters="none"), vectors).apply(doc)
    assert np.isfinite(doc.placements[2].array(doc.note_ids)).all()
    print("pins beyond ±1e30: 1 trial, 2 of 3 dropped with a warning, layout finite")


# ---- nothing executed from a file ---------------------------------------------------------------------------
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}


def product_files() -> list[Path]:
    return sorted(Path(instructor_map.__file__).parent.rglob("*.py"))


def test_product_code_never_unpickles_evaluates_or_trusts_remote_code():
    problems, calls = [], 0
    for path in product_files():
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for pattern in ("allow_pickle=True", "trust_remote_code=True", "weights_only=False"):
            if pattern in source.replace(" ", ""):
                problems.append(f"{where}: {pattern}")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                for name in names:
                    if name and name.split(".")[0] in UNSAFE_MODULES:
                        problems.append(f"{where}:{node.lineno}: imports {name}")
            elif isinstance(node, (ast.Name, ast.Attribute)):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name == "pickle":
                    problems.append(f"{where}:{node.lineno}: uses pickle")
            if not isinstance(node, ast.Call):
                continue
            calls += 1
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_CALLS:
                problems.append(f"{where}:{node.lineno}: calls {func.id}()")
            keywords = {k.arg: k.value for k in node.keywords}

            def flag(key, keywords=keywords):
                return isinstance(keywords.get(key), ast.Constant) and keywords[key].value

            if "trust_remote_code" in keywords and flag("trust_remote_code") is not False:
                problems.append(f"{where}:{node.lineno}: trust_remote_code is not False")
            dotted = ast.unparse(func)
            if dotted == "torch.load" and flag("weights_only") is not True:
                problems.append(f"{where}:{node.lineno}: torch.load without weights_only=True")
            if dotted in ("np.load", "numpy.load") and flag("allow_pickle") is not False:
                problems.append(f"{where}:{node.lineno}: np.load without allow_pickle=False")
    assert not problems, problems
    print(f"nothing executed from a file: {len(product_files())} product files, {calls} calls checked, none unsafe")


CSV_RISKS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
             "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!A1"]


def test_csv_export_escapes_formulas_in_every_text_column(tmp_path):
    doc = MapDocument()
    for i, risk in enumerate(CSV_RISKS):
        doc.groups[f"g{i}"] = Group(f"g{i}", risk)
        doc.notes[risk] = Note(risk, risk, title=risk, group=f"g{i}")
        doc.placements[2].positions[risk] = (-1.5, -0.25)
    export(doc, tmp_path / "map.csv")
    with open(tmp_path / "map.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = 0
    for row, risk in zip(rows, CSV_RISKS):
        for column in ("id", "text", "title", "group"):
            assert row[column] == "'" + risk, (column, row[column])
            cells += 1
        assert (row["x"], row["y"]) == ("-1.5", "-0.25")  # numbers stay numbers
    print(f"CSV formula injection: {len(CSV_RISKS)} payloads in {cells} cells, every one escaped")


XML_RISKS = ['</data><data key="d0">injected</data>', "]]><![CDATA[x", '<!DOCTYPE x [<!ENTITY e "boom">]>&e;',
             "a & b < c > d \" e ' f", "control\x01\x08\x0bchars\x1f kept out", "<?xml-stylesheet href='x'?>"]


def test_graphml_export_escapes_what_it_carries(tmp_path):
    doc = MapDocument()
    doc.groups["g"] = Group("g", XML_RISKS[0])
    for i, risk in enumerate(XML_RISKS):
        doc.notes[f"id{i}{risk}"] = Note(f"id{i}{risk}", risk, title=risk, group="g")
    ids = doc.note_ids
    for i in range(len(ids) - 1):
        doc.add_link(Link(f"l{i}{XML_RISKS[i]}", ids[i], ids[i + 1], "supports", XML_RISKS[-1 - i]))
    export(doc, tmp_path / "map.graphml")
    clean = lambda text: "".join(c for c in text if c in "\t\n\r" or c >= " ")  # noqa: E731
    root = ET.parse(tmp_path / "map.graphml").getroot()
    tag = lambda name: f"{{http://graphml.graphdrawing.org/xmlns}}{name}"  # noqa: E731
    assert len(root.findall(f".//{tag('node')}")) == len(XML_RISKS)
    assert len(root.findall(f".//{tag('edge')}")) == len(XML_RISKS) - 1
    graph = nx.read_graphml(tmp_path / "map.graphml")
    assert sorted(graph.nodes) == sorted(clean(k) for k in ids)
    for k in ids:
        node = graph.nodes[clean(k)]
        assert node["text"] == clean(doc.notes[k].text) and node["title"] == clean(doc.notes[k].title)
        assert node["group"] == XML_RISKS[0]
    labels = sorted(d["label"] for _, _, d in graph.edges(data=True))
    assert labels == sorted(clean(XML_RISKS[-1 - i]) for i in range(len(ids) - 1))
    print(f"GraphML escaping: {len(XML_RISKS)} payloads in ids, texts, titles, a group and link labels; "
          "read back unchanged by ElementTree and networkx")

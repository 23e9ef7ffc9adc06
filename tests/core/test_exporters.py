"""Exports: CSV a spreadsheet opens safely, JSON, a JSON Canvas Obsidian opens, GraphML networkx reads back."""
from __future__ import annotations

import csv
import json
import os

import networkx as nx
import pytest

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import CANVAS_SPAN, FORMATS, NODE_HEIGHT, NODE_WIDTH, export

RISKY = {"n2": "=HYPERLINK(\"http://x\")", "n3": "+49 30 1234", "n4": "-minus first", "n5": "@SUM(A1)",
         "n6": "\ttabbed"}


@pytest.fixture
def doc() -> MapDocument:
    doc = MapDocument(model="bundled", instruction="Represent the note for sorting: ")
    doc.groups["g1"] = Group("g1", "=Sea", "#0088ff")
    doc.insert_note(Note("n1", 'Beach <script>&"', "Sunny 🏖️", "g1", "#FFAA00", {"src": "a.md"}))
    for note_id, text in RISKY.items():
        doc.insert_note(Note(note_id, text))
    doc.insert_note(Note("n7", "not placed yet\x01 with a control character"))
    doc.placements[2].positions = {"n1": (-0.5, 1.0), "n2": (1.5, -1.0), "n3": (0.0, 0.0), "n4": (-1.0, -0.25),
                              "n5": (0.75, 0.5), "n6": (0.25, -0.75)}
    doc.placements[2].pins = {"n1": (-1.5, 2.0)}
    doc.placements[3].positions = {"n1": (1.0, 2.0, -3.0)}
    doc.clusters = {"n1": 0, "n2": 1}
    for link in (Link("l1", "n1", "n2", "supports"), Link("l2", "n2", "n3", "opposes", "but"),
                 Link("l3", "n3", "n1", "related"), Link("l4", "n3", "n1", "supports", "twice")):
        doc.add_link(link)
    return doc


@pytest.fixture
def clustered() -> MapDocument:
    """Two named clusters (one the user locked), an unnamed one, a name left from an empty one, a loose note."""
    doc = MapDocument()
    for note_id, text in [("n1", "Sand and sea"), ("n2", "Tax forms"), ("n3", "Sunscreen"), ("n4", "Loose thought"),
                          ("n5", "Receipts"), ("n6", "Shells")]:
        doc.insert_note(Note(note_id, text))
    doc.clusters = {"n5": 0, "n3": 1, "n6": 3, "n2": 0, "n1": 1}  # not in note order; n4 in no cluster
    doc.cluster_labels = {0: "=taxes · receipts", 1: "beach · sun", 2: "emptied"}
    doc.cluster_renamed = {0}
    doc.cluster_locked = {1}
    doc.cluster_assigned = {"n3": 1}
    return doc


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---- choosing the format ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_format_follows_the_suffix(doc, tmp_path, fmt):
    path = tmp_path / f"map.{fmt.upper()}"
    export(doc, path)
    assert path.stat().st_size > 0 and os.listdir(tmp_path) == [path.name]


def test_explicit_format_wins_over_the_suffix(doc, tmp_path):
    export(doc, tmp_path / "map.txt", fmt="csv")
    assert read_csv(tmp_path / "map.txt")[0]["id"] == "n1"


@pytest.mark.parametrize("name, fmt, words", [("map.xlsx", None, "suffix '.xlsx'"), ("map", None, "without suffix"),
                                              ("map.csv", "pdf", "format 'pdf'")])
def test_unknown_format_is_refused(doc, tmp_path, name, fmt, words):
    with pytest.raises(InputError, match="use one of csv, json, canvas, graphml") as info:
        export(doc, tmp_path / name, fmt)
    assert words in str(info.value) and not (tmp_path / name).exists()


def test_failed_export_keeps_the_old_file(doc, tmp_path, monkeypatch):
    path = tmp_path / "map.graphml"
    path.write_text("old")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(nx, "write_graphml", broken)
    with pytest.raises(OSError):
        export(doc, path)
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["map.graphml"]


# ---- CSV ----------------------------------------------------------------------------------------------
def test_csv_has_the_documented_columns_and_displayed_places(doc, tmp_path):
    export(doc, tmp_path / "map.csv")
    rows = read_csv(tmp_path / "map.csv")
    assert list(rows[0]) == ["id", "text", "x", "y", "cluster", "cluster_name", "group", "title"]
    assert [r["id"] for r in rows] == list(doc.notes)
    first = rows[0]
    assert (first["x"], first["y"]) == ("-1.5", "2.0")  # the pin, not the computed place
    assert first["text"] == 'Beach <script>&"' and first["title"] == "Sunny 🏖️"
    assert first["cluster"] == "0" and rows[2]["cluster"] == ""
    assert rows[-1]["x"] == rows[-1]["y"] == ""


def test_csv_cells_a_spreadsheet_would_run_are_escaped_but_numbers_stay_numbers(doc, tmp_path):
    export(doc, tmp_path / "map.csv")
    rows = {r["id"]: r for r in read_csv(tmp_path / "map.csv")}
    for note_id, text in RISKY.items():
        assert rows[note_id]["text"] == "'" + text
    assert rows["n1"]["group"] == "'=Sea"
    assert rows["n4"]["x"] == "-1.0" and rows["n4"]["y"] == "-0.25"
    assert float(rows["n2"]["y"]) == -1.0


def test_csv_in_3d_has_z(doc, tmp_path):
    export(doc, tmp_path / "map.csv", dims=3)
    rows = read_csv(tmp_path / "map.csv")
    assert list(rows[0])[2:5] == ["x", "y", "z"]
    assert (rows[0]["x"], rows[0]["y"], rows[0]["z"]) == ("1.0", "2.0", "-3.0")
    assert rows[1]["z"] == ""


def test_csv_names_each_note_s_cluster(clustered, tmp_path):
    export(clustered, tmp_path / "map.csv")
    rows = {r["id"]: r for r in read_csv(tmp_path / "map.csv")}
    assert {k: (r["cluster"], r["cluster_name"]) for k, r in rows.items()} == {
        "n1": ("1", "beach · sun"), "n2": ("0", "'=taxes · receipts"), "n3": ("1", "beach · sun"),
        "n4": ("", ""), "n5": ("0", "'=taxes · receipts"), "n6": ("3", "Cluster 4")}  # the map's name for it


# ---- JSON ---------------------------------------------------------------------------------------------
def test_json_export(doc, tmp_path):
    export(doc, tmp_path / "map.json")
    raw = (tmp_path / "map.json").read_bytes()
    assert "🏖️".encode() in raw  # UTF-8, not \u escapes
    data = json.loads(raw)
    assert list(data) == ["instruction", "model", "notes", "links", "clusters"]
    assert data["clusters"] == [{"id": 0, "name": "Cluster 1", "notes": ["n1"], "locked": False},
                                {"id": 1, "name": "Cluster 2", "notes": ["n2"], "locked": False}]
    assert data["instruction"] == doc.instruction and data["model"] == "bundled"
    first = data["notes"][0]
    assert first == {"id": "n1", "text": 'Beach <script>&"', "title": "Sunny 🏖️", "group": "=Sea",
                     "color": "#FFAA00", "cluster": 0, "x": -1.5, "y": 2.0, "pinned": True,
                     "metadata": {"src": "a.md"}}
    assert data["notes"][-1]["x"] is None and data["notes"][-1]["cluster"] is None
    assert data["links"][1] == {"id": "l2", "source": "n2", "target": "n3", "kind": "opposes", "label": "but"}


def test_json_lists_the_clusters_with_their_notes(clustered, tmp_path):
    export(clustered, tmp_path / "map.json")
    data = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))
    assert data["clusters"] == [
        {"id": 0, "name": "=taxes · receipts", "notes": ["n2", "n5"], "locked": False},  # JSON is not escaped
        {"id": 1, "name": "beach · sun", "notes": ["n1", "n3"], "locked": True},
        {"id": 3, "name": "Cluster 4", "notes": ["n6"], "locked": False},
    ]
    assert {n["id"]: n["cluster"] for n in data["notes"]} == {"n1": 1, "n2": 0, "n3": 1, "n4": None, "n5": 0,
                                                             "n6": 3}


def test_json_without_clusters_has_an_empty_list(tmp_path):
    doc = MapDocument()
    doc.insert_note(Note("n1", "alone"))
    export(doc, tmp_path / "map.json")
    assert json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))["clusters"] == []


def test_json_in_3d_has_z(doc, tmp_path):
    export(doc, tmp_path / "map.json", dims=3)
    first = json.loads((tmp_path / "map.json").read_text(encoding="utf-8"))["notes"][0]
    assert (first["x"], first["y"], first["z"], first["pinned"]) == (1.0, 2.0, -3.0, False)


# ---- JSON Canvas --------------------------------------------------------------------------------------
def test_canvas_nodes_and_edges(doc, tmp_path):
    export(doc, tmp_path / "map.canvas")
    canvas = json.loads((tmp_path / "map.canvas").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in canvas["nodes"] if n["type"] == "text"}
    assert list(nodes) == list(doc.notes)
    for node in nodes.values():
        assert (node["width"], node["height"]) == (NODE_WIDTH, NODE_HEIGHT)
        assert all(isinstance(node[k], int) for k in ("x", "y", "width", "height"))
    assert nodes["n1"]["text"] == '# Sunny 🏖️\n\nBeach <script>&"' and nodes["n1"]["color"] == "#ffaa00"
    assert "color" not in nodes["n2"]
    edges = {e["id"]: e for e in canvas["edges"]}
    assert edges["l1"] == {"id": "l1", "fromNode": "n1", "toNode": "n2", "kind": "supports", "color": "4"}
    assert edges["l2"]["color"] == "1" and edges["l2"]["label"] == "but"
    assert edges["l3"] == {"id": "l3", "fromNode": "n3", "toNode": "n1"}  # no label or kind is invented


def test_canvas_groups_are_group_nodes_around_their_notes(doc, tmp_path):
    export(doc, tmp_path / "map.canvas")
    canvas = json.loads((tmp_path / "map.canvas").read_text(encoding="utf-8"))
    group, n1 = canvas["nodes"][0], next(n for n in canvas["nodes"] if n["id"] == "n1")
    assert {k: group[k] for k in ("id", "type", "label", "color")} == \
        {"id": "g1", "type": "group", "label": "=Sea", "color": "#0088ff"}  # first: drawn below its notes
    assert group["x"] < n1["x"] and n1["x"] + n1["width"] < group["x"] + group["width"]
    assert group["y"] < n1["y"] and n1["y"] + n1["height"] < group["y"] + group["height"]


def test_canvas_places_follow_the_map_with_y_flipped(doc, tmp_path):
    export(doc, tmp_path / "map.canvas")
    nodes = {n["id"]: n for n in json.loads((tmp_path / "map.canvas").read_text(encoding="utf-8"))["nodes"]}
    centres = {k: (n["x"] + n["width"] / 2, n["y"] + n["height"] / 2) for k, n in nodes.items()}
    places = {k: doc.placements[2].position(k) for k in doc.notes if doc.placements[2].position(k)}
    xs, ys = [p[0] for p in places.values()], [p[1] for p in places.values()]
    scale = CANVAS_SPAN / max(max(xs) - min(xs), max(ys) - min(ys))
    for note_id, (x, y) in places.items():
        cx, cy = centres[note_id]
        assert cx / scale == pytest.approx(x, abs=1 / scale)
        assert -cy / scale == pytest.approx(y, abs=1 / scale)  # up on the map is up on the canvas
    # the unplaced note sits below every placed one
    assert centres["n7"][1] > max(c[1] for k, c in centres.items() if k != "n7") + NODE_HEIGHT


# ---- GraphML ------------------------------------------------------------------------------------------
def test_graphml_reads_back_with_networkx(doc, tmp_path):
    export(doc, tmp_path / "map.graphml")
    graph = nx.read_graphml(tmp_path / "map.graphml")
    assert sorted(graph.nodes) == sorted(doc.notes)
    assert graph.number_of_edges() == len(doc.links)  # parallel links n3 -> n1 are both kept
    n1 = graph.nodes["n1"]
    assert n1["text"] == 'Beach <script>&"' and n1["title"] == "Sunny 🏖️" and n1["group"] == "=Sea"
    assert (n1["x"], n1["y"], n1["cluster"]) == (-1.5, 2.0, 0)
    assert graph.nodes["n3"]["cluster"] == -1
    assert "x" not in graph.nodes["n7"]
    assert graph.nodes["n7"]["text"] == "not placed yet with a control character"
    kinds = sorted(d["kind"] for _, _, d in graph.edges(data=True))
    assert kinds == ["opposes", "related", "supports", "supports"]
    assert {d["label"] for _, _, d in graph.edges("n2", data=True)} == {"but"}


def test_graphml_nodes_name_their_cluster(clustered, tmp_path):
    clustered.cluster_labels[1] = "beach\x01 · sun"  # XML cannot hold the control character
    export(clustered, tmp_path / "map.graphml")
    nodes = nx.read_graphml(tmp_path / "map.graphml").nodes
    assert {k: (nodes[k]["cluster"], nodes[k]["cluster_name"]) for k in clustered.notes} == {
        "n1": (1, "beach · sun"), "n2": (0, "=taxes · receipts"), "n3": (1, "beach · sun"), "n4": (-1, ""),
        "n5": (0, "=taxes · receipts"), "n6": (3, "Cluster 4")}
    text = (tmp_path / "map.graphml").read_text(encoding="utf-8")
    assert 'attr.name="cluster_name" attr.type="string"' in text


def test_graphml_in_3d_has_z(doc, tmp_path):
    export(doc, tmp_path / "map.graphml", dims=3)
    n1 = nx.read_graphml(tmp_path / "map.graphml").nodes["n1"]
    assert (n1["x"], n1["y"], n1["z"]) == (1.0, 2.0, -3.0)

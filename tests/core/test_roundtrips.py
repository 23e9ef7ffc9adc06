"""What the map exports comes back: a JSON Canvas imported and exported again is the same file (and what the user
changed in between is what changes), a CSV the map exported imports with the same ids and texts, and GraphML of
every sample map reads in networkx with all its notes and links."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from instructor_map.core.commands import AddNotes
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.exporters import export
from instructor_map.core.importers import import_file
from instructor_map.core.project_file import load_project, save_project

SAMPLES = Path(__file__).parents[2] / "assets" / "samples"
OBSIDIAN_STYLE = Path(__file__).parent / "data" / "obsidian_style.canvas"


def imported(path, doc: MapDocument | None = None) -> MapDocument:
    """A map of the notes, links, groups and places read from `path`, as the app builds it on import."""
    doc = doc or MapDocument()
    result = import_file(path, doc=doc)
    AddNotes(result.notes, result.links, result.places, result.groups).do(doc)
    return doc


def exported(doc: MapDocument, path) -> dict:
    export(doc, path)
    return json.loads(Path(path).read_text(encoding="utf-8"))


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


# ---- JSON Canvas ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [OBSIDIAN_STYLE, SAMPLES / "argument_map.canvas"], ids=lambda p: p.stem)
def test_a_canvas_imported_and_exported_is_the_same_file(tmp_path, path):
    """Text, file, link and group nodes, sizes, preset and hex colours, edge sides, ends, colours and labels,
    unlabelled edges, empty and unknown nodes, and unknown fields everywhere come back as they were."""
    original = json.loads(path.read_text(encoding="utf-8"))
    assert exported(imported(path), tmp_path / "again.canvas") == original


def test_a_canvas_comes_back_the_same_through_a_saved_project(tmp_path):
    save_project(imported(OBSIDIAN_STYLE), tmp_path / "map.imap")
    again = exported(load_project(tmp_path / "map.imap"), tmp_path / "again.canvas")
    assert again == json.loads(OBSIDIAN_STYLE.read_text(encoding="utf-8"))


def test_what_the_user_changed_is_exported_and_the_rest_kept(tmp_path):
    original = json.loads(OBSIDIAN_STYLE.read_text(encoding="utf-8"))
    doc = imported(OBSIDIAN_STYLE)
    doc.notes["beach"].text = "Quiet beaches at dawn"
    doc.notes["kayak"].color = "#123456"
    doc.notes["guide"].text = "Read the guide first"  # an edited file card is a text card
    doc.placements[2].pins["tide"] = (60.0, 600.0)  # dragged far above its group
    doc.groups["grp-inner"].name = "Indoors"
    doc.links["e-rain-kayak"].label = ""
    doc.links["e-beach-tide"].kind = "supports"
    doc.insert_note(Note("new", "A note written in the map"))
    doc.add_link(Link("l-new", "new", "beach", "opposes"))
    out = exported(doc, tmp_path / "edited.canvas")
    before, after = by_id(original["nodes"]), by_id(out["nodes"])

    assert after["beach"] == {**before["beach"], "text": "Quiet beaches at dawn"}  # colour "2" and box kept
    assert after["kayak"] == {**before["kayak"], "color": "#123456"}
    guide = {k: v for k, v in before["guide"].items() if k not in ("file", "subpath")}
    assert after["guide"] == {**guide, "type": "text", "text": "Read the guide first"}
    assert (after["tide"]["x"], after["tide"]["y"]) == (60 - 180, -600 - 40)  # centre (60, 600), y flipped
    assert (after["tide"]["width"], after["tide"]["height"]) == (360, 80)
    plan = after["grp-plan"]  # its box grows to hold the dragged note; label and colour stay
    assert plan["y"] <= after["tide"]["y"] and (plan["label"], plan["color"]) == ("Trip plan", "4")
    assert after["grp-inner"] == {**before["grp-inner"], "label": "Indoors"}
    unchanged = set(before) - {"beach", "kayak", "guide", "tide", "grp-plan", "grp-inner"}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert after["new"]["type"] == "text" and after["new"]["text"] == "A note written in the map"

    edges, was = by_id(out["edges"]), by_id(original["edges"])
    assert edges["e-rain-kayak"] == {k: v for k, v in was["e-rain-kayak"].items() if k != "label"}
    assert edges["e-beach-tide"] == {**was["e-beach-tide"], "kind": "supports"}  # still no arrow at its end
    assert edges["l-new"] == {"id": "l-new", "fromNode": "new", "toNode": "beach", "kind": "opposes", "color": "1"}
    assert {k: v for k, v in out.items() if k not in ("nodes", "edges")} == \
        {"metadata": original["metadata"], "viewport": original["viewport"]}


def test_deleting_a_note_drops_its_edges_and_keeps_the_rest(tmp_path):
    doc = imported(OBSIDIAN_STYLE)
    doc.remove_note("budget")  # the only end of the edge to a group that is a note
    out = exported(doc, tmp_path / "less.canvas")
    assert "budget" not in by_id(out["nodes"]) and "e-budget-group" not in by_id(out["edges"])
    assert "e-blank-frame" in by_id(out["edges"]) and {"blank", "frame"} <= set(by_id(out["nodes"]))


def test_titles_and_colours_set_in_the_map_travel_through_a_canvas(tmp_path):
    doc = imported(SAMPLES / "argument_map.canvas")
    for k, note in enumerate(list(doc.notes.values())[::4]):
        note.title = f"Claim {k + 1}"  # travels as the card's "# Title" line
        note.color = "#d62728"
    export(doc, tmp_path / "again.canvas")
    back = imported(tmp_path / "again.canvas")
    assert len(back.notes) == len(doc.notes) == 39
    for note_id, note in doc.notes.items():
        again = back.notes[note_id]
        assert (again.title, again.text, again.color) == (note.title, note.text, note.color)
        assert back.placements[2].position(note_id) == doc.placements[2].position(note_id)
    assert {k: (ln.source, ln.target, ln.kind, ln.label) for k, ln in back.links.items()} == \
        {k: (ln.source, ln.target, ln.kind, ln.label) for k, ln in doc.links.items()}


def big_canvas() -> dict:
    """163 text notes of many sizes in 24 labelled groups, with file and link nodes and unlabelled edges."""
    nodes, edges = [], []
    for g in range(24):
        gx, gy = (g % 6) * 1000, (g // 6) * 900
        nodes.append({"id": f"g{g}", "type": "group", "label": f"Topic {g}", "x": gx, "y": gy, "width": 940,
                      "height": 840, "color": str(g % 6 + 1)})
        for k in range(7):
            i = g * 7 + k
            node = {"id": f"n{i}", "x": gx + 20 + (k % 3) * 300, "y": gy + 20 + (k // 3) * 270,
                    "width": 180 + (i * 37) % 100, "height": 60 + (i * 53) % 190}
            if i < 163:
                node.update(type="text", text=f"Note {i}: " + "word " * (i % 9))
            elif i % 2:
                node.update(type="file", file=f"Attachments/scan {i}.png")
            else:
                node.update(type="link", url=f"https://example.org/{i}")
            nodes.append(node)
            if k:
                edges.append({"id": f"e{i}", "fromNode": f"n{i - 1}", "toNode": f"n{i}", "toEnd": "none"})
    return {"nodes": nodes, "edges": edges}


def overlapping_pairs(nodes: list[dict]) -> int:
    cards = [n for n in nodes if n["type"] != "group"]
    return sum(a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and
               a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
               for i, a in enumerate(cards) for b in cards[i + 1:])


def test_a_big_canvas_keeps_its_groups_sizes_and_keeps_cards_apart(tmp_path):
    source = big_canvas()
    (tmp_path / "big.canvas").write_text(json.dumps(source), encoding="utf-8")
    doc = imported(tmp_path / "big.canvas")
    assert len(doc.notes) == 168 and len(doc.groups) == 24
    assert all(note.group == f"g{int(note_id[1:]) // 7}" for note_id, note in doc.notes.items())
    out = exported(doc, tmp_path / "out.canvas")
    assert overlapping_pairs(source["nodes"]) == overlapping_pairs(out["nodes"]) == 0
    assert sum(n["type"] == "group" for n in out["nodes"]) == 24
    assert out == source


# ---- CSV ------------------------------------------------------------------------------------------------------
TRICKY = {"=id": "=SUM(A1)", "+1": "+1", "-x": "-x", "@me": "@me", "q": "'quoted", "'=x": "'=not a formula",
          "plain": "Beach day"}


def test_a_csv_the_map_exported_imports_with_the_same_ids_and_texts(tmp_path):
    doc = MapDocument()
    for note_id, text in TRICKY.items():
        doc.insert_note(Note(note_id, text, title="-" + note_id))
    export(doc, tmp_path / "notes.csv")
    cells = (tmp_path / "notes.csv").read_text(encoding="utf-8")
    assert "'=SUM(A1)" in cells and "''=not a formula" in cells  # still safe to open in a spreadsheet
    back = import_file(tmp_path / "notes.csv")
    assert {n.id: (n.text, n.title) for n in back.notes} == {k: (t, "-" + k) for k, t in TRICKY.items()}


# ---- GraphML --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sample", ["vacation", "argument_map", "research_notes"])
def test_graphml_of_a_sample_map_has_every_note_and_link_in_networkx(tmp_path, sample):
    doc = load_project(SAMPLES / f"{sample}.imap")
    export(doc, tmp_path / "map.graphml")
    graph = nx.read_graphml(tmp_path / "map.graphml")
    assert set(graph.nodes) == set(doc.notes)
    for note in doc.notes.values():
        node = graph.nodes[note.id]
        group = doc.groups[note.group].name if note.group else ""
        assert (node["text"], node["cluster"], node["group"]) == (note.text, doc.cluster_of(note.id), group)
        assert (node["x"], node["y"]) == pytest.approx(doc.placements[2].position(note.id))
    edges = sorted((source, target, data["kind"]) for source, target, data in graph.edges(data=True))
    assert edges == sorted((ln.source, ln.target, ln.kind) for ln in doc.links.values())

"""What the map exports comes back: a JSON Canvas through import, export and import again, and GraphML of every
sample map in networkx with all its notes and links."""
from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from instructor_map.core.commands import AddNotes
from instructor_map.core.document import MapDocument
from instructor_map.core.exporters import CANVAS_SPAN, export
from instructor_map.core.importers import import_file
from instructor_map.core.project_file import load_project

SAMPLES = Path(__file__).parents[2] / "assets" / "samples"


def imported(path) -> MapDocument:
    """A map of the notes, links, groups and places read from `path`, as the app builds it on import."""
    result = import_file(path)
    doc = MapDocument()
    doc.groups.update({g.id: g for g in result.groups})
    AddNotes(result.notes, result.links, result.places).do(doc)
    return doc


def test_canvas_import_export_import_keeps_notes_links_and_places(tmp_path):
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
    assert {k: (ln.source, ln.target, ln.kind) for k, ln in back.links.items()} == \
        {k: (ln.source, ln.target, ln.kind) for k, ln in doc.links.items()}
    assert {ln.kind for ln in back.links.values()} == {"supports", "opposes"}

    # the export scales the map to span CANVAS_SPAN px and rounds to whole pixels
    places = {k: doc.placements[2].position(k) for k in doc.notes}
    xs, ys = [p[0] for p in places.values()], [p[1] for p in places.values()]
    scale = CANVAS_SPAN / max(max(xs) - min(xs), max(ys) - min(ys))
    for note_id, (x, y) in places.items():
        assert back.placements[2].position(note_id) == pytest.approx((x * scale, y * scale), abs=1)


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

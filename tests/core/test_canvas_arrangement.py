"""A JSON Canvas keeps its arrangement as the starting map until a task is applied: its map embeds, clusters and
lays out the 3D view, but the cards stay where the canvas had them (and the file comes back the same); applying a
task lets the map follow it, except notes dragged by hand; undo brings the arrangement back; a project keeps it."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from instructor_map.core.commands import AddNotes, MoveNotes
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import export
from instructor_map.core.importers import import_file, import_text
from instructor_map.core.map_commands import SetArrangement
from instructor_map.core.project_file import load_project, save_project
from instructor_map.core.session import Session
from instructor_map.launch import main

CANVAS = Path(__file__).parent / "data" / "obsidian_style.canvas"
TASK = "Represent the travel note for planning a beach trip: "


def import_canvas(session: Session, path=CANVAS) -> dict[str, tuple]:
    """Import a canvas as the app does; returns where it places each note on the 2D map."""
    result = import_file(path, doc=session.doc)
    session.import_notes(result.notes, result.links, result.places, result.groups)
    return result.places[2]


def places(doc: MapDocument, dims: int = 2) -> dict[str, tuple | None]:
    return {k: doc.placements[dims].position(k) for k in doc.notes}


def exported(doc: MapDocument, path: Path) -> dict:
    export(doc, path)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def arranged(tiny_encoder) -> tuple[Session, dict]:
    """A canvas imported into an empty map and mapped with no task applied."""
    session = Session()
    canvas_places = import_canvas(session)
    session.run_map(tiny_encoder)
    return session, canvas_places


def test_the_map_of_a_canvas_keeps_its_arrangement_and_the_file_comes_back(arranged, tmp_path):
    session, canvas_places = arranged
    doc = session.doc
    assert doc.imported_arrangement and places(doc) == canvas_places and not doc.placements[2].pins
    assert doc.clusters and all(p is not None for p in places(doc, 3).values())  # the rest of the map is there
    assert exported(doc, tmp_path / "again.canvas") == json.loads(CANVAS.read_text(encoding="utf-8"))


def test_a_task_applied_moves_the_notes_to_the_map_and_undo_brings_the_canvas_back(arranged, tiny_encoder):
    session, canvas_places = arranged
    doc = session.doc
    session.push(MoveNotes(2, {"beach": (10.0, 20.0)}))  # dragged by hand: stays
    assert session.set_instruction(TASK)
    outcome = session.run_map(tiny_encoder)
    computed = outcome.layouts[2].places(doc.notes)
    assert not doc.imported_arrangement and doc.placements[2].positions == computed
    assert places(doc) == {**computed, "beach": (10.0, 20.0)}
    assert all(not np.allclose(computed[k], canvas_places[k]) for k in canvas_places)
    after = places(doc)

    session.undo()
    assert doc.imported_arrangement and doc.instruction == "" and places(doc) == {**canvas_places,
                                                                                  "beach": (10.0, 20.0)}
    session.redo()  # the same map again, not computed again
    assert not doc.imported_arrangement and places(doc) == after
    for _ in range(2):  # the task, the drag
        session.undo()
    assert places(doc) == canvas_places
    session.undo()  # the import
    assert not doc.notes and not doc.imported_arrangement and not doc.placements[2].positions


def test_the_task_already_shown_applied_again_replaces_the_arrangement(arranged, tiny_encoder):
    session, canvas_places = arranged
    assert session.set_instruction(session.doc.instruction)
    session.run_map(tiny_encoder)
    assert not session.doc.imported_arrangement and places(session.doc) != canvas_places


def test_maps_before_a_task_keep_the_arrangement_and_place_new_notes(arranged, tiny_encoder):
    session, canvas_places = arranged
    session.push(AddNotes([Note("new", "A lighthouse tour at sunset")]))
    session.run_map(tiny_encoder)
    doc = session.doc
    assert {k: v for k, v in places(doc).items() if k != "new"} == canvas_places
    assert doc.placements[2].position("new") is not None and np.isfinite(doc.placements[2].position("new")).all()


def test_a_card_without_a_place_gets_one_from_the_map(tiny_encoder):
    canvas = {"nodes": [{"id": "a", "type": "text", "text": "Beach", "x": 0, "y": 0, "width": 100, "height": 50},
                        {"id": "b", "type": "text", "text": "Snow", "x": 900, "y": 400, "width": 100, "height": 50},
                        {"id": "c", "type": "text", "text": "Reef", "x": 300, "y": -200, "width": 100, "height": 50},
                        {"id": "d", "type": "text", "text": "Museum", "x": "left", "y": None}]}
    session = Session()
    result = import_text(json.dumps(canvas), fmt="canvas", doc=session.doc)
    session.import_notes(result.notes, result.links, result.places, result.groups)
    session.run_map(tiny_encoder)
    shown = places(session.doc)
    assert {k: shown[k] for k in "abc"} == result.places[2] and np.isfinite(shown["d"]).all()


def test_a_canvas_imported_into_a_map_that_follows_a_task_joins_that_map(tiny_encoder):
    session = Session(MapDocument(instruction=TASK))
    text = import_text("Sunny beach\n\nSki slopes\n\nOld town museum", fmt="text", doc=session.doc)
    session.import_notes(text.notes, text.links, text.places, text.groups)
    session.run_map(tiny_encoder)
    canvas_places = import_canvas(session)
    doc = session.doc
    assert not doc.imported_arrangement and not any(k in doc.placements[2].positions for k in canvas_places)
    outcome = session.run_map(tiny_encoder)
    assert places(doc) == outcome.layouts[2].places(doc.notes) and not doc.placements[2].pins
    session.undo()
    assert len(doc.notes) == 3 and not doc.imported_arrangement


def test_a_second_canvas_before_any_task_keeps_its_arrangement_too(arranged, tmp_path):
    session, canvas_places = arranged
    second = tmp_path / "second.canvas"
    second.write_text(json.dumps({"nodes": [{"id": "x", "type": "text", "text": "Harbour walk", "x": 2000,
                                             "y": 0, "width": 200, "height": 100}]}), encoding="utf-8")
    added = import_canvas(session, second)
    assert session.doc.imported_arrangement and places(session.doc) == {**canvas_places, **added}


def test_another_arrangement_chosen_replaces_the_canvas_one(arranged):
    session, canvas_places = arranged
    doc = session.doc
    session.push(SetArrangement(2, {k: (0.0, float(i)) for i, k in enumerate(doc.notes)}, None, "Arrange"))
    assert not doc.imported_arrangement
    session.undo()
    assert doc.imported_arrangement and places(doc) == canvas_places


def test_a_project_keeps_the_arrangement_until_a_task_is_applied(arranged, tiny_encoder, tmp_path):
    session, canvas_places = arranged
    save_project(session.doc, tmp_path / "map.imap")
    opened = Session(load_project(tmp_path / "map.imap"))
    assert opened.doc.imported_arrangement and places(opened.doc) == canvas_places
    opened.run_map(tiny_encoder)  # e.g. another model: the arrangement holds
    assert places(opened.doc) == canvas_places
    opened.set_instruction(TASK)
    opened.run_map(tiny_encoder)
    save_project(opened.doc, tmp_path / "tasked.imap")
    again = load_project(tmp_path / "tasked.imap")
    assert not again.imported_arrangement and places(again) == places(opened.doc) != canvas_places


def test_a_wrong_arrangement_flag_in_a_project_is_one_line(arranged, tmp_path):
    path = tmp_path / "map.imap"
    save_project(arranged[0].doc, path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    data = json.loads(members["project.json"])
    data["imported_arrangement"] = "yes"
    members["project.json"] = json.dumps(data).encode("utf-8")
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    with pytest.raises(InputError) as info:
        load_project(path)
    assert "\n" not in str(info.value) and "'imported_arrangement' should be true or false" in str(info.value)


def test_the_command_line_keeps_the_arrangement_unless_a_task_is_given(capsys, tmp_path, tiny_checkpoint):
    canvas_places = import_file(CANVAS).places[2]
    kept, tasked = tmp_path / "kept.imap", tmp_path / "tasked.imap"
    assert main(["map", str(CANVAS), "-o", str(kept), "--model", str(tiny_checkpoint)]) == 0
    assert main(["map", str(CANVAS), "-o", str(tasked), "--model", str(tiny_checkpoint), "--instruction", TASK]) == 0
    assert main(["export", str(kept), "-o", str(tmp_path / "kept.canvas")]) == 0
    capsys.readouterr()
    assert places(load_project(kept)) == canvas_places
    assert json.loads((tmp_path / "kept.canvas").read_text(encoding="utf-8")) == json.loads(
        CANVAS.read_text(encoding="utf-8"))
    moved = places(load_project(tasked))
    assert all(not np.allclose(moved[k], canvas_places[k]) for k in canvas_places)

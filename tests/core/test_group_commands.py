"""Groups edited by hand: each edit undoes and redoes exactly, says what it does, never asks for a new map, and
what it leaves is saved. The frames around groups tell where a drop lands."""
from __future__ import annotations

import copy
import math

import pytest

from instructor_map.core import group_commands as gc
from instructor_map.core.document import Group, MapDocument, Note
from instructor_map.core.events import Aspect
from instructor_map.core.groups import group_at, group_frames
from instructor_map.core.project_file import load_project, save_project
from instructor_map.core.session import Session


def grouped_doc() -> MapDocument:
    """Six notes with places on both maps: n0, n1 in "Beach", n2 in "Snow", the rest in no group."""
    doc = MapDocument(groups={"g1": Group("g1", "Beach", "#ffcc00"), "g2": Group("g2", "Snow")})
    for i in range(6):
        doc.insert_note(Note(f"n{i}", f"note {i}", group={0: "g1", 1: "g1", 2: "g2"}.get(i, "")))
        doc.placements[2].positions[f"n{i}"] = (float(i), float(i % 2))
        doc.placements[3].positions[f"n{i}"] = (float(i), 0.0, 1.0)
    return doc


def state(doc: MapDocument):
    return ({k: n.group for k, n in doc.notes.items()}, [(g.id, g.name, g.color) for g in doc.groups.values()],
            copy.deepcopy(doc.placements[2].pins), copy.deepcopy(doc.placements[3].pins))


def members(doc: MapDocument, group_id: str) -> list[str]:
    return [k for k, n in doc.notes.items() if n.group == group_id]


EDITS = [
    lambda: gc.GroupNotes("Food", ["n1", "n3", "n4"]),
    lambda: gc.GroupNotes("Snow", ["n0", "n5"]),
    lambda: gc.RenameGroup("g1", "Sea"),
    lambda: gc.SetGroupColor("g2", "#3366ff"),
    lambda: gc.SetGroupColor("g1", ""),
    lambda: gc.SetNotesGroup(["n3", "n0"], "g2"),
    lambda: gc.SetNotesGroup(["n0", "n2"], ""),
    lambda: gc.MoveIntoGroup(2, {"n4": (0.5, 0.5), "n0": (9.0, 9.0)}, "g2"),
    lambda: gc.MoveIntoGroup(3, {"n1": (1.0, 2.0, 3.0)}, ""),
    lambda: gc.DeleteGroup("g1"),
]


@pytest.mark.parametrize("make", EDITS)
def test_each_group_edit_undoes_and_redoes_exactly(make):
    session = Session(grouped_doc())
    before = state(session.doc)
    session.push(make())
    after = state(session.doc)
    assert after != before
    session.undo()
    assert state(session.doc) == before
    session.redo()
    assert state(session.doc) == after
    session.undo()
    assert state(session.doc) == before


@pytest.mark.parametrize("make", EDITS)
def test_group_edits_redraw_groups_and_never_ask_for_a_new_map(make):
    session = Session(grouped_doc())
    changes = []
    session.changed.connect(changes.append)
    session.push(make())
    session.undo()
    session.redo()
    assert len(changes) == 3
    for change in changes:
        assert change.touches(Aspect.GROUPS)
        assert not change.remap
        assert not change.touches(Aspect.NOTES | Aspect.TASK | Aspect.CLUSTERS)


def test_grouping_notes_makes_a_named_group_they_leave_their_old_one_for():
    doc = grouped_doc()
    command = gc.GroupNotes(" Food ", ["n1", "n3"], "#00ff00")
    command.do(doc)
    group = doc.groups[command.group_id]
    assert (group.name, group.color) == ("Food", "#00ff00")
    assert members(doc, group.id) == ["n1", "n3"]
    assert members(doc, "g1") == ["n0"]
    assert command.label == "Group 2 notes as “Food”"
    command.undo(doc)
    assert command.group_id not in doc.groups and doc.notes["n1"].group == "g1" and doc.notes["n3"].group == ""
    made = command.group_id
    command.do(doc)  # redo: the same group again, so later edits that name it still find it
    assert command.group_id == made and doc.groups[made].name == "Food"


def test_grouping_under_a_name_in_use_joins_that_group_and_undo_keeps_it():
    doc = grouped_doc()
    command = gc.GroupNotes("Beach", ["n3"], "#000000")
    command.do(doc)
    assert command.group_id == "g1" and len(doc.groups) == 2
    assert members(doc, "g1") == ["n0", "n1", "n3"]
    assert doc.groups["g1"].color == "#ffcc00"  # the group's own colour stays
    command.undo(doc)
    assert "g1" in doc.groups and members(doc, "g1") == ["n0", "n1"]


def test_a_group_needs_a_name():
    with pytest.raises(ValueError):
        gc.GroupNotes("  ", ["n0"])
    with pytest.raises(ValueError):
        gc.RenameGroup("g1", "")


def test_labels_name_the_group_and_how_many_notes():
    doc = grouped_doc()
    cases = [
        (gc.GroupNotes("Food", ["n3"]), "Group 1 note as “Food”"),
        (gc.RenameGroup("g2", "Ski"), "Rename group “Snow” to “Ski”"),
        (gc.SetGroupColor("g2", "#123456"), "Set colour of “Ski”"),
        (gc.SetGroupColor("g1", ""), "Clear colour of “Beach”"),
        (gc.SetNotesGroup(["n4", "n5"], "g1"), "Add 2 notes to “Beach”"),
        (gc.SetNotesGroup(["n4"], ""), "Ungroup 1 note"),
        (gc.MoveIntoGroup(2, {"n4": (0, 0), "n5": (1, 1)}, "g2"), "Move 2 notes into “Ski”"),
        (gc.MoveIntoGroup(2, {"n4": (0, 0)}, ""), "Move 1 note out of their group"),
        (gc.DeleteGroup("g2"), "Delete group “Ski”"),
    ]
    for command, label in cases:
        command.do(doc)
        assert command.label == label


def test_a_drop_into_a_group_moves_pins_and_joins_in_one_undo_step():
    session = Session(grouped_doc())
    session.push(gc.MoveIntoGroup(2, {"n4": (0.5, 0.25), "n5": (0.0, 1.0)}, "g1"))
    doc = session.doc
    assert doc.placements[2].position("n4") == (0.5, 0.25) and "n4" in doc.placements[2].pins
    assert members(doc, "g1") == ["n0", "n1", "n4", "n5"]
    assert session.stack.undo_label == "Move 2 notes into “Beach”"
    session.undo()
    assert doc.placements[2].position("n4") == (4.0, 0.0) and not doc.placements[2].pins
    assert members(doc, "g1") == ["n0", "n1"] and not session.stack.can_undo


def test_a_drop_into_a_group_that_is_gone_changes_nothing():
    doc = grouped_doc()
    before = state(doc)
    with pytest.raises(KeyError):
        gc.MoveIntoGroup(2, {"n4": (0.5, 0.25)}, "g9").do(doc)
    assert state(doc) == before


def test_deleting_a_group_keeps_its_notes_and_undo_brings_it_back_in_its_place():
    session = Session(grouped_doc())
    session.push(gc.DeleteGroup("g1"))
    doc = session.doc
    assert list(doc.groups) == ["g2"] and set(doc.notes) == {f"n{i}" for i in range(6)}
    assert doc.notes["n0"].group == doc.notes["n1"].group == ""
    session.undo()
    assert list(doc.groups) == ["g1", "g2"] and members(doc, "g1") == ["n0", "n1"]
    assert doc.groups["g1"].color == "#ffcc00"


def test_an_empty_group_survives_save_and_load_and_a_deleted_one_stays_gone(tmp_path):
    doc = grouped_doc()
    gc.SetNotesGroup(["n2"], "").do(doc)  # "Snow" is left with no notes
    gc.DeleteGroup("g1").do(doc)
    made = gc.GroupNotes("Food", ["n3"])
    made.do(doc)
    save_project(doc, tmp_path / "groups.imap")
    warnings: list[str] = []
    loaded = load_project(tmp_path / "groups.imap", warnings)
    assert warnings == []
    assert [(g.id, g.name) for g in loaded.groups.values()] == [("g2", "Snow"), (made.group_id, "Food")]
    assert {k: n.group for k, n in loaded.notes.items()} == {k: n.group for k, n in doc.notes.items()}


# ---- frames and drops ----------------------------------------------------------------------------------
def test_frames_bound_each_groups_placed_notes():
    doc = grouped_doc()
    places = {k: doc.placements[2].position(k) for k in doc.notes}
    places["n1"] = (3.0, -2.0)
    assert group_frames(doc, places) == {"g1": (0.0, -2.0, 3.0, 0.0), "g2": (2.0, 0.0, 2.0, 0.0)}


def test_frames_leave_out_unplaced_notes_and_groups_that_are_gone():
    doc = grouped_doc()
    doc.notes["n3"].group = "g9"  # a group id nobody has
    places = {"n0": (1.0, 1.0), "n1": (math.nan, 0.0), "n3": (5.0, 5.0)}
    assert group_frames(doc, places) == {"g1": (1.0, 1.0, 1.0, 1.0)}
    assert group_frames(doc, {}) == {}


def test_a_point_is_in_the_smallest_frame_that_holds_it():
    frames = {"outer": (0.0, 0.0, 10.0, 10.0), "inner": (2.0, 2.0, 4.0, 4.0), "side": (20.0, 0.0, 30.0, 1.0)}
    assert group_at(frames, (3.0, 3.0)) == "inner"
    assert group_at(frames, (8.0, 8.0)) == "outer"
    assert group_at(frames, (15.0, 0.5)) is None
    assert group_at(frames, (19.5, 0.5), pad=1.0) == "side"
    assert group_at(frames, (4.5, 3.0), pad=1.0) == "inner"  # just outside, within its margin
    assert group_at({}, (0.0, 0.0), pad=5.0) is None


def test_a_single_note_group_is_found_within_its_margin_and_wins_over_a_big_one():
    frames = {"big": (0.0, 0.0, 10.0, 10.0), "one": (5.0, 5.0, 5.0, 5.0)}
    assert group_at(frames, (5.2, 4.9), pad=0.5) == "one"
    assert group_at(frames, (5.2, 4.9), pad=0.0) == "big"
    assert group_at(frames, (5.0, 5.0, 7.0), pad=0.0) == "one"  # a 3D point: its first two coordinates

"""Every edit undoes exactly, and the stack knows when the document is saved."""
from __future__ import annotations

import copy

import pytest

from instructor_map.core import commands as cmds
from instructor_map.core import map_commands as mcmds
from instructor_map.core.document import Group, Link, MapDocument, Note


def sample_doc() -> MapDocument:
    doc = MapDocument(instruction="Represent the note: ")
    cmds.AddNotes([Note("a", "beach"), Note("b", "snow"), Note("c", "museum")],
                  [Link("l1", "a", "b", "opposes")]).do(doc)
    doc.placements[2].positions = {"a": (0.0, 0.0), "b": (1.0, 1.0), "c": (2.0, 0.0)}
    doc.placements[3].positions = {"a": (0.0, 0.0, 0.0), "b": (1.0, 1.0, 1.0), "c": (2.0, 0.0, 1.0)}
    doc.clusters = {"a": 0, "b": 1, "c": 1}
    return doc


def state(doc: MapDocument):
    return (copy.deepcopy(doc.notes), copy.deepcopy(doc.links), copy.deepcopy(doc.groups), doc.instruction,
            {d: (dict(v.positions), dict(v.pins)) for d, v in doc.placements.items()}, dict(doc.clusters),
            dict(doc.cluster_labels))


EDITS = [
    lambda d: cmds.MoveNotes(2, {"a": (5, 5), "b": (6, 6)}),
    lambda d: cmds.SetPinned(2, ["c"], True),
    lambda d: cmds.SetNoteField(["a"], "text", "quiet beach"),
    lambda d: cmds.SetNoteField(["a", "b"], "color", "#ff0000"),
    lambda d: cmds.EditNote("a", "Sea", "quiet beach"),
    lambda d: cmds.AddNotes([Note("d", "hike")]),
    lambda d: cmds.AddNotes([Note("d", "hike", group="g9")], groups=[Group("g9", "Trails")]),
    lambda d: cmds.DeleteNotes(["a"]),
    lambda d: cmds.AddLink(Link("l2", "b", "c", "supports")),
    lambda d: cmds.DeleteLinks(["l1"]),
    lambda d: cmds.SetLink("l1", kind="supports", label="why"),
    lambda d: cmds.AddGroup(Group("g1", "Winter"), ["b"]),
    lambda d: cmds.RenameCluster(1, "Culture"),
    lambda d: mcmds.SetInstruction("Represent the budget item: "),
    lambda d: cmds.SetLink("l1", label="only in winter"),
    lambda d: mcmds.SetArrangement(2, {"a": (0.0, 9.0), "b": (-5.0, 0.0), "c": (5.0, 0.0)}, {"mode": "argument"},
                                 "Argument layout"),
]


@pytest.mark.parametrize("make", EDITS)
def test_each_edit_undoes_and_redoes_exactly(make):
    doc = sample_doc()
    stack = cmds.CommandStack(doc)
    before = state(doc)
    stack.push(make(doc))
    after = state(doc)
    assert after != before and stack.modified
    stack.undo()
    assert state(doc) == before
    stack.redo()
    assert state(doc) == after


def test_delete_restores_links_places_and_order():
    doc = sample_doc()
    doc.placements[2].pins["b"] = (9.0, 9.0)
    stack = cmds.CommandStack(doc)
    stack.push(cmds.DeleteNotes(["b"]))
    assert "b" not in doc.notes and not doc.links
    stack.undo()
    assert list(doc.notes) == ["a", "b", "c"] and doc.placements[2].pins["b"] == (9.0, 9.0) and "l1" in doc.links


def test_clean_state_follows_save_undo_and_redo():
    stack = cmds.CommandStack(sample_doc())
    stack.push(cmds.MoveNotes(2, {"a": (1, 1)}))
    stack.set_clean()
    assert not stack.modified
    stack.undo()
    assert stack.modified and stack.redo_label == "Move 1 note"
    stack.redo()
    assert not stack.modified


def test_a_link_to_a_missing_note_is_refused():
    doc = sample_doc()
    with pytest.raises(ValueError):
        cmds.CommandStack(doc).push(cmds.AddLink(Link("l9", "a", "zzz")))


def test_a_layout_swap_keeps_pins_and_undo_brings_back_the_semantic_map():
    doc = sample_doc()
    doc.placements[2].basis = {"mean": [0.0]}
    doc.placements[2].pins["c"] = (7.0, 7.0)
    stack = cmds.CommandStack(doc)
    stack.push(mcmds.SetArrangement(2, {"a": (0, 9), "b": (-5, 0), "c": (5, 0), "gone": (1, 1)}, {"mode": "argument"},
                                  "Argument layout"))
    view = doc.placements[2]
    assert view.position("a") == (0.0, 9.0) and view.position("c") == (7.0, 7.0) and "gone" not in view.positions
    assert view.basis == {"mode": "argument"} and stack.undo_label == "Argument layout"
    stack.undo()
    assert view.position("a") == (0.0, 0.0) and view.basis == {"mean": [0.0]}


def test_retyping_a_link_says_what_it_does():
    doc = sample_doc()
    stack = cmds.CommandStack(doc)
    stack.push(cmds.SetLink("l1", kind="supports"))
    assert doc.links["l1"].kind == "supports" and stack.undo_label == "Make link supports"
    stack.push(cmds.SetLink("l1", label="in summer"))
    assert doc.links["l1"].label == "in summer" and doc.links["l1"].kind == "supports"
    stack.undo()
    stack.undo()
    assert (doc.links["l1"].kind, doc.links["l1"].label) == ("opposes", "")


def test_a_note_edited_in_title_and_text_comes_back_whole_with_one_undo():
    doc = sample_doc()
    stack = cmds.CommandStack(doc)
    edit = stack.push(cmds.EditNote("a", "Sea", "quiet beach"))
    assert (doc.notes["a"].title, doc.notes["a"].text) == ("Sea", "quiet beach")
    assert edit.remaps and stack.undo_label == "Edit note"
    stack.undo()
    assert (doc.notes["a"].title, doc.notes["a"].text) == ("", "beach") and not stack.can_undo
    assert not stack.push(cmds.EditNote("a", "Sea", "beach")).remaps  # a new title alone keeps the map

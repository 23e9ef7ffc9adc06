"""The map document's exact mutations (what every undoable command is made of), its ids, places and labels."""
from __future__ import annotations

import numpy as np
import pytest

from instructor_map.core.document import LINK_KINDS, Group, Link, MapDocument, Note, Placement, short_label


def trip() -> MapDocument:
    """Four notes; "b" has links both ways, places and pins in both views, and a cluster."""
    doc = MapDocument()
    for note_id in "abcd":
        doc.insert_note(Note(note_id, f"text of {note_id}"))
    doc.add_link(Link("l1", "a", "b", "supports"))
    doc.add_link(Link("l2", "b", "c", "opposes", "but"))
    doc.add_link(Link("l3", "c", "d"))
    for dims, placement in doc.placements.items():
        placement.positions.update({k: (float(i),) * dims for i, k in enumerate("abcd")})
        placement.pins["b"] = (9.0,) * dims
    doc.clusters.update(a=0, b=1, c=1)
    return doc


def state(doc: MapDocument):
    places = {d: (dict(p.positions), dict(p.pins)) for d, p in doc.placements.items()}
    return doc.note_ids, dict(doc.links), places, dict(doc.clusters)


# ---- notes in and out ------------------------------------------------------------------------------------
def test_insert_appends_or_goes_where_asked_and_refuses_a_taken_id():
    doc = MapDocument()
    doc.insert_note(Note("a", "first"))
    doc.insert_note(Note("c", "third"))
    doc.insert_note(Note("b", "second"), 1)
    doc.insert_note(Note("z", "front"), 0)
    doc.insert_note(Note("e", "end"), 99)
    assert doc.note_ids == ["z", "a", "b", "c", "e"]
    assert doc.texts() == ["front", "first", "second", "third", "end"]
    with pytest.raises(ValueError, match="duplicate note id 'a'"):
        doc.insert_note(Note("a", "again"), 0)
    assert doc.note_ids == ["z", "a", "b", "c", "e"] and doc.notes["a"].text == "first"


def test_removing_a_note_takes_its_links_places_pins_and_cluster_and_restoring_puts_all_back():
    doc = trip()
    before = state(doc)
    removed = doc.remove_note("b")
    assert doc.note_ids == ["a", "c", "d"] and list(doc.links) == ["l3"]
    assert sorted(ln.id for ln in removed["links"]) == ["l1", "l2"]
    for placement in doc.placements.values():
        assert "b" not in placement.positions and "b" not in placement.pins
    assert doc.clusters == {"a": 0, "c": 1} and doc.cluster_of("b") == -1
    doc.restore_note(removed)
    assert state(doc) == before  # the note back in its place in the order, links, places, pins and cluster


@pytest.mark.parametrize("order", ["last first", "first first"])
def test_removing_every_note_and_restoring_in_reverse_gives_the_same_document(order):
    doc = trip()
    before = state(doc)
    ids = doc.note_ids[::-1] if order == "last first" else doc.note_ids
    undo = [doc.remove_note(note_id) for note_id in ids]
    assert not doc.notes and not doc.links and not doc.clusters
    assert all(not p.positions and not p.pins for p in doc.placements.values())
    for removed in reversed(undo):
        doc.restore_note(removed)
    assert state(doc) == before


def test_a_note_without_links_places_or_cluster_comes_back_as_it_was():
    doc = trip()
    doc.insert_note(Note("loose", "on its own", title="Loose", group="g1", color="#112233"), 2)
    removed = doc.remove_note("loose")
    assert removed["links"] == [] and removed["cluster"] is None
    assert all(place == (None, None) for place in removed["places"].values())
    doc.restore_note(removed)
    assert doc.note_ids == ["a", "b", "loose", "c", "d"] and doc.notes["loose"].color == "#112233"
    assert "loose" not in doc.clusters and all("loose" not in p.positions for p in doc.placements.values())


# ---- ids and links ----------------------------------------------------------------------------------------
def test_new_ids_never_reuse_an_id_taken_by_a_note_a_link_or_a_group():
    doc = MapDocument()
    doc.insert_note(Note("n1", "x"))
    doc.insert_note(Note("n3", "y"))
    doc.add_link(Link("n4", "n1", "n3"))
    doc.groups["n5"] = Group("n5", "named like a note")
    assert doc.new_id() == "n6"
    assert doc.new_id("l") == "l5"
    for _ in range(30):  # whatever mix is taken, the next id is free
        for prefix, kind in (("n", "note"), ("l", "link"), ("g", "group")):
            new = doc.new_id(prefix)
            assert new not in doc.notes and new not in doc.links and new not in doc.groups
            if kind == "note":
                doc.insert_note(Note(new, new))
            elif kind == "link":
                doc.add_link(Link(new, "n1", "n3"))
            else:
                doc.groups[new] = Group(new, new)
    assert len(doc.notes) + len(doc.links) + len(doc.groups) == 4 + 90


def test_add_link_refuses_missing_ends_and_unknown_kinds():
    doc = trip()
    with pytest.raises(ValueError, match="missing note 'gone'"):
        doc.add_link(Link("x1", "a", "gone"))
    with pytest.raises(ValueError, match="missing note 'gone'"):
        doc.add_link(Link("x2", "gone", "a"))
    with pytest.raises(ValueError, match="link kind must be one of supports, opposes, related, not 'refutes'"):
        doc.add_link(Link("x3", "a", "c", "refutes"))
    assert list(doc.links) == ["l1", "l2", "l3"]
    for kind in LINK_KINDS:
        doc.add_link(Link(f"k-{kind}", "d", "a", kind))
    assert [ln.id for ln in doc.links_of("d")] == ["l3", "k-supports", "k-opposes", "k-related"]


def test_groups_are_found_by_name():
    doc = MapDocument(groups={"g1": Group("g1", "Beach"), "g2": Group("g2", "Ski")})
    assert doc.group_by_name("Ski") is doc.groups["g2"] and doc.group_by_name("ski") is None


# ---- places ---------------------------------------------------------------------------------------------
def test_a_pin_wins_over_the_computed_place():
    view = Placement(2, positions={"a": (1.0, 2.0), "b": (3.0, 4.0)}, pins={"b": (-5.0, 6.0), "c": (7.0, 8.0)})
    assert view.position("a") == (1.0, 2.0)
    assert view.position("b") == (-5.0, 6.0)
    assert view.position("c") == (7.0, 8.0)
    assert view.position("nowhere") is None


def test_array_shows_pins_places_and_nan_for_notes_without_a_place():
    view = Placement(3, positions={"a": (1.0, 2.0, 3.0), "b": (0.0, 0.0, 0.0)}, pins={"b": (4.0, 5.0, 6.0)})
    got = view.array(["b", "new", "a"])
    assert got.dtype == np.float32 and got.shape == (3, 3)
    np.testing.assert_array_equal(got[[0, 2]], [[4.0, 5.0, 6.0], [1.0, 2.0, 3.0]])
    assert np.isnan(got[1]).all()
    assert view.array([]).shape == (0, 3)
    assert np.isnan(Placement(2).array(["a", "b"])).all()


def test_array_refuses_a_place_of_the_wrong_length_instead_of_drawing_it():
    view = Placement(2, positions={"a": (1.0, 2.0), "b": (1.0, 2.0, 3.0)})
    np.testing.assert_array_equal(view.array(["a"]), [[1.0, 2.0]])
    with pytest.raises(ValueError):
        view.array(["a", "b"])


def test_an_empty_place_counts_as_none():
    view = Placement(2, positions={"a": (1.0, 2.0), "b": ()})
    got = view.array(["a", "b"])
    np.testing.assert_array_equal(got[0], [1.0, 2.0])
    assert np.isnan(got[1]).all()


def test_a_new_document_has_an_empty_view_per_dimension():
    doc = MapDocument()
    assert {d: p.dims for d, p in doc.placements.items()} == {2: 2, 3: 3}
    assert all(not p.positions and not p.pins and p.basis is None for p in doc.placements.values())
    assert MapDocument().placements[2] is not doc.placements[2]  # never shared between documents


# ---- labels and instructions ---------------------------------------------------------------------------
def test_short_label_is_the_title_else_the_text_on_one_line():
    assert short_label(Note("a", "body text", title="Title")) == "Title"
    assert short_label(Note("b", "  body\n\ttext  ", title="   ")) == "body text"
    assert short_label(Note("c", "body", title="\x00\x1b\x7f")) == "body"  # a title of nothing drawable
    assert short_label(Note("d", "bell\x07 and\x00 null\x85 next")) == "bell and null next"
    assert short_label(Note("e", "")) == "" and short_label(Note("f", "", title="\x01")) == ""


def test_short_label_cuts_with_an_ellipsis_within_the_limit():
    long = short_label(Note("a", "A rather long note text\nthat goes on and on for a while"), chars=20)
    assert long == "A rather long note…" and len(long) <= 20
    exact = "x" * 40
    assert short_label(Note("b", exact)) == exact
    assert short_label(Note("c", exact + "y")) == "x" * 39 + "…"
    titled = short_label(Note("d", "short text", title="A title that is much longer than nine"), chars=9)
    assert titled == "A title…"  # no space left before the ellipsis


def test_set_instruction_keeps_a_history_without_repeats_or_blanks():
    doc = MapDocument()
    for instruction in ("Represent the note for travel: ", "Represent the note by cost: ", "",
                        "Represent the note for travel: "):
        doc.set_instruction(instruction)
    assert doc.instruction == "Represent the note for travel: "
    assert doc.instruction_history == ["Represent the note for travel: ", "Represent the note by cost: "]
    doc.set_instruction("")
    assert doc.instruction == "" and len(doc.instruction_history) == 2

"""Relevance, movement between maps, arrangements of the 2D map, and the questions the worker answers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from instructor_map.core import analysis, queries
from instructor_map.core.arrangement import Arrangement, arrange
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.pca import SPAN
from instructor_map.core.project_file import load_project, save_project

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"


@pytest.mark.parametrize("instruction, objective", [
    ("Represent the travel note for planning a relaxing family trip: ", "planning a relaxing family trip"),
    ("Represent the argument for finding claims that support or oppose it:",
     "finding claims that support or oppose it"),
    ("Represent the note for a trip for two: ", "two"),  # the last " for "
    ("Represent the  science   title for retrieving abstracts", "retrieving abstracts"),
    ("Represent the research note: ", "Represent the research note"),  # no objective: the whole instruction
    ("Represent the note for : ", "Represent the note for"),
])
def test_the_objective_is_the_text_after_the_last_for(instruction, objective):
    assert analysis.task_objective(instruction) == objective


def test_cosine_ranking_and_top():
    X = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    scores = analysis.cosine(X, [2, 0])
    np.testing.assert_allclose(scores, [1, 0, 2 ** -0.5, -1], atol=1e-6)
    assert [k for k, _ in analysis.top(["a", "b", "c", "d"], scores, 3)] == ["a", "c", "b"]
    assert analysis.top(["a"], [0.5], 0) == [] and analysis.cosine(np.zeros((0, 2)), [1, 0]).shape == (0,)


def test_relevance_scales_run_from_small_to_large():
    scales = analysis.relevance_scales({"a": 0.1, "b": 0.6, "c": 0.35})
    assert scales["a"] == analysis.SMALLEST and scales["b"] == analysis.LARGEST
    assert scales["a"] < scales["c"] < scales["b"]
    assert set(analysis.relevance_scales({"a": 0.3, "b": 0.3}).values()) == {(analysis.SMALLEST + analysis.LARGEST) / 2}
    assert analysis.relevance_scales({}) == {}


def test_movement_and_the_notes_that_moved_most():
    before = {"a": (0, 0), "b": (1, 1), "c": (5, 5), "gone": (0, 0)}
    after = {"a": (3, 4), "b": (1, 1), "c": (5, 6), "new": (9, 9)}
    assert analysis.movement(before, after) == {"a": 5.0, "b": 0.0, "c": 1.0}
    assert analysis.moved_most(before, after) == [("a", 5.0), ("c", 1.0)]  # b stayed
    assert analysis.moved_most(before, after, n=1) == [("a", 5.0)]
    assert analysis.moved_most({}, after) == []


def test_an_arrangement_is_kept_in_the_view_basis_and_read_back_safely():
    arrangement = Arrangement("semantic", ("relaxing", "adventurous"), None)
    basis = arrangement.stamp({"mean": [0.0], "mode": "argument"})
    assert basis == {"mean": [0.0], "axes": {"x": ["relaxing", "adventurous"], "y": None}}
    assert Arrangement.of(basis) == arrangement and arrangement.named and not arrangement.plain
    assert arrangement.titles() == ("relaxing ← → adventurous", "")
    assert arrangement.poles() == ["relaxing", "adventurous"]
    argument = Arrangement("argument", ("relaxing", "adventurous"))
    assert argument.titles() == ("", "") and argument.poles() == [] and not argument.named
    for junk in (None, {}, {"mode": "spiral"}, {"mode": ["argument"]}, {"axes": {"x": ["only one"]}}, {"axes": "x"},
                 {"axes": {"y": ["", "b"]}}):
        assert Arrangement.of(junk) == Arrangement()


def test_named_axes_survive_save_and_load(tmp_path):
    doc = load_project(SAMPLES / "vacation.imap")
    arrangement = Arrangement("semantic", ("budget", "luxury"), ("indoors", "outdoors"))
    doc.placements[2].basis = arrangement.stamp(doc.placements[2].basis)
    save_project(doc, tmp_path / "axes.imap")
    again = load_project(tmp_path / "axes.imap")
    assert Arrangement.of(again.placements[2].basis).titles() == ("budget ← → luxury", "indoors ← → outdoors")


def _argument_doc() -> MapDocument:
    doc = MapDocument()
    for k in ("claim", "pro", "con", "aside"):
        doc.insert_note(Note(k, f"text of {k}"))
    doc.add_link(Link("l1", "pro", "claim", "supports"))
    doc.add_link(Link("l2", "con", "claim", "opposes"))
    return doc


def test_place_lays_out_arguments_named_axes_and_pca(basis_places):
    doc = _argument_doc()
    ids = doc.note_ids
    X = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    argument = arrange(Arrangement("argument"), X, ids, {}, doc)
    y = dict(zip(ids, argument.coords[:, 1]))
    assert y["claim"] > y["pro"] == y["con"] and argument.basis == {"mode": "argument"}

    low, high = np.eye(6, dtype=np.float32)[0], np.eye(6, dtype=np.float32)[1]
    named = arrange(Arrangement("semantic", ("low", "high")), X, ids, {"low": low, "high": high}, doc)
    order = np.argsort(X[:, 1] - X[:, 0])  # the further towards "high", the further right
    assert list(np.argsort(named.coords[:, 0])) == list(order)
    np.testing.assert_allclose(np.abs(named.coords).max(axis=0), SPAN, rtol=1e-5)  # each axis spans the map
    np.testing.assert_allclose(basis_places(X, named.basis), named.coords, atol=1e-3)  # the basis is the map
    assert Arrangement.of(named.basis).x == ("low", "high")

    plain = arrange(Arrangement(), X, ids, {}, doc)
    assert plain.coords.shape == (4, 2) and Arrangement.of(plain.basis) == Arrangement()


def test_queries_rank_notes_by_meaning(bundled_encoder):
    doc = load_project(SAMPLES / "vacation.imap")
    snap = queries.MapSnapshot.of(doc)
    memo = queries.QueryMemo()
    objective, scores = queries.relevance(snap, bundled_encoder, memo)
    assert objective == "planning a relaxing family trip" and set(scores) == set(doc.notes)
    like = queries.similar(snap, bundled_encoder, memo, "budget and costs in euros", n=10)
    budget = {"v34", "v35", "v36", "v37", "v38", "v39", "v40", "v41", "v42", "v43", "v44"}
    assert len(like) == 10 and len({k for k, _ in like} & budget) >= 6
    assert (bundled_encoder.model_id, doc.instruction, "budget and costs in euros") in memo

    doc.insert_note(Note("copy", doc.notes["v12"].text.replace("kids", "children")))
    doc.add_link(Link("l1", "v34", "v43", "related"))
    suggested, duplicates, total = queries.suggestions(queries.MapSnapshot.of(doc), bundled_encoder, threshold=0.95)
    assert ("v12", "copy") in [p[:2] for p in duplicates] and total == len(duplicates)
    _, few, total = queries.suggestions(queries.MapSnapshot.of(doc), bundled_encoder, threshold=0.3, limit=5)
    assert len(few) == 5 < total
    assert all({a, b} != {"v34", "v43"} for a, b, _ in suggested) and len(suggested) == 20


def test_earlier_places_are_aligned_to_the_map_and_keep_pins(bundled_encoder):
    doc = load_project(SAMPLES / "vacation.imap")
    doc.placements[2].pins["v01"] = (123.0, 45.0)
    snap = queries.MapSnapshot.of(doc)
    memo = queries.QueryMemo()
    same = queries.earlier_places(snap, bundled_encoder, memo, doc.instruction)
    assert same["v01"] == (123.0, 45.0)
    moved = analysis.movement(same, snap.shown)
    assert np.median(list(moved.values())) < 5.0  # the same task lands where the map is
    by_budget = "Represent the travel note for planning the trip by budget: "
    budget = queries.earlier_places(snap, bundled_encoder, memo, by_budget)
    assert set(budget) == set(doc.notes) and budget["v01"] == (123.0, 45.0)
    assert analysis.moved_most(budget, snap.shown)[0][1] > 5.0


def test_arranged_embeds_pole_words_once(bundled_encoder):
    doc = load_project(SAMPLES / "vacation.imap")
    snap = queries.MapSnapshot.of(doc)
    memo = queries.QueryMemo()
    layout = queries.arranged(snap, bundled_encoder, memo, Arrangement("semantic", ("cheap", "expensive")))
    assert len(memo) == 2 and Arrangement.of(layout.basis).x == ("cheap", "expensive")
    x = dict(zip(layout.ids, layout.coords[:, 0]))
    assert x["v43"] > x["v23"]  # the €5,500 budget cap is further towards "expensive" than the toddler's nap

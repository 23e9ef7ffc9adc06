"""Hand corrections of clusters: each has undo, is saved in the project, and wins over re-clustering."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from instructor_map.core import cluster_commands as cc
from instructor_map.core.commands import CommandStack
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import load_project, save_project

MODEL, TASK = "test-model", "Represent the note: "


def clustered_doc() -> MapDocument:
    """Nine notes in three clusters, with vectors in the cache: three tight groups."""
    doc = MapDocument(instruction=TASK, model=MODEL)
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32) * 5
    texts = [f"{topic} note {i}" for topic in ("beach", "snow", "museum") for i in range(3)]
    for i, text in enumerate(texts):
        doc.insert_note(Note(f"n{i}", text))
    vectors = np.stack([centres[i // 3] + rng.normal(0, 0.05, 8) for i in range(9)]).astype(np.float32)
    doc.embeddings.put(MODEL, TASK, texts, vectors)
    doc.clusters = {f"n{i}": i // 3 for i in range(9)}
    doc.cluster_labels = {0: "beach", 1: "snow", 2: "museum"}
    return doc


def state(doc):
    return (dict(doc.clusters), dict(doc.cluster_labels), set(doc.cluster_renamed), set(doc.cluster_locked),
            dict(doc.cluster_assigned), doc.cluster_count)


EDITS = [
    lambda doc: cc.MoveToCluster(["n0"], 2, "museum"),
    lambda doc: cc.MergeClusters(0, 1),
    lambda doc: cc.SplitCluster(2, ["n8"], "late museum"),
    lambda doc: cc.SetClusterLocked(1, True),
    lambda doc: cc.SetClusterCount(4),
    lambda doc: cc.SetClusterCount("none"),
]


@pytest.mark.parametrize("make", EDITS)
def test_each_correction_undoes_redoes_and_survives_saving(make, tmp_path):
    doc = clustered_doc()
    stack, before = CommandStack(doc), state(clustered_doc())
    stack.push(make(doc))
    after = state(doc)
    assert after != before
    path = tmp_path / "map.imap"
    save_project(doc, path)
    assert state(load_project(path)) == after
    stack.undo()
    assert state(doc) == before
    stack.redo()
    assert state(doc) == after


def test_merge_keeps_the_first_name_and_moves_the_lock():
    doc = clustered_doc()
    doc.cluster_locked = {1}
    CommandStack(doc).push(cc.MergeClusters(0, 1))
    assert set(doc.clusters.values()) == {0, 2} and doc.cluster_labels == {0: "beach", 2: "museum"}
    assert doc.cluster_locked == {0}


def test_split_in_two_finds_the_odd_notes_out():
    doc = clustered_doc()
    doc.clusters.update({"n3": 0, "n4": 0, "n5": 0})  # beach and snow notes lumped together
    moved, name = cc.split_in_two(doc, 0)
    assert set(moved) in ({"n0", "n1", "n2"}, {"n3", "n4", "n5"}) and name
    CommandStack(doc).push(cc.SplitCluster(0, moved, name))
    assert len({doc.clusters[k] for k in ("n0", "n1", "n2")}) == 1
    assert {doc.clusters[k] for k in ("n0", "n3")} == {0, max(doc.clusters.values())}


def test_hand_corrections_win_over_reclustering():
    doc = clustered_doc()
    stack = CommandStack(doc)
    stack.push(cc.MoveToCluster(["n0"], 2, "museum"))  # a beach note the user files under museum
    stack.push(cc.SetClusterLocked(1, True))
    vectors = doc.embeddings.matrix(MODEL, TASK, doc.texts())
    result = layout_map(MapRequest.from_document(doc, clusters=3), vectors)
    assert result.clusters["n0"] == 2
    assert {result.clusters[k] for k in ("n3", "n4", "n5")} == {1}


def test_deleting_a_note_keeps_its_hand_placement_for_undo():
    from instructor_map.core.commands import DeleteNotes

    doc = clustered_doc()
    stack = CommandStack(doc)
    stack.push(cc.MoveToCluster(["n0"], 2))
    saved = copy.deepcopy(doc.cluster_assigned)
    stack.push(DeleteNotes(["n0"]))
    assert "n0" not in doc.cluster_assigned
    stack.undo()
    assert doc.cluster_assigned == saved


def test_cluster_count_off_clears_clusters_and_needs_no_new_map():
    doc = clustered_doc()
    command = cc.SetClusterCount("none")
    CommandStack(doc).push(command)
    assert not doc.clusters and not command.remaps and cc.SetClusterCount(3).remaps

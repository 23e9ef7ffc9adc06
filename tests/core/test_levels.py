"""The parts of each cluster, for the map zoomed in: found inside the cluster, named apart, kept and undone."""
from __future__ import annotations

import numpy as np

from instructor_map.core.document import MapDocument, Note
from instructor_map.core.levels import PART_MIN, subclusters
from instructor_map.core.project_file import load_project, save_project
from instructor_map.core.session import Session

BEACH = ["Snorkelling over the reef at dawn", "Snorkelling with turtles in the bay", "Reef snorkelling trip by boat",
         "Snorkelling gear rental on the beach", "Sunset sailing along the coast", "Sailing lessons for the kids",
         "Sailing to the island for lunch", "A day sailing on a catamaran"]
SNOW = ["Skiing the north slope", "Ski pass for the week", "Ski school for beginners", "Night skiing under lights",
        "Hot chocolate in the mountain hut", "Mountain hut dinner with fondue", "Cosy mountain hut with a stove",
        "Hut to hut hiking in winter"]


def vectors() -> np.ndarray:
    """Two clusters, each of two tight halves (the first four notes of each list, and the last four)."""
    rng = np.random.default_rng(0)
    centres = np.eye(4, 16, dtype=np.float32) * 4
    rows = [centres[i // 4] + rng.normal(0, 0.05, 16) for i in range(16)]
    return np.stack(rows).astype(np.float32)


def test_each_cluster_is_divided_where_it_really_divides_and_the_parts_are_named_apart():
    texts, ids = BEACH + SNOW, [f"n{i}" for i in range(16)]
    clusters = {f"n{i}": i // 8 for i in range(16)}
    parts, names = subclusters(vectors(), ids, texts, clusters)
    for cluster in (0, 1):
        halves = [{parts[f"n{i}"] for i in range(cluster * 8 + h * 4, cluster * 8 + h * 4 + 4)} for h in (0, 1)]
        assert all(len(h) == 1 for h in halves) and halves[0] != halves[1]
        assert names[f"{cluster}.0"] != names[f"{cluster}.1"]
    assert {names["0.0"], names["0.1"]} == {"snorkelling", "sailing"}
    assert subclusters(vectors(), ids, texts, clusters) == (parts, names)  # the same every time
    _, apart = subclusters(vectors(), ids, texts, clusters, {0: "snorkelling", 1: "mountain"})
    assert "snorkelling" not in {apart["0.0"], apart["0.1"]}  # no part takes its cluster's name


def test_a_small_cluster_is_not_divided():
    ids = [f"n{i}" for i in range(PART_MIN - 1)]
    parts, names = subclusters(vectors()[: len(ids)], ids, BEACH[: len(ids)], dict.fromkeys(ids, 0))
    assert parts == {} and names == {}


def test_the_parts_come_with_the_map_are_saved_and_undone_with_it(tiny_encoder, tmp_path):
    session = Session(MapDocument(instruction="Represent the travel note: "))
    session.import_notes([Note(f"n{i}", t) for i, t in enumerate(BEACH + SNOW)])
    session.run_map(tiny_encoder, clusters=2)
    doc = session.doc
    big = {c for c in set(doc.clusters.values()) if list(doc.clusters.values()).count(c) >= PART_MIN}
    assert big and {doc.clusters[k] for k in doc.subclusters} == big and len(doc.subcluster_names) >= 2
    save_project(doc, tmp_path / "trip.imap")
    again = load_project(tmp_path / "trip.imap")
    assert again.subclusters == doc.subclusters and again.subcluster_names == doc.subcluster_names
    session.undo()
    assert not doc.subclusters and not doc.subcluster_names

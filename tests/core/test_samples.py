"""The shipped samples load, and the research notes cluster back into their topics with the bundled model."""
from __future__ import annotations

from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from instructor_map.core.clusters import cluster
from instructor_map.core.importers import import_file
from instructor_map.core.project_file import load_project

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"


@pytest.mark.parametrize("name, notes, links", [("vacation", 40, 0), ("argument_map", 30, 30),
                                                ("research_notes", 60, 0)])
def test_each_sample_project_opens_with_a_complete_map(name, notes, links):
    doc = load_project(SAMPLES / f"{name}.imap")
    assert len(doc.notes) >= notes and len(doc.links) >= links and doc.instruction
    for dims in (2, 3):
        assert all(doc.placements[dims].position(i) is not None for i in doc.notes)
    assert doc.embeddings.has_all(doc.model, doc.instruction, doc.texts())


def test_argument_map_links_are_typed():
    doc = load_project(SAMPLES / "argument_map.imap")
    kinds = {ln.kind for ln in doc.links.values()}
    assert kinds == {"supports", "opposes"}


def test_research_notes_clusters_recover_the_topics(bundled_encoder):
    result = import_file(SAMPLES / "research_notes.csv")
    texts = [n.text for n in result.notes]
    topics = [n.metadata["topic"] for n in result.notes]
    vectors = bundled_encoder.encode(texts, "Represent the research note for clustering by topic: ")
    found = cluster(vectors, texts, k="auto")
    ari = adjusted_rand_score(topics, found.labels)
    print(f"research notes: {found.k} clusters, adjusted Rand index {ari:.2f} against the 6 topics")
    assert ari >= 0.5

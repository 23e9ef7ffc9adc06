import itertools

import numpy as np
import pytest

from instructor_map.core import graph
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.graph import argument_places, near_duplicates, suggest_links


def make_doc(note_ids, links=()):
    doc = MapDocument()
    for note_id in note_ids:
        doc.insert_note(Note(note_id, f"text of {note_id}"))
    for k, (source, target, kind) in enumerate(links):
        doc.add_link(Link(f"l{k}", source, target, kind))
    return doc


ARGUMENT = [("pro", "claim", "supports"), ("con", "claim", "opposes"), ("detail", "pro", "supports")]


def test_claims_sit_above_their_reasons_and_loose_notes_at_the_bottom():
    doc = make_doc(["aside", "detail", "con", "pro", "claim", "lonely"], ARGUMENT + [("aside", "lonely", "related")])
    place = argument_places(doc)
    y = {k: p[1] for k, p in place.items()}
    assert y["claim"] > y["pro"] == y["con"] > y["detail"] > y["aside"] == y["lonely"]
    assert place["detail"][0] == place["pro"][0]  # right under the claim it argues for
    coords = np.array(list(place.values()))
    assert np.abs(coords).max() <= 100.0 + 1e-9 and set(place) == set(doc.notes)


def test_layout_is_deterministic_whatever_the_link_order():
    notes = ["c1", "c2", "a", "b", "d", "e"]
    links = [("a", "c1", "supports"), ("b", "c2", "opposes"), ("d", "c1", "opposes"), ("e", "c2", "supports")]
    first = argument_places(make_doc(notes, links))
    for shuffled in itertools.permutations(links):
        assert argument_places(make_doc(notes, shuffled)) == first


def test_reasons_line_up_under_their_own_claims():
    # the second claim's reasons come first in note order, but still sit on its side
    doc = make_doc(
        ["left", "right", "r1", "r2", "l1", "l2"],
        [("r1", "right", "supports"), ("r2", "right", "supports"), ("l1", "left", "supports"),
         ("l2", "left", "opposes")],
    )
    x = {k: p[0] for k, p in argument_places(doc).items()}
    assert x["left"] < x["right"]
    assert max(x["l1"], x["l2"]) < min(x["r1"], x["r2"])


def test_circular_arguments_share_a_row():
    doc = make_doc(
        ["a", "b", "c", "top"],
        [("a", "b", "supports"), ("b", "a", "supports"), ("c", "a", "opposes"), ("a", "top", "supports")],
    )
    y = {k: p[1] for k, p in argument_places(doc).items()}
    assert y["top"] > y["a"] == y["b"] > y["c"]


def test_many_loose_notes_wrap_into_rows_inside_the_box():
    doc = make_doc([f"n{i}" for i in range(30)] + ["claim", "why"], [("why", "claim", "supports")])
    place = argument_places(doc, width=300.0)
    coords = np.array(list(place.values()))
    assert np.abs(coords).max() <= 150.0 + 1e-9
    assert len(set(coords[:, 1])) == 2 + 4  # two argument rows, then 30 loose notes in rows of eight
    assert len(set(map(tuple, coords))) == len(coords)
    assert argument_places(MapDocument()) == {}
    assert argument_places(make_doc(["only"])) == {"only": (0.0, 0.0)}


def random_unit(n, d=16, seed=0):
    X = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def brute_force_pairs(X, ids, keep):
    sims = X @ X.T
    pairs = [(ids[i], ids[j], float(sims[i, j])) for i, j in itertools.combinations(range(len(ids)), 2)]
    return sorted((p for p in pairs if keep(p)), key=lambda p: -p[2])


def test_suggestions_are_the_most_similar_unlinked_pairs(monkeypatch):
    monkeypatch.setattr(graph, "BLOCK_CELLS", 500)  # many small blocks
    X, ids = random_unit(60), [f"n{i}" for i in range(60)]
    X[1] = X[0] + 0.05 * X[1]
    X[3] = X[2] + 0.05 * X[3]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    existing = {("n3", "n2"), frozenset({"n40", "n41"}), ("n5", "gone")}  # one written target-first
    got = suggest_links(X, ids, existing, top_n=10, min_similarity=0.3)
    want = brute_force_pairs(X, ids, lambda p: p[2] >= 0.3 and {p[0], p[1]} not in ({"n2", "n3"}, {"n40", "n41"}))
    assert [p[:2] for p in got] == [p[:2] for p in want[:10]]
    np.testing.assert_allclose([p[2] for p in got], [p[2] for p in want[:10]], atol=1e-5)
    assert got[0][:2] == ("n0", "n1") and all(p[:2] != ("n2", "n3") for p in got)


def test_suggestions_respect_the_similarity_floor_and_count():
    X, ids = random_unit(30), [f"n{i}" for i in range(30)]
    assert suggest_links(X, ids, set(), min_similarity=1.01) == []
    assert suggest_links(X, ids, set(), top_n=0) == []
    got = suggest_links(X, ids, set(), top_n=5, min_similarity=-1.0)
    assert len(got) == 5 and [p[2] for p in got] == sorted((p[2] for p in got), reverse=True)
    assert suggest_links(X[:1], ids[:1], set()) == []


@pytest.mark.parametrize("cells", [500, graph.BLOCK_CELLS])
def test_near_duplicates_finds_every_close_pair(monkeypatch, cells):
    monkeypatch.setattr(graph, "BLOCK_CELLS", cells)
    X, ids = random_unit(50, seed=1), [f"n{i}" for i in range(50)]
    for a, b in [(0, 49), (10, 11), (20, 30), (30, 31)]:
        X[b] = X[a] + 0.02 * X[b]
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    got = near_duplicates(X, ids, threshold=0.95)
    want = brute_force_pairs(X, ids, lambda p: p[2] >= 0.95)
    assert [p[:2] for p in got] == [p[:2] for p in want]
    assert {("n0", "n49"), ("n10", "n11"), ("n20", "n30"), ("n30", "n31")} <= {p[:2] for p in got}
    assert all(p[2] <= 1.0 for p in got)


def test_near_duplicates_of_copies_and_empty_vectors():
    X = np.array([[1, 0], [1, 0], [0, 0]], dtype=np.float32)
    assert near_duplicates(X, ["a", "b", "zero"]) == [("a", "b", 1.0)]
    assert near_duplicates(np.zeros((0, 4), np.float32), []) == []


def test_a_wide_argument_wraps_into_staggered_rows_that_read():
    reasons = [f"r{i}" for i in range(20)]
    doc = make_doc(["claim"] + reasons, [(r, "claim", "supports") for r in reasons])
    place = argument_places(doc, aspect=1.6, width=1600.0)  # in pixels of a 1600 x 1000 canvas
    rows = sorted({p[1] for p in place.values()}, reverse=True)
    assert [k for k, p in place.items() if p[1] == rows[0]] == ["claim"] and len(rows) > 2
    assert min(a - b for a, b in zip(rows, rows[1:])) >= 110
    for y in rows[1:]:
        xs = sorted(p[0] for p in place.values() if p[1] == y)
        assert len(xs) <= 7 and min(b - a for a, b in zip(xs, xs[1:])) >= 220
    by_x = sorted(reasons, key=lambda r: place[r][0])
    assert len({place[r][0] for r in reasons}) == 20  # staggered: no reason hides another's card
    assert all(place[a][1] != place[b][1] for a, b in zip(by_x, by_x[1:]))  # neighbours alternate rows

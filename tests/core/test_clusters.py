import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from instructor_map.core.clusters import cluster, keyword_labels, match_clusters, recluster
from instructor_map.core.errors import InputError

TOPICS = [
    ["beach", "sand", "sea", "swim", "sunny"],
    ["ski", "snow", "slope", "chalet", "cold"],
    ["museum", "art", "gallery", "painting", "city"],
    ["forest", "hike", "trail", "moss", "river"],
]


def topical_notes(n_per=15, d=32, spread=0.3, seed=0):
    """Unit vectors in four Gaussian clusters, texts that talk about each cluster's topic, and the truth."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((len(TOPICS), d))
    X = np.concatenate([c + spread * rng.standard_normal((n_per, d)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    truth = np.repeat(np.arange(len(TOPICS)), n_per)
    texts = [f"the {' and '.join(rng.choice(TOPICS[t], 2, replace=False))} trip" for t in truth]
    return X.astype(np.float32), texts, truth


def test_auto_finds_the_four_topics_and_names_them():
    X, texts, truth = topical_notes()
    result = cluster(X, texts)
    assert result.k == 4 and result.silhouette > 0.3
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    for c, name in result.names.items():  # a short phrase of the topic's own words
        topic = TOPICS[np.bincount(truth[result.labels == c]).argmax()]
        words = name.split()
        assert 1 <= len(words) <= 3 and words[0] in topic and words[-1] in topic


def test_clustering_is_deterministic_and_numbered_by_first_appearance():
    X, texts, _ = topical_notes()
    a, b = cluster(X, texts), cluster(X, texts)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.names == b.names and a.silhouette == b.silhouette
    assert a.labels[0] == 0 and list(dict.fromkeys(a.labels.tolist())) == list(range(a.k))


def test_a_given_k_is_used_and_capped_at_the_number_of_notes():
    X, texts, _ = topical_notes()
    assert cluster(X, texts, k=3).k == 3
    few = cluster(X[:5], texts[:5], k=50)
    assert few.k <= 5 and few.silhouette is None
    for bad in (0, -2, "many", 2.5, True):
        with pytest.raises(InputError, match="number of clusters"):
            cluster(X, texts, k=bad)


def test_few_or_identical_notes_make_one_cluster():
    X, texts, _ = topical_notes()
    empty = cluster(np.zeros((0, 32), np.float32), [])
    assert empty.k == 0 and empty.names == {} and empty.labels.shape == (0,)
    for n in (1, 2):
        single = cluster(X[:n], texts[:n])
        assert single.k == 1 and single.labels.tolist() == [0] * n and single.silhouette is None
    same = cluster(np.tile(X[:1], (6, 1)), ["beach sand"] * 6)
    assert same.k == 1 and not same.labels.any() and same.names == {0: "beach sand"}
    clumped = cluster(np.tile(X[:1], (6, 1)), ["x"] * 6, k=3)
    assert clumped.labels.max() == clumped.k - 1


def test_large_collections_choose_k_on_a_sample():
    X, texts, truth = topical_notes(n_per=1000, d=16)
    result = cluster(X, texts)
    assert result.k == 4 and adjusted_rand_score(truth, result.labels) >= 0.9


def test_keyword_labels_pick_the_topic_words():
    texts = ["sunny beach sand", "beach swim sea", "the beach at dawn", "ski slope snow", "snow on the slope",
             "fresh snow ski"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1])
    assert names == {0: "beach", 1: "snow"}
    assert keyword_labels(["zebra apple mango"], [0]) == {0: "apple"}  # nothing recurs: ties go alphabetically
    assert keyword_labels(["the a", "of"], [0, 1]) == {0: "Cluster 0", 1: "Cluster 1"}


def test_match_follows_members_not_numbers():
    old = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}
    swapped = {"a": 1, "b": 1, "c": 1, "d": 0, "e": 0, "f": 0}
    assert match_clusters(old, swapped) == {1: 0, 0: 1}
    grown = {"b": 5, "c": 5, "x": 5, "y": 5, "d": 7, "e": 7, "f": 7}  # "a" deleted, two notes added
    assert match_clusters(old, grown) == {5: 0, 7: 1}
    mixed = {"a": 0, "d": 0, "b": 1, "e": 1, "c": 2, "f": 2}  # every new cluster shares a third at most
    assert match_clusters(old, mixed) == {}
    assert match_clusters({}, swapped) == {}


def test_a_continued_cluster_keeps_its_number_and_a_new_one_takes_the_lowest_free():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    old = {i: 2 if t == 0 else 0 for i, t in zip(ids, truth) if t < 2}  # only beach (2) and ski (0) clustered
    clusters, names, renamed = recluster(X, ids, texts, old, {0: "Ski", 2: "Beach"}, set(), k=4)
    by_topic = [{clusters[i] for i, t in zip(ids, truth) if t == topic} for topic in range(len(TOPICS))]
    assert by_topic == [{2}, {0}, {1}, {3}]  # museums come before forests in note order, so they get 1
    assert set(names) == {0, 1, 2, 3} and renamed == set()
    assert names[2].split(" · ")[0] in TOPICS[0] and names[0] != "Ski"  # names nobody typed are made afresh


def test_reclustering_keeps_numbers_and_typed_names():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    first = cluster(X, texts)
    old = dict(zip(ids, first.labels.tolist()))
    ski = old[ids[int(np.flatnonzero(truth == 1)[0])]]
    names = {**first.names, ski: "Winter trips"}

    # the notes come back in another order with two new ones, so k-means numbers them differently
    order = np.random.default_rng(1).permutation(len(X))
    extra = X[:2] + 0.05
    X2 = np.vstack([X[order], extra / np.linalg.norm(extra, axis=1, keepdims=True)])
    ids2 = [ids[i] for i in order] + ["new1", "new2"]
    texts2 = [texts[i] for i in order] + ["beach sand", "sea swim"]
    assert cluster(X2, texts2).labels[0] != old[ids2[0]]

    clusters, new_names, renamed = recluster(X2, ids2, texts2, old, names, {ski, 99})
    assert all(clusters[i] == old[i] for i in ids)
    assert clusters["new1"] == old["n0"]
    assert new_names[ski] == "Winter trips" and renamed == {ski}
    assert set(new_names) == set(old.values())


def test_reclustering_into_more_clusters_gives_fresh_numbers_and_keyword_names():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    old = {i: 0 if t < 2 else 1 for i, t in zip(ids, truth)}  # two coarse clusters, both renamed
    clusters, names, renamed = recluster(X, ids, texts, old, {0: "Outdoors", 1: "Other"}, {0, 1}, k=4)
    assert sorted(set(clusters.values())) == [0, 1, 2, 3]
    assert renamed <= {0, 1} and len(renamed) == 2
    fresh = set(clusters.values()) - renamed
    for n in fresh:  # named afresh from their notes' words
        topic = TOPICS[np.bincount([t for i, t in zip(ids, truth) if clusters[i] == n]).argmax()]
        assert names[n] not in ("Outdoors", "Other") and set(names[n].split()) <= set(topic)


def test_the_fewest_clusters_within_the_tolerance_of_the_best_score_win():
    from instructor_map.core.clusters import K_TOLERANCE, _keep_k, _robust_k

    assert _robust_k({2: 0.30, 3: 0.50, 4: 0.52, 5: 0.51}) == 3  # 0.50 is within 5% of 0.52
    assert _robust_k({2: 0.30, 3: 0.40, 4: 0.52}) == 4 and _robust_k({}) == 1
    assert 0 < K_TOLERANCE < 0.2
    scores = {2: 0.30, 3: 0.50, 4: 0.52, 5: 0.51}
    assert _keep_k(5, scores, 0.49) == 5  # a little worse than the best: kept
    assert _keep_k(2, scores, 0.30) == 3  # clearly worse: the k a fresh map would take
    assert _keep_k(1, scores, None) == 3  # one cluster has no score to defend


def test_hand_placements_on_the_topics():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    first, names, _ = recluster(X, ids, texts, {}, {}, set())
    beach, ski = first["n0"], first["n15"]
    # a beach note filed under ski, and one put in a cluster of its own (number 9, which does not exist yet)
    assigned = {"n1": ski, "n2": 9}
    clusters, _, _ = recluster(X, ids, texts, {**first, **assigned}, names, set(), assigned=assigned)
    assert clusters["n1"] == ski and clusters["n2"] == 9
    assert all(clusters[i] == first[i] for i in ids if i not in assigned)
    # more clusters held by hand than asked for: every one of them stays
    clusters, _, _ = recluster(X, ids, texts, first, names, set(), k=1, assigned={"n1": ski}, locked={beach})
    assert clusters["n1"] == ski and {clusters[i] for i in ids[2:15]} == {beach}


def test_a_locked_cluster_whose_notes_are_all_deleted_leaves_its_number_free_of_new_clusters():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    first, names, _ = recluster(X, ids, texts, {}, {}, set())
    museum = first["n30"]
    keep = [i for i, t in enumerate(truth) if t != 2]  # every museum note deleted
    clusters, new_names, _ = recluster(X[keep], [ids[i] for i in keep], [texts[i] for i in keep], first, names,
                                       set(), k=4, locked={museum})
    assert museum not in clusters.values() and museum not in new_names and len(set(clusters.values())) == 4


def test_a_locked_cluster_takes_new_notes_but_no_note_of_another_cluster():
    X, texts, truth = topical_notes()
    ids = [f"n{i}" for i in range(len(X))]
    first, names, _ = recluster(X, ids, texts, {}, {}, set())
    beach = first["n0"]
    new = X[:2] + 0.01  # two new beach notes
    X2 = np.vstack([X, new / np.linalg.norm(new, axis=1, keepdims=True)])
    clusters, new_names, _ = recluster(X2, ids + ["b1", "b2"], texts + ["beach sand", "sea swim"], first, names,
                                       set(), k=2, locked={beach})
    assert clusters["b1"] == clusters["b2"] == beach and new_names[beach] == names[beach]
    assert {i for i in ids if clusters[i] == beach} == {i for i in ids if first[i] == beach}

"""Cluster names read as words: one short phrase from the cluster's notes, never a number, a stop word or two forms
of one word, and no two clusters named alike. Checked on what the sixty renovation notes really get."""
from __future__ import annotations

import re

import numpy as np
import pytest
from renovation_notes import INSTRUCTION, NOTES
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from instructor_map.core.clusters import cluster, keyword_labels, recluster


def forms_of_one_word(a: str, b: str) -> bool:
    """One word with another ending: "reef" and "reefs", "tile" and "tiling", "plan" and "planned"."""
    def roots(word: str) -> set[str]:
        found = {word}
        for ending in ("s", "es", "ies", "ing", "ed", "d"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                root = word[: -len(ending)]
                found |= {root, root + "e", root + "y", root[:-1] if root[-1] == root[-2] else root}
        return found
    return bool(roots(a) & roots(b))


def words_of(text: str) -> list[str]:
    """The words of a note as a name would take them: lower case, without a possessive 's."""
    return [w.removesuffix("'s") for w in re.findall(r"\w+(?:[-']\w+)*", text.lower().replace("’", "'"))]


def test_the_check_for_forms_of_one_word():
    assert forms_of_one_word("reef", "reefs") and forms_of_one_word("tiling", "tile")
    assert forms_of_one_word("planned", "plan") and forms_of_one_word("bodies", "body")
    assert not forms_of_one_word("tile", "grout") and not forms_of_one_word("plan", "plant")


def assert_good_names(names: dict[int, str], members: dict[int, list[str]]):
    assert len({n.casefold() for n in names.values()}) == len(names), names  # no two clusters share a name
    seen: dict[str, int] = {}
    for c, name in names.items():
        words = name.split()
        assert 1 <= len(words) <= 3, name
        assert not re.search(r"\d", name), name
        assert words[0] not in ENGLISH_STOP_WORDS and words[-1] not in ENGLISH_STOP_WORDS, name
        for i, a in enumerate(words):
            assert not any(forms_of_one_word(a, b) for b in words[i + 1:]), name
        # taken from the cluster's own notes, as written there
        assert any(f" {name} " in f" {' '.join(words_of(text))} " for text in members[c]), (name, members[c])
        for word in words:
            if word not in ENGLISH_STOP_WORDS:
                assert seen.setdefault(word, c) == c, names  # no content word in two names: names differ
    print("  ", names)


@pytest.fixture(scope="module")
def X(bundled_encoder):
    return np.asarray(bundled_encoder.encode(NOTES, INSTRUCTION))


@pytest.mark.parametrize("k", ["auto", 2, 3, 4, 6, 8, 10, 12])
def test_names_on_the_renovation_notes_are_phrases_from_their_notes(X, k):
    result = cluster(X, NOTES, k=k)
    members = {c: [t for t, label in zip(NOTES, result.labels) if label == c] for c in result.names}
    assert set(result.names) == set(range(result.k))
    assert_good_names(result.names, members)
    assert cluster(X, NOTES, k=k).names == result.names  # the same notes: the same names


def test_the_names_a_fresh_renovation_map_gets(X):
    """The five clusters a fresh map finds are named for what they hold (money, the schedule, the appliances)."""
    ids = [f"n{i}" for i in range(len(NOTES))]
    clusters, names, _ = recluster(X, ids, NOTES, {}, {}, set())
    named = {names[clusters[i]] for i in ("n0", "n2", "n5")}  # budget, loan and kitchen-quote notes
    assert named == {"budget"}
    assert names[clusters["n56"]] == "week"  # "... pushed back / 2 weeks to fit / slips by a week ..."
    assert names[clusters["n20"]] == "boiler"  # the appliance notes


def test_numbers_prices_and_units_never_name_a_cluster():
    texts = ["Tap 200 EUR at the plumbers' merchant", "Tap 200 EUR, or 180 EUR online", "Basin tap 200 eur",
             "New 1990s bath, 2700 to replace", "Bath 2700 new, 1990 model", "Old bath from 1990: 2700 to swap"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1])
    assert names == {0: "tap", 1: "bath"}


def test_two_forms_of_one_word_count_as_one_and_never_share_a_name():
    texts = ["Snorkelling on the reef", "Reefs with turtles", "The reef at dawn, reefs at dusk",
             "Ski slopes with fresh snow", "Snow on the slope", "Slopes and snow"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1])
    assert names[0] == "reef"  # "reef" and "reefs" count together, written as most notes write it
    assert names[1] in ("snow", "slopes", "slope")
    for name in names.values():
        words = name.split()
        assert not any(forms_of_one_word(a, b) for i, a in enumerate(words) for b in words[i + 1:])


def test_a_phrase_in_a_single_note_does_not_name_a_group():
    texts = ["Ortisei, Alpe di Gardena: cable cars up to the meadows", "Cable cars from the village",
             "Meadows and cable cars for short legs", "Lake with a flat cycle path", "Cycle path round the lake",
             "Swimming in the lake"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1])
    assert names == {0: "cable cars", 1: "lake"}  # a phrase many notes share wins over a rare place name


def test_stop_words_never_start_or_end_a_name():
    texts = ["the planning permission for the extension", "planning permission is needed here",
             "ask about planning permission", "paint the hallway", "paint the stairs", "paint it all white"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1])
    assert names == {0: "planning permission", 1: "paint"}
    assert keyword_labels(["the a", "of"], [0, 1]) == {0: "Cluster 0", 1: "Cluster 1"}


def test_no_two_clusters_get_the_same_name():
    texts = ["kitchen budget", "kitchen loan", "kitchen units", "kitchen worktops"]  # only "kitchen" recurs
    names = keyword_labels(texts, [0, 0, 1, 1])
    assert names[0] == "kitchen" and names[1] in ("units", "worktops")  # the next best phrase, not a second "kitchen"
    assert keyword_labels(["kitchen", "kitchen"], [0, 1]) == {0: "kitchen", 1: "Cluster 1"}


def test_typed_names_stay_and_no_other_cluster_takes_them():
    texts = ["budget for the kitchen", "budget cap", "loan and budget", "budget for tiles", "tiles budget",
             "grout for tiles"]
    names = keyword_labels(texts, [0, 0, 0, 1, 1, 1], given={0: "Budget"})
    assert names[0] == "Budget" and names[1] == "tiles"


def test_a_name_near_the_clusters_meaning_wins_over_an_equally_distinctive_one():
    texts = ["kitchen tiles and kitchen sink", "kitchen tiles chosen", "sink and tiles ordered",
             "garden shed roof", "garden shed paint", "shed roof leaks"]
    labels = [0, 0, 0, 1, 1, 1]
    plain = keyword_labels(texts, labels)

    def closeness(cluster, phrases):  # this task cares about what is fitted: sinks, not tiles
        return [1.0 if "sink" in p else -1.0 for p in phrases]

    meant = keyword_labels(texts, labels, closeness=closeness)
    assert plain[0] != "sink" and meant[0] == "sink" and meant[1] == plain[1] is not None


def test_names_chosen_with_the_model_still_follow_the_rules(X, bundled_encoder):
    ids = [f"n{i}" for i in range(len(NOTES))]

    def phrase_vectors(phrases):
        return np.asarray(bundled_encoder.encode(phrases, INSTRUCTION))

    clusters, names, _ = recluster(X, ids, NOTES, {}, {}, set(), phrase_vectors=phrase_vectors)
    members = {c: [t for i, t in zip(ids, NOTES) if clusters[i] == c] for c in names}
    assert_good_names(names, members)
    assert clusters == recluster(X, ids, NOTES, {}, {}, set())[0]  # the names change, never the clusters


def test_names_are_found_when_the_naming_model_differs_from_the_maps(X):
    """Vectors cached by one model, names weighed with another of another size: plain names, no failure."""
    ids = [f"n{i}" for i in range(len(NOTES))]
    clusters, names, _ = recluster(X, ids, NOTES, {}, {}, set(), phrase_vectors=lambda p: np.ones((len(p), 7)))
    assert names == recluster(X, ids, NOTES, {}, {}, set())[1]

"""Names for clusters of notes: one short phrase (1-3 words) from the notes, by class-based TF-IDF.

A phrase is a run of words inside one clause of a note. Numbers (tokens with digits, or large numbers in words),
units and currency codes are never part of one; stop words (scikit-learn's English list) never start or end one but
may sit inside a three-word phrase ("kitchen and bathroom"). Forms of one word count together ("reef", "reefs") and
never both appear in a name. A phrase scores by the share of its cluster's notes that contain it times how rare it
is in the other clusters (class-based TF-IDF over notes); one that recurs only inside a longer phrase gives way to
it ("control" to "building control"). The most distinctive cluster picks first; each takes its best phrase that
shares no word with the names before it, and no two clusters share a name.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

MAX_WORDS = 3
CANDIDATES = 6  # the most distinctive phrases of a cluster that its centre's meaning may reorder
NAME_SAMPLE = 1000  # phrases are counted in at most this many notes of a cluster
# Numbers in words that the stop words lack, and tokens that only ever go with a number ("eur" in "38,000 EUR"):
# like numbers in digits, they name no topic.
NUMBERS_AND_UNITS = frozenset({
    "seven", "thirteen", "fourteen", "sixteen", "seventeen", "eighteen", "nineteen", "thirty", "seventy", "eighty",
    "ninety", "thousand", "million", "billion", "dozen",
    "eur", "euro", "usd", "gbp", "chf", "cad", "aud", "jpy", "inr", "kr", "cm", "mm", "km", "kg", "mg", "ml", "db",
    "kw", "kwh", "mph", "kph", "sqm", "sqft", "ft", "pcs", "am", "pm", "eg", "ie", "etc", "vs", "approx",
})
_CLAUSES = re.compile(r"[^\w\s'’-]+|\s[-'’]+\s|--+|\n")  # punctuation ends a phrase; an inner hyphen does not
_TOKENS = re.compile(r"\w+(?:[-'’]\w+)*")
_CONTRACTION = re.compile(r"(?:n't|'re|'ve|'ll|'d|'m)$")


def stem(word: str) -> str:
    """A crude English stem, enough to tell forms of one word apart: "reefs", "tiling" -> "reef", "til"."""
    if "-" in word:
        head, _, last = word.rpartition("-")
        return f"{head}-{stem(last)}"
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("eed"):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # planning -> plan, fitted -> fit
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word  # tile, tiling -> til


def _is_word(token: str) -> bool:
    return len(token) > 1 and not any(ch.isdigit() for ch in token) and token not in NUMBERS_AND_UNITS


def _is_edge(token: str) -> bool:
    """May start or end a phrase: a word that is no stop word and no contraction."""
    return _is_word(token) and token not in _stop_words() and not _CONTRACTION.search(token)


def phrases(text: str) -> dict[tuple[str, ...], str]:
    """The candidate phrases of one note: stems -> the words as written (lower case)."""
    found: dict[tuple[str, ...], str] = {}
    for clause in _CLAUSES.split(text.lower().replace("’", "'")):
        tokens = [t.removesuffix("'s") for t in _TOKENS.findall(clause)]
        for i in range(len(tokens)):
            for n in range(1, MAX_WORDS + 1):
                gram = tokens[i:i + n]
                if len(gram) < n or not all(map(_is_word, gram)):
                    break
                if not (_is_edge(gram[0]) and _is_edge(gram[-1])):
                    continue
                key = tuple(stem(t) for t in gram)
                if len(set(key)) == n:  # never two forms of one word ("reef reefs")
                    found.setdefault(key, " ".join(gram))
    return found


def keyword_labels(texts: Sequence[str], labels, *, given: Mapping[int, str] | None = None,
                   closeness: Callable[[int, list[str]], Sequence[float]] | None = None) -> dict[int, str]:
    """Name each cluster (label >= 0) by its most distinctive phrase of 1-3 words; ties go alphabetically.

    `given` names (typed by the user) are kept, and no other cluster gets one of them. A cluster without a single
    usable word is "Cluster <n>". `closeness(cluster, phrases)`, when given, says how near each phrase's embedding
    is to the cluster's centre (cosine): the most distinctive candidates are then ranked by both."""
    given = dict(given or {})
    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(np.asarray(labels).tolist()):
        if label >= 0:
            members[label].append(i)
    classes = sorted(members)
    notes_with: dict[int, Counter] = {}  # cluster -> phrase -> how many of its notes have it
    written: dict[tuple[str, ...], Counter] = defaultdict(Counter)  # phrase -> how it is written
    for c in classes:
        counts: Counter = Counter()
        chosen = members[c]
        if len(chosen) > NAME_SAMPLE:  # evenly spread, so the same notes give the same name
            chosen = [chosen[j] for j in np.linspace(0, len(chosen) - 1, NAME_SAMPLE).astype(int)]
        for i in chosen:
            for key, words in phrases(texts[i]).items():
                counts[key] += 1
                written[key][words] += 1
        notes_with[c] = counts
    total: Counter = Counter()
    for counts in notes_with.values():
        total.update(counts)
    sizes = {c: min(len(members[c]), NAME_SAMPLE) for c in classes}
    average = sum(sizes.values()) / max(len(classes), 1)

    ranked: dict[int, list[tuple[bool, float, int, str, tuple[str, ...]]]] = {}
    for c in classes:
        counts = notes_with[c]
        absorbed = _absorbed(counts)
        # phrases that recur in the cluster come first: a phrase of one note names no group, unless nothing recurs
        ranked[c] = sorted((n < 2, -(n / sizes[c]) * math.log(1 + average / total[key]), len(key),
                            _spelling(written[key]), key) for key, n in counts.items() if key not in absorbed)

    if closeness is not None:
        for c in classes:
            if c not in given:
                ranked[c] = _by_meaning(ranked[c], functools.partial(closeness, c))

    names = {c: given[c] for c in classes if c in given}
    used_names = {name.casefold() for name in given.values()}
    used_stems = {stem(w) for name in given.values() for w in _TOKENS.findall(name.lower())}
    def strength(c: int) -> tuple[bool, float]:
        return ranked[c][0][:2] if ranked[c] else (True, 0.0)

    for c in sorted((c for c in classes if c not in names), key=lambda c: (strength(c), c)):  # most distinctive first
        fresh = [(words, key) for *_, words, key in ranked[c] if words not in used_names]
        best = next((words for words, key in fresh if not used_stems & set(key)), None)
        if best is None:
            best = fresh[0][0] if fresh else next(f"Cluster {n}" for n in range(c, c + len(classes) + len(given) + 1)
                                                  if f"cluster {n}" not in used_names)
        names[c] = best
        used_names.add(best.casefold())
        used_stems.update(stem(w) for w in best.split())
    return {c: names[c] for c in classes}


def _by_meaning(ranked: list, closeness: Callable[[list[str]], Sequence[float]]) -> list:
    """The first CANDIDATES recurring phrases re-ranked by distinctiveness and closeness to the centre, half each
    (distinctiveness scaled to the best one's); the rest keep their order after them."""
    top = [entry for entry in ranked[:CANDIDATES] if not entry[0]]  # phrases in two or more notes
    if len(top) < 2:
        return ranked
    near = np.asarray(closeness([entry[3] for entry in top]), dtype=np.float64)
    distinct = np.array([-entry[1] for entry in top]) / max(-top[0][1], 1e-12)
    order = sorted(range(len(top)), key=lambda i: (-(0.5 * distinct[i] + 0.5 * near[i]), i))
    return [top[i] for i in order] + ranked[len(top):]


def _absorbed(counts: Counter) -> set[tuple[str, ...]]:
    """Phrases that recur only inside a longer one, and so are that longer one: "control" in "building control"."""
    absorbed: set[tuple[str, ...]] = set()
    for key, n in counts.items():
        if n >= 2 and len(key) > 1:
            subs = (key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1) if j - i < len(key))
            absorbed.update(sub for sub in subs if counts.get(sub) == n)
    return absorbed


def _spelling(ways: Counter) -> str:
    """The commonest way a phrase is written (ties alphabetically)."""
    return min(ways.items(), key=lambda item: (-item[1], item[0]))[0]


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # on first use: the window opens sooner

    return ENGLISH_STOP_WORDS

"""Questions about a map answered with plain numpy: what the task is for, which notes fit it, what moved."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

SMALLEST, LARGEST = 0.55, 1.8  # point scale of the least and the most relevant note


def task_objective(instruction: str) -> str:
    """The objective of "Represent the [domain] [text type] for [objective]: ": the text after the last " for "
    up to the colon; the whole instruction when it does not follow the pattern."""
    text = " ".join(instruction.split())
    start = text.rfind(" for ")
    objective = text[start + 5:].split(":", 1)[0].strip() if start >= 0 else ""
    return objective or text.rstrip(": ").strip()


def cosine(X, query) -> np.ndarray:
    """Cosine similarity of each row of X with one query vector."""
    X = np.asarray(X, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if X.size == 0:
        return np.zeros(len(X), dtype=np.float32)
    norms = np.linalg.norm(X, axis=1) * max(float(np.linalg.norm(q)), 1e-12)
    return (X @ q) / np.maximum(norms, 1e-12)


def top(ids: Sequence[str], scores, n: int) -> list[tuple[str, float]]:
    """The n best (id, score) pairs, best first; ties keep note order."""
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")[: max(n, 0)]
    return [(ids[i], float(scores[i])) for i in order]


def relevance_scales(scores: Mapping[str, float]) -> dict[str, float]:
    """Point scales from relevance: the least relevant note SMALLEST, the most LARGEST, linear between."""
    if not scores:
        return {}
    values = np.array(list(scores.values()), dtype=np.float64)
    low, span = values.min(), np.ptp(values)
    t = (values - low) / span if span > 1e-12 else np.full(len(values), 0.5)
    return {k: float(SMALLEST + (LARGEST - SMALLEST) * v) for k, v in zip(scores, t)}


def movement(before: Mapping[str, Sequence[float]], after: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """How far each note that has a place in both maps moved, in map units."""
    shared = [k for k in after if k in before]
    if not shared:
        return {}
    a = np.array([before[k] for k in shared], dtype=np.float64)
    b = np.array([after[k] for k in shared], dtype=np.float64)
    return dict(zip(shared, np.linalg.norm(b - a, axis=1).tolist()))


def moved_most(before, after, n: int = 15, at_least: float = 1e-6) -> list[tuple[str, float]]:
    """The n notes that moved farthest between two maps, farthest first; notes that stayed are left out."""
    moved = {k: d for k, d in movement(before, after).items() if d > at_least}
    return top(list(moved), list(moved.values()), n)

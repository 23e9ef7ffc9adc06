"""Embedding cache: (model, instruction, text) -> vector, so only new or changed notes are embedded.

Vectors are kept under the model's *cache instruction* (families.cache_instruction): the task itself for INSTRUCTOR
and plain models, the model family and its whole prompt for the others, so that the same task embedded two ways
never shares vectors. `block` and `keys` speak of these stored keys, as project files record them.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from instructor_map.core.families import cache_instruction


@lru_cache(maxsize=1 << 18)  # every map request, save and autosave hashes every note again
def text_key(text: str) -> str:
    """The hash that identifies a note's text in the cache and in project files."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:20]


class EmbeddingCache:
    def __init__(self) -> None:
        self._blocks: dict[tuple[str, str], dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return sum(len(b) for b in self._blocks.values())

    def keys(self) -> list[tuple[str, str]]:
        return list(self._blocks)

    def block(self, model: str, stored: str) -> dict[str, np.ndarray]:
        """hash -> vector for one stored key (model, cache instruction); the live dict, not a copy."""
        return self._blocks.setdefault((model, stored), {})

    @staticmethod
    def _key(model: str, instruction: str) -> tuple[str, str]:
        return model, cache_instruction(model, instruction)

    def missing(self, model: str, instruction: str, texts: Sequence[str]) -> list[int]:
        """Indices of the texts that have no vector yet; a repeated text is listed once."""
        have = self._blocks.get(self._key(model, instruction), {})
        seen: set[str] = set()
        out = []
        for i, text in enumerate(texts):
            key = text_key(text)
            if key not in have and key not in seen:
                seen.add(key)
                out.append(i)
        return out

    def put(self, model: str, instruction: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        block = self.block(*self._key(model, instruction))
        for text, vec in zip(texts, np.asarray(vectors, dtype=np.float32)):
            block[text_key(text)] = vec

    def matrix(self, model: str, instruction: str, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts` in order, as an (N, D) float32 array. Raises KeyError if one is missing."""
        block = self._blocks.get(self._key(model, instruction), {})
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([block[text_key(t)] for t in texts]).astype(np.float32, copy=False)

    def has_all(self, model: str, instruction: str, texts: Sequence[str]) -> bool:
        return not self.missing(model, instruction, texts)

    def prune(self, keep_texts: Sequence[str]) -> None:
        """Forget vectors of texts that no note has any more."""
        keep = {text_key(t) for t in keep_texts}
        for key, block in list(self._blocks.items()):
            for h in [h for h in block if h not in keep]:
                del block[h]
            if not block:
                del self._blocks[key]


def embed_cached(
    cache: EmbeddingCache,
    encoder,
    instruction: str,
    texts: Sequence[str],
    progress: Callable[[int, int], None] | None = None,
    partial: Callable[[list[int], np.ndarray], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray | None:
    """Embed what the cache lacks, store it, and return all vectors in order (None if cancelled).

    `partial(indices, vectors)` receives each finished batch, indices being positions in `texts`.
    """
    todo = cache.missing(encoder.model_id, instruction, texts)
    if todo:
        todo_texts = [texts[i] for i in todo]

        def on_batch(batch_idx: list[int], vecs: np.ndarray) -> None:
            cache.put(encoder.model_id, instruction, [todo_texts[i] for i in batch_idx], vecs)
            if partial is not None:
                partial([todo[i] for i in batch_idx], vecs)

        done = encoder.encode(todo_texts, instruction, progress=progress, on_batch=on_batch, cancelled=cancelled)
        if done is None:
            return None
    elif progress is not None:
        progress(0, 0)
    return cache.matrix(encoder.model_id, instruction, texts)


MEMO_LIMIT = 2000  # query vectors remembered by a QueryMemo


class QueryMemo(dict):
    """(model, cache instruction, text) -> vector for short query texts (pole words, objectives, searches)."""

    def vectors(self, encoder, instruction: str, texts: list[str]) -> np.ndarray:
        model, stored = encoder.model_id, cache_instruction(encoder.model_id, instruction)
        todo = [t for t in dict.fromkeys(texts) if (model, stored, t) not in self]
        if todo:
            if len(self) + len(todo) > MEMO_LIMIT:
                self.clear()
            for text, vec in zip(todo, encoder.encode(todo, instruction)):
                self[(model, stored, text)] = vec
        return np.stack([self[(model, stored, t)] for t in texts]) if texts else np.zeros((0, 0))

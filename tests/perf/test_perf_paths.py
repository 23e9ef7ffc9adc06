"""The fast paths give the same results as the plain ones. Small and quick; no timing assertions.

    python -m pytest tests/perf/test_perf_paths.py

"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gpu_bench  # noqa: E402

from instructor_map.core import encoders  # noqa: E402
from instructor_map.core.pca import pca_layout, pca_layouts  # noqa: E402


# ---- (a) the GPU benchmark's CPU path -----------------------------------------------------------------------
def test_gpu_bench_cpu_path_gives_finite_rates(tmp_path):
    result = gpu_bench.run_shape("tiny", gpu_bench.SHAPES["tiny"], 12, "cpu", tmp_path)
    assert result["device"] == "cpu" and result["notes"] == 12
    for key in ("notes_per_s", "tokens_per_s", "plain_notes_per_s"):
        assert math.isfinite(result[key]) and result[key] > 0, key
    assert result["finite"]
    assert 0 < result["padding_efficiency"] <= 1
    assert result["min_cosine"] > 0.9999  # sorted batches and plain batches embed alike


def test_gpu_bench_reports_short_notes_and_the_cosine_to_fp32(tmp_path):
    long = gpu_bench.run_shape("tiny", gpu_bench.SHAPES["tiny"], 12, "cpu", tmp_path, plain=False)
    short = gpu_bench.run_shape("tiny", gpu_bench.SHAPES["tiny"], 12, "cpu", tmp_path, plain=False, short=True)
    assert short["max_tokens"] < long["max_tokens"]
    assert long["mfu"] is None  # no bf16 peak for a CPU
    texts = gpu_bench.make_notes(6)
    own = encoders.Encoder.load(str(tmp_path / "tiny")).encode(texts, gpu_bench.INSTRUCTION)
    assert gpu_bench.fp32_cosine(tmp_path / "tiny", texts, own, "cpu") > 0.9999


# ---- (b) length-sorted batches under a token budget --------------------------------------------------------
def _cuda_batches(encoder, lengths, budget, batch_size):
    """The encoder's own _batches, as it batches on CUDA, without needing a GPU."""
    proxy = SimpleNamespace(device="cuda", batch_size=batch_size)
    return encoders.Encoder._batches(proxy, lengths)


@pytest.mark.parametrize("budget,batch_size", [(64, 16), (200, 8), (1000, 64), (10**9, 4)])
def test_token_budget_batches_cover_every_note_once_longest_first(monkeypatch, budget, batch_size):
    monkeypatch.setattr(encoders, "GPU_TOKEN_BUDGET", budget)
    rng = np.random.default_rng(budget)
    lengths = rng.integers(1, 120, 300).tolist() + [500, 3, 3]  # one note beyond the budget on its own
    batches = _cuda_batches(None, lengths, budget, batch_size)
    order = [i for batch in batches for i in batch]
    assert sorted(order) == list(range(len(lengths)))  # every note exactly once
    assert [lengths[i] for i in order] == sorted(lengths, reverse=True)  # longest first
    for batch in batches:
        assert 1 <= len(batch) <= batch_size
        padded = len(batch) * max(lengths[i] for i in batch)
        assert padded <= budget or len(batch) == 1  # a single note longer than the budget still goes


def test_cpu_batches_ignore_the_token_budget(monkeypatch):
    monkeypatch.setattr(encoders, "GPU_TOKEN_BUDGET", 10)
    proxy = SimpleNamespace(device="cpu", batch_size=16)
    batches = encoders.Encoder._batches(proxy, [50] * 40)
    assert [len(b) for b in batches] == [16, 16, 8]


def test_encode_under_a_small_token_budget_gives_the_same_vectors(monkeypatch, tiny_encoder):
    texts = gpu_bench.make_notes(40, seed=3)
    instruction = gpu_bench.INSTRUCTION
    plain = tiny_encoder.encode(texts, instruction)
    seen = []

    def budget_batches(lengths):
        batches = _cuda_batches(None, lengths, 300, tiny_encoder.batch_size)
        seen.append(batches)
        return batches

    monkeypatch.setattr(encoders, "GPU_TOKEN_BUDGET", 300)
    monkeypatch.setattr(tiny_encoder, "_batches", budget_batches)
    budgeted = tiny_encoder.encode(texts, instruction)
    assert len(seen[0]) > math.ceil(len(texts) / tiny_encoder.batch_size)  # the budget did split batches
    np.testing.assert_allclose(budgeted, plain, atol=2e-5)


# ---- (c) PCA layout against scikit-learn --------------------------------------------------------------------
def _clustered(n, dim=768, topics=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    X = centres[rng.integers(0, topics, n)] + 0.8 * rng.standard_normal((n, dim), dtype=np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def big():
    X = _clustered(20_000)
    return X, [f"n{i}" for i in range(len(X))]


def test_layout_of_20000_notes_matches_sklearn_pca(big):
    from sklearn.decomposition import PCA

    X, ids = big
    reference = PCA(3, svd_solver="full").fit(X.astype(np.float64))
    layout = pca_layout(X, ids, dims=3)
    np.testing.assert_allclose(layout.explained_variance_ratio, reference.explained_variance_ratio_, rtol=1e-3)
    components = np.asarray(layout.basis["components"])
    cosines = np.abs(np.sum(components * reference.components_, axis=1))
    assert cosines.min() > 0.999  # the same axes, up to sign
    # the places are the PCA scores, scaled (no previous map here, so no rotation)
    scores = reference.transform(X)
    scale = layout.basis["scale"]
    np.testing.assert_allclose(np.abs(layout.coords), np.abs(scores * scale), atol=1e-3 * 100)


def test_2d_and_3d_share_one_decomposition(big):
    X, ids = big
    both = pca_layouts(X, ids, (2, 3))
    alone = pca_layout(X, ids, dims=2)
    np.testing.assert_allclose(both[2].explained_variance_ratio, alone.explained_variance_ratio, rtol=1e-6)
    np.testing.assert_allclose(both[3].explained_variance_ratio[:2], alone.explained_variance_ratio, rtol=1e-6)
    np.testing.assert_allclose(both[2].coords, alone.coords, atol=1e-3)

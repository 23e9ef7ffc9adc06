"""Embedding benchmarks: throughput, exact mode against sentence-transformers, fast mode, GEMM efficiency.

    python tests/perf/bench_embed.py [--quick]

Everything is measured side by side in one run; ratios are what to compare, since machines are noisy.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from checkpoints import BASE_SHAPE, build_instructor_checkpoint  # noqa: E402

INSTRUCTION = "Represent the travel note for planning a relaxing family trip: "
WORDS = [
    "beach", "sand", "quiet", "family", "hotel", "budget", "flight", "museum", "hiking", "trail", "mountain",
    "lake", "snorkelling", "reef", "kids", "pool", "breakfast", "train", "ticket", "old", "town", "market",
    "dinner", "sunset", "cruise", "island", "village", "ferry", "car", "rental", "grandparents", "nap", "schedule",
    "weather", "july", "august", "cheap", "expensive", "booking", "walk", "short", "long", "view"
]

ST_SCRIPT = """
import sys, json, numpy as np
from sentence_transformers import SentenceTransformer
folder, notes, out, prompt = sys.argv[1:5]
texts = [json.loads(l)["text"] for l in open(notes)]
model = SentenceTransformer(folder, device="cpu")
model.set_pooling_include_prompt(include_prompt=False)
np.save(out, model.encode(texts, prompt=prompt, batch_size=16, normalize_embeddings=True).astype(np.float32))
"""


def make_notes(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(10, 61))).capitalize() + "." for _ in range(n)]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def gemm_flops(n: int = 1024, repeat: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start = time.perf_counter()
    for _ in range(repeat):
        a @ b
    return 2 * n**3 * repeat / (time.perf_counter() - start)


def t5_flops_per_token(shape: dict, seq: float) -> float:
    """Multiply-adds x 2 per token in the encoder: attention projections, feed-forward, attention scores."""
    d, inner, ff, layers = shape["d_model"], shape["num_heads"] * shape["d_kv"], shape["d_ff"], shape["num_layers"]
    per_layer = 4 * d * inner + 2 * d * ff + 2 * seq * inner
    return 2 * layers * per_layer + 2 * d * shape["dense_out"]


def in_process_rate(encoder, texts) -> tuple[float, float]:
    """(notes/s, tokens/s) for encode() alone, model already loaded."""
    encoder.encode(texts[:16], INSTRUCTION)  # warm-up
    start = time.perf_counter()
    encoder.encode(texts, INSTRUCTION)
    took = time.perf_counter() - start
    tokens = sum(len(ids) for ids in encoder.tokenizer([INSTRUCTION + t for t in texts])["input_ids"])
    return len(texts) / took, tokens / took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer notes and one round")
    args = parser.parse_args()
    n, rounds = (64, 1) if args.quick else (256, 2)
    from instructor_map.core.encoders import Encoder

    texts = make_notes(n)
    work = Path(tempfile.mkdtemp(prefix="imap-bench-"))
    notes = work / "notes.jsonl"
    notes.write_text("\n".join(json.dumps({"text": t}) for t in texts))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {n} notes of 10-60 words")

    bundled = Encoder.load("bundled")
    rate, _ = in_process_rate(bundled, texts)
    print(f"bundled all-MiniLM-L6-v2: {rate:.1f} notes/s (encode only)")

    folder = build_instructor_checkpoint(work / "base", corpus=texts + [INSTRUCTION], **BASE_SHAPE)
    exact = Encoder.load(str(folder))
    rate, tokens_per_s = in_process_rate(exact, texts)
    seq = np.mean([len(ids) for ids in exact.tokenizer([INSTRUCTION + t for t in texts])["input_ids"]])
    gemm = gemm_flops()
    efficiency = t5_flops_per_token(BASE_SHAPE, seq) * tokens_per_s / gemm
    print(f"instructor-base shape, exact fp32: {rate:.1f} notes/s, {tokens_per_s:.0f} tokens/s "
          f"(mean {seq:.0f} tokens); fp32 GEMM {gemm / 1e9:.0f} GFLOP/s; efficiency {efficiency:.0%}")
    fast = Encoder.load(str(folder), fast=True)
    fast_rate, _ = in_process_rate(fast, texts)
    cos = np.sum(exact.encode(texts, INSTRUCTION) * fast.encode(texts, INSTRUCTION), axis=1)
    print(f"fast int8: {fast_rate:.1f} notes/s = {fast_rate / rate:.2f}x exact; min cosine to exact {cos.min():.4f}")

    ours_cmd = [sys.executable, "-m", "instructor_map", "embed", str(notes), "-o", str(work / "ours.npy"),
                "--model", str(folder), "--instruction", INSTRUCTION]
    st_cmd = [sys.executable, "-c", ST_SCRIPT, str(folder), str(notes), str(work / "st.npy"), INSTRUCTION]
    ours, st = [], []
    for _ in range(rounds):  # alternate A/B as whole processes
        ours.append(timed(ours_cmd))
        st.append(timed(st_cmd))
    diff = np.abs(np.load(work / "ours.npy") - np.load(work / "st.npy")).max()
    a, b = statistics.median(ours), statistics.median(st)
    print(f"whole process, median of {rounds}: instructor-map embed {a:.1f} s, sentence-transformers {b:.1f} s "
          f"-> {b / a:.2f}x; max abs diff {diff:.2e}")


if __name__ == "__main__":
    main()

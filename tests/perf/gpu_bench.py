"""GPU embedding throughput: instructor-base- and instructor-large-shaped random checkpoints on CUDA (bf16).

    python tests/perf/gpu_bench.py [--quick] [--notes N] [--shapes base,large] [--batch-sizes 64,256]

Runs the app's own encoder (instructor_map.core.encoders.Encoder(..., device="cuda")): notes are tokenised once,
sorted longest first and batched under the encoder's padded-token budget (GPU_TOKEN_BUDGET). For comparison the
same model also runs the plain way, fixed batches in input order, and the two outputs are compared.
Without CUDA the same code path runs on the CPU with a tiny shape, and the script says "no CUDA: CPU path only".
The weights are random, so the speed is real and the vectors are meaningless.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoints import BASE_SHAPE, TINY_SHAPE, build_instructor_checkpoint  # noqa: E402

INSTRUCTION = "Represent the travel note for planning a relaxing family trip: "
LARGE_SHAPE = dict(d_model=1024, d_kv=64, d_ff=4096, num_layers=24, num_heads=16, dense_out=768, vocab_size=32128)
SHAPES = {"tiny": TINY_SHAPE, "base": BASE_SHAPE, "large": LARGE_SHAPE}
WORDS = [
    "beach", "sand", "quiet", "family", "hotel", "budget", "flight", "museum", "hiking", "trail", "mountain",
    "lake", "snorkelling", "reef", "kids", "pool", "breakfast", "train", "ticket", "old", "town", "market",
    "dinner", "sunset", "cruise", "island", "village", "ferry", "car", "rental", "grandparents", "nap", "schedule",
    "weather", "july", "august", "cheap", "expensive", "booking", "walk", "short", "long", "view"
]


# dense bf16 peaks (TFLOP/s) of chips the model FLOPs utilisation is reported against; --peak-tflops for others
BF16_PEAKS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0}


def make_notes(n: int, seed: int = 0, short: bool = False) -> list[str]:
    """Notes of very different lengths, as real collections have: mostly short, some of a few hundred words.
    `short`: notes of 20-35 words (about 60 tokens with the instruction), all alike in length."""
    rng = np.random.default_rng(seed)
    if short:
        lengths = rng.integers(20, 36, size=n)
    else:
        lengths = np.clip(rng.lognormal(mean=3.3, sigma=0.8, size=n), 3, 400).astype(int)
    return [" ".join(rng.choice(WORDS, size=k)).capitalize() + f" ({i})." for i, k in enumerate(lengths)]


def t5_flops_per_token(shape: dict, seq: float) -> float:
    """2 x multiply-adds per token in the encoder (projections, feed-forward, attention scores) and the Dense."""
    d, inner, ff, layers = shape["d_model"], shape["num_heads"] * shape["d_kv"], shape["d_ff"], shape["num_layers"]
    per_layer = 4 * d * inner + 2 * d * ff + 2 * seq * inner
    return 2 * layers * per_layer + 2 * d * shape["dense_out"]


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _plain_batches(encoder, ids: list[list[int]], n_instr: int) -> np.ndarray:
    """The usual way: fixed batches of encoder.batch_size in input order, padded to each batch's longest."""
    size = encoder.batch_size
    return np.concatenate([encoder._forward(ids[i:i + size], n_instr) for i in range(0, len(ids), size)])


def peak_tflops(device: str) -> float | None:
    """The chip's dense bf16 peak, when it is one of BF16_PEAKS."""
    if device != "cuda":
        return None
    name = torch.cuda.get_device_name(0)
    return next((peak for chip, peak in BF16_PEAKS.items() if chip in name), None)


def fp32_cosine(folder: Path, texts: list[str], vectors: np.ndarray, device: str) -> float:
    """The least cosine between the vectors given and the same model's in fp32 on `device`, over `texts`."""
    from unittest import mock

    from instructor_map.core import encoders
    from instructor_map.core.models import resolve_model

    with mock.patch.object(torch.cuda, "is_bf16_supported", return_value=False):  # the encoder's fp32 choice
        exact = encoders.Encoder(resolve_model(str(folder)), device=device)
    reference = exact.encode(texts, INSTRUCTION)
    del exact
    return float(np.sum(vectors * reference, axis=1).min())


def run_shape(name: str, shape: dict, n_notes: int, device: str, work: Path, plain: bool = True,
              texts: list[str] | None = None, batch_size: int | None = None, profile: bool = False,
              short: bool = False) -> dict:
    """Build a random checkpoint of `shape`, load it with the app's Encoder on `device`, embed n_notes notes
    (`short`: notes of about 60 tokens).

    Returns notes/s, tokens/s, TFLOP/s and the model FLOPs utilisation against the chip's bf16 peak, the least
    cosine to fp32, and the batching figures (and the plain fixed-batch run's, when `plain`)."""
    from instructor_map.core import encoders
    from instructor_map.core.models import resolve_model

    texts = texts or make_notes(n_notes, short=short)
    start = time.perf_counter()
    folder = work / name
    if not (folder / "modules.json").is_file():
        build_instructor_checkpoint(folder, corpus=texts[:256] + [INSTRUCTION], **shape)
    build_s = time.perf_counter() - start
    encoder = encoders.Encoder(resolve_model(str(folder)), device=device, batch_size=batch_size)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    encoder.encode(texts[:32], INSTRUCTION)  # warm-up: kernels, allocator
    _sync(device)
    start = time.perf_counter()
    vectors = encoder.encode(texts, INSTRUCTION)
    _sync(device)
    took = time.perf_counter() - start
    if profile:
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile as torch_profile

        with torch_profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            encoder.encode(texts[:1024], INSTRUCTION)
            _sync(device)
        key = "self_cuda_time_total" if device == "cuda" else "self_cpu_time_total"
        print(prof.key_averages().table(sort_by=key, row_limit=10, max_name_column_width=60), flush=True)

    inputs = [(INSTRUCTION + t.strip()).strip() for t in texts]
    ids = encoder._tokenize(inputs)
    lengths = [len(row) for row in ids]
    batches = encoder._batches(lengths)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    real = sum(lengths)
    out = {
        "name": name, "batch_size": encoder.batch_size, "device": encoder.device,
        "dtype": str(encoder.dtype).removeprefix("torch."),
        "notes": len(texts), "seconds": took, "notes_per_s": len(texts) / took, "tokens_per_s": real / took,
        "mean_tokens": real / len(texts), "max_tokens": max(lengths), "batches": len(batches),
        "padding_efficiency": real / padded, "build_s": build_s,
        "tflops": t5_flops_per_token(shape, real / len(texts)) * real / took / 1e12,
        "budget": encoders.GPU_TOKEN_BUDGET if encoder.device == "cuda" else math.inf,
        "finite": bool(np.isfinite(vectors).all()),
    }
    peak = peak_tflops(device)
    out["mfu"] = out["tflops"] / peak if peak else None
    if device == "cuda":
        out["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    if encoder.dtype != torch.float32:
        out["fp32_cosine"] = fp32_cosine(folder, texts[:512], vectors[:512], device)
    if plain:
        n_instr = encoder.instruction_length(INSTRUCTION)
        with torch.inference_mode():
            _plain_batches(encoder, ids[:32], n_instr)
            _sync(device)
            start = time.perf_counter()
            reference = _plain_batches(encoder, ids, n_instr)
            _sync(device)
        plain_s = time.perf_counter() - start
        size = encoder.batch_size
        plain_padded = sum(len(ids[i:i + size]) * max(lengths[i:i + size]) for i in range(0, len(ids), size))
        out.update(plain_notes_per_s=len(texts) / plain_s, plain_padding_efficiency=real / plain_padded,
                   min_cosine=float(np.sum(vectors * reference, axis=1).min()))
    del encoder
    if device == "cuda":
        torch.cuda.empty_cache()
    return out


def print_result(r: dict) -> None:
    budget = "no token budget" if math.isinf(r["budget"]) else f"token budget {r['budget']:,}"
    mfu = f" = {r['mfu']:.0%} of the chip's bf16 peak" if r.get("mfu") else ""
    print(f"{r['name']} shape on {r['device'].upper()} {r['dtype']}: {r['notes_per_s']:,.1f} notes/s, "
          f"{r['tokens_per_s']:,.0f} tokens/s, {r['tflops']:.2f} TFLOP/s{mfu} "
          f"({r['notes']:,} notes, mean {r['mean_tokens']:.0f} / max {r['max_tokens']} tokens, "
          f"{r['seconds']:.2f} s)", flush=True)
    line = (f"  length-sorted batches of at most {r['batch_size']} ({budget}): {r['batches']} batches, "
            f"{r['padding_efficiency']:.0%} of padded tokens are real")
    if "peak_gib" in r:
        line += f", peak GPU memory {r['peak_gib']:.1f} GiB"
    if "fp32_cosine" in r:
        line += f", least cosine to fp32 {r['fp32_cosine']:.4f}"
    print(line, flush=True)
    if "plain_notes_per_s" in r:
        print(f"  plain fixed batches in input order: {r['plain_notes_per_s']:,.1f} notes/s "
              f"({r['plain_padding_efficiency']:.0%} real tokens) -> sorted is "
              f"{r['notes_per_s'] / r['plain_notes_per_s']:.2f}x; min cosine between the two {r['min_cosine']:.4f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer notes (512 instead of 4,096)")
    parser.add_argument("--notes", type=int, help="notes to embed per shape")
    parser.add_argument("--shapes", default="base,large", help="comma list of: base, large (CUDA only)")
    parser.add_argument("--no-plain", action="store_true", help="skip the fixed-batch comparison")
    parser.add_argument("--token-budget", type=int, help="padded tokens per CUDA batch (default: the app's)")
    parser.add_argument("--attention", help="transformers attn_implementation on CUDA: sdpa or eager")
    parser.add_argument("--pad-multiple", type=int, help="pad CUDA batches to a multiple of this many tokens")
    parser.add_argument("--profile", action="store_true", help="print the top CUDA kernels of each shape's run")
    parser.add_argument("--batch-sizes", default="", help="comma list of batch caps to compare (default: the app's)")
    parser.add_argument("--peak-tflops", type=float, help="the chip's dense bf16 peak, for chips not in BF16_PEAKS")
    parser.add_argument("--no-short", action="store_true", help="skip the run on short notes (about 60 tokens)")
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda if cuda else 'none'}", flush=True)
    if cuda:
        print(f"device: {torch.cuda.get_device_name(0)}, bf16 {torch.cuda.is_bf16_supported()}", flush=True)
        names = [s.strip() for s in args.shapes.split(",") if s.strip()]
        n = args.notes or (512 if args.quick else 4096)
        device = "cuda"
    else:
        print("no CUDA: CPU path only (tiny shape, fp32; the same Encoder code path)", flush=True)
        names, n, device = ["tiny"], args.notes or (64 if args.quick else 256), "cpu"
    from instructor_map.core import encoders

    encoders.GPU_TOKEN_BUDGET = args.token_budget or encoders.GPU_TOKEN_BUDGET
    encoders.GPU_ATTENTION = args.attention or encoders.GPU_ATTENTION
    encoders.GPU_PAD_MULTIPLE = args.pad_multiple or encoders.GPU_PAD_MULTIPLE
    if cuda:
        print(f"attention {encoders.GPU_ATTENTION}, batches padded to a multiple of {encoders.GPU_PAD_MULTIPLE}",
              flush=True)
    if args.peak_tflops and cuda:
        BF16_PEAKS[torch.cuda.get_device_name(0)] = args.peak_tflops
    sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()] or [None]
    texts = make_notes(n)
    with tempfile.TemporaryDirectory(prefix="imap-gpu-bench-") as work:
        for name in names:
            for k, size in enumerate(sizes):
                result = run_shape(name, SHAPES[name], n, device, Path(work), plain=not args.no_plain and k == 0,
                                   texts=texts, batch_size=size, profile=args.profile and k == 0)
                print_result(result)
                if not result["finite"]:
                    print(f"  WARNING: {name} gave non-finite vectors", flush=True)
            if not args.no_short:
                print("short notes:", flush=True)
                print_result(run_shape(name, SHAPES[name], n, device, Path(work), plain=False, short=True))


if __name__ == "__main__":
    main()

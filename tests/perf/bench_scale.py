"""Scale benchmarks: 100,000-note layouts and project files, cached re-instruct, pan/zoom, embedding in the app.

    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/perf/bench_scale.py [--quick]

Prints one line per figure with its target. Needs a display for the app parts (Xvfb is fine).
"""
from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from instructor_map.core.commands import AddNotes
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.layout import pca_layout
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import load_project, save_project

MODEL, TASK = "bench-model", "Represent the note for clustering: "


def report(name: str, value: float, unit: str, target: float | None = None) -> None:
    verdict = "" if target is None else (" MET" if value <= target else " MISSED")
    goal = "" if target is None else f" (target <= {target:g} {unit})"
    print(f"{name}: {value:.3f} {unit}{goal}{verdict}", flush=True)


def clustered_vectors(n: int, dim: int = 768, topics: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    X = centres[rng.integers(0, topics, n)] + 0.8 * rng.standard_normal((n, dim)).astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def make_doc(n: int, X: np.ndarray) -> MapDocument:
    doc = MapDocument(instruction=TASK, model=MODEL, model_kind="instructor")
    AddNotes([Note(f"n{i}", f"note {i} about topic {i % 12}") for i in range(n)]).do(doc)
    doc.embeddings.put(MODEL, TASK, doc.texts(), X)
    return doc


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def core_figures(n: int) -> MapDocument:
    X = clustered_vectors(n)
    ids = [f"n{i}" for i in range(n)]
    for dims in (2, 3):
        _, took = timed(lambda: pca_layout(X, ids, dims=dims))
        report(f"PCA {dims}D, {n:,} notes", took, "s", 2.0)
    doc = make_doc(n, X)
    result, took = timed(lambda: layout_map(MapRequest.from_document(doc, clusters="none"), X))
    result.apply(doc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.imap"
        _, took = timed(lambda: save_project(doc, path))
        report(f"save {n:,} notes with vectors ({path.stat().st_size / 2**20:.0f} MiB)", took, "s", 3.0)
        _, took = timed(lambda: load_project(path))
        report(f"open {n:,} notes with vectors", took, "s", 3.0)
    return doc


def app_figures(n_pan: int, n_cached: int, n_embed: int) -> None:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from instructor_map.app.canvas2d import MapCanvas2D
    from instructor_map.app.main_window import MainWindow

    app = QApplication.instance() or QApplication([])

    def pump(seconds: float = 0.0) -> None:
        end = time.perf_counter() + seconds
        app.processEvents()
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    # re-instruct with every note cached: layout + clusters + apply + draw
    X = clustered_vectors(n_cached, seed=1)
    doc = make_doc(n_cached, X)
    layout_map(MapRequest.from_document(doc), X).apply(doc)
    canvas = MapCanvas2D()
    canvas.resize(1200, 800)
    canvas.show()
    canvas.set_document(doc)
    pump(0.5)
    doc.embeddings.put(MODEL, "Represent the note for planning: ", doc.texts(), clustered_vectors(n_cached, seed=2))
    doc.set_instruction("Represent the note for planning: ")
    start = time.perf_counter()
    request = MapRequest.from_document(doc)
    vectors = doc.embeddings.matrix(MODEL, doc.instruction, request.texts)
    t_matrix = time.perf_counter()
    result = layout_map(request, vectors)
    t_layout = time.perf_counter()
    result.apply(doc)
    canvas.refresh()
    canvas.repaint()
    end = time.perf_counter()
    report(f"re-instruct, {n_cached:,} cached notes, to a redrawn map", end - start, "s", 0.2)
    print(f"  split: vectors {t_matrix - start:.3f} s, layout+clusters {t_layout - t_matrix:.3f} s, "
          f"apply+draw {end - t_layout:.3f} s")
    no_clusters = MapRequest.from_document(doc, clusters="none")
    _, took = timed(lambda: layout_map(no_clusters, vectors))
    print(f"  layout alone (no re-clustering): {took:.3f} s")

    # pan and zoom at scale
    X = clustered_vectors(n_pan, seed=3)
    big = make_doc(n_pan, X)
    layout_map(MapRequest.from_document(big, clusters="none"), X).apply(big)
    canvas.set_document(big)
    pump(1.0)
    frames = []
    vb = canvas.getViewBox()
    for step in range(40):
        start = time.perf_counter()
        if step % 2:
            vb.translateBy(x=3.0, y=-2.0)
        else:
            vb.scaleBy((0.97, 0.97) if step % 4 else (1.03, 1.03))
        canvas.viewport().repaint()
        app.processEvents()
        frames.append(time.perf_counter() - start)
    frames = np.array(frames[2:]) * 1000
    labels = sum(label.isVisible() for label in canvas._labels)
    report(f"pan/zoom frame, {n_pan:,} notes (mean; p95 {np.percentile(frames, 95):.1f} ms; {labels} labels)",
           frames.mean(), "ms", 33)
    canvas.hide()
    canvas.deleteLater()

    # embedding in the app with the bundled model: first partial map and heartbeat
    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(model="bundled", settings=QSettings(str(Path(folder) / "s.ini"), QSettings.IniFormat))
        window.show()
        while window.worker.worker.encoder is None:
            pump(0.05)
        notes = Path(folder) / "notes.txt"
        words = "beach snow museum hike budget flight hotel lake city food train kids quiet island".split()
        rng = np.random.default_rng(4)
        notes.write_text("\n\n".join(" ".join(rng.choice(words, 12)) + f" {i}" for i in range(n_embed)))
        gaps, last = [], [time.perf_counter()]

        def beat() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer(interval=10)
        timer.timeout.connect(beat)
        timer.start()
        start = time.perf_counter()
        window.import_paths([notes])
        first = None
        while window.busy or window._recompute_timer.isActive() or first is None:
            pump(0.005)
            if first is None and window.doc.views[2].positions:
                first = time.perf_counter() - start
        took = time.perf_counter() - start
        timer.stop()
        assert len(window.doc.notes) == n_embed, len(window.doc.notes)
        report(f"first partial map while {n_embed:,} notes embed", first, "s", 2.0)
        report(f"longest event-loop stall while {n_embed:,} notes embed ({took:.1f} s, {len(gaps)} beats)",
               max(gaps[3:]) * 1000, "ms", 50)
        window.undo_stack.setClean()
        window.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 instead of 100,000 notes, and so on")
    parser.add_argument("--embed", type=int, default=None, help="notes to embed in the app (default 1,000)")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    core_figures(n)
    app_figures(n_pan=n, n_cached=2_000 if args.quick else 10_000, n_embed=args.embed or (200 if args.quick else 1_000))
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB (max RSS)")


if __name__ == "__main__":
    main()

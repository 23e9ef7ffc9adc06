"""Scale benchmarks: 100,000-note layouts and project files, cached re-instruct, pan/zoom, embedding in the app.

    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/perf/bench_scale.py [--quick] [--n 100000]

Prints one line per figure: name, value, target, MET or MISSED (lines without a target are context). The core
parts (PCA, save/open, memory) need no display; the app parts need one (Xvfb is fine), `--core-only` skips them.
Sizes: --n notes for PCA, project files and pan/zoom (100,000; --quick 10,000), --cached notes for the cached
re-instruct (10,000; --quick 2,000), --embed notes embedded in the app by the bundled model (1,000; --quick 200).
`--stall-trace` samples the window thread's Python stack whenever the heartbeat is late and prints where it was;
`--profile` runs each part under cProfile (window thread only).
"""
from __future__ import annotations

import argparse
import collections
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled model is local; never wait for a network

from threadpoolctl import threadpool_limits  # noqa: E402

from instructor_map.core.commands import AddNotes  # noqa: E402
from instructor_map.core.document import MapDocument, Note  # noqa: E402
from instructor_map.core.map_commands import SetInstruction  # noqa: E402
from instructor_map.core.pca import pca_layout, pca_layouts  # noqa: E402
from instructor_map.core.pipeline import MapRequest, find_clusters, layout_map  # noqa: E402
from instructor_map.core.project_file import load_project, save_project  # noqa: E402

MODEL = "bench-model"
TASK = "Represent the travel note for planning a relaxing family trip: "
TASK_2 = "Represent the travel note for finding a cheap adventure holiday: "
TOPICS = 12
# the app's worker limits BLAS/OpenMP to all cores but one (app/worker.py); layouts and clusters are timed so
APP_THREADS = max(1, (os.cpu_count() or 2) - 1)
WORDS = [
    "beach", "sand", "quiet", "family", "hotel", "budget", "flight", "museum", "hiking", "trail", "mountain",
    "lake", "snorkelling", "reef", "kids", "pool", "breakfast", "train", "ticket", "old", "town", "market",
    "dinner", "sunset", "cruise", "island", "village", "ferry", "car", "rental", "grandparents", "nap", "schedule",
    "weather", "july", "august", "cheap", "expensive", "booking", "walk", "short", "long", "view"
]


# ---- reporting --------------------------------------------------------------------------------------------
def report(name: str, value: float, unit: str, target: float | None = None, note: str = "") -> None:
    """One line per figure: name, value, target and verdict (or "no target" for context lines)."""
    if target is None:
        verdict = "no target"
    else:
        verdict = f"target <= {target:g} {unit}  {'MET' if value <= target else 'MISSED'}"
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    print(f"{name}: {shown} {unit}  | {verdict}{'  | ' + note if note else ''}", flush=True)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def median_time(fn, rounds: int) -> tuple[float, list[float]]:
    times = [timed(fn)[1] for _ in range(rounds)]
    return statistics.median(times), times


def maxrss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


# ---- synthetic data ---------------------------------------------------------------------------------------
def clustered_vectors(n: int, dim: int = 768, topics: int = TOPICS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """L2-normalised float32 rows around `topics` centres, and each row's topic."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    topic = rng.integers(0, topics, n)
    X = centres[topic] + 0.8 * rng.standard_normal((n, dim), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, topic


def short_texts(n: int, topic: np.ndarray, seed: int = 0) -> list[str]:
    """Unique short notes (4-9 words and a number), their first word tied to the topic."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(WORDS), (n, 8))
    lengths = rng.integers(3, 9, n)
    return [f"{WORDS[t * 3 % len(WORDS)]} {' '.join(WORDS[j] for j in row[:k])} {i}"
            for i, (t, row, k) in enumerate(zip(topic.tolist(), picks, lengths.tolist()))]


def paragraphs(n: int, seed: int = 4) -> str:
    """n notes of 10-60 words as blank-line-separated paragraphs (what the text importer reads)."""
    rng = np.random.default_rng(seed)
    return "\n\n".join(" ".join(rng.choice(WORDS, size=rng.integers(10, 61))).capitalize() + f" ({i})."
                       for i in range(n))


def make_doc(n: int, X: np.ndarray, topic: np.ndarray, instruction: str = TASK, with_clusters: bool = True
             ) -> MapDocument:
    """A document of n notes with vectors for `instruction`, laid out in 2D and 3D; clusters = the topics."""
    doc = MapDocument(instruction=instruction, model=MODEL, model_kind="instructor")
    doc.instruction_history.append(instruction)
    AddNotes([Note(f"n{i}", t) for i, t in enumerate(short_texts(n, topic))]).do(doc)
    doc.embeddings.put(MODEL, instruction, doc.texts(), X)
    layout_map(MapRequest.from_document(doc, clusters="none"), X).apply(doc)
    if with_clusters:
        doc.clusters = dict(zip(doc.note_ids, topic.tolist()))
        doc.cluster_labels = {c: f"topic {c}" for c in range(TOPICS)}
    return doc


# ---- core: PCA, project files, memory -----------------------------------------------------------------------
def core_figures(n: int, rounds: int) -> None:
    section(f"core, {n:,} notes of 768-d vectors in {TOPICS} clusters (median of {rounds})")
    X, topic = clustered_vectors(n)
    ids = [f"n{i}" for i in range(n)]
    for dims in (2, 3):
        with threadpool_limits(APP_THREADS):
            took, times = median_time(lambda dims=dims: pca_layout(X, ids, dims=dims), rounds)
        report(f"PCA layout {dims}D, {n:,} notes, {APP_THREADS} BLAS thread(s) as in the worker", took, "s", 2.0,
               "runs " + ", ".join(f"{t:.2f}" for t in times))
    with threadpool_limits(APP_THREADS):
        took, _ = median_time(lambda: pca_layouts(X, ids, (2, 3)), rounds)
    report(f"PCA layouts 2D+3D at once (what the pipeline calls), {n:,} notes", took, "s")
    took, times = median_time(lambda: pca_layouts(X, ids, (2, 3)), rounds)
    report(f"PCA layouts 2D+3D at once, all {os.cpu_count()} BLAS threads (as the CLI runs)", took, "s",
           note="runs " + ", ".join(f"{t:.2f}" for t in times))

    doc, took = timed(lambda: make_doc(n, X, topic))
    report(f"build the document ({n:,} notes, both views, one embedding block)", took, "s")
    with tempfile.TemporaryDirectory(prefix="imap-scale-") as folder:
        path = Path(folder) / "big.imap"
        took, times = median_time(lambda: save_project(doc, path), rounds)
        size = path.stat().st_size / 2**20
        report(f"save project, {n:,} notes with vectors ({size:.0f} MiB file)", took, "s", 3.0,
               "runs " + ", ".join(f"{t:.2f}" for t in times))
        took, times = median_time(lambda: load_project(path), rounds)
        report(f"open project, {n:,} notes with vectors", took, "s", 3.0,
               "runs " + ", ".join(f"{t:.2f}" for t in times))
        loaded = load_project(path)
        assert len(loaded.notes) == n and len(loaded.embeddings) == n, (len(loaded.notes), len(loaded.embeddings))
        assert len(loaded.placements[3].positions) == n
        del loaded

        # the Python side, in a separate traced pass: tracemalloc slows Python code, so nothing here is timed
        report("max RSS after the core figures", maxrss_mib(), "MiB")
        del doc
        tracemalloc.start()
        doc = load_project(path)
        held, peak = tracemalloc.get_traced_memory()
        report(f"tracemalloc: an opened {n:,}-note document holds", held / 2**20, "MiB",
               note=f"peak while opening {peak / 2**20:.0f} MiB")
        tracemalloc.reset_peak()
        save_project(doc, path)
        _, peak = tracemalloc.get_traced_memory()
        report(f"tracemalloc: peak while saving {n:,} notes", (peak - held) / 2**20, "MiB", note="above the document")
        tracemalloc.stop()


# ---- app helpers ------------------------------------------------------------------------------------------
class _Probe:
    """Counts paint events reaching a widget (the QGraphicsView's viewport)."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        probe = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 (Qt name)
                if event.type() == QEvent.Paint:
                    probe.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _pump(app, seconds: float = 0.0) -> None:
    end = time.perf_counter() + seconds
    app.processEvents()
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def _until_painted(app, probe: _Probe, before: int, timeout: float = 10.0) -> None:
    end = time.perf_counter() + timeout
    while probe.count <= before:
        app.processEvents()
        if time.perf_counter() > end:
            raise RuntimeError("the canvas was not repainted")


def _show(app, widget) -> None:
    from PySide6.QtTest import QTest

    widget.resize(1200, 800)
    widget.show()
    QTest.qWaitForWindowExposed(widget)
    _pump(app, 0.3)


# ---- app: cached re-instruct ----------------------------------------------------------------------------------
def reinstruct_figures(app, n: int, rounds: int) -> None:
    from instructor_map.app.canvas2d import MapCanvas2D

    section(f"re-instruct with every note cached, {n:,} notes (median of {rounds}; layout and clusters with "
            f"{APP_THREADS} BLAS thread(s), as in the worker)")
    X, topic = clustered_vectors(n, seed=1)
    doc = make_doc(n, X, topic, with_clusters=False)
    Y, _ = clustered_vectors(n, seed=2)
    doc.embeddings.put(MODEL, TASK_2, doc.texts(), Y)
    layout_map(MapRequest.from_document(doc), X).apply(doc)
    canvas = MapCanvas2D()
    _show(app, canvas)
    canvas.set_document(doc)
    probe = _Probe(canvas.viewport())
    _pump(app, 0.3)
    parts = collections.defaultdict(list)
    for r in range(rounds):
        SetInstruction(TASK_2 if r % 2 == 0 else TASK).do(doc)  # what the app's undo command does
        t0 = time.perf_counter()
        request = MapRequest.from_document(doc)
        t1 = time.perf_counter()
        vectors = doc.embeddings.matrix(doc.model, doc.instruction, request.texts)
        t2 = time.perf_counter()
        with threadpool_limits(APP_THREADS):
            result = layout_map(request, vectors, with_clusters=False)
            t3 = time.perf_counter()
            result.clusters, result.cluster_labels, result.renamed = find_clusters(request, vectors)
            t4 = time.perf_counter()
        result.apply(doc)
        t5 = time.perf_counter()
        before = probe.count
        canvas.refresh()
        _until_painted(app, probe, before)
        t6 = time.perf_counter()
        for name, took in (("request", t1 - t0), ("matrix", t2 - t1), ("layout", t3 - t2), ("clusters", t4 - t3),
                           ("apply", t5 - t4), ("draw", t6 - t5), ("total", t6 - t0)):
            parts[name].append(took)
        _pump(app, 0.2)  # the label pass the refresh scheduled
    med = {k: statistics.median(v) * 1000 for k, v in parts.items()}
    no_clusters = med["total"] - med["clusters"]
    report(f"re-instruct, {n:,} cached notes, core functions in one process and a full redraw (with clusters)",
           med["total"], "ms", note="runs " + ", ".join(f"{t * 1000:.0f}" for t in parts["total"]))
    print("  split (ms, medians): " + ", ".join(f"{k} {med[k]:.0f}" for k in
                                                  ("request", "matrix", "layout", "clusters", "apply", "draw")))
    report(f"re-instruct, {n:,} cached notes, the same before clusters", no_clusters, "ms")
    report(f"re-clustering {n:,} notes (recomputed on each layout)", med["clusters"], "ms")
    canvas.hide()
    canvas.deleteLater()
    _pump(app, 0.05)


def reinstruct_app_figures(app, n: int, rounds: int, dim: int) -> None:
    """The same in the window, as a user sees it: Apply pressed to the new map painted (before its clusters)."""
    from PySide6.QtCore import QSettings

    from instructor_map.app import dialogs
    from instructor_map.app.main_window import MainWindow

    size = {384: "the bundled model's", 768: "instructor-base's"}.get(dim, "")
    section(f"re-instruct in the app, {n:,} cached notes, vectors of {dim} ({size} size; median of {rounds})")
    dialogs.ask_recover = lambda *a, **k: False
    X, topic = clustered_vectors(n, dim=dim, seed=1)  # cached under the bundled model, which need not run
    Y, _ = clustered_vectors(n, dim=dim, seed=2)
    doc = make_doc(n, X, topic)
    doc.model = "bundled"
    doc.embeddings.put("bundled", TASK, doc.texts(), X)
    doc.embeddings.put("bundled", TASK_2, doc.texts(), Y)
    with tempfile.TemporaryDirectory(prefix="imap-reinstruct-") as folder:
        window = MainWindow(model="bundled", settings=QSettings(str(Path(folder) / "s.ini"), QSettings.IniFormat))
        _show(app, window)
        window.session.replace(doc)
        while window.worker.runner.encoder is None or not window.mapping.settled:
            _pump(app, 0.05)
        probe = _Probe(window.canvas.viewport())
        shown = []
        receiver = _receiver_class()(lambda job, result: shown.append(time.perf_counter()), lambda *a: None)
        window.worker.runner.partial.connect(receiver.partial)
        times = []
        for r in range(rounds):
            shown.clear()
            window.instruction_bar.combo.setEditText(TASK_2 if r % 2 == 0 else TASK)
            start = time.perf_counter()
            window.instruction_bar.apply_button.click()
            while not shown:
                _pump(app, 0.001)
            before = probe.count
            _until_painted(app, probe, before)
            times.append(time.perf_counter() - start)
            while not window.mapping.settled:
                _pump(app, 0.05)
            _pump(app, 0.3)
        report(f"re-instruct in the app, {n:,} cached {dim}-d notes, Apply to the new map painted",
               statistics.median(times) * 1000, "ms", 200, "runs " + ", ".join(f"{t * 1000:.0f}" for t in times))
        window.session.stack.set_clean()
        window.close()
        window.worker.stop()
        window.deleteLater()
        _pump(app, 0.05)


# ---- app: pan and zoom --------------------------------------------------------------------------------------
def pan_zoom_figures(app, n: int, frames: int, primary: bool = True) -> None:
    """Frames of programmatic pans and zooms. A frame is timed two ways: the view change, then the event loop
    until the canvas has painted once (what a user sees; the figure with the target), and, as context, the view
    change followed by processEvents() and a forced viewport().repaint(), which paints about twice a frame."""
    from instructor_map.app.canvas2d import MapCanvas2D
    from instructor_map.core.scene.notes import LABEL_CAP

    section(f"2D pan and zoom, {n:,} notes, {frames} frames")
    X, topic = clustered_vectors(n, seed=3)
    doc = make_doc(n, X, topic)
    canvas = MapCanvas2D()
    _show(app, canvas)
    probe = _Probe(canvas.viewport())
    _, took = timed(lambda: canvas.set_document(doc))
    before = probe.count
    start = time.perf_counter()
    _until_painted(app, probe, before)
    report(f"set_document + first paint, {n:,} notes", (took + time.perf_counter() - start) * 1000, "ms",
           note=f"set_document {took * 1000:.0f} ms")
    _pump(app, 0.5)
    vb = canvas.getViewBox()
    vb.scaleBy((0.5, 0.5))  # zoom in a little, as a user looking at a region would
    _pump(app, 0.3)
    (x0, x1), (y0, y1) = vb.viewRange()
    x, y = canvas._pos[:, 0], canvas._pos[:, 1]
    visible = int(((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).sum())

    def change(step: int) -> None:
        if step % 2:
            vb.translateBy(x=2.0 if step % 4 == 1 else -2.0, y=1.0)
        else:
            vb.scaleBy((0.95, 0.95) if step % 4 else (1 / 0.95, 1 / 0.95))

    def painted_once(step: int) -> None:
        before = probe.count
        change(step)
        _until_painted(app, probe, before)

    def forced(step: int) -> None:
        change(step)
        app.processEvents()
        canvas.viewport().repaint()

    results = {}
    for name, frame in (("painted once", painted_once), ("processEvents + repaint()", forced)):
        times, paints = [], probe.count
        for step in range(frames + 2):
            start = time.perf_counter()
            frame(step)
            times.append(time.perf_counter() - start)
        results[name] = (np.array(times[2:]) * 1000, (probe.count - paints) / (frames + 2))  # 2 warm-up frames
        _pump(app, 0.1)
    ms, paints = results["painted once"]
    target = 33 if primary else None
    report(f"pan/zoom frame, {n:,} notes ({visible:,} in view), mean", ms.mean(), "ms", target,
           f"{paints:.2f} paints a frame")
    report(f"pan/zoom frame, {n:,} notes, p95", float(np.percentile(ms, 95)), "ms", target)
    ms, paints = results["processEvents + repaint()"]
    report(f"pan/zoom frame with processEvents() + forced repaint(), {n:,} notes, mean", ms.mean(), "ms",
           note=f"p95 {np.percentile(ms, 95):.1f} ms; {paints:.2f} paints a frame")
    _pump(app, 0.4)  # the label pass after the view stops moving
    _, took = timed(canvas._update_labels)
    shown = canvas.shown_labels()
    cards = sum(label.card for label in shown)
    report(f"label pass when a pan or zoom stops, {n:,} notes", took * 1000, "ms",
           note=f"{len(shown)} note texts visible, {cards} of them cards (label cap {LABEL_CAP})")
    canvas.hide()
    canvas.deleteLater()
    _pump(app, 0.05)


# ---- app: embedding 1,000 notes with the bundled model ----------------------------------------------------
def _receiver_class():
    from PySide6.QtCore import QObject, Slot

    class Receiver(QObject):
        """Made in the window thread, so the worker's signals reach it queued, exactly as they reach the window."""

        def __init__(self, on_partial, on_progress):
            super().__init__()
            self._on_partial, self._on_progress = on_partial, on_progress

        @Slot(int, object)
        def partial(self, job, result) -> None:
            self._on_partial(job, result)

        @Slot(int, int, int)
        def progress(self, job, done, total) -> None:
            self._on_progress(job, done, total)

    return Receiver


SLOW_EVENTS: list[tuple[float, float, str]] = []  # (start, seconds, receiver and event type), with --event-trace


def _timed_app_class():
    """A QApplication that times each event the window thread delivers and keeps those over 5 ms (the window's
    work between heartbeats, C++ painting and the window system's flushes included)."""
    from PySide6.QtWidgets import QApplication

    class TimedApp(QApplication):
        def notify(self, receiver, event):  # noqa: N802 (Qt name)
            start = time.perf_counter()
            try:
                return super().notify(receiver, event)
            finally:
                took = time.perf_counter() - start
                if took > 0.005 and threading.current_thread() is threading.main_thread():
                    SLOW_EVENTS.append((start, took, f"{type(receiver).__name__}:{event.type().name}"))

    return TimedApp


def _schedstat() -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for a CPU) of the calling thread; Linux only, else 0."""
    try:
        with open("/proc/thread-self/schedstat") as fh:
            run, wait = fh.read().split()[:2]
        return int(run) / 1e9, int(wait) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


class StallTracer:
    """A thread that samples the GUI thread's Python stack while the heartbeat is late (more than `late_s`)."""

    def __init__(self, last_beat: list, late_s: float = 0.03):
        self.last_beat, self.late_s = last_beat, late_s
        self.samples: collections.Counter = collections.Counter()
        self.main = threading.main_thread().ident
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            if time.perf_counter() - self.last_beat[0] > self.late_s:
                frame = sys._current_frames().get(self.main)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-6:]
                    self.samples[" <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                                             for f in reversed(stack))] += 1

    def print(self, top: int = 8) -> None:
        total = sum(self.samples.values())
        print(f"  stall samples of the window thread: {total} (every 5 ms while the heartbeat was > 30 ms late)")
        for stack, count in self.samples.most_common(top):
            print(f"    {count:4d}  {stack}")


def embed_figures(app, n: int, stall_trace: bool) -> None:
    from PySide6.QtCore import QSettings, Qt, QTimer

    from instructor_map.app import dialogs
    from instructor_map.app.main_window import MainWindow

    section(f"embedding {n:,} notes in the app with the bundled model (heartbeat every 10 ms)")
    _Receiver = _receiver_class()  # noqa: N806
    problems = []
    dialogs.error = lambda parent, title, message, *a, **k: problems.append(f"{title}: {message}")
    dialogs.ask_recover = lambda *a, **k: False
    with tempfile.TemporaryDirectory(prefix="imap-embed-") as folder:
        settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(model="bundled", settings=settings)
        _show(app, window)
        start = time.perf_counter()
        while window.worker.runner.encoder is None:
            _pump(app, 0.05)
            if time.perf_counter() - start > 300:
                raise RuntimeError("the bundled model did not load")
        report("bundled model preload (window shown to encoder ready)", time.perf_counter() - start, "s")
        notes = Path(folder) / "notes.txt"
        notes.write_text(paragraphs(n), encoding="utf-8")
        window.doc.set_instruction(TASK)  # the task typed before the first import

        def phase(label: str, action) -> None:
            beats, last, last_stat = [], [time.perf_counter()], [_schedstat()]
            marks: dict[str, float] = {}
            partials = [0]

            def beat() -> None:
                now, stat = time.perf_counter(), _schedstat()
                beats.append((now - last[0], now, stat[0] - last_stat[0][0], stat[1] - last_stat[0][1]))
                last[0], last_stat[0] = now, stat

            def on_partial(job, result) -> None:  # queued after the window's own slot, so runs after it
                if job == window.worker.latest and window.canvas._ids:
                    partials[0] += 1
                    marks.setdefault("first partial shown", time.perf_counter())

            def on_progress(job, done, total) -> None:
                if job == window.worker.latest and done:
                    marks.setdefault("first batch shown", time.perf_counter())
                    if done == total:
                        marks.setdefault("last batch shown", time.perf_counter())

            def in_worker(name):  # runs in the worker thread as it emits: when the work was done
                def mark(job, *rest) -> None:
                    if job == window.worker.latest and (name != "batch emitted" or rest[0]):
                        marks.setdefault(f"first {name}", time.perf_counter())
                return mark

            receiver = _Receiver(on_partial, on_progress)  # a QObject of the window thread: queued, as the window
            emitted = {"partial": in_worker("partial emitted"), "progress": in_worker("batch emitted")}
            window.worker.runner.partial.connect(emitted["partial"], Qt.DirectConnection)
            window.worker.runner.progress.connect(emitted["progress"], Qt.DirectConnection)
            window.worker.runner.partial.connect(receiver.partial)
            window.worker.runner.progress.connect(receiver.progress)
            window.mapping.delay.timeout.connect(lambda: marks.setdefault("job sent", time.perf_counter()))
            timer = QTimer(interval=10)
            timer.timeout.connect(beat)
            timer.start()
            _pump(app, 0.1)
            tracer = StallTracer(last) if stall_trace else None
            if tracer:
                tracer.__enter__()
            t0 = time.perf_counter()
            action()
            marks["action returned"] = time.perf_counter()
            while window.mapping.busy or window.mapping.delay.isActive() or "first partial shown" not in marks:
                _pump(app, 0.005)
                if problems:
                    raise RuntimeError(problems[0])
                if time.perf_counter() - t0 > 900:
                    raise RuntimeError("embedding did not finish in 15 minutes")
            took = time.perf_counter() - t0
            marks["finished"] = time.perf_counter()
            _pump(app, 0.6)  # the new map's glide and the label passes after it
            timer.stop()
            if tracer:
                tracer.__exit__()
            window.worker.runner.partial.disconnect(receiver.partial)
            window.worker.runner.progress.disconnect(receiver.progress)
            window.worker.runner.partial.disconnect(emitted["partial"])
            window.worker.runner.progress.disconnect(emitted["progress"])
            window.mapping.delay.timeout.disconnect()
            window.mapping.delay.timeout.connect(window.mapping.recompute)
            during = [b for b in beats if b[1] > t0]
            gap, at, cpu, queued = max(during)
            first = marks["first partial shown"]
            after_first = max(b[0] for b in during if b[1] > first)
            report(f"{label}: first partial map on the canvas", first - t0, "s", 2.0,
                   note=f"{partials[0]} partial maps, done in {took:.1f} s = {n / took:.0f} notes/s")
            timeline = sorted(marks.items(), key=lambda kv: kv[1])
            print("  timeline (s): " + ", ".join(f"{k} {v - t0:.2f}" for k, v in timeline))
            report(f"{label}: longest heartbeat gap", gap * 1000, "ms", 50,
                   note=f"at {at - gap - t0:.2f} s; window thread on a CPU {cpu * 1000:.0f} ms, waiting for a CPU "
                        f"{queued * 1000:.0f} ms, blocked (GIL, X server) {max(0.0, gap - cpu - queued) * 1000:.0f} ms")
            big = [b for b in during if b[0] > 0.05]
            if big:
                print(f"  gaps > 50 ms: {len(big)} of {len(during)} beats, {sum(b[0] for b in big):.1f} s in all: "
                      f"on a CPU {sum(b[2] for b in big) / sum(b[0] for b in big):.0%}, waiting for a CPU "
                      f"{sum(b[3] for b in big) / sum(b[0] for b in big):.0%}, the rest blocked; "
                      f"longest after the first partial {after_first * 1000:.0f} ms")
            if tracer:
                tracer.print()
            slow = [e for e in SLOW_EVENTS if e[0] < at and e[0] + e[1] > at - gap]
            if slow:
                print("  Qt events over 5 ms in the longest gap: " + ", ".join(
                    f"+{(t - at + gap) * 1000:.0f} ms {name} {took * 1000:.0f} ms" for t, took, name in slow))

        beats, last = [], [time.perf_counter()]

        def idle_beat() -> None:
            now = time.perf_counter()
            beats.append(now - last[0])
            last[0] = now

        timer = QTimer(interval=10)
        timer.timeout.connect(idle_beat)
        timer.start()
        _pump(app, 2.0)
        timer.stop()
        report("longest heartbeat gap with the window idle (this machine's noise floor)", max(beats[1:]) * 1000, "ms",
               note=f"{len(beats)} beats in 2 s")
        phase(f"import {n:,} notes", lambda: window.files.import_paths([notes]))
        assert len(window.doc.notes) == n, len(window.doc.notes)
        assert len(window.doc.placements[2].positions) == n and window.doc.clusters
        phase(f"new task for {n:,} notes", lambda: window.session.push(SetInstruction(TASK_2)))
        assert window.doc.embeddings.has_all("bundled", TASK_2, window.doc.texts())
        window.session.stack.set_clean()
        window.close()
        window.deleteLater()
        _pump(app, 0.1)


def profiled(fn, *args) -> None:
    """Run one part under cProfile and print its heaviest calls (the profiler slows Python code: figures from a
    profiled run are not comparable)."""
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.runcall(fn, *args)
    print(f"  -- cProfile of {fn.__name__}, top 25 by cumulative time (window thread only)")
    pstats.Stats(profile, stream=sys.stdout).strip_dirs().sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 instead of 100,000 notes, and so on (< 2 min)")
    parser.add_argument("--n", type=int, help="notes for PCA, project files and pan/zoom (100,000; quick 10,000)")
    parser.add_argument("--cached", type=int, help="notes for the cached re-instruct (10,000; quick 2,000)")
    parser.add_argument("--embed", type=int, help="notes embedded in the app (1,000; quick 200)")
    parser.add_argument("--pan-n", type=int, help="notes for pan/zoom (default --n)")
    parser.add_argument("--frames", type=int, help="pan/zoom frames (40; quick 20)")
    parser.add_argument("--core-only", action="store_true", help="no display needed: PCA, files, memory")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: core,reinstruct,pan,embed")
    parser.add_argument("--stall-trace", action="store_true", help="sample the window thread during stalls")
    parser.add_argument("--event-trace", action="store_true",
                        help="time every Qt event the window handles and list the slow ones in the longest gaps")
    parser.add_argument("--profile", action="store_true",
                        help="run each part under cProfile (window thread only) and print where its time goes")
    args = parser.parse_args()
    quick = args.quick
    n = args.n or (10_000 if quick else 100_000)
    skip = set(filter(None, args.skip.split(",")))
    if args.core_only:
        skip |= {"reinstruct", "pan", "embed"}
    import torch

    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs"
          f"{' (quick)' if quick else ''}", flush=True)
    started = time.perf_counter()
    run = profiled if args.profile else (lambda fn, *a: fn(*a))
    if "core" not in skip:
        run(core_figures, n, 1 if quick else 3)
    if {"reinstruct", "pan", "embed"} - skip:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance() or (_timed_app_class()([]) if args.event_trace else QApplication([]))
        if "reinstruct" not in skip:
            run(reinstruct_figures, app, args.cached or (2_000 if quick else 10_000), 3 if quick else 5)
            for dim in (384, 768):
                run(reinstruct_app_figures, app, args.cached or (2_000 if quick else 10_000), 3 if quick else 5, dim)
        if "pan" not in skip:
            pan_n = args.pan_n or n
            run(pan_zoom_figures, app, pan_n, args.frames or (20 if quick else 40))
            if pan_n >= 100_000:  # the same at a tenth, for scale
                run(pan_zoom_figures, app, pan_n // 10, args.frames or 40, False)
        if "embed" not in skip:
            run(embed_figures, app, args.embed or (200 if quick else 1_000), args.stall_trace)
    section("memory")
    report("peak memory, max RSS of the whole run", maxrss_mib(), "MiB")
    print(f"\ntotal {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()

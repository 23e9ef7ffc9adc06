"""The embedding worker: a QObject in its own QThread that owns the model and runs map jobs and questions.

The work itself is core.pipeline (maps) and core.queries (relevance, similar notes, suggestions, other
layouts); this file only carries requests in and reports out across threads. The model and the clusters run in
the model's own process (core.encoder_process); layouts are computed here, where numpy lets go of the GIL for
their heavy part. The GUI thread never computes an embedding or a layout.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from threadpoolctl import threadpool_limits

from instructor_map.core.arrangement import arrange
from instructor_map.core.cache import embed_cached
from instructor_map.core.errors import InputError
from instructor_map.core.pipeline import MapRequest, MapResult, find_clusters, find_layouts, layout_map
from instructor_map.core.queries import MapSnapshot, QueryMemo

PARTIAL_EVERY_S = 0.5  # at most two partial maps a second
# The model runs in a child process: its Python would otherwise take turns with the window's painting for the GIL.
# False keeps it in this thread (no process can be started, or a test patches the model itself).
MODEL_PROCESS = True


@dataclass
class Job:
    number: int
    request: MapRequest
    model: str | None  # --model value; None = default with offline fallback
    cache: object  # the document's EmbeddingCache; only the worker writes to it while the job runs
    device: str = "auto"
    fast: bool = False
    snapshot: MapSnapshot | None = None  # for a 2D map that is not plain PCA: its arrangement, notes and links


@dataclass
class Task:
    """A question about the map (core.queries): work(encoder, memo, cancelled) runs in the worker."""

    number: int
    kind: str  # what the answer is for, e.g. "relevance"
    work: Callable
    model: str | None
    device: str = "auto"
    fast: bool = False


class EmbedWorker(QObject):
    progress = Signal(int, int, int)  # job, done, total
    partial = Signal(int, object)  # job, MapResult for the notes embedded so far
    finished = Signal(int, object)  # job, MapResult
    failed = Signal(int, str)  # job, one-line message
    cancelled = Signal(int)
    answered = Signal(int, str, object)  # task, kind, answer (None when cancelled)
    taskFailed = Signal(int, str, str)  # task, kind, one-line message
    modelLoaded = Signal(object)  # the Encoder, so the window can show its description

    def __init__(self):
        super().__init__()
        self.encoder = None
        self.latest = 0  # the newest job submitted; older queued jobs are skipped
        self._key = None
        self._cancel = threading.Event()
        self.stopping = threading.Event()  # the window closes: abandon a model still loading
        self._no_process = False  # a model process could not start: keep the model in this thread
        self.memo = QueryMemo()

    def cancel(self) -> None:
        """Thread-safe: the running job stops at the next batch."""
        self._cancel.set()

    def _load(self, job: Job):
        key = (job.model, job.device, job.fast)
        if self.encoder is None or key != self._key or not getattr(self.encoder, "alive", True):
            self.close()
            cores = max(1, (os.cpu_count() or 2) - 1)  # leave a core to the window, so it never stutters
            threadpool_limits(cores)  # BLAS and OpenMP here (k-means, PCA)
            if MODEL_PROCESS and not self._no_process:
                from instructor_map.core.encoder_process import EncoderProcess, ProcessStopped

                try:
                    self.encoder = EncoderProcess(job.model, job.device, job.fast, threads=cores,
                                                  stopping=self.stopping.is_set)
                except ProcessStopped as exc:  # no child process can run here: the model runs in this thread
                    print(f"instructor-map: {exc}; the model runs in the app's worker thread", file=sys.stderr)
                    self._no_process = True
                    return self._load(job)
            else:
                import torch

                from instructor_map.core.encoders import Encoder
                from instructor_map.core.models import resolve_model

                self.encoder = Encoder(resolve_model(job.model), device=job.device, fast=job.fast)
                if self.encoder.device == "cpu":
                    torch.set_num_threads(cores)
            self._key = key
            self.modelLoaded.emit(self.encoder)
        return self.encoder

    def close(self) -> None:
        """Stop the model's process, if there is one."""
        if hasattr(self.encoder, "close"):
            self.encoder.close()
        self.encoder = None

    @Slot(object)
    def preload(self, job: Job) -> None:
        """Load the model (and the libraries behind it) before the first map is asked for."""
        try:
            self._load(job)
        except Exception as exc:  # reported again, as a dialog, when a map is asked for
            print(f"instructor-map: model not preloaded: {exc}", file=sys.stderr)

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.number != self.latest:
            self.cancelled.emit(job.number)
            return
        self._cancel.clear()
        try:
            encoder = self._load(job)
            request = job.request
            vectors = embed_cached(job.cache, encoder, request.instruction, request.texts,
                                   progress=lambda d, t: self.progress.emit(job.number, d, t),
                                   partial=self._partial_reporter(job), cancelled=self._cancel.is_set)
            if vectors is None:
                self.cancelled.emit(job.number)
                return
            # layouts here (sending 10,000 vectors to the model's process costs more than they do)
            result = MapResult(request.ids, request.instruction, vectors, find_layouts(request, vectors), None)
            if job.snapshot is not None:
                result.layouts[2] = self._arranged(job, vectors)
            self.partial.emit(job.number, result)  # the new map shows before its clusters are found
            # the clusters need no places: leave them out of what is pickled for the model's process
            found = self._compute(find_clusters, replace(request, previous={}, pins={}), vectors)
            if found is not None:
                result.clusters, result.cluster_labels, result.renamed = found
            self.finished.emit(job.number, result)
        except InputError as exc:
            self.failed.emit(job.number, str(exc))
        except MemoryError:
            self.failed.emit(job.number, "out of memory while embedding; try fewer notes or another device")
        except Exception as exc:  # a bug: keep the app alive and say what happened
            traceback.print_exc()
            self.failed.emit(job.number, f"embedding failed: {type(exc).__name__}: {exc}")

    def _compute(self, fn, *args):
        """Clusters run in the model's process when it has one: there k-means never holds the GIL that the
        window needs to paint."""
        call = getattr(self.encoder, "call", None)
        return call(fn, *args) if call is not None else fn(*args)

    def _arranged(self, job: Job, vectors: np.ndarray):
        """The 2D layout for a map arranged as an argument or along named axes."""
        snap, request = job.snapshot, job.request
        poles = snap.arrangement.poles()
        pole_vectors = dict(zip(poles, self.memo.vectors(self.encoder, request.instruction, poles))) if poles else {}
        return arrange(snap.arrangement, vectors, request.ids, pole_vectors, snap.graph)

    @Slot(object)
    def answer(self, task: Task) -> None:
        self._cancel.clear()
        try:
            encoder = self._load(task)
            self.answered.emit(task.number, task.kind, task.work(encoder, self.memo, self._cancel.is_set))
        except InputError as exc:
            self.taskFailed.emit(task.number, task.kind, str(exc))
        except Exception as exc:  # a bug: keep the app alive and say what happened
            traceback.print_exc()
            self.taskFailed.emit(task.number, task.kind, f"{type(exc).__name__}: {exc}")

    def _partial_reporter(self, job: Job):
        """Every PARTIAL_EVERY_S, lay out the notes embedded so far and send that map."""
        request = job.request
        done = np.zeros(len(request.ids), dtype=bool)
        vectors: list[np.ndarray | None] = [None] * len(request.ids)
        last = [time.monotonic()]

        def on_partial(indices, vecs) -> None:
            for i, v in zip(indices, vecs):
                done[i], vectors[i] = True, v
            if time.monotonic() - last[0] < PARTIAL_EVERY_S or done.sum() < 3 or done.all():
                return
            last[0] = time.monotonic()
            rows = np.flatnonzero(done)
            sub = MapRequest([request.ids[i] for i in rows], [request.texts[i] for i in rows], request.instruction,
                             request.previous, request.pins, k="none")
            result = layout_map(sub, np.stack([vectors[i] for i in rows]))
            if job.snapshot is not None:  # an arranged 2D map waits for all its notes
                del result.layouts[2]
            self.partial.emit(job.number, result)

        return on_partial


class WorkerThread(QObject):
    """Owns the thread; `submit` queues a job, cancelling the one that runs (its result would be stale)."""

    submitted = Signal(object)
    asked = Signal(object)
    preloading = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        # Painting calls back into Python many times a frame, and each call waits for the GIL that the worker's
        # Python holds: a short switch interval keeps those waits, and so the window's frames, short.
        sys.setswitchinterval(0.0005)
        self.thread = QThread()
        self.thread.setObjectName("embedding worker")
        self.worker = EmbedWorker()
        self.worker.moveToThread(self.thread)
        self.submitted.connect(self.worker.run)
        self.asked.connect(self.worker.answer)
        self.preloading.connect(self.worker.preload)
        self.thread.start()
        self._number = 0
        self._asked = 0

    @property
    def latest(self) -> int:
        return self._number

    def submit(self, request: MapRequest, cache, model: str | None, device: str = "auto", fast: bool = False,
               snapshot: MapSnapshot | None = None) -> int:
        """Queue a map job; `snapshot` when the 2D map is arranged other than by plain PCA."""
        self.worker.cancel()
        self._number += 1
        self.worker.latest = self._number
        self.submitted.emit(Job(self._number, request, model, cache, device, fast, snapshot))
        return self._number

    def ask(self, kind: str, work: Callable, model: str | None, device: str = "auto", fast: bool = False) -> int:
        """Queue a question; the worker answers with `answered(number, kind, answer)`."""
        self._asked += 1
        self.asked.emit(Task(self._asked, kind, work, model, device, fast))
        return self._asked

    def preload(self, model: str | None, device: str = "auto", fast: bool = False) -> None:
        self.preloading.emit(Job(0, None, model, None, device, fast))

    def cancel(self) -> None:
        self.worker.cancel()

    def stop(self) -> None:
        self.worker.stopping.set()
        self.worker.cancel()
        self.thread.quit()
        self.thread.wait()
        self.worker.close()

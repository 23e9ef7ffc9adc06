"""The background worker: a QObject in its own QThread that owns the model and runs map jobs and questions.

The work itself is core.pipeline.run (maps) and core.queries (relevance, similar notes, suggestions, other
layouts); this file only carries requests in and reports out across threads, as signals. The model and the
clusters run in the model's own process (core.encoder_process); layouts are computed here, where numpy lets go
of the GIL for their heavy part. The GUI thread never computes an embedding or a layout.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot
from threadpoolctl import threadpool_limits

from instructor_map.core import pipeline
from instructor_map.core.cache import EmbeddingCache, QueryMemo
from instructor_map.core.errors import InputError
from instructor_map.core.session import MapJob

log = logging.getLogger(__name__)
# The model runs in a child process: its Python would otherwise take turns with the window's painting for the GIL.
# False keeps it in this thread (no process can be started, or a test patches the model itself).
MODEL_PROCESS = True


@dataclass
class ModelChoice:
    model: str | None  # --model value; None = default with offline fallback
    device: str = "auto"
    fast: bool = False

    @property
    def key(self) -> tuple:
        return (self.model, self.device, self.fast)


@dataclass
class Job:
    number: int
    map: MapJob | None  # None: only load the model
    choice: ModelChoice
    cache: EmbeddingCache | None = None  # the document's; only the worker writes to it while the job runs


@dataclass
class Question:
    """A question about the map (core.queries): work(encoder, memo, cancelled) runs in the worker."""

    number: int
    kind: str  # what the answer is for, e.g. "relevance"
    work: Callable
    choice: ModelChoice


class _Reporter:
    """The pipeline's TaskState for one job: its reports become the runner's signals."""

    def __init__(self, runner: JobRunner, number: int):
        self.runner, self.number = runner, number

    def set_progress_value(self, done: int, total: int) -> None:
        self.runner.progress.emit(self.number, done, total)

    def set_partial_result(self, result) -> None:
        self.runner.partial.emit(self.number, result)

    def is_interruption_requested(self) -> bool:
        return self.runner.interrupted.is_set()


class JobRunner(QObject):
    """Lives in the worker thread: loads the model once and runs what the GUI thread sends."""

    progress = Signal(int, int, int)  # job, done, total
    partial = Signal(int, object)  # job, MapResult (notes embedded so far, or the whole map before its clusters)
    finished = Signal(int, object)  # job, MapResult
    failed = Signal(int, str)  # job, one-line message
    cancelled = Signal(int)
    answered = Signal(int, str, object)  # question, kind, answer (None when cancelled)
    questionFailed = Signal(int, str, str)  # question, kind, one-line message
    modelLoaded = Signal(object)  # the Encoder, so the window can show its description

    def __init__(self):
        super().__init__()
        self.encoder = None
        self.latest = 0  # the newest job submitted; older queued jobs are skipped
        self._key = None
        self.interrupted = threading.Event()
        self.stopping = threading.Event()  # the window closes: abandon a model still loading
        self._no_process = False  # a model process could not start: keep the model in this thread
        self.memo = QueryMemo()

    def _load(self, choice: ModelChoice):
        if not self.holds(choice):
            self.close()
            cores = max(1, (os.cpu_count() or 2) - 1)  # leave a core to the window, so it never stutters
            threadpool_limits(cores)  # BLAS and OpenMP here (k-means, PCA)
            if MODEL_PROCESS and not self._no_process:
                from instructor_map.core.encoder_process import EncoderProcess, ProcessStopped

                try:
                    self.encoder = EncoderProcess(choice.model, choice.device, choice.fast, threads=cores,
                                                  stopping=self.stopping.is_set)
                except ProcessStopped as exc:  # no child process can run here: the model runs in this thread
                    log.warning("%s; the model runs in the app's worker thread", exc)
                    self._no_process = True
                    return self._load(choice)
            else:
                import torch

                from instructor_map.core.encoders import Encoder
                from instructor_map.core.models import resolve_model

                self.encoder = Encoder(resolve_model(choice.model), device=choice.device, fast=choice.fast)
                if self.encoder.device == "cpu":
                    torch.set_num_threads(cores)
            self._key = choice.key
            self.modelLoaded.emit(self.encoder)
        return self.encoder

    def holds(self, choice: ModelChoice) -> bool:
        """The model `choice` asks for is loaded and alive."""
        encoder = self.encoder
        return encoder is not None and self._key == choice.key and getattr(encoder, "alive", True)

    def close(self) -> None:
        """Stop the model's process, if there is one."""
        if hasattr(self.encoder, "close"):
            self.encoder.close()
        self.encoder = None

    @Slot(object)
    def preload(self, job: Job) -> None:
        """Load the model (and the libraries behind it) before the first map is asked for."""
        try:
            self._load(job.choice)
        except Exception as exc:  # reported again, as a dialog, when a map is asked for
            if not self.stopping.is_set():  # the window closing stops a load on purpose: nothing to say
                log.warning("model not preloaded: %s", exc)

    @Slot(object)
    def run(self, job: Job) -> None:
        self.interrupted.clear()
        if job.number != self.latest or job.map is None:  # replaced, or cancelled while it waited
            self.cancelled.emit(job.number)
            return
        try:
            encoder = self._load(job.choice)
            request = job.map.request
            result = pipeline.run(request, encoder, job.cache, _Reporter(self, job.number),
                                  lambda poles: self.memo.vectors(encoder, request.instruction, poles))
            if result is None:
                self.cancelled.emit(job.number)
            else:
                self.finished.emit(job.number, result)
        except InputError as exc:
            self.failed.emit(job.number, str(exc))
        except MemoryError:
            self.failed.emit(job.number, "out of memory while embedding; try fewer notes or another device")
        except Exception as exc:  # a bug: keep the app alive and say what happened
            log.exception("the map could not be computed")
            self.failed.emit(job.number, f"embedding failed: {type(exc).__name__}: {exc}")

    @Slot(object)
    def answer(self, question: Question) -> None:
        self.interrupted.clear()
        try:
            encoder = self._load(question.choice)
            answer = question.work(encoder, self.memo, self.interrupted.is_set)
            self.answered.emit(question.number, question.kind, answer)
        except InputError as exc:
            self.questionFailed.emit(question.number, question.kind, str(exc))
        except Exception as exc:  # a bug: keep the app alive and say what happened
            log.exception("a question about the map failed")
            self.questionFailed.emit(question.number, question.kind, f"{type(exc).__name__}: {exc}")


class Worker(QObject):
    """Owns the worker thread; `submit` queues a job, interrupting the one that runs (its result would be stale)."""

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
        self.runner = JobRunner()
        self.runner.moveToThread(self.thread)
        self.submitted.connect(self.runner.run)
        self.asked.connect(self.runner.answer)
        self.preloading.connect(self.runner.preload)
        self.thread.start()
        self._number = 0
        self._asked = 0

    @property
    def latest(self) -> int:
        return self._number

    @property
    def model_loaded(self) -> bool:
        return self.runner.encoder is not None

    def has_model(self, choice: ModelChoice) -> bool:
        """The model `choice` asks for is loaded: a job for it starts embedding at once."""
        return self.runner.holds(choice)

    def submit(self, job: MapJob, cache: EmbeddingCache, choice: ModelChoice) -> int:
        """Queue a map job; its reports come back tagged with the number returned."""
        self.runner.interrupted.set()
        self._number += 1
        self.runner.latest = self._number
        self.submitted.emit(Job(self._number, job, choice, cache))
        return self._number

    def ask(self, kind: str, work: Callable, choice: ModelChoice) -> int:
        """Queue a question; the runner answers with `answered(number, kind, answer)`."""
        self._asked += 1
        self.asked.emit(Question(self._asked, kind, work, choice))
        return self._asked

    def preload(self, choice: ModelChoice) -> None:
        self.preloading.emit(Job(0, None, choice))

    def cancel(self) -> None:
        """Interrupt what runs; a map job still waiting (e.g. behind the model's loading) is dropped too."""
        self.runner.latest = 0
        self.runner.interrupted.set()

    def stop(self) -> None:
        self.runner.stopping.set()
        self.runner.interrupted.set()
        self.thread.quit()
        self.thread.wait()
        self.runner.close()
